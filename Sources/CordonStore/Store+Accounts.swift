import CordonCore
import Foundation
import SQLKit

/// Why an account operation was refused.
public enum AccountStoreError: Error, CustomStringConvertible, Sendable {
    case usernameTaken(String)
    case unknownUser(String)
    case unknownUnit(String)
    case unknownAgency(String)

    public var description: String {
        switch self {
        case .usernameTaken(let name): "a user named '\(name)' exists already"
        case .unknownUser(let name): "no user named '\(name)'"
        case .unknownUnit(let code): "no unit with code '\(code)'"
        case .unknownAgency(let code): "no agency with code '\(code)': add it first (cordon agency save, or the administration page)"
        }
    }
}

/// A live session as its user and administrators see it: a short id (the start of its token's hash), when and
/// where it was opened, when it ends.
public struct SessionInfo: Sendable, Hashable {
    public var id: String
    public var created: String
    public var expires: String
    public var origin: String
}

/// A signed-in session: who, and the token that forms must carry back.
public struct SessionRecord: Sendable {
    public var user: User
    public var csrfToken: String
}

extension Store {
    /// Adds a user with an already hashed password; returns the user's id.
    public func createUser(_ user: User, passwordHash: String) async throws -> Int {
        try await transaction {
            if try await sql.select().column("id").from("users").where("username", .equal, user.username).first() != nil {
                throw AccountStoreError.usernameTaken(user.username)
            }
            for unit in user.units where try await sql.select().column("code").from("units").where("code", .equal, unit).first() == nil {
                throw AccountStoreError.unknownUnit(unit)
            }
            try await checkAgency(user.agency)
            let row = try await sql.insert(into: "users")
                .columns("username", "display_name", "password_hash", "role", "agency", "language", "disabled", "created_at")
                .values(SQLBind(user.username), SQLBind(user.displayName), SQLBind(passwordHash), SQLBind(user.role.rawValue),
                        SQLBind(user.agency), SQLBind(user.language.rawValue), SQLBind(user.disabled ? 1 : 0), SQLBind(Store.now()))
                .returning("id").first()
            let id = try row?.decode(column: "id", as: Int.self) ?? 0
            for unit in Set(user.units) {
                try await sql.insert(into: "user_units").columns("user_id", "unit_code").values(SQLBind(id), SQLBind(unit)).run()
            }
            return id
        }
    }

    /// Once a node lists its agencies, a user belongs to one of them (a node without the list takes any name).
    private func checkAgency(_ code: String) async throws {
        let listed = try await sql.select().column("code").from("agencies").all().map { try $0.decode(column: "code", as: String.self) }
        if !listed.isEmpty && !listed.contains(code) { throw AccountStoreError.unknownAgency(code) }
    }

    /// Every user, by username, with the time their lock ends if they are locked.
    public func users(now: Date = Date()) async throws -> [(user: User, lockedUntil: String?)] {
        try await exclusive {
            let stamp = Timestamp.iso(now)
            var out: [(User, String?)] = []
            for r in try await sql.select().column("*").from("users").orderBy("username").all() {
                let until = try r.decode(column: "locked_until", as: String?.self)
                out.append((try await readUser(r), until.flatMap { $0 > stamp ? $0 : nil }))
            }
            return out
        }
    }

    /// Changes a user's name, role, agency, units, language and whether they are disabled. Disabling keeps the
    /// user and their history, and ends their sessions and API tokens at once (the node's other server processes
    /// refuse the tokens within the two seconds they keep a token's user, see `tokenUser`).
    public func updateUser(_ user: User) async throws {
        defer { forgetTokenUsers() }
        try await transaction {
            guard let row = try await sql.select().column("id").from("users").where("username", .equal, user.username).first() else {
                throw AccountStoreError.unknownUser(user.username)
            }
            let id = try row.decode(column: "id", as: Int.self)
            for unit in user.units where try await sql.select().column("code").from("units").where("code", .equal, unit).first() == nil {
                throw AccountStoreError.unknownUnit(unit)
            }
            try await checkAgency(user.agency)
            try await sql.update("users").set("display_name", to: user.displayName).set("role", to: user.role.rawValue)
                .set("agency", to: user.agency).set("language", to: user.language.rawValue).set("disabled", to: user.disabled ? 1 : 0)
                .where("id", .equal, id).run()
            try await sql.delete(from: "user_units").where("user_id", .equal, id).run()
            for unit in Set(user.units) {
                try await sql.insert(into: "user_units").columns("user_id", "unit_code").values(SQLBind(id), SQLBind(unit)).run()
            }
            if user.disabled {
                try await sql.update("sessions").set("revoked", to: 1).where("user_id", .equal, id).run()
                try await sql.update("api_tokens").set("revoked", to: 1).where("user_id", .equal, id).run()
            }
        }
    }

    /// A user and their password hash, by username.
    public func account(_ username: String) async throws -> (user: User, passwordHash: String)? {
        try await exclusive {
            guard let r = try await sql.select().column("*").from("users").where("username", .equal, username).first() else { return nil }
            return (try await readUser(r), try r.decode(column: "password_hash", as: String.self))
        }
    }

    /// True while the account is locked after repeated failed sign-ins.
    public func isLocked(userID: Int, now: Date = Date()) async throws -> Bool {
        try await exclusive {
            guard let until = try await sql.select().column("locked_until").from("users").where("id", .equal, userID).first()?
                .decode(column: "locked_until", as: String?.self) else { return false }
            // ISO 8601 UTC strings of one format compare in time order.
            return until > Timestamp.iso(now)
        }
    }

    /// Counts a failed sign-in; the `limit`-th in a row locks the account for `lockFor` seconds. True when it locked.
    @discardableResult
    public func recordFailedSignIn(userID: Int, limit: Int, lockFor: TimeInterval, now: Date = Date()) async throws -> Bool {
        try await transaction {
            try await sql.raw("UPDATE users SET failed_sign_ins = failed_sign_ins + 1 WHERE id = \(bind: userID)").run()
            let failed = try await sql.select().column("failed_sign_ins").from("users").where("id", .equal, userID).first()?
                .decode(column: "failed_sign_ins", as: Int.self) ?? 0
            guard failed >= limit else { return false }
            try await sql.update("users").set("failed_sign_ins", to: 0)
                .set("locked_until", to: Timestamp.iso(now.addingTimeInterval(lockFor)))
                .where("id", .equal, userID).run()
            return true
        }
    }

    /// Ends a lock at once (an administrator, after checking who was locked out).
    public func unlock(userID: Int) async throws {
        try await recordSignIn(userID: userID)
    }

    /// A successful sign-in clears the count of failures.
    public func recordSignIn(userID: Int) async throws {
        try await exclusive {
            try await sql.update("users").set("failed_sign_ins", to: 0).set("locked_until", to: SQLLiteral.null)
                .where("id", .equal, userID).run()
        }
    }

    /// Replaces a user's password hash and revokes their sessions (a changed password signs out everywhere else).
    public func setPasswordHash(userID: Int, _ hash: String, keepingSession token: String? = nil) async throws {
        try await transaction {
            try await sql.update("users").set("password_hash", to: hash).where("id", .equal, userID).run()
            var q = sql.update("sessions").set("revoked", to: 1).where("user_id", .equal, userID)
            if let token { q = q.where("token_hash", .notEqual, token) }
            try await q.run()
        }
    }

    /// Sets the language a user reads the workspace in.
    public func setLanguage(userID: Int, _ language: Language) async throws {
        defer { forgetTokenUsers() }
        try await exclusive { try await sql.update("users").set("language", to: language.rawValue).where("id", .equal, userID).run() }
    }

    func readUser(_ r: any SQLRow) async throws -> User {
        let units = try await sql.select().column("unit_code").from("user_units").where("user_id", .equal, try r.decode(column: "id", as: Int.self))
            .orderBy("unit_code").all().map { try $0.decode(column: "unit_code", as: String.self) }
        return try Store.readUser(r, units: units)
    }

    static func readUser(_ r: any SQLRow, units: [String]) throws -> User {
        let id = try r.decode(column: "id", as: Int.self)
        let role = try r.decode(column: "role", as: String.self)
        let language = try r.decode(column: "language", as: String.self)
        guard let role = Role(rawValue: role), let language = Language(rawValue: language) else {
            throw StoreError.query("user \(id) has an unknown role or language: \(role) \(language)")
        }
        return User(id: id, username: try r.decode(column: "username", as: String.self),
                    displayName: try r.decode(column: "display_name", as: String.self), role: role,
                    agency: try r.decode(column: "agency", as: String.self), units: units, language: language,
                    disabled: try r.decode(column: "disabled", as: Int.self) != 0)
    }

    /// The columns and joins that read a user with its units in one query, one row per unit (see `readCredential`):
    /// every request is signed in by a session or a token, and three round trips for it were a good part of its time.
    static let userWithUnits = "u.*, uu.unit_code AS member_unit"
    static let userUnitsJoin = "LEFT JOIN user_units uu ON uu.user_id = u.id"

    /// The credential row (the first; session or token columns beside the user's) and its user, from the rows of a
    /// query with `userWithUnits`; nil when there are none.
    static func readCredential(_ rows: [any SQLRow]) throws -> (row: any SQLRow, user: User)? {
        guard let first = rows.first else { return nil }
        let units = try rows.compactMap { try $0.decode(column: "member_unit", as: String?.self) }
        return (first, try readUser(first, units: units))
    }

    /// Opens a session for a user; `tokenHash` is the SHA-256 of the cookie's token.
    public func createSession(userID: Int, tokenHash: String, csrfToken: String, expires: Date, origin: String = "") async throws {
        try await exclusive {
            try await sql.insert(into: "sessions")
                .columns("token_hash", "user_id", "csrf_token", "created_at", "expires_at", "revoked", "origin")
                .values(SQLBind(tokenHash), SQLBind(userID), SQLBind(csrfToken), SQLBind(Store.now()),
                        SQLBind(Timestamp.iso(expires)), SQLBind(0), SQLBind(String(origin.prefix(100))))
                .run()
        }
    }

    /// Characters of a token's hash that name its session on pages: enough to tell sessions apart, too few to use.
    public static let sessionIDLength = 12

    /// The user's sessions that are neither ended nor expired, newest first.
    public func liveSessions(userID: Int, now: Date = Date()) async throws -> [SessionInfo] {
        try await exclusive {
            try await sql.select().columns("token_hash", "created_at", "expires_at", "origin").from("sessions")
                .where("user_id", .equal, userID).where("revoked", .equal, 0).where("expires_at", .greaterThan, Timestamp.iso(now))
                .orderBy("created_at", .descending).all().map { r in
                    SessionInfo(id: String(try r.decode(column: "token_hash", as: String.self).prefix(Store.sessionIDLength)),
                                created: try r.decode(column: "created_at", as: String.self),
                                expires: try r.decode(column: "expires_at", as: String.self),
                                origin: try r.decode(column: "origin", as: String.self))
                }
        }
    }

    /// Ends the user's sessions: the one named by `id` (see `SessionInfo.id`), or all of them but `keeping` (a token
    /// hash). Returns how many were ended.
    @discardableResult
    public func endSessions(userID: Int, id: String? = nil, keeping: String? = nil, now: Date = Date()) async throws -> Int {
        try await transaction {
            let rows = try await sql.select().columns("token_hash", "expires_at").from("sessions")
                .where("user_id", .equal, userID).where("revoked", .equal, 0).all()
            var ended = 0
            for r in rows where try r.decode(column: "expires_at", as: String.self) > Timestamp.iso(now) {
                // The id names a session by the start of its hash; the full hash comes from this user's rows, never from the input.
                let hash = try r.decode(column: "token_hash", as: String.self)
                guard hash != keeping, id.map({ $0.count == Store.sessionIDLength && hash.hasPrefix($0) }) ?? true else { continue }
                try await sql.update("sessions").set("revoked", to: 1).where("token_hash", .equal, hash).run()
                ended += 1
            }
            return ended
        }
    }

    /// The live session of a token: not revoked, not expired, its user not disabled.
    public func session(tokenHash: String, now: Date = Date()) async throws -> SessionRecord? {
        try await exclusive {
            let rows = try await sql.raw("""
                SELECT s.csrf_token AS session_csrf, s.expires_at AS session_expires, \(unsafeRaw: Store.userWithUnits)
                FROM sessions s JOIN users u ON u.id = s.user_id \(unsafeRaw: Store.userUnitsJoin)
                WHERE s.token_hash = \(bind: tokenHash) AND s.revoked = 0 ORDER BY uu.unit_code
                """).all()
            guard let (s, user) = try Store.readCredential(rows) else { return nil }
            // ISO 8601 UTC strings of one format compare in time order.
            guard try s.decode(column: "session_expires", as: String.self) > Timestamp.iso(now), !user.disabled else { return nil }
            return SessionRecord(user: user, csrfToken: try s.decode(column: "session_csrf", as: String.self))
        }
    }

    /// Ends a session (sign-out).
    public func revokeSession(tokenHash: String) async throws {
        try await exclusive { try await sql.update("sessions").set("revoked", to: 1).where("token_hash", .equal, tokenHash).run() }
    }
}

/// An agency that staffs units: customs, police, drug control, border service, ...
public struct Agency: Sendable, Hashable {
    public var code: String
    public var name: String

    public init(code: String, name: String) {
        self.code = code
        self.name = name
    }
}

extension Store {
    /// The node's agencies, by code.
    public func agencies() async throws -> [Agency] {
        try await exclusive {
            try await sql.select().columns("code", "name").from("agencies").orderBy("code").all().map {
                Agency(code: try $0.decode(column: "code", as: String.self), name: try $0.decode(column: "name", as: String.self))
            }
        }
    }

    /// Adds an agency or renames one.
    public func saveAgency(_ agency: Agency) async throws {
        try await transaction {
            if try await sql.select().column("code").from("agencies").where("code", .equal, agency.code).first() != nil {
                try await sql.update("agencies").set("name", to: agency.name).set("updated_at", to: Store.now())
                    .where("code", .equal, agency.code).run()
            } else {
                try await sql.insert(into: "agencies").columns("code", "name", "updated_at")
                    .values(SQLBind(agency.code), SQLBind(agency.name), SQLBind(Store.now())).run()
            }
        }
    }
}
