import CordonCore
import Foundation

/// How the columns of a CSV file become Cordon fields: the mapping file of the `manifest` format, and the
/// built-in definitions of the `kcs` and `bacuda` formats.
public struct ColumnMapping: Codable, Sendable {
    /// The document kind of every row (default `bl`).
    public var kind: DocumentKind = .billOfLading
    /// Date layout with `yyyy`, `yy`, `MM`, `dd` and any separators, e.g. `dd.MM.yyyy` (default `yyyy-MM-dd`).
    public var dateFormat: String = "yyyy-MM-dd"
    /// `.` or `,` (decimal comma).
    public var decimalSeparator: String = "."
    /// Grouping separator to ignore in numbers (` `, `.`, `,` or `'`), if the file uses one.
    public var thousandsSeparator: String?
    /// Field separator; detected from the header line when absent.
    public var separator: String?
    /// Currency of the values when the file has no currency column.
    public var currency: String?
    /// `standard` (ISO 3166, UN/LOCODE, checked) or `pseudonymous` (opaque codes kept as they are).
    public var places: String = "standard"
    /// Pad shorter HS codes with leading zeros to this width (spreadsheets drop the zero of chapters 01-09).
    public var hsCodeWidth: Int?
    /// Source column → Cordon field (the fields are listed in docs/ingest.md).
    public var columns: [String: String]
    /// Per Cordon field, source value → Cordon value (e.g. transport mode codes).
    public var values: [String: [String: String]] = [:]
    /// Cordon fields that must be present and non-empty in every row.
    public var required: [String] = ["documentNumber", "date"]
    /// Consecutive rows with the same document number are one document with several goods items and
    /// containers (the usual manifest layout). Default true; false makes each row a document of its own.
    public var groupRows: Bool = true

    public init(kind: DocumentKind = .billOfLading, dateFormat: String = "yyyy-MM-dd", decimalSeparator: String = ".",
                places: String = "standard", hsCodeWidth: Int? = nil, columns: [String: String],
                values: [String: [String: String]] = [:], required: [String] = ["documentNumber", "date"],
                groupRows: Bool = true) {
        self.kind = kind
        self.dateFormat = dateFormat
        self.decimalSeparator = decimalSeparator
        self.places = places
        self.hsCodeWidth = hsCodeWidth
        self.columns = columns
        self.values = values
        self.required = required
        self.groupRows = groupRows
    }

    enum CodingKeys: String, CodingKey {
        case kind, dateFormat, decimalSeparator, thousandsSeparator, separator, currency, places, hsCodeWidth,
             columns, values, required, groupRows
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decodeIfPresent(DocumentKind.self, forKey: .kind) ?? .billOfLading
        dateFormat = try c.decodeIfPresent(String.self, forKey: .dateFormat) ?? "yyyy-MM-dd"
        decimalSeparator = try c.decodeIfPresent(String.self, forKey: .decimalSeparator) ?? "."
        thousandsSeparator = try c.decodeIfPresent(String.self, forKey: .thousandsSeparator)
        separator = try c.decodeIfPresent(String.self, forKey: .separator)
        currency = try c.decodeIfPresent(String.self, forKey: .currency)
        places = try c.decodeIfPresent(String.self, forKey: .places) ?? "standard"
        hsCodeWidth = try c.decodeIfPresent(Int.self, forKey: .hsCodeWidth)
        columns = try c.decode([String: String].self, forKey: .columns)
        values = try c.decodeIfPresent([String: [String: String]].self, forKey: .values) ?? [:]
        required = try c.decodeIfPresent([String].self, forKey: .required) ?? ["documentNumber", "date"]
        groupRows = try c.decodeIfPresent(Bool.self, forKey: .groupRows) ?? true
    }

    /// Checks that every target is a known field; names the first wrong one.
    public func validateTargets() throws(IngestError) {
        for (column, target) in columns.sorted(by: { $0.key < $1.key }) {
            if RowMapper.Field(target) == nil {
                throw .badMapping("column '\(column)' maps to unknown field '\(target)'")
            }
        }
        if decimalSeparator != "." && decimalSeparator != "," {
            throw .badMapping("decimalSeparator must be \".\" or \",\", not '\(decimalSeparator)'")
        }
        if let s = separator, s.utf8.count != 1 { throw .badMapping("separator must be one character, not '\(s)'") }
        if places != "standard" && places != "pseudonymous" {
            throw .badMapping("places must be \"standard\" or \"pseudonymous\", not '\(places)'")
        }
        guard DateLayout(dateFormat) != nil else { throw .badMapping("dateFormat '\(dateFormat)' needs yyyy or yy, MM and dd") }
    }
}

/// Why an ingest run could not run at all (bad records never cause this; they go to the quarantine).
public enum IngestError: Error, CustomStringConvertible, Sendable {
    case badMapping(String)
    case missingColumns(file: String, columns: [String])
    case unreadable(file: String, reason: String)

    public var description: String {
        switch self {
        case .badMapping(let why): return "mapping: \(why)"
        case .missingColumns(let file, let columns):
            return "\(file): the header lacks the column(s) \(columns.joined(separator: ", "))"
        case .unreadable(let file, let reason): return "\(file): \(reason)"
        }
    }
}

/// A compiled date layout: positions of year, month and day in a fixed-width date text.
struct DateLayout: Sendable {
    let yearRange: Range<Int>
    let monthRange: Range<Int>
    let dayRange: Range<Int>
    let length: Int

    init?(_ format: String) {
        let f = Array(format.utf8)
        func find(_ token: String) -> Range<Int>? {
            let t = Array(token.utf8)
            guard f.count >= t.count else { return nil }
            for i in 0...(f.count - t.count) where Array(f[i..<i + t.count]) == t { return i..<i + t.count }
            return nil
        }
        guard let y = find("yyyy") ?? find("yy"), let m = find("MM"), let d = find("dd") else { return nil }
        yearRange = y
        monthRange = m
        dayRange = d
        length = f.count
    }

    func parse(_ text: String) -> CalendarDate? {
        // Read in place: a copy of the bytes into an array was an allocation for every date of a file.
        var text = text
        return text.withUTF8 { parse(bytes: $0) }
    }

    func parse(bytes all: UnsafeBufferPointer<UInt8>) -> CalendarDate? {
        var bytes = all
        // Tolerate a time after the date (`2020-01-01 00:00:00`).
        if bytes.count > length, bytes[length] == 32 || bytes[length] == 84 { bytes = UnsafeBufferPointer(rebasing: all[0..<length]) }
        guard bytes.count == length else { return nil }
        func number(_ r: Range<Int>) -> Int? {
            var v = 0
            for b in bytes[r] {
                guard b >= 48 && b <= 57 else { return nil }
                v = v * 10 + Int(b - 48)
            }
            return v
        }
        guard var y = number(yearRange), let m = number(monthRange), let d = number(dayRange) else { return nil }
        if yearRange.count == 2 { y = CalendarDate.century(y) }
        return CalendarDate(year: y, month: m, day: d)
    }
}
