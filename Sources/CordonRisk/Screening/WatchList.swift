import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// One listed person, company or vessel, with every name it is known by.
public struct WatchListEntry: Sendable, Hashable {
    public var id: String
    /// The primary name.
    public var name: String
    /// The primary name and the aliases.
    public var names: [String]

    public init(id: String, name: String, aliases: [String] = []) {
        self.id = id
        self.name = name
        self.names = [name] + aliases.filter { !$0.isEmpty && $0 != name }
    }
}

/// The published formats of watch lists Cordon reads.
public enum WatchListFormat: String, CaseIterable, Sendable {
    /// US Treasury OFAC SDN list, CSV (no header; aliases in the remarks as a.k.a. 'NAME').
    case ofac
    /// UN Security Council consolidated list, XML.
    case un
    /// FollowTheMoney entities, JSON lines (OpenSanctions).
    case ftm
    /// Plain CSV with a header: an id column (id, watch.id, ...) and a name column.
    case csv

    /// Guesses the format from the file name.
    public static func guess(path: String) -> WatchListFormat {
        let lower = path.lowercased()
        if lower.hasSuffix(".xml") { return .un }
        if lower.hasSuffix(".json") || lower.hasSuffix(".jsonl") || lower.contains("ftm") { return .ftm }
        if lower.contains("sdn") || lower.contains("ofac") { return .ofac }
        return .csv
    }
}

/// Why a watch list could not be read; names the file and the place.
public struct WatchListError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// A watch list loaded from a file.
public struct WatchList: Sendable {
    public var entries: [WatchListEntry]

    public init(entries: [WatchListEntry]) {
        self.entries = entries
    }

    public static func load(path: String, format: WatchListFormat? = nil) throws(WatchListError) -> WatchList {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WatchListError(description: "\(path): cannot read the file")
        }
        let format = format ?? .guess(path: path)
        let entries: [WatchListEntry]
        switch format {
        case .ofac: entries = try ofac(data, path: path)
        case .un: entries = try un(data, path: path)
        case .ftm: entries = try ftm(data, path: path)
        case .csv: entries = try csv(data, path: path)
        }
        guard !entries.isEmpty else {
            throw WatchListError(description: "\(path): no entries found reading it as \(format.rawValue); is that its format?")
        }
        return WatchList(entries: entries)
    }

    /// Splits CSV text into records of fields (quoted fields, doubled quotes).
    static func csvRecords(_ text: String) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var chars = text.makeIterator()
        var pending: Character? = nil
        while let ch = pending ?? chars.next() {
            pending = nil
            if quoted {
                if ch == "\"" {
                    if let next = chars.next() {
                        if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                    } else { quoted = false }
                } else { field.append(ch) }
                continue
            }
            switch ch {
            case "\"": quoted = true
            case ",": record.append(field); field = ""
            case "\n", "\r\n", "\r":
                record.append(field); field = ""
                if !(record.count == 1 && record[0].isEmpty) { records.append(record) }
                record = []
            default: field.append(ch)
            }
        }
        if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
        return records
    }

    static func ofac(_ data: Data, path: String) throws(WatchListError) -> [WatchListEntry] {
        let text = String(decoding: data, as: UTF8.self)
        var out: [WatchListEntry] = []
        for (i, r) in csvRecords(text).enumerated() {
            // The published file ends with an end-of-file control character on a line of its own.
            if r.count == 1 && r[0].allSatisfy({ $0.asciiValue.map { $0 < 32 } ?? false }) { continue }
            guard r.count >= 12 else {
                throw WatchListError(description: "\(path): line \(i + 1) has \(r.count) fields, the SDN CSV has 12")
            }
            let name = r[1].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, name != "-0-" else { continue }
            // Aliases appear in the remarks as a.k.a. 'NAME'; (and f.k.a.).
            var aliases: [String] = []
            let remarks = r[11]
            var rest = Substring(remarks)
            while let start = rest.range(of: "k.a. '") {
                rest = rest[start.upperBound...]
                guard let end = rest.firstIndex(of: "'") else { break }
                aliases.append(String(rest[..<end]))
                rest = rest[end...]
            }
            out.append(WatchListEntry(id: "ofac-" + r[0].trimmingCharacters(in: .whitespaces), name: name, aliases: aliases))
        }
        return out
    }

    static func csv(_ data: Data, path: String) throws(WatchListError) -> [WatchListEntry] {
        var records = csvRecords(String(decoding: data, as: UTF8.self))
        guard !records.isEmpty else { return [] }
        let header = records.removeFirst().map { $0.lowercased().trimmingCharacters(in: .whitespaces) }
        guard let nameColumn = header.firstIndex(where: { $0 == "name" || $0.hasSuffix(".name") || $0 == "caption" }) else {
            throw WatchListError(description: "\(path): line 1 has no name column (columns: \(header.joined(separator: ", ")))")
        }
        let idColumn = header.firstIndex { $0 == "id" || $0.hasSuffix(".id") || $0.hasSuffix("_id") }
        return records.enumerated().compactMap { i, r in
            guard nameColumn < r.count, !r[nameColumn].isEmpty else { return nil }
            let id = idColumn.flatMap { $0 < r.count ? r[$0] : nil } ?? "line-\(i + 2)"
            return WatchListEntry(id: id, name: r[nameColumn])
        }
    }

    static func ftm(_ data: Data, path: String) throws(WatchListError) -> [WatchListEntry] {
        var out: [WatchListEntry] = []
        for (i, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() where !line.isEmpty {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                throw WatchListError(description: "\(path): line \(i + 1) is not a JSON object")
            }
            let properties = object["properties"] as? [String: Any] ?? [:]
            let names = (properties["name"] as? [String] ?? []) + (properties["alias"] as? [String] ?? [])
                + (properties["weakAlias"] as? [String] ?? [])
            guard let id = object["id"] as? String, let caption = (object["caption"] as? String) ?? names.first else { continue }
            out.append(WatchListEntry(id: id, name: caption, aliases: names))
        }
        return out
    }

    static func un(_ data: Data, path: String) throws(WatchListError) -> [WatchListEntry] {
        let reader = UNListReader()
        let parser = XMLParser(data: data)
        parser.delegate = reader
        // On Linux, parse() can return true for a document whose tags do not match: check the error too.
        let ok = parser.parse()
        if !ok || parser.parserError != nil {
            let code = (parser.parserError as NSError?)?.code ?? 0
            throw WatchListError(description: "\(path): line \(parser.lineNumber): not well-formed XML (XML parser error \(code))")
        }
        return reader.entries
    }
}

/// Reads INDIVIDUAL and ENTITY elements of the UN consolidated list.
final class UNListReader: NSObject, XMLParserDelegate {
    var entries: [WatchListEntry] = []
    private var inRecord = false
    private var fields: [String: String] = [:]
    private var aliases: [String] = []
    private var text = ""

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if name == "INDIVIDUAL" || name == "ENTITY" {
            inRecord = true
            fields = [:]
            aliases = []
        }
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inRecord { text += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        guard inRecord else { return }
        let value = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        switch name {
        case "DATAID", "FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME", "NAME_ORIGINAL_SCRIPT", "REFERENCE_NUMBER":
            if fields[name] == nil { fields[name] = value }
        case "ALIAS_NAME":
            if !value.isEmpty { aliases.append(value) }
        case "INDIVIDUAL", "ENTITY":
            inRecord = false
            let full = ["FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"].compactMap { fields[$0] }
                .filter { !$0.isEmpty }.joined(separator: " ")
            if !full.isEmpty {
                let original = fields["NAME_ORIGINAL_SCRIPT"].map { [$0] } ?? []
                entries.append(WatchListEntry(id: "un-" + (fields["REFERENCE_NUMBER"] ?? fields["DATAID"] ?? "?"),
                                              name: full, aliases: aliases + original))
            }
        default: break
        }
        text = ""
    }
}
