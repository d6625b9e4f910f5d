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
        defer { forgetTokenUsers() }
        return try await transaction {
            guard try await sql.select().column("id").from("api_tokens").where("id", .equal, id).first() != nil else { return false }
            try await sql.update("api_tokens").set("revoked", to: 1).where("id", .equal, id).run()
            return true
        }
    }

    /// The user a token speaks for: not revoked, not expired, the user not disabled. Notes when it was last used
    /// (to the minute). Kept for a moment like the node settings (`SettingsCache.lifetime`): an integration polling the
    /// targets is answered without asking the database who it is each time, the busiest query after the targets
    /// themselves (scripts/bench http). A change in this process (a revoked token, a changed or disabled user) is
    /// seen at once; one made by another process within that moment.
    public func tokenUser(tokenHash: String, now: Date = Date()) async throws -> User? {
        if let known = tokenUsers[tokenHash], ContinuousClock.now - known.at < SettingsCache.lifetime,
           known.expires.map({ $0 > Timestamp.iso(now) }) ?? true {
            return known.user
        }
        let generation = credentialGeneration
        guard let (user, expires) = try await readTokenUser(tokenHash: tokenHash, now: now) else { return nil }
        // Not kept when a change in this process overlapped the read.
        if generation == credentialGeneration {
            if tokenUsers.count >= 1000 { tokenUsers.removeAll() }
            tokenUsers[tokenHash] = (user, expires, .now)
        }
        return user
    }

    /// Forgets the users of tokens kept by `tokenUser`: called when a change to tokens or users is done. What was kept
    /// during it is forgotten with the rest, and a read under way when it ends is not kept (the generation moved on).
    func forgetTokenUsers() {
        tokenUsers.removeAll()
        credentialGeneration &+= 1
    }

    private func readTokenUser(tokenHash: String, now: Date) async throws -> (User, expires: String?)? {
        try await exclusive {
            let rows = try await sql.raw("""
                SELECT t.id AS token_id, t.expires_at AS token_expires, t.last_used_at AS token_used, \(unsafeRaw: Store.userWithUnits)
                FROM api_tokens t JOIN users u ON u.id = t.user_id \(unsafeRaw: Store.userUnitsJoin)
                WHERE t.token_hash = \(bind: tokenHash) AND t.revoked = 0 ORDER BY uu.unit_code
                """).all()
            guard let (row, user) = try Store.readCredential(rows) else { return nil }
            let stamp = Timestamp.iso(now)
            // ISO 8601 UTC strings of one format compare in time order.
            let expires = try row.decode(column: "token_expires", as: String?.self)
            if let expires, expires <= stamp { return nil }
            if user.disabled { return nil }
            // Noted at most once a minute: a busy integration should not write on every request.
            if try row.decode(column: "token_used", as: String?.self).map({ $0 < Timestamp.iso(now.addingTimeInterval(-60)) }) ?? true {
                try await sql.update("api_tokens").set("last_used_at", to: stamp)
                    .where("id", .equal, try row.decode(column: "token_id", as: Int.self)).run()
            }
            return (user, expires)
        }
    }
}
