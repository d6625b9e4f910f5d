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
    public static func hash(seq: Int, at: String, actor: String, action: String, subject: String, details: String, origin: String,
                     previous: String) -> String {
        let fields = ["\(seq)", at, actor, action, subject, details, origin, previous]
        let bytes = fields.map { "\($0.utf8.count):\($0)" }.joined(separator: "|")
        return SHA256.hash(data: Data(bytes.utf8)).hexString
    }
}

/// The head of the audit log signed with the node's key at a moment.
public struct AuditCheckpoint: Sendable, Hashable {
    /// The last entry it covers, and that entry's hash.
    public var seq: Int
    public var hash: String
    public var at: String
    /// The node's public key (base64) and the Ed25519 signature (base64) over `signedBytes`.
    public var publicKey: String
    public var signature: String

    /// What is signed: a fixed prefix, so that a checkpoint signature is never valid as anything else.
    public static func signedBytes(seq: Int, hash: String, at: String) -> Data {
        Data("cordon-audit-checkpoint|\(seq)|\(hash)|\(at)".utf8)
    }
}

/// What checking the audit chain found: how many entries are right, and the first that is not, with why.
public struct AuditVerification: Sendable, Hashable {
    public var checked: Int
    public var firstBad: Int?
    public var problem: String?
    /// Signed checkpoints found right, and the last entry the latest one covers.
    public var checkpoints = 0
    public var lastCheckpoint: Int?

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

    /// Inside a transaction: waits until no other process is appending to the chain (PostgreSQL, where several server
    /// processes may share the database), so that two entries never take the same place. The lock ends with the
    /// transaction. SQLite needs none: its writers are one at a time already.
    func lockAuditChain() async throws {
        if connection.flavor == .postgres {
            try await sql.raw("SELECT pg_advisory_xact_lock(\(bind: Store.auditChainLock))").run()
        }
    }

    /// The advisory lock key of the audit chain: any fixed number no other lock of the node uses.
    static let auditChainLock = 0x436F_7264_6F6E_0001

    /// Appends an entry to the audit log, chained to the last one; returns it as stored.
    @discardableResult
    public func audit(_ entry: AuditEntry) async throws -> AuditEntry {
        try await transaction { try await appendAudit(entry) }
    }

    /// Inside a transaction: appends an entry, so that an action and its entry are committed together.
    @discardableResult
    func appendAudit(_ entry: AuditEntry) async throws -> AuditEntry {
        try await lockAuditChain()
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

    /// Signs the head of the log with the node's key; nil when the log is empty or its head is signed already.
    @discardableResult
    public func checkpointAudit(signingWith key: Curve25519.Signing.PrivateKey) async throws -> AuditCheckpoint? {
        try await transaction {
            try await lockAuditChain()
            guard let head = try await sql.raw("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").first() else { return nil }
            let seq = try head.decode(column: "seq", as: Int.self), hash = try head.decode(column: "hash", as: String.self)
            if try await sql.select().column("seq").from("audit_checkpoints").where("seq", .equal, seq).first() != nil { return nil }
            let at = Store.now(milliseconds: true)
            let signature = try key.signature(for: AuditCheckpoint.signedBytes(seq: seq, hash: hash, at: at))
            let c = AuditCheckpoint(seq: seq, hash: hash, at: at, publicKey: key.publicKey.rawRepresentation.base64EncodedString(),
                                    signature: signature.base64EncodedString())
            try await sql.insert(into: "audit_checkpoints").columns("seq", "hash", "at", "public_key", "signature")
                .values(SQLBind(c.seq), SQLBind(c.hash), SQLBind(c.at), SQLBind(c.publicKey), SQLBind(c.signature)).run()
            return c
        }
    }

    /// The checkpoints, oldest first.
    public func auditCheckpoints() async throws -> [AuditCheckpoint] {
        try await exclusive {
            try await sql.raw("SELECT * FROM audit_checkpoints ORDER BY seq").all().map { r in
                AuditCheckpoint(seq: try r.decode(column: "seq", as: Int.self), hash: try r.decode(column: "hash", as: String.self),
                                at: try r.decode(column: "at", as: String.self), publicKey: try r.decode(column: "public_key", as: String.self),
                                signature: try r.decode(column: "signature", as: String.self))
            }
        }
    }

    /// Checks the whole chain (every entry's hash, its link to the one before, no position missing), then every
    /// checkpoint: signed by `trustedKey` (base64; the node's recorded key when nil) and matching the entry it covers.
    /// A key given from outside the database is the stronger check: whoever can edit the database can replace the
    /// recorded key too, but cannot sign with the node's private key.
    public func verifyAudit(trustedKey: String? = nil) async throws -> AuditVerification {
        let chain = try await verifyChain()
        guard chain.isIntact else { return chain }
        let recordedKey = try await nodeIdentity()?.publicKey
        let checkpoints = try await auditCheckpoints()
        let hashes = try await exclusive {
            try await sql.raw("SELECT seq, hash FROM audit_log WHERE seq IN (SELECT seq FROM audit_checkpoints)").all()
                .reduce(into: [Int: String]()) { $0[try $1.decode(column: "seq", as: Int.self)] = try $1.decode(column: "hash", as: String.self) }
        }
        for c in checkpoints {
            guard let keyText = trustedKey ?? recordedKey, let raw = Data(base64Encoded: keyText),
                  let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
                return AuditVerification(checked: chain.checked, firstBad: c.seq,
                                         problem: "the checkpoint at entry \(c.seq) cannot be checked: no node key (cordon node init, or --public-key)")
            }
            guard let signature = Data(base64Encoded: c.signature),
                  key.isValidSignature(signature, for: AuditCheckpoint.signedBytes(seq: c.seq, hash: c.hash, at: c.at)) else {
                return AuditVerification(checked: chain.checked, firstBad: c.seq,
                                         problem: "the checkpoint at entry \(c.seq) is not signed by the node's key")
            }
            guard hashes[c.seq] == c.hash else {
                return AuditVerification(checked: chain.checked, firstBad: c.seq,
                                         problem: "entry \(c.seq) differs from the checkpoint signed at \(c.at): the log was rewritten")
            }
        }
        var verified = chain
        verified.checkpoints = checkpoints.count
        verified.lastCheckpoint = checkpoints.last?.seq
        return verified
    }

    private func verifyChain() async throws -> AuditVerification {
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
