/// A record kept aside because it could not be accepted: where it was, which field, why, and its raw text.
public struct RejectedRecord: Hashable, Codable, Sendable {
    public var file: String
    /// Line of a CSV record, or `segment N` of an EDIFACT interchange.
    public var line: Int
    /// What `line` counts: `line` or `segment`.
    public var unit: String
    public var field: String
    public var reason: String
    /// The record as it was read, so that nothing is lost and it can be corrected and sent again.
    public var raw: String

    public init(file: String, line: Int, unit: String = "line", field: String, reason: String, raw: String) {
        self.file = file
        self.line = line
        self.unit = unit
        self.field = field
        self.reason = reason
        self.raw = raw
    }
}

extension Sequence<UInt8> {
    /// Lower-case hexadecimal, for digests.
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in self {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
