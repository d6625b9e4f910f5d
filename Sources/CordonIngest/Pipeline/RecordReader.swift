import CordonCore
import Foundation

/// One record of a file read for analysis (scoring, training) rather than storage.
public struct ReadRecord: Sendable {
    public var line: Int
    /// The document number as written, even when the record could not be read.
    public var documentNumber: String
    /// The record, normalised when it passes validation and as read when it does not; nil when unreadable.
    public var consignment: Consignment?
    /// Why the record was unreadable or failed validation, if it did.
    public var problem: String?
}

/// Reads every record of a declarations file in order, keeping records that fail validation (a score is still
/// owed to each of them), for the `score` and `simulate` protocols.
public enum RecordReader {
    public static func read(path: String, format: CargoFormat, mapping custom: ColumnMapping? = nil) throws -> [ReadRecord] {
        guard let mapping = custom ?? ColumnMapping.builtIn(for: format) else { throw IngestError.badMapping("the \(format.rawValue) format needs a column mapping") }
        let (reader, decompressor, _) = try IngestPipeline.openCSV(path: path, separator: mapping.separator?.utf8.first)
        defer { decompressor?.terminate() }
        guard let header = try reader.next() else { return [] }
        let file = (path as NSString).lastPathComponent
        let mapper = try RowMapper(mapping: mapping, header: header.fields, file: file, separator: reader.separator)
        var out: [ReadRecord] = []
        while let record = try reader.next() {
            let document = mapper.documentNumber(of: record) ?? ""
            switch mapper.build(record, file: file) {
            case .accepted(let raw):
                switch mapper.validator.validate(raw) {
                case .accepted(let c): out.append(ReadRecord(line: record.line, documentNumber: document, consignment: c))
                case .rejected(let issues):
                    out.append(ReadRecord(line: record.line, documentNumber: document, consignment: raw,
                                          problem: issues.map { "\($0.field): \($0.reason)" }.joined(separator: "; ")))
                }
            case .rejected(let r):
                out.append(ReadRecord(line: record.line, documentNumber: document, consignment: nil, problem: "\(r.field): \(r.reason)"))
            case .merged:
                break
            }
        }
        return out
    }
}
