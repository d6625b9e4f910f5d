import CordonCore

/// One UN/EDIFACT segment: tag, data elements (each a list of components), and where it stood.
public struct Segment: Sendable, Hashable {
    public var tag: String
    /// Data elements after the tag; each element is its list of components (released characters resolved).
    public var elements: [[String]]
    /// 1-based position of the segment in the interchange (UNA not counted).
    public var index: Int
    /// The segment's raw text, for the quarantine.
    public var raw: String

    /// Component `c` of element `e` (0-based, element 0 is the first after the tag), nil when absent or empty.
    public subscript(_ e: Int, _ c: Int = 0) -> String? {
        guard e < elements.count, c < elements[e].count, !elements[e][c].isEmpty else { return nil }
        return elements[e][c]
    }
}

/// The service string advice (UNA): the six characters that delimit an interchange.
public struct ServiceCharacters: Sendable, Hashable {
    public var component: UInt8 = UInt8(ascii: ":")
    public var element: UInt8 = UInt8(ascii: "+")
    public var decimal: UInt8 = UInt8(ascii: ".")
    public var release: UInt8? = UInt8(ascii: "?")
    public var segment: UInt8 = UInt8(ascii: "'")
    public init() {}
}

/// Something wrong in an interchange, located by segment number.
public struct EnvelopeIssue: Sendable, Hashable, CustomStringConvertible {
    public var segment: Int
    public var field: String
    public var reason: String
    public var severity: ValidationIssue.Severity

    public var description: String { "segment \(segment): \(field): \(reason)" }
}

/// A message (UNH ... UNT) of an interchange.
public struct EDIFACTMessage: Sendable {
    public var reference: String
    /// Message type, version, release, agency and association code from UNH S009 (e.g. BAPLIE D 95B UN SMDG20).
    public var type: String
    public var version: String
    public var release: String
    public var association: String
    /// The segments from UNH to UNT inclusive (UNT absent when the message is truncated).
    public var segments: [Segment]
    /// False when UNT is missing: the message was cut off.
    public var complete: Bool
    /// The functional group (UNG reference), if the message was in one.
    public var group: String?
    /// The interchange date (UNB S004) as a fallback document date.
    public var interchangeDate: CalendarDate?

    public var raw: String { segments.map(\.raw).joined(separator: "\n") }
}

/// A parsed interchange: its envelope facts, messages and the problems found in its structure.
public struct Interchange: Sendable {
    public var syntax: String = ""
    public var syntaxVersion: String = ""
    public var sender: String = ""
    public var recipient: String = ""
    public var reference: String = ""
    public var date: CalendarDate?
    public var service = ServiceCharacters()
    public var messages: [EDIFACTMessage] = []
    public var issues: [EnvelopeIssue] = []
    public var segmentCount = 0
}

/// ISO 9735 lexer: UNA service string advice, release character, segment terminators with or without newlines,
/// UNB/UNG/UNH/UNT/UNE/UNZ envelopes and their control counts, and the character repertoires UNOA to UNOY.
public enum EDIFACTLexer {
    /// Splits bytes into segments (without interpreting envelopes).
    public static func segments(_ bytes: [UInt8]) -> (ServiceCharacters, [Segment], [EnvelopeIssue]) {
        var sc = ServiceCharacters()
        var pos = 0
        var issues: [EnvelopeIssue] = []
        // Skip a UTF-8 byte-order mark and leading whitespace.
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { pos = 3 }
        while pos < bytes.count && isWhitespace(bytes[pos]) { pos += 1 }
        if bytes.count >= pos + 9 && bytes[pos] == 85 && bytes[pos + 1] == 78 && bytes[pos + 2] == 65 {
            sc.component = bytes[pos + 3]
            sc.element = bytes[pos + 4]
            sc.decimal = bytes[pos + 5]
            sc.release = bytes[pos + 6] == 32 ? nil : bytes[pos + 6]
            sc.segment = bytes[pos + 8]
            pos += 9
        }
        // The character set is known only once UNB is read; decode with the UNB syntax identifier afterwards.
        var rawSegments: [(elements: [[[UInt8]]], raw: ArraySlice<UInt8>)] = []
        var elements: [[[UInt8]]] = []
        var components: [[UInt8]] = []
        var current: [UInt8] = []
        var segStart = pos
        var i = pos
        var sawContent = false
        while i < bytes.count {
            let b = bytes[i]
            if let r = sc.release, b == r {
                if i + 1 < bytes.count {
                    current.append(bytes[i + 1])
                    i += 2
                    sawContent = true
                    continue
                }
                i += 1
                continue
            }
            if (b == 13 || b == 10) && b != sc.segment {
                // Line breaks between segments and inside wrapped lines carry no data.
                if !sawContent { segStart = i + 1 }
                i += 1
                continue
            }
            sawContent = true
            if b == sc.component {
                components.append(current); current = []
            } else if b == sc.element {
                components.append(current); current = []
                elements.append(components); components = []
            } else if b == sc.segment {
                components.append(current); current = []
                elements.append(components); components = []
                rawSegments.append((elements, bytes[segStart..<(i + 1)]))
                elements = []
                sawContent = false
                segStart = i + 1
            } else {
                current.append(b)
            }
            i += 1
        }
        if sawContent {
            components.append(current)
            elements.append(components)
            let rest = bytes[segStart..<bytes.count]
            if !rest.allSatisfy(isWhitespace) {
                rawSegments.append((elements, rest))
                issues.append(EnvelopeIssue(segment: rawSegments.count, field: "(segment)",
                                            reason: "not terminated by the segment terminator: the file is truncated",
                                            severity: .error))
            }
        }
        // Decode with the repertoire named in UNB (first element, first component).
        var decoder = CharacterDecoder(syntax: "UNOC")
        if let unb = rawSegments.first, unb.elements.first?.first.map({ String(decoding: $0, as: UTF8.self) }) == "UNB",
           unb.elements.count > 1, let syntax = unb.elements[1].first {
            decoder = CharacterDecoder(syntax: String(decoding: syntax, as: UTF8.self))
        }
        var segments: [Segment] = []
        segments.reserveCapacity(rawSegments.count)
        for (n, s) in rawSegments.enumerated() {
            let tagBytes = s.elements.first?.first ?? []
            let tag = String(decoding: tagBytes, as: UTF8.self).trimmingSpaces()
            let els = s.elements.dropFirst().map { $0.map { decoder.decode($0) } }
            segments.append(Segment(tag: tag, elements: Array(els), index: n + 1, raw: decoder.decode(Array(s.raw))))
        }
        return (sc, segments, issues)
    }

    /// Parses a whole interchange and checks its envelopes and control counts.
    public static func parse(_ bytes: [UInt8]) -> Interchange {
        var x = Interchange()
        let (sc, segments, lexIssues) = segments(bytes)
        x.service = sc
        x.issues = lexIssues
        x.segmentCount = segments.count
        func issue(_ s: Int, _ field: String, _ reason: String, _ severity: ValidationIssue.Severity = .error) {
            x.issues.append(EnvelopeIssue(segment: s, field: field, reason: reason, severity: severity))
        }
        var idx = 0
        if let first = segments.first, first.tag == "UNB" {
            x.syntax = first[0, 0] ?? ""
            x.syntaxVersion = first[0, 1] ?? ""
            x.sender = first[1, 0] ?? ""
            x.recipient = first[2, 0] ?? ""
            x.date = first[3, 0].flatMap(ediDate)
            x.reference = first[4, 0] ?? ""
            if !CharacterDecoder.known.contains(x.syntax) {
                issue(1, "UNB", "unknown syntax identifier '\(x.syntax)', read as UTF-8", .warning)
            }
            idx = 1
        } else {
            issue(1, "UNB", "the interchange does not start with UNB", .warning)
        }
        var groupRef: String?
        var groupMessages = 0
        var groupStart = 0
        var topLevelCount = 0   // messages, or groups when groups are used
        var sawUNZ = false
        while idx < segments.count {
            let s = segments[idx]
            switch s.tag {
            case "UNG":
                if groupRef != nil { issue(s.index, "UNE", "group \(groupRef!) is not closed by UNE before the next UNG") }
                groupRef = s[4, 0] ?? ""
                groupMessages = 0
                groupStart = s.index
                topLevelCount += 1
                idx += 1
            case "UNE":
                let count = s[0, 0].flatMap { Int($0) }
                if count != groupMessages {
                    issue(s.index, "UNE", "control count is \(s[0, 0] ?? "missing"), the group has \(groupMessages) message(s)")
                }
                if s[1, 0] != groupRef {
                    issue(s.index, "UNE", "reference \(s[1, 0] ?? "missing") does not match UNG reference \(groupRef ?? "none")")
                }
                groupRef = nil
                idx += 1
            case "UNH":
                var m = EDIFACTMessage(reference: s[0, 0] ?? "", type: s[1, 0] ?? "", version: s[1, 1] ?? "",
                                       release: s[1, 2] ?? "", association: s[1, 4] ?? "", segments: [s],
                                       complete: false, group: groupRef, interchangeDate: x.date)
                idx += 1
                while idx < segments.count {
                    let t = segments[idx]
                    if t.tag == "UNH" || t.tag == "UNZ" || t.tag == "UNE" || t.tag == "UNG" { break }
                    m.segments.append(t)
                    idx += 1
                    if t.tag == "UNT" {
                        m.complete = true
                        let count = t[0, 0].flatMap { Int($0) }
                        if count != m.segments.count {
                            issue(t.index, "UNT", "segment count is \(t[0, 0] ?? "missing"), message \(m.reference) has \(m.segments.count) segments (UNH to UNT)")
                        }
                        if t[1, 0] != m.reference {
                            issue(t.index, "UNT", "reference \(t[1, 0] ?? "missing") does not match UNH reference \(m.reference)")
                        }
                        break
                    }
                }
                if groupRef != nil { groupMessages += 1 } else { topLevelCount += 1 }
                x.messages.append(m)
            case "UNZ":
                sawUNZ = true
                let count = s[0, 0].flatMap { Int($0) }
                if count != topLevelCount {
                    issue(s.index, "UNZ", "control count is \(s[0, 0] ?? "missing"), the interchange has \(topLevelCount) \(groupStart > 0 ? "group(s)" : "message(s)")")
                }
                if s[1, 0] != x.reference {
                    issue(s.index, "UNZ", "reference \(s[1, 0] ?? "missing") does not match UNB reference \(x.reference)")
                }
                idx += 1
                if idx < segments.count {
                    issue(segments[idx].index, "(segment)", "\(segments.count - idx) segment(s) after UNZ are ignored", .warning)
                    idx = segments.count
                }
            default:
                issue(s.index, s.tag.isEmpty ? "(segment)" : s.tag, "segment outside any message is ignored", .warning)
                idx += 1
            }
        }
        if groupRef != nil { issue(groupStart, "UNE", "group \(groupRef!) is not closed by UNE: the interchange is truncated") }
        if !sawUNZ && segments.first?.tag == "UNB" {
            issue(segments.count, "UNZ", "no UNZ trailer: the interchange is truncated")
        }
        return x
    }

    /// Reads `CCYYMMDD`, `YYMMDD` or the start of `CCYYMMDDHHMM`.
    public static func ediDate(_ text: String) -> CalendarDate? {
        let d = Array(text.utf8)
        guard d.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        func n(_ r: Range<Int>) -> Int { d[r].reduce(0) { $0 * 10 + Int($1 - 48) } }
        switch d.count {
        case 6, 10: return CalendarDate(year: CalendarDate.century(n(0..<2)), month: n(2..<4), day: n(4..<6))
        case 8, 12, 14: return CalendarDate(year: n(0..<4), month: n(4..<6), day: n(6..<8))
        default: return nil
        }
    }

    static func isWhitespace(_ b: UInt8) -> Bool { b == 32 || b == 9 || b == 10 || b == 13 }
}

/// Decodes element bytes by the syntax identifier of UNB: ASCII levels A/B, ISO 8859 parts for C to K,
/// UTF-8 for W and Y. Bytes that are valid UTF-8 are read as UTF-8 whatever the label, since senders
/// often label UTF-8 data as UNOC.
struct CharacterDecoder {
    static let known: Set<String> = ["UNOA", "UNOB", "UNOC", "UNOD", "UNOE", "UNOF", "UNOG", "UNOH", "UNOI",
                                     "UNOJ", "UNOK", "UNOX", "UNOY", "UNOW", "KECA", "IATA", "IATB"]
    let syntax: String

    func decode(_ bytes: [UInt8]) -> String {
        if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        if let utf8 = String(validating: bytes, as: UTF8.self) { return utf8 }
        var out = String.UnicodeScalarView()
        for b in bytes {
            if b < 0xA0 || syntax != "UNOE" {
                out.append(UnicodeScalar(b))  // ISO 8859-1 maps bytes to the same code points
            } else {
                // ISO 8859-5 (Cyrillic).
                let scalar: UInt32
                switch b {
                case 0xA0: scalar = 0xA0
                case 0xAD: scalar = 0xAD
                case 0xF0: scalar = 0x2116
                case 0xFD: scalar = 0xA7
                default: scalar = 0x0360 + UInt32(b)
                }
                out.append(UnicodeScalar(scalar) ?? "?")
            }
        }
        return String(out)
    }
}
