import CordonCore
import Foundation
import SQLKit

/// A sign-in waiting for its second factor: whose, and how many wrong codes it has had.
public struct SignInChallenge: Sendable, Hashable {
    public var username: String
    public var attempts: Int
}

extension Store {
    /// The base32 secret of the user's authenticator, or nil when the user signs in with the password alone.
    public func secondFactorSecret(userID: Int) async throws -> String? {
        try await exclusive {
            let secret = try await sql.select().column("totp_secret").from("users").where("id", .equal, userID).first()?
                .decode(column: "totp_secret", as: String.self) ?? ""
            return secret.isEmpty ? nil : secret
        }
    }

    /// The last step whose code was taken for the user.
    public func secondFactorLastStep(userID: Int) async throws -> Int64 {
        try await exclusive {
            try await sql.select().column("totp_last_step").from("users").where("id", .equal, userID).first()?
                .decode(column: "totp_last_step", as: Int64.self) ?? 0
        }
    }

    /// Turns the second factor on with a confirmed secret (`step`: the step of the code that confirmed it), or off with
    /// nil. Turning it on ends the user's other sessions, opened without it.
    public func setSecondFactor(userID: Int, secret: String?, step: Int64 = 0, keepingSession token: String? = nil) async throws {
        try await transaction {
            try await sql.update("users").set("totp_secret", to: secret ?? "").set("totp_last_step", to: step)
                .where("id", .equal, userID).run()
            guard secret != nil else { return }
            var q = sql.update("sessions").set("revoked", to: 1).where("user_id", .equal, userID)
            if let token { q = q.where("token_hash", .notEqual, token) }
            try await q.run()
        }
    }

    /// Takes a code's step for the user if it is later than every step taken before; false if it was used already.
    /// One conditional update, so that two server processes given the same code take it once.
    public func takeSecondFactorStep(userID: Int, step: Int64) async throws -> Bool {
        try await exclusive {
            try await sql.update("users").set("totp_last_step", to: step)
                .where("id", .equal, userID).where("totp_last_step", .lessThan, step)
                .returning("id").first() != nil
        }
    }

    /// Records a sign-in whose password was right and whose code is awaited; `tokenHash` is the SHA-256 of its cookie.
    public func createSignInChallenge(userID: Int, tokenHash: String, expires: Date, origin: String) async throws {
        try await exclusive {
            // Stale challenges go as new ones come: they are worth nothing after their few minutes.
            try await sql.delete(from: "sign_in_challenges").where("expires_at", .lessThanOrEqual, Store.now()).run()
            try await sql.insert(into: "sign_in_challenges").columns("token_hash", "user_id", "expires_at", "attempts", "origin")
                .values(SQLBind(tokenHash), SQLBind(userID), SQLBind(Timestamp.iso(expires)), SQLBind(0), SQLBind(origin)).run()
        }
    }

    /// The unexpired challenge of a token, or nil.
    public func signInChallenge(tokenHash: String, now: Date = Date()) async throws -> SignInChallenge? {
        try await exclusive {
            guard let r = try await sql.select().columns("user_id", "attempts").from("sign_in_challenges")
                .where("token_hash", .equal, tokenHash).where("expires_at", .greaterThan, Timestamp.iso(now)).first(),
                  let u = try await sql.select().column("username").from("users")
                    .where("id", .equal, try r.decode(column: "user_id", as: Int.self)).first() else { return nil }
            return SignInChallenge(username: try u.decode(column: "username", as: String.self),
                                   attempts: try r.decode(column: "attempts", as: Int.self))
        }
    }

    /// Counts a wrong code; at `limit` wrong codes the challenge ends and the sign-in starts again from the password.
    /// Returns the attempts left.
    public func failSignInChallenge(tokenHash: String, limit: Int) async throws -> Int {
        try await transaction {
            try await sql.raw("UPDATE sign_in_challenges SET attempts = attempts + 1 WHERE token_hash = \(bind: tokenHash)").run()
            let attempts = try await sql.select().column("attempts").from("sign_in_challenges").where("token_hash", .equal, tokenHash)
                .first()?.decode(column: "attempts", as: Int.self) ?? limit
            if attempts >= limit { try await sql.delete(from: "sign_in_challenges").where("token_hash", .equal, tokenHash).run() }
            return max(0, limit - attempts)
        }
    }

    /// Ends a challenge: the code was right, or the sign-in was abandoned.
    public func endSignInChallenge(tokenHash: String) async throws {
        try await exclusive { try await sql.delete(from: "sign_in_challenges").where("token_hash", .equal, tokenHash).run() }
    }
}
