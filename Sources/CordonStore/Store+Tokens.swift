import CordonCore
import Foundation
import SQLKit

/// An API token as listed: never the token itself, which only its holder has.
public struct APITokenInfo: Sendable, Hashable {
    public var id: Int
    public var username: String
    public var name: String
    public var createdBy: String
    public var createdAt: String
    public var expiresAt: String?
    public var revoked: Bool
    public var lastUsedAt: String?
}

extension Store {
    /// Stores a new token for a user; `tokenHash` is the SHA-256 of the token. Returns the token's id.
    public func createToken(username: String, name: String, tokenHash: String, expires: Date?, by creator: String) async throws -> Int {
        try await transaction {
            guard let user = try await sql.select().columns("id", "disabled").from("users").where("username", .equal, username).first() else {
                throw AccountStoreError.unknownUser(username)
            }
            let row = try await sql.insert(into: "api_tokens")
                .columns("token_hash", "user_id", "name", "created_by", "created_at", "expires_at", "revoked")
                .values(SQLBind(tokenHash), SQLBind(try user.decode(column: "id", as: Int.self)), SQLBind(name), SQLBind(creator),
                        SQLBind(Store.now()), SQLBind(expires.map { Timestamp.iso($0) }), SQLBind(0))
                .returning("id").first()
            guard let id = try row?.decode(column: "id", as: Int.self) else { throw StoreError.query("the new token has no id") }
            return id
        }
    }

    /// Every token, newest first, or one user's.
    public func tokens(username: String? = nil) async throws -> [APITokenInfo] {
        try await exclusive {
            let rows = try await sql.raw("""
                SELECT t.id, u.username, t.name, t.created_by, t.created_at, t.expires_at, t.revoked, t.last_used_at
                FROM api_tokens t JOIN users u ON u.id = t.user_id
                WHERE \(bind: username == nil ? 1 : 0) = 1 OR u.username = \(bind: username ?? "")
                ORDER BY t.id DESC
                """).all()
            return try rows.map { r in
                APITokenInfo(id: try r.decode(column: "id", as: Int.self), username: try r.decode(column: "username", as: String.self),
                             name: try r.decode(column: "name", as: String.self), createdBy: try r.decode(column: "created_by", as: String.self),
                             createdAt: try r.decode(column: "created_at", as: String.self),
                             expiresAt: try r.decode(column: "expires_at", as: String?.self),
                             revoked: try r.decode(column: "revoked", as: Int.self) != 0,
                             lastUsedAt: try r.decode(column: "last_used_at", as: String?.self))
            }
        }
    }

    /// Revokes a token for good; false when there is no such token.
    public func revokeToken(id: Int) async throws -> Bool {
        try await transaction {
            guard try await sql.select().column("id").from("api_tokens").where("id", .equal, id).first() != nil else { return false }
            try await sql.update("api_tokens").set("revoked", to: 1).where("id", .equal, id).run()
            return true
        }
    }

    /// The user a token speaks for: not revoked, not expired, the user not disabled. Notes when it was last used
    /// (to the minute).
    public func tokenUser(tokenHash: String, now: Date = Date()) async throws -> User? {
        try await exclusive {
            guard let row = try await sql.select().columns("id", "user_id", "expires_at", "last_used_at").from("api_tokens")
                .where("token_hash", .equal, tokenHash).where("revoked", .equal, 0).first() else { return nil }
            let stamp = Timestamp.iso(now)
            // ISO 8601 UTC strings of one format compare in time order.
            if let expires = try row.decode(column: "expires_at", as: String?.self), expires <= stamp { return nil }
            // Noted at most once a minute: a busy integration should not write on every request.
            if try row.decode(column: "last_used_at", as: String?.self).map({ $0 < Timestamp.iso(now.addingTimeInterval(-60)) }) ?? true {
                try await sql.update("api_tokens").set("last_used_at", to: stamp)
                    .where("id", .equal, try row.decode(column: "id", as: Int.self)).run()
            }
            guard let u = try await sql.select().column("*").from("users")
                .where("id", .equal, try row.decode(column: "user_id", as: Int.self)).first() else { return nil }
            let user = try await readUser(u)
            return user.disabled ? nil : user
        }
    }
}
