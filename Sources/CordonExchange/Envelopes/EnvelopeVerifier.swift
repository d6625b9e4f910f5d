import CordonCore
import Crypto
import Foundation

/// A node this node exchanges with: name, country, where its inbox is, and its public key.
public struct Peer: Hashable, Sendable {
    public var name: String
    public var country: String
    public var baseURL: String
    public var publicKey: String

    public init(name: String, country: String, baseURL: String, publicKey: String) {
        self.name = name
        self.country = country
        self.baseURL = baseURL
        self.publicKey = publicKey
    }
}

extension Peer {
    /// A peer as typed by an operator, checked: the name, the country (normalised), an http(s) address and a public
    /// key. The field and the reason when something is wrong.
    public static func checked(name: String, country: String, baseURL: String, publicKey: String)
        -> Result<Peer, PeerProblem> {
        let name = name.trimmingCharacters(in: .whitespaces), url = baseURL.trimmingCharacters(in: .whitespaces)
        guard User.isValidUsername(name) else { return .failure(PeerProblem(field: "name", reason: "1 to 64 letters, digits, '.', '-' or '_'")) }
        guard case .valid(let code, _) = CountryCode.check(country) else {
            return .failure(PeerProblem(field: "country", reason: "'\(country)' is not an ISO 3166-1 alpha-2 country"))
        }
        guard let u = URL(string: url), ["https", "http"].contains(u.scheme ?? ""), u.host != nil else {
            return .failure(PeerProblem(field: "url", reason: "an http(s) address, such as https://cordon.customs.uz"))
        }
        let key = publicKey.trimmingCharacters(in: .whitespacesAndNewlines)
        do { _ = try NodeIdentity.publicKey(base64: key) } catch { return .failure(PeerProblem(field: "key", reason: error.description)) }
        return .success(Peer(name: name, country: code, baseURL: url, publicKey: key))
    }
}

/// What is wrong with a peer as typed: the field and the reason.
public struct PeerProblem: Error, Hashable, Sendable, CustomStringConvertible {
    public let field: String
    public let reason: String
    public var description: String { "\(field): \(reason)" }
}

/// Why an envelope was refused: each says what a receiving node logs.
public enum EnvelopeRejection: Error, Hashable, Sendable, CustomStringConvertible {
    case unknownPeer(String)
    case badSignature(sender: String)
    case stale(created: String)
    case fromTheFuture(created: String)
    case replay(id: String)
    case malformed(String)

    public var description: String {
        switch self {
        case .unknownPeer(let node): "unknown peer '\(node)': add it with cordon peer add"
        case .badSignature(let node): "the signature does not match the key of '\(node)': altered on the way, or not from it"
        case .stale(let created): "created \(created), older than the accepted window"
        case .fromTheFuture(let created): "created \(created), later than now allows"
        case .replay(let id): "a different envelope with id \(id) was received before"
        case .malformed(let why): "not an envelope: \(why)"
        }
    }
}

/// Checks an incoming envelope: a known peer, its signature, its age. Replays are judged by the caller, which
/// knows what it received before (see `Verdict`).
public struct EnvelopeVerifier: Sendable {
    public var peers: [Peer]
    /// How old an envelope may be: a peer down for hours still delivers its outbox, a copy from last month does not.
    public var window: TimeInterval
    /// Clock difference tolerated for envelopes dated ahead of now.
    public var skew: TimeInterval

    public init(peers: [Peer], window: TimeInterval = 7 * 86400, skew: TimeInterval = 300) {
        self.peers = peers
        self.window = window
        self.skew = skew
    }

    /// The sending peer of an envelope whose signature and age are right.
    public func verify(_ signed: SignedEnvelope, now: Date = Date()) throws(EnvelopeRejection) -> Peer {
        let e = signed.envelope
        guard let peer = peers.first(where: { $0.name == e.senderNode }) else { throw .unknownPeer(e.senderNode) }
        guard let key = try? NodeIdentity.publicKey(base64: peer.publicKey), let signature = Data(base64Encoded: signed.signature),
              let bytes = try? e.signedBytes, key.isValidSignature(signature, for: bytes) else {
            throw .badSignature(sender: e.senderNode)
        }
        guard let created = Envelope.date(e.created) else { throw .malformed("created '\(e.created)' is not ISO 8601") }
        if created < now.addingTimeInterval(-window) { throw .stale(created: e.created) }
        if created > now.addingTimeInterval(skew) { throw .fromTheFuture(created: e.created) }
        return peer
    }
}
