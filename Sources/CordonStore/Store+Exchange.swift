import CordonCore
import Foundation
import SQLKit

/// A peer node as stored: name, country, inbox base URL, public key (base64).
public struct PeerRecord: Sendable, Hashable {
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

/// What receiving an envelope did.
public enum InboxOutcome: Sendable, Hashable {
    /// Stored now.
    case received
    /// The same envelope (same id and signature) came before: delivered twice, kept once.
    case duplicate
    /// Another envelope with this id came before: refused.
    case replay
}

extension Store {
    /// The node's public identity: its name, country and public key, once `cordon node init` has run.
    public func nodeIdentity() async throws -> PeerRecord? {
        try await cached(\.node) {
            try await exclusive {
                try await sql.select().column("*").from("node_identity").first().map { r in
                    PeerRecord(name: try r.decode(column: "name", as: String.self), country: try r.decode(column: "country", as: String.self),
                               baseURL: "", publicKey: try r.decode(column: "public_key", as: String.self))
                }
            }
        }
    }

    /// Records the node's public identity; a node has one.
    public func setNodeIdentity(name: String, country: String, publicKey: String) async throws {
        try await transaction(forgetting: \.node) {
            try await sql.delete(from: "node_identity").run()
            try await sql.insert(into: "node_identity").columns("name", "country", "public_key", "created_at")
                .values(SQLBind(name), SQLBind(country), SQLBind(publicKey), SQLBind(Store.now())).run()
        }
    }

    /// Adds a peer, or replaces what is known of it.
    public func savePeer(_ peer: PeerRecord) async throws {
        try await transaction(forgetting: \.peers) {
            try await sql.delete(from: "peers").where("name", .equal, peer.name).run()
            try await sql.insert(into: "peers").columns("name", "country", "base_url", "public_key", "added_at")
                .values(SQLBind(peer.name), SQLBind(peer.country), SQLBind(peer.baseURL), SQLBind(peer.publicKey), SQLBind(Store.now())).run()
        }
    }

    /// The peers, by name.
    public func peers() async throws -> [PeerRecord] {
        try await cached(\.peers) {
            try await exclusive {
                try await sql.select().column("*").from("peers").orderBy("name").all().map { r in
                    PeerRecord(name: try r.decode(column: "name", as: String.self), country: try r.decode(column: "country", as: String.self),
                               baseURL: try r.decode(column: "base_url", as: String.self), publicKey: try r.decode(column: "public_key", as: String.self))
                }
            }
        }
    }

    /// Removes a peer; false when there was none of that name. Its envelopes already received stay.
    public func removePeer(_ name: String) async throws -> Bool {
        try await transaction(forgetting: \.peers) {
            guard try await sql.select().column("name").from("peers").where("name", .equal, name).first() != nil else { return false }
            try await sql.delete(from: "peers").where("name", .equal, name).run()
            return true
        }
    }

    /// How many envelopes the inbox holds.
    public func inboxCount() async throws -> Int {
        try await exclusive {
            try await sql.raw("SELECT COUNT(*) AS n FROM inbox").first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }
}
