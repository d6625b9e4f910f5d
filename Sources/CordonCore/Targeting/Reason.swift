/// Why a consignment scored as it did: the kind of reason and the values it names, so that each reader gets it
/// in their language (CordonRisk words it). A plain text is a reason too, for what no code describes.
public struct Reason: Hashable, Sendable, Codable {
    /// What kind of reason (`profile`, `past_rate`, `watch_list`, ...), or `text`.
    public var code: String
    /// The values the sentence names, by name.
    public var values: [String: String]

    public init(_ code: String, _ values: [String: String] = [:]) {
        self.code = code
        self.values = values
    }

    /// A reason that is only words, in whatever language they were written.
    public static func text(_ words: String) -> Reason { Reason("text", ["text": words]) }

    enum CodingKeys: String, CodingKey { case code, values }

    /// Reads `{"code": ..., "values": {...}}`, or a plain string (reasons stored before they had codes). The
    /// object is tried first: it is what is stored now, and a failed attempt costs an error.
    public init(from decoder: any Decoder) throws {
        if let c = try? decoder.container(keyedBy: CodingKeys.self) {
            code = try c.decode(String.self, forKey: .code)
            values = try c.decodeIfPresent([String: String].self, forKey: .values) ?? [:]
        } else {
            self = .text(try decoder.singleValueContainer().decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(code, forKey: .code)
        try c.encode(values, forKey: .values)
    }
}
