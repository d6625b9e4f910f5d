import CordonCore

extension APITargetList {
    /// The list as JSON: the same bytes as `APIJSON.response` writes with JSONEncoder (snake_case keys, sorted,
    /// slashes unescaped), written directly. Encoding through Codable was a fifth of the CPU time of a targets request
    /// (perf during scripts/bench http), the API's busiest answer; a test holds the two byte for byte.
    func json() -> [UInt8] {
        var w = JSONBytes()
        w.out.reserveCapacity(1024 + targets.count * 768)
        w.raw("{\"date\":"); w.string(date.description)
        w.raw(",\"targets\":[")
        for (i, t) in targets.enumerated() {
            if i > 0 { w.raw(",") }
            w.raw("{\"consignment_id\":"); w.raw(String(t.consignmentId))
            w.raw(",\"containers\":"); w.strings(t.containers)
            w.raw(",\"document_number\":"); w.string(t.documentNumber)
            w.raw(",\"kind\":"); w.string(t.kind.rawValue)
            w.raw(",\"lane\":"); w.string(t.lane.rawValue)
            w.raw(",\"profiles\":"); w.strings(t.profiles)
            w.raw(",\"rank\":"); w.raw(String(t.rank))
            w.raw(",\"reasons\":"); w.strings(t.reasons)
            w.raw(",\"route\":"); w.strings(t.route)
            w.raw(",\"score\":"); w.number(t.score)
            w.raw(",\"selection\":"); w.string(t.selection.rawValue)
            w.raw("}")
        }
        w.raw("],\"total\":"); w.raw(String(total))
        w.raw(",\"unit\":"); w.string(unit)
        w.raw("}")
        return w.out
    }
}

/// JSON text written piece by piece, with JSONEncoder's escaping and number forms.
struct JSONBytes {
    var out: [UInt8] = []

    mutating func raw(_ text: String) { out.append(contentsOf: text.utf8) }

    mutating func string(_ text: String) {
        out.append(UInt8(ascii: "\""))
        // Most texts need no escape: copied whole.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out.append(contentsOf: text.utf8)
            out.append(UInt8(ascii: "\""))
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0x08: raw("\\b")
            case 0x0C: raw("\\f")
            case ..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                raw("\\u00"); out.append(hex[Int(byte >> 4)]); out.append(hex[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    mutating func strings(_ list: [String]) {
        out.append(UInt8(ascii: "["))
        for (i, s) in list.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            string(s)
        }
        out.append(UInt8(ascii: "]"))
    }

    /// A finite number as JSONEncoder writes it (its shortest form, without a trailing ".0"); scores are finite.
    mutating func number(_ value: Double) {
        var text = value.isFinite ? value.description : "0"
        if text.hasSuffix(".0") { text.removeLast(2) }
        raw(text)
    }
}
