import CordonCore
import Crypto
import Foundation

/// Who a message goes to (DESIGN.md glossary).
public enum Channel: Hashable, Sendable, Codable {
    /// One unit, by its code and its node.
    case unit(node: String, code: String)
    /// All units of one country.
    case country(String)
    /// The units of a pair of countries.
    case bilateral(String, String)
    /// Every node of the network.
    case network
    /// An operation's closed group.
    case operation(String)
}

/// A message between nodes, as its sender wrote it: unique id, time, sending node and unit, channel, kind, and
/// the content as JSON text (its shape depends on the kind).
public struct Envelope: Hashable, Sendable, Codable {
    public var id: String
    /// ISO 8601, UTC, to the millisecond (delivery latency is measured against it).
    public var created: String
    public var senderNode: String
    public var senderUnit: String
    public var channel: Channel
    public var kind: String
    public var content: String

    public init(id: String = UUID().uuidString.lowercased(), created: Date = Date(), senderNode: String, senderUnit: String,
                channel: Channel, kind: String, content: String) {
        self.id = id
        self.created = Envelope.timestamp(created)
        self.senderNode = senderNode
        self.senderUnit = senderUnit
        self.channel = channel
        self.kind = kind
        self.content = content
    }

    /// A time as envelopes write it: ISO 8601 in UTC with milliseconds.
    public static func timestamp(_ date: Date) -> String {
        Timestamp.iso(date, milliseconds: true)
    }

    /// An envelope's time, with or without fractions of a second.
    public static func date(_ text: String) -> Date? {
        Timestamp.date(text)
    }

    /// The bytes that are signed: the envelope as JSON with sorted keys, so that both sides compute the same.
    public var signedBytes: Data {
        get throws {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return try encoder.encode(self)
        }
    }

    /// Signs the envelope with the node's key.
    public func signed(by identity: NodeIdentity) throws -> SignedEnvelope {
        SignedEnvelope(envelope: self, signature: try identity.privateKey.signature(for: signedBytes).base64EncodedString())
    }
}

/// An envelope and its sender's Ed25519 signature (base64) over `Envelope.signedBytes`.
public struct SignedEnvelope: Hashable, Sendable, Codable {
    public var envelope: Envelope
    public var signature: String
}
