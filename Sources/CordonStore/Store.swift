import Algorithms
import CordonCore
import Crypto
import Foundation
import Logging
import PostgresKit
import SQLKit

/// The one store of a node: consignments with all their versions, bay plans, the quarantine and the schema.
public actor Store {
    let connection: Connection
    let logger: Logger
    public let location: DatabaseLocation

    private init(connection: Connection, location: DatabaseLocation, logger: Logger) {
        self.connection = connection
        self.location = location
        self.logger = logger
    }

    /// Opens the database; `migrate` brings the schema up to date first (the default for the embedded store).
    public static func open(_ location: DatabaseLocation, migrate: Bool = true,
                            logger: Logger = Logger(label: "cordon.store")) async throws -> Store {
        let connection = try await Connection.open(location, logger: logger)
        let store = Store(connection: connection, location: location, logger: logger)
        if migrate { _ = try await store.migrate() }
        return store
    }

    public func close() async {
        await connection.close()
    }

    /// The database of the current unit of work: on PostgreSQL the connection `exclusive` leased from the pool for it,
    /// else the store's own connection.
    var sql: any SQLDatabase { lease?.sql ?? connection.sql }

    /// A PostgreSQL connection leased from the pool for one unit of work of one store, as SQLKit's database and as
    /// itself (for prepared statements).
    struct Lease: Sendable {
        let store: ObjectIdentifier
        let sql: any SQLDatabase
        let postgres: PostgresConnection
    }

    /// The lease of the unit of work this task runs (see `exclusive`), of whichever store.
    @TaskLocal static var leased: Lease?

    /// This store's lease of the unit of work this task runs.
    var lease: Lease? { Store.leased.flatMap { $0.store == ObjectIdentifier(self) ? $0 : nil } }

    /// Multi-row insert on the current unit of work's connection.
    func insert(into table: String, columns: [String], rows: [[SQLValue]], skippingConflictsOn key: [String]? = nil) async throws {
        try await connection.insert(into: table, columns: columns, rows: rows, skippingConflictsOn: key, on: sql)
    }

    /// Rows one after another in `values`, `columns.count` values each.
    func insert(into table: String, columns: [String], values: [SQLValue]) async throws {
        try await connection.insert(into: table, columns: columns, values: values, on: sql)
    }

    // A stored consignment version never changes (a change is a new row), so its decoded form can be kept: queue
    // pages, the API and targeting read the same documents again and again.
    private var decoded: [Int: Consignment] = [:]
    private static let decodedLimit = 20_000

    /// The consignments of rows `ids`: those decoded before from the cache, the others read (only their payloads) and
    /// decoded. A queue page asks for the same documents again and again; reading their payloads each time was most of
    /// its cost. Inside `exclusive`.
    func documents(ids: [Int]) async throws -> [Int: Consignment] {
        var found: [Int: Consignment] = [:]
        var missing: [Int] = []
        for id in ids {
            if let c = decoded[id] { found[id] = c } else { missing.append(id) }
        }
        if missing.isEmpty { return found }
        for chunk in missing.chunks(ofCount: 500) {
            let binds: [any Encodable & Sendable] = Array(chunk)
            let rows = try await connection.rows("SELECT id, payload FROM consignments WHERE id IN (\(binds: binds))", on: sql)
            for (id, c) in try consignments(rows: try rows.map { (try $0.int("id"), try $0.text("payload")) }) {
                found[id] = c
            }
        }
        return found
    }

    /// The consignments of rows read with their payloads, in their order: those decoded before from the cache, the
    /// others decoded on all cores (a unit's day is thousands of documents, and decoding them was about half of reading it).
    func consignments(rows: [(id: Int, payload: String)]) throws -> [(id: Int, consignment: Consignment)] {
        let cached = rows.map { decoded[$0.id] }
        let decodedNow = try Parallel.map(rows.count, minimumPart: 256) { range throws(StoreError) in
            try range.map { i throws(StoreError) in
                if let c = cached[i] { return c }
                do { return try Consignment(payload: rows[i].payload) } catch {
                    throw StoreError.query("stored consignment \(rows[i].id) is unreadable: \(error)")
                }
            }
        }
        for (i, c) in decodedNow.enumerated() where cached[i] == nil {
            if decoded.count >= Store.decodedLimit { decoded.removeAll(keepingCapacity: true) }
            decoded[rows[i].id] = c
        }
        return zip(rows, decodedNow).map { ($0.id, $1) }
    }

    // Units, peers, operations and the node's identity are read on nearly every request and change rarely: kept for a moment
    // (a change by another process, such as `cordon peer add` beside a running server, shows within that time) and
    // forgotten when this process changes them.
    var settings = SettingsCache()

    /// Users of API tokens by token hash, with the token's expiry and when they were read (see `tokenUser`).
    var tokenUsers: [String: (user: User, expires: String?, at: ContinuousClock.Instant)] = [:]
    /// Counts changes to tokens and users, so that a read overlapping one is not kept.
    var credentialGeneration = 0

    /// The cached node settings, each with the time it was read.
    struct SettingsCache {
        static let lifetime: Duration = .seconds(2)
        var units: Cached<[ControlUnit]>?
        var peers: Cached<[PeerRecord]>?
        var node: Cached<PeerRecord?>?
        var operations: Cached<[OperationRecord]>?
    }

    /// A value read from the database, and when.
    struct Cached<Value> {
        let value: Value
        let at: ContinuousClock.Instant
    }

    /// A node setting: kept while it is fresh, else read and kept.
    func cached<Value>(_ key: WritableKeyPath<SettingsCache, Cached<Value>?>, read: () async throws -> Value) async throws -> Value {
        if let c = settings[keyPath: key], ContinuousClock.now - c.at < SettingsCache.lifetime { return c.value }
        let value = try await read()
        settings[keyPath: key] = Cached(value: value, at: .now)
        return value
    }

    /// A transaction that changes a node setting: the cached one is forgotten before and after, so that a read
    /// overlapping the change keeps nothing old.
    func transaction<Value, Result: Sendable>(forgetting key: WritableKeyPath<SettingsCache, Cached<Value>?>,
                                              _ body: () async throws -> Result) async throws -> Result {
        settings[keyPath: key] = nil
        defer { settings[keyPath: key] = nil }
        return try await transaction(body)
    }

    // Actor methods interleave at every await; the gate keeps one unit of work at a time on the SQLite connection,
    // so that nothing runs inside another caller's transaction.
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Runs one unit of work (some queries, or a transaction) on a connection no other unit of work uses meanwhile: on
    /// PostgreSQL one leased from the pool (several run at once, as in several processes: what must not interleave
    /// is a transaction with row or advisory locks), on SQLite the store's one connection, in turn.
    func exclusive<R: Sendable>(_ body: () async throws -> R) async throws -> R {
        if let pool = connection.pool {
            // Within a unit of work already (a helper of a transaction): its connection, never a second one that
            // could wait on the first's locks.
            if lease != nil { return try await body() }
            return try await pool.withConnection { conn in
                try await Store.$leased.withValue(Lease(store: ObjectIdentifier(self), sql: conn.sql(queryLogLevel: nil), postgres: conn)) {
                    try await body()
                }
            }
        }
        if busy { await withCheckedContinuation { waiters.append($0) } } else { busy = true }
        defer {
            if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
        }
        return try await body()
    }

    /// Runs `body` inside one transaction on the store's connection: committed when it returns,
    /// rolled back when it throws. The actor keeps other work off the connection meanwhile.
    /// On PostgreSQL, a transaction that PostgreSQL ended to break a deadlock with another process is run again (its
    /// work was rolled back whole), a few times.
    func transaction<R: Sendable>(_ body: () async throws -> R) async throws -> R {
        try await exclusive {
            var attempt = 0
            while true {
                attempt += 1
                do {
                    return try await unguardedTransaction(body)
                } catch where attempt < 4 && isDeadlockBroken(error) {
                    logger.info("transaction met another process in a deadlock; retrying", metadata: ["attempt": "\(attempt)"])
                    try await Task.sleep(for: .milliseconds(Int.random(in: 5...50) * attempt))
                }
            }
        }
    }

    private func unguardedTransaction<R: Sendable>(_ body: () async throws -> R) async throws -> R {
        try await sql.raw(connection.flavor == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN").run()
        do {
            let result = try await body()
            try await sql.raw("COMMIT").run()
            return result
        } catch {
            try? await sql.raw("ROLLBACK").run()
            throw error
        }
    }

    // MARK: Schema

    /// The schema version of the database (0 when empty).
    public func schemaVersion() async throws -> Int {
        try await sql.raw("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)").run()
        let row = try await sql.raw("SELECT MAX(version) AS v FROM schema_migrations").first()
        return (try? row?.decode(column: "v", as: Int?.self)) ?? 0
    }

    /// Applies the migrations the database lacks, each in its own transaction; returns their names.
    @discardableResult
    public func migrate() async throws -> [String] {
        // Two processes starting together (two systemd instances) take turns: the second finds the work done.
        let postgres = connection.flavor == .postgres
        if postgres { try await sql.raw("SELECT pg_advisory_lock(\(bind: Store.migrationLock))").run() }
        do {
            let applied = try await migrateUnlocked()
            if postgres { try await sql.raw("SELECT pg_advisory_unlock(\(bind: Store.migrationLock))").run() }
            return applied
        } catch {
            if postgres { try? await sql.raw("SELECT pg_advisory_unlock(\(bind: Store.migrationLock))").run() }
            throw error
        }
    }

    /// The advisory lock key of migrations (see `auditChainLock`).
    static let migrationLock = 0x436F_7264_6F6E_0002

    private func migrateUnlocked() async throws -> [String] {
        let current = try await schemaVersion()
        if current > Migrations.latest { throw StoreError.newerSchema(database: current, known: Migrations.latest) }
        var applied: [String] = []
        for m in Migrations.all where m.version > current {
            do {
                try await transaction {
                    for statement in m.statements(connection.flavor) {
                        try await sql.raw(SQLQueryString(statement)).run()
                    }
                    try await sql.insert(into: "schema_migrations")
                        .columns("version", "name", "applied_at")
                        .values(SQLBind(m.version), SQLBind(m.name), SQLBind(Store.now()))
                        .run()
                }
            } catch {
                throw StoreError.migrationFailed(version: m.version, reason: String(describing: error))
            }
            logger.info("applied migration", metadata: ["version": "\(m.version)", "name": "\(m.name)"])
            applied.append("\(m.version) \(m.name)")
        }
        return applied
    }

    // MARK: Intake

    /// A batch with its records serialised and hashed, ready to be written.
    public struct PreparedBatch: Sendable {
        /// The source, rejects and file warnings; the records are in `consignments` and `bayPlans`.
        let batch: IntakeBatch
        let consignments: [PreparedConsignment]
        let entries: BatchEntries
        let bayPlans: [(BayPlan, String, String)]
    }

    /// A batch's search entries gathered and put in key order beside the wait for the store (`prepare`): done
    /// in the commit, it held up the writing of every batch. A document is named by its place in the batch; its
    /// id, given at the commit, grows with that place, so the order holds.
    struct BatchEntries: Sendable {
        /// Container entries by number, then document.
        var containers: [(number: String, item: Int, valid: Bool)] = []
        /// The distinct party names (identifiers, upper-cased names), in name order.
        var names: [String] = []
        /// The entries of name `n` are `parties[nameStarts[n]..<nameStarts[n + 1]]`, by document, then role.
        var parties: [(item: Int, role: String)] = []
        var nameStarts: [Int] = [0]

        init(_ documents: [Consignment]) {
            // Names are sorted once each, not once per entry: a batch names the same parties again and again, and
            // sorting the entries by their texts was about a fifth of preparing a batch (perf).
            var numbered: [String: Int] = [:]
            var distinct: [String] = []
            var byName: [(name: Int, item: Int, role: String)] = []
            for i in documents.indices {
                let (found, named) = Store.searchEntries(of: documents[i])
                for k in found { containers.append((k.number, i, k.checkDigitValid)) }
                for p in named {
                    let n: Int
                    if let known = numbered[p.term] {
                        n = known
                    } else {
                        n = distinct.count
                        numbered[p.term] = n
                        distinct.append(p.term)
                    }
                    byName.append((n, i, p.role))
                }
            }
            containers.sort { ($0.number, $0.item) < ($1.number, $1.item) }
            let order = distinct.indices.sorted { distinct[$0] < distinct[$1] }
            names = order.map { distinct[$0] }
            var place = [Int](repeating: 0, count: distinct.count)
            for (k, n) in order.enumerated() { place[n] = k }
            byName.sort { (place[$0.name], $0.item, $0.role) < (place[$1.name], $1.item, $1.role) }
            parties.reserveCapacity(byName.count)
            for k in byName.indices.dropFirst() where byName[k - 1].name != byName[k].name { nameStarts.append(k) }
            for e in byName { parties.append((e.item, e.role)) }
            if !names.isEmpty { nameStarts.append(parties.count) }
        }
    }

    /// A consignment with everything that does not depend on what is stored already worked out: its key, payload,
    /// hash and the columns it is found by (its search entries are in the batch's `BatchEntries`). Writing a batch
    /// waits for the one before it; what is done here is done beside that wait, not in it.
    struct PreparedConsignment: Sendable {
        let key: String
        let documentNumber: String
        let hash: String
        /// doc_date through payload, in the order of `Store.consignmentColumns`.
        let columns: [SQLValue]
        /// Containers as the document lists them (a search entry is one per number) and the record's warnings, for the counts.
        let containerCount: Int
        let warnings: Int

        init(_ c: Consignment) {
            let bytes = c.payloadJSON
            key = c.kind.rawValue + "\u{1}" + c.documentNumber
            documentNumber = c.documentNumber
            hash = SHA256.hash(data: bytes).hexString
            columns = [.text(c.kind.rawValue), .text(c.documentNumber), .text(c.date.description), SQLValue(c.mode?.rawValue),
                       SQLValue(c.office), SQLValue(c.route.placeOfLoading), SQLValue(c.route.placeOfDischarge),
                       SQLValue(c.goods.first?.hsCode), SQLValue(c.label.map { $0.illicit ? 1 : 0 }),
                       SQLValue(c.label?.revenue), .text(String(decoding: bytes, as: UTF8.self))]
            containerCount = c.containers.count
            warnings = c.warnings.count
        }
    }

    /// The columns of a stored consignment: the ones the store decides, then `PreparedConsignment.columns`, then
    /// the file and the time.
    static let consignmentColumns = [
        "id", "version", "content_hash", "is_current",
        "kind", "document_number", "doc_date", "mode", "office", "place_of_loading", "place_of_discharge", "hs_code",
        "label_illicit", "label_revenue", "payload",
        "ingest_file_id", "received_at"]

    /// Serialises and hashes a batch. It is the CPU-heavy part of storing, and needs no connection, so callers
    /// can run it off the store (in parallel with the previous batch being written).
    public nonisolated static func prepare(_ batch: IntakeBatch) throws -> PreparedBatch {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let consignments = batch.consignments.map(PreparedConsignment.init)
        let entries = BatchEntries(batch.consignments)
        let plans: [(BayPlan, String, String)] = try batch.bayPlans.map { p in
            let data = try encoder.encode(p)
            return (p, String(decoding: data, as: UTF8.self), SHA256.hash(data: data).hexString)
        }
        // The records go on in their prepared form only: a batch waiting for its commit held them twice.
        var rest = batch
        rest.consignments = []
        rest.bayPlans = []
        return PreparedBatch(batch: rest, consignments: consignments, entries: entries, bayPlans: plans)
    }

    /// Stores one batch atomically: new documents, new versions of changed ones (the old kept), duplicates
    /// counted and skipped, rejects and warnings into the quarantine. Either all of it is committed or nothing.
    /// `audit`, given the counts, writes the batch's audit entry in the same transaction: stored and logged, or neither.
    public func commit(_ batch: IntakeBatch, audit: (@Sendable (IntakeCounts) -> AuditEntry)? = nil) async throws -> IntakeCounts {
        try await commit(try Store.prepare(batch), audit: audit)
    }

    /// Stores a prepared batch atomically (see `commit(_:audit:)`).
    public func commit(_ prepared: PreparedBatch, audit: (@Sendable (IntakeCounts) -> AuditEntry)? = nil) async throws -> IntakeCounts {
        let batch = prepared.batch
        let encoded = prepared.consignments
        let entries = prepared.entries
        let plans = prepared.bayPlans
        let now = Store.now()
        // Several processes may ingest into one PostgreSQL database. If another one stored the same document
        // between our check and our insert, the unique index stops us (or PostgreSQL ends a deadlock between
        // the two): run the batch again after a short pause, and it finds those documents as duplicates.
        var attempt = 0
        while true {
            attempt += 1
            do {
                let counts = try await commitOnce(batch: batch, encoded: encoded, entries: entries, plans: plans, now: now, audit: audit)
                connection.walGrew()
                return counts
            } catch where attempt < 8 && isConflictWithConcurrentWriter(error) {
                logger.info("batch met a concurrent writer; retrying", metadata: ["attempt": "\(attempt)"])
                try await Task.sleep(for: .milliseconds(Int.random(in: 5...50) * attempt))
            }
        }
    }

    private func commitOnce(batch: IntakeBatch, encoded: [PreparedConsignment], entries: BatchEntries,
                            plans: [(BayPlan, String, String)], now: String,
                            audit: (@Sendable (IntakeCounts) -> AuditEntry)?) async throws -> IntakeCounts {
        try await transaction {
            var counts = IntakeCounts()
            let fileID = try await fileID(for: batch.source, now: now)
            counts = counts + (try await storeConsignments(encoded, entries: entries, fileID: fileID, now: now))
            counts = counts + (try await storeBayPlans(plans, fileID: fileID, now: now))
            // A re-read file's rejects are in the quarantine already (not stored twice), yet they are rejected
            // records of this run all the same; file warnings count once, when first seen.
            _ = try await quarantine(batch.rejects, severity: "rejected", fileID: fileID, now: now)
            counts.rejected = batch.rejects.count
            counts.warnings += try await quarantine(batch.warnings, severity: "warning", fileID: fileID, now: now)
            if let audit { _ = try await appendAudit(audit(counts)) }
            return counts
        }
    }

    private func fileID(for source: SourceFile, now: String) async throws -> Int {
        if let row = try await sql.select().column("id").from("ingest_files")
            .where("fingerprint", .equal, source.fingerprint).where("format", .equal, source.format).first() {
            let id = try row.decode(column: "id", as: Int.self)
            try await sql.update("ingest_files").set("last_seen", to: now).where("id", .equal, id).run()
            return id
        }
        let id = try await allocateIDs(1)
        try await sql.insert(into: "ingest_files")
            .columns("id", "name", "fingerprint", "format", "first_seen", "last_seen")
            .values(SQLBind(id), SQLBind(source.name), SQLBind(source.fingerprint), SQLBind(source.format),
                    SQLBind(now), SQLBind(now))
            .run()
        return id
    }

    /// Reserves `n` consecutive ids (works the same with many writers on PostgreSQL: the row is locked).
    private func allocateIDs(_ n: Int, block: String = "main") async throws -> Int {
        guard n > 0 else { return 0 }
        let row = try await sql.raw("UPDATE id_blocks SET next_id = next_id + \(bind: n) WHERE name = \(bind: block) RETURNING next_id").first()
        guard let next = try row?.decode(column: "next_id", as: Int.self) else { throw StoreError.query("id_blocks is empty") }
        return next - n
    }

    private struct Known { var version: Int; var hash: String; var id: Int }

    private func storeConsignments(_ items: [PreparedConsignment], entries: BatchEntries, fileID: Int,
                                   now: String) async throws -> IntakeCounts {
        var counts = IntakeCounts()
        guard !items.isEmpty else { return counts }
        // What is stored already for these documents: current version and its hash.
        var known: [String: Known] = [:]
        let numbers = Array(Set(items.map(\.documentNumber)))
        for r in try await connection.rows("""
            SELECT id, kind, document_number, version, content_hash FROM consignments
            WHERE is_current = 1 AND document_number IN
            """, in: numbers, on: sql) {
            known[try r.text("kind") + "\u{1}" + r.text("document_number")] =
                Known(version: try r.int("version"), hash: try r.text("content_hash"), id: try r.int("id"))
        }
        // index in items, version, still current at the end of the batch
        var toInsert: [(item: Int, version: Int, current: Bool)] = []
        var pendingIndex: [String: Int] = [:]   // key → index in toInsert of this batch's latest version
        var superseded: [Int] = []
        for index in items.indices {
            let key = items[index].key, hash = items[index].hash
            var version = 1
            if let k = known[key] {
                if k.hash == hash { counts.duplicates += 1; continue }
                // The stored current version, or an earlier version from this same batch, stops being current.
                if let i = pendingIndex[key] { toInsert[i].current = false } else { superseded.append(k.id) }
                version = k.version + 1
                counts.newVersions += 1
            }
            known[key] = Known(version: version, hash: hash, id: 0)
            pendingIndex[key] = toInsert.count
            toInsert.append((index, version, true))
        }
        if !superseded.isEmpty {
            for chunk in superseded.chunks(ofCount: 5000) {
                try await sql.update("consignments").set("is_current", to: 0).where("id", .in, Array(chunk)).run()
            }
        }
        guard !toInsert.isEmpty else { return counts }
        var nextID = try await allocateIDs(toInsert.count)
        // The id of each document of the batch that is written, 0 for a duplicate.
        var ids = [Int](repeating: 0, count: items.count)
        var rows: [SQLValue] = []
        rows.reserveCapacity(toInsert.count * Store.consignmentColumns.count)
        for (index, version, current) in toInsert {
            // Read in place: a copy of the prepared document would retain each of its texts and arrays.
            let id = nextID
            nextID += 1
            ids[index] = id
            rows.append(.int(id))
            rows.append(.int(version))
            rows.append(.text(items[index].hash))
            rows.append(.int(current ? 1 : 0))
            rows.append(contentsOf: items[index].columns)
            rows.append(.int(fileID))
            rows.append(.text(now))
            counts.containers += items[index].containerCount
            counts.warnings += items[index].warnings
        }
        try await insert(into: "consignments", columns: Store.consignmentColumns, values: rows)
        // The search tables are written in key order: entries inserted in that order land each near the one before,
        // in pages just read and written, within the batch's few blocks (the order is worked out in `prepare`).
        var containers: [SQLValue] = []
        containers.reserveCapacity(4 * entries.containers.count)
        for e in entries.containers where ids[e.item] != 0 {
            containers.append(.int(ids[e.item] / Store.entryBlockSize))
            containers.append(.text(e.number))
            containers.append(.int(ids[e.item]))
            containers.append(.int(e.valid ? 1 : 0))
        }
        try await insert(into: "consignment_containers", columns: ["block", "number", "consignment_id", "check_digit_valid"],
                         values: containers)
        // Names only duplicates name are left unnumbered; the others' entries go in the order of their numbers.
        let named = entries.names.indices.filter { n in
            entries.parties[entries.nameStarts[n]..<entries.nameStarts[n + 1]].contains { ids[$0.item] != 0 }
        }
        let nameIDs = try await partyNameIDs(named.map { entries.names[$0] })
        var order: [(number: Int, name: Int)] = []
        order.reserveCapacity(named.count)
        for n in named {
            guard let number = nameIDs[entries.names[n]] else {
                throw StoreError.query("party name '\(entries.names[n])' was not numbered")
            }
            order.append((number, n))
        }
        order.sort { $0.number < $1.number }
        var parties: [SQLValue] = []
        parties.reserveCapacity(4 * entries.parties.count)
        for (number, n) in order {
            for e in entries.parties[entries.nameStarts[n]..<entries.nameStarts[n + 1]] where ids[e.item] != 0 {
                parties.append(.int(ids[e.item] / Store.entryBlockSize))
                parties.append(.int(number))
                parties.append(.int(ids[e.item]))
                parties.append(.text(e.role))
            }
        }
        try await insert(into: "consignment_parties", columns: ["block", "name_id", "consignment_id", "role"], values: parties)
        counts.accepted += toInsert.count
        counts.consignments += toInsert.count
        return counts
    }

    /// The numbers of party names (identifiers, upper-cased names), numbering those not stored yet. A name another
    /// writer stores at the same moment (several processes on PostgreSQL) is skipped here and its number read back.
    /// `terms` are distinct and in name order (as a batch's `BatchEntries` has them).
    private func partyNameIDs(_ terms: [String]) async throws -> [String: Int] {
        func read(_ wanted: [String]) async throws -> [String: Int] {
            var found: [String: Int] = [:]
            for r in try await connection.rows("SELECT id, term FROM party_names WHERE term IN", in: wanted, on: sql) {
                found[try r.text("term")] = try r.int("id")
            }
            return found
        }
        var ids = try await read(terms)
        // In name order: the new numbers then follow the names' order (the numbers' key grows at its end).
        let missing = terms.filter { ids[$0] == nil }
        guard !missing.isEmpty else { return ids }
        let first = try await allocateIDs(missing.count, block: "party_names")
        try await insert(into: "party_names", columns: ["id", "term"],
                         rows: missing.enumerated().map { [.int(first + $0.offset), .text($0.element)] }, skippingConflictsOn: ["term"])
        ids.merge(try await read(missing)) { _, stored in stored }
        return ids
    }

    private func storeBayPlans(_ plans: [(BayPlan, String, String)], fileID: Int, now: String) async throws -> IntakeCounts {
        var counts = IntakeCounts()
        for (plan, payload, hash) in plans {
            let vessel = plan.vesselIdentifier ?? plan.vesselName ?? ""
            let voyage = plan.voyage ?? ""
            let current = try await sql.select().columns("id", "version", "content_hash").from("bay_plans")
                .where("reference", .equal, plan.reference).where("vessel", .equal, vessel)
                .where("voyage", .equal, voyage).where("is_current", .equal, 1).first()
            var version = 1
            if let current {
                if try current.decode(column: "content_hash", as: String.self) == hash { counts.duplicates += 1; continue }
                version = try current.decode(column: "version", as: Int.self) + 1
                try await sql.update("bay_plans").set("is_current", to: 0)
                    .where("id", .equal, try current.decode(column: "id", as: Int.self)).run()
                counts.newVersions += 1
            }
            let id = try await allocateIDs(1)
            try await sql.insert(into: "bay_plans")
                .columns("id", "reference", "vessel", "voyage", "version", "content_hash", "is_current", "payload",
                         "ingest_file_id", "received_at")
                .values(SQLBind(id), SQLBind(plan.reference), SQLBind(vessel), SQLBind(voyage), SQLBind(version),
                        SQLBind(hash), SQLBind(1), SQLBind(payload), SQLBind(fileID), SQLBind(now))
                .run()
            try await insert(into: "bay_plan_containers",
                             columns: ["bay_plan_id", "number", "position", "port_of_loading", "port_of_discharge"],
                             rows: plan.containers.map { [.int(id), .text($0.container.number), SQLValue($0.position),
                                                          SQLValue($0.portOfLoading), SQLValue($0.portOfDischarge)] })
            counts.accepted += 1
            counts.containers += plan.containers.count
            counts.warnings += plan.warnings.count
        }
        return counts
    }

    /// Inserts the records into the quarantine once; returns how many were new.
    private func quarantine(_ records: [RejectedRecord], severity: String, fileID: Int, now: String) async throws -> Int {
        guard !records.isEmpty else { return 0 }
        // Several problems can point at the same field of the same record: keep them together as one entry.
        var merged: [String: RejectedRecord] = [:]
        var order: [String] = []
        for r in records {
            let key = "\(r.unit)\u{1}\(r.line)\u{1}\(r.field)"
            if var m = merged[key] {
                m.reason += "; " + r.reason
                merged[key] = m
            } else {
                merged[key] = r
                order.append(key)
            }
        }
        let unique = order.compactMap { merged[$0] }
        var firstID = try await allocateIDs(unique.count)
        var inserted = 0
        for chunk in unique.chunks(ofCount: 500) {
            var insert = sql.insert(into: "quarantine")
                .columns("id", "ingest_file_id", "severity", "file", "line", "unit", "field", "reason", "raw", "received_at")
            for r in chunk {
                insert = insert.values(SQLBind(firstID), SQLBind(fileID), SQLBind(severity), SQLBind(r.file), SQLBind(r.line),
                                       SQLBind(r.unit), SQLBind(r.field), SQLBind(r.reason), SQLBind(r.raw), SQLBind(now))
                firstID += 1
            }
            let rows = try await insert.ignoringConflicts(with: ["ingest_file_id", "severity", "unit", "line", "field"])
                .returning("id").all()
            inserted += rows.count
        }
        return inserted
    }

    // MARK: Reading

    /// One entry of the quarantine: a rejected record, or a warning about a file.
    public struct QuarantineEntry: Sendable, Encodable {
        public var severity: String
        public var record: RejectedRecord

        enum Key: String, CodingKey { case severity }

        /// Encoded flat: the record's fields and `severity`.
        public func encode(to encoder: any Encoder) throws {
            try record.encode(to: encoder)
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(severity, forKey: .severity)
        }
    }

    /// The quarantine in the order records arrived; warnings only when asked.
    public func quarantine(includeWarnings: Bool = false, limit: Int? = nil) async throws -> [QuarantineEntry] {
        try await exclusive { try await readQuarantine(includeWarnings: includeWarnings, limit: limit) }
    }

    private func readQuarantine(includeWarnings: Bool, limit: Int?) async throws -> [QuarantineEntry] {
        var q = sql.select().columns("severity", "file", "line", "unit", "field", "reason", "raw").from("quarantine")
        if !includeWarnings { q = q.where("severity", .equal, "rejected") }
        q = q.orderBy("id")
        if let limit { q = q.limit(limit) }
        return try await q.all().map { r in
            QuarantineEntry(severity: try r.decode(column: "severity", as: String.self),
                            record: RejectedRecord(file: try r.decode(column: "file", as: String.self),
                                                   line: try r.decode(column: "line", as: Int.self),
                                                   unit: try r.decode(column: "unit", as: String.self),
                                                   field: try r.decode(column: "field", as: String.self),
                                                   reason: try r.decode(column: "reason", as: String.self),
                                                   raw: try r.decode(column: "raw", as: String.self)))
        }
    }

    /// All stored versions of a document, oldest first.
    public func versions(of documentNumber: String, kind: DocumentKind) async throws -> [Consignment] {
        let rows = try await exclusive { try await sql.select().column("payload").from("consignments")
            .where("document_number", .equal, documentNumber).where("kind", .equal, kind.rawValue)
            .orderBy("version").all() }
        return try rows.map { try Consignment(payload: try $0.decode(column: "payload", as: String.self)) }
    }

    /// The current version of a document.
    public func consignment(_ documentNumber: String, kind: DocumentKind) async throws -> Consignment? {
        try await versions(of: documentNumber, kind: kind).last
    }

    /// Row counts of the main tables, for summaries and tests.
    public struct Totals: Sendable, Equatable, Codable {
        public var consignments = 0
        public var currentConsignments = 0
        public var containers = 0
        /// Distinct party identifiers and upper-cased names (see migration 17).
        public var partyNames = 0
        public var bayPlans = 0
        public var bayPlanContainers = 0
        public var rejected = 0
        public var warnings = 0
    }

    public func totals() async throws -> Totals {
        try await exclusive { try await readTotals() }
    }

    private func readTotals() async throws -> Totals {
        func count(_ query: String) async throws -> Int {
            try await sql.raw(SQLQueryString(query)).first()?.decode(column: "n", as: Int.self) ?? 0
        }
        var t = Totals()
        t.consignments = try await count("SELECT COUNT(*) AS n FROM consignments")
        t.currentConsignments = try await count("SELECT COUNT(*) AS n FROM consignments WHERE is_current = 1")
        t.containers = try await count("SELECT COUNT(*) AS n FROM consignment_containers")
        t.partyNames = try await count("SELECT COUNT(*) AS n FROM party_names")
        t.bayPlans = try await count("SELECT COUNT(*) AS n FROM bay_plans")
        t.bayPlanContainers = try await count("SELECT COUNT(*) AS n FROM bay_plan_containers")
        t.rejected = try await count("SELECT COUNT(*) AS n FROM quarantine WHERE severity = 'rejected'")
        t.warnings = try await count("SELECT COUNT(*) AS n FROM quarantine WHERE severity = 'warning'")
        return t
    }

    // MARK: Helpers

    static func now(milliseconds: Bool = false) -> String {
        Timestamp.iso(Date(), milliseconds: milliseconds)
    }
}

extension Store {
    /// Creates an empty PostgreSQL database on the server of `serverURL` (for set-up and tests).
    /// The name cannot be a bind parameter in SQL, so it is restricted to lower-case letters, digits and `_`.
    public static func createPostgresDatabase(named name: String, serverURL: String) async throws {
        guard let first = name.unicodeScalars.first, first.properties.isLowercase || first == "_",
              name.unicodeScalars.allSatisfy({ ($0.isASCII && ($0.properties.isLowercase || ("0"..."9").contains($0))) || $0 == "_" }),
              name.count <= 63 else {
            throw StoreError.badLocation("database name '\(name)' must be lower-case letters, digits and _")
        }
        let admin = try await Store.open(.postgres(url: serverURL), migrate: false)
        do {
            try await admin.exclusive { try await admin.sql.raw(SQLQueryString("CREATE DATABASE \(unsafeRaw: name)")).run() }
        } catch {
            await admin.close()
            throw error
        }
        await admin.close()
    }
}

extension Store {
    /// Documents per block of search entries (migration 19): an entry's block is its document's id div this.
    static let entryBlockSize = 4096

    /// A common table expression `entry_blocks (block)` of every block there may be entries in, from 0 to the newest
    /// document's: a search joins it before the entries to seek (block, key) in each block, and so opens the statement
    /// with it. The blocks' number grows with the store (245 for 1,000,000 documents).
    static let entryBlocks = """
        WITH RECURSIVE entry_blocks (block) AS (
            SELECT 0 UNION ALL
            SELECT block + 1 FROM entry_blocks WHERE block < (SELECT COALESCE(MAX(id), 0) / \(entryBlockSize) FROM consignments))
        """

    /// How a search joins entries after `entry_blocks b`: in SQLite a CROSS JOIN, whose order SQLite keeps (the
    /// searched keys, then each block, then a seek of (block, key); left to choose, it read every entry); in
    /// PostgreSQL, whose CROSS JOIN takes no ON and whose planner weighs the orders, a plain JOIN.
    var entriesJoin: String { connection.flavor == .sqlite ? "CROSS JOIN" : "JOIN" }

    /// Party names `n` with their search entries `p`, block by block: `FROM` this after `entryBlocks`.
    var partyEntriesByName: String {
        "party_names n CROSS JOIN entry_blocks b \(entriesJoin) consignment_parties p ON p.block = b.block AND p.name_id = n.id"
    }

    /// The blocks of search entries of documents `ids`, each once.
    static func entryBlocks(of ids: some Sequence<Int>) -> [Int] {
        Array(Set(ids.map { $0 / entryBlockSize })).sorted()
    }

    /// The search entries of a consignment: its containers and its parties' identifiers and upper-cased names by role,
    /// each once. Ingest writes them; a purge removes them by their keys.
    static func searchEntries(of c: Consignment) -> (containers: [(number: String, checkDigitValid: Bool)], parties: [(term: String, role: String)]) {
        // A container listed twice in one document is one search entry. A document names a few containers and
        // parties: a look at the entries kept already costs less than hashing into a set.
        var containers: [(number: String, checkDigitValid: Bool)] = []
        containers.reserveCapacity(c.containers.count)
        for k in c.containers where !containers.contains(where: { $0.number == k.number }) {
            containers.append((k.number, k.checkDigitValid))
        }
        var parties: [(term: String, role: String)] = []
        parties.reserveCapacity(2 * c.parties.count)
        func add(_ term: String?, _ role: String) {
            guard let term, !parties.contains(where: { $0.term == term && $0.role == role }) else { return }
            parties.append((term, role))
        }
        for p in c.parties {
            add(p.identifier, p.role.rawValue)
            add(p.name?.uppercased(), p.role.rawValue)
        }
        return (containers, parties)
    }
}
