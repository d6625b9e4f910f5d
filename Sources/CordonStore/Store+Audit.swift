import CordonCore
import Crypto
import Foundation
import SQLKit

/// One entry of the audit log: who did what to what, when and from where.
public struct AuditEntry: Sendable, Hashable {
    /// Position in the chain, from 1; set by the store.
    public var seq: Int
    /// ISO 8601, UTC, milliseconds; set by the store.
    public var at: String
    /// The user (or `system`, or the command line's user).
    public var actor: String
    /// What was done: `sign_in`, `sign_in_failed`, `view_consignment`, `record_result`, `save_user`, ...
    public var action: String
    /// What it was done to: a consignment id, a username, a unit code, ...
    public var subject: String
    /// More, in a few words (no secrets).
    public var details: String
    /// Where from: the client's address, or `cli`.
    public var origin: String
    /// The previous entry's hash and this one's (SHA-256, hex).
    public var previousHash: String
    public var hash: String

    public init(actor: String, action: String, subject: String = "", details: String = "", origin: String = "") {
        self.seq = 0
        self.at = ""
        self.actor = actor
        self.action = action
        self.subject = subject
        self.details = details
        self.origin = origin
        self.previousHash = ""
        self.hash = ""
    }

    /// The hash of an entry: over every field and the previous hash, with lengths, so that no two entries share bytes.
    static func hash(seq: Int, at: String, actor: String, action: String, subject: String, details: String, origin: String,
                     previous: String) -> String {
        let fields = ["\(seq)", at, actor, action, subject, details, origin, previous]
        let bytes = fields.map { "\($0.utf8.count):\($0)" }.joined(separator: "|")
        return SHA256.hash(data: Data(bytes.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// What checking the audit chain found: how many entries are right, and the first that is not, with why.
public struct AuditVerification: Sendable, Hashable {
    public var checked: Int
    public var firstBad: Int?
    public var problem: String?

    public var isIntact: Bool { firstBad == nil }

    public init(checked: Int, firstBad: Int?, problem: String?) {
        self.checked = checked
        self.firstBad = firstBad
        self.problem = problem
    }
}

/// Which entries of the audit log to list.
public struct AuditFilter: Sendable, Hashable {
    public var actor: String?
    public var action: String?
    public var subject: String?
    public var from: CalendarDate?
    public var until: CalendarDate?

    public init(actor: String? = nil, action: String? = nil, subject: String? = nil, from: CalendarDate? = nil, until: CalendarDate? = nil) {
        self.actor = actor
        self.action = action
        self.subject = subject
        self.from = from
        self.until = until
    }
}

extension Store {
    /// The hash the first entry chains to.
    static let auditGenesis = String(repeating: "0", count: 64)

    /// Appends an entry to the audit log, chained to the last one; returns it as stored.
    @discardableResult
    public func audit(_ entry: AuditEntry) async throws -> AuditEntry {
        try await transaction { try await appendAudit(entry) }
    }

    /// Inside a transaction: appends an entry, so that an action and its entry are committed together.
    func appendAudit(_ entry: AuditEntry) async throws -> AuditEntry {
        let last = try await sql.raw("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").first()
        var e = entry
        e.seq = (try last?.decode(column: "seq", as: Int.self) ?? 0) + 1
        e.at = Store.now(milliseconds: true)
        e.previousHash = try last?.decode(column: "hash", as: String.self) ?? Store.auditGenesis
        e.hash = AuditEntry.hash(seq: e.seq, at: e.at, actor: e.actor, action: e.action, subject: e.subject, details: e.details,
                                 origin: e.origin, previous: e.previousHash)
        try await sql.insert(into: "audit_log")
            .columns("seq", "at", "actor", "action", "subject", "details", "origin", "previous_hash", "hash")
            .values(SQLBind(e.seq), SQLBind(e.at), SQLBind(e.actor), SQLBind(e.action), SQLBind(e.subject), SQLBind(e.details),
                    SQLBind(e.origin), SQLBind(e.previousHash), SQLBind(e.hash)).run()
        return e
    }

    /// Checks the whole chain: every entry's hash, its link to the one before, and that no position is missing.
    public func verifyAudit() async throws -> AuditVerification {
        try await exclusive {
            var previous = Store.auditGenesis
            var expected = 1
            var checked = 0
            // Read in pages, so that a log of years does not sit in memory at once.
            while true {
                let rows = try await sql.raw("SELECT * FROM audit_log WHERE seq >= \(bind: expected) ORDER BY seq LIMIT 5000").all()
                if rows.isEmpty { break }
                for r in rows {
                    let e = try Store.readAudit(r)
                    if e.seq != expected { return AuditVerification(checked: checked, firstBad: expected, problem: "entry \(expected) is missing") }
                    if e.previousHash != previous {
                        return AuditVerification(checked: checked, firstBad: e.seq, problem: "entry \(e.seq) does not follow entry \(e.seq - 1)")
                    }
                    let hash = AuditEntry.hash(seq: e.seq, at: e.at, actor: e.actor, action: e.action, subject: e.subject, details: e.details,
                                               origin: e.origin, previous: e.previousHash)
                    if hash != e.hash { return AuditVerification(checked: checked, firstBad: e.seq, problem: "entry \(e.seq) was altered") }
                    previous = e.hash
                    expected += 1
                    checked += 1
                }
            }
            return AuditVerification(checked: checked, firstBad: nil, problem: nil)
        }
    }

    /// Entries matching `filter`, newest first.
    public func auditEntries(_ filter: AuditFilter, limit: Int = 200, offset: Int = 0) async throws -> [AuditEntry] {
        try await exclusive {
            var q: SQLQueryString = "SELECT * FROM audit_log WHERE 1 = 1"
            if let actor = filter.actor { q = q + " AND actor = \(bind: actor)" }
            if let action = filter.action { q = q + " AND action = \(bind: action)" }
            if let subject = filter.subject { q = q + " AND subject = \(bind: subject)" }
            if let from = filter.from { q = q + " AND at >= \(bind: from.description)" }
            if let until = filter.until { q = q + " AND at < \(bind: until.adding(days: 1).description)" }
            q = q + " ORDER BY seq DESC LIMIT \(bind: limit) OFFSET \(bind: offset)"
            return try await sql.raw(q).all().map(Store.readAudit)
        }
    }

    static func readAudit(_ r: any SQLRow) throws -> AuditEntry {
        var e = AuditEntry(actor: try r.decode(column: "actor", as: String.self), action: try r.decode(column: "action", as: String.self),
                           subject: try r.decode(column: "subject", as: String.self), details: try r.decode(column: "details", as: String.self),
                           origin: try r.decode(column: "origin", as: String.self))
        e.seq = try r.decode(column: "seq", as: Int.self)
        e.at = try r.decode(column: "at", as: String.self)
        e.previousHash = try r.decode(column: "previous_hash", as: String.self)
        e.hash = try r.decode(column: "hash", as: String.self)
        return e
    }
}
