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
    /// Lower-case hexadecimal, for digests. Inlinable so that a caller's digest type is iterated directly:
    /// every stored document's hash goes through here.
    @inlinable public var hexString: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(underestimatedCount * 2)
        for b in self {
            let high = b >> 4, low = b & 15
            bytes.append(high < 10 ? 48 + high : 87 + high)   // 87 + 10 is "a"
            bytes.append(low < 10 ? 48 + low : 87 + low)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
