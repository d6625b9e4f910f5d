import Algorithms
import CordonCore
import Foundation
import SQLKit

/// What a purge of old cargo data removed.
public struct PurgeCounts: Sendable, Hashable {
    /// Stored consignment versions removed (with their search entries, targets and profile hits).
    public var consignments = 0
    public var bayPlans = 0
    public var quarantined = 0

    public var summary: String {
        "\(consignments) consignment versions, \(bayPlans) bay plans and \(quarantined) quarantined records removed"
    }
}

extension Store {
    /// Removes cargo data from before `cutoff`: documents whose every version is dated before it, and bay plans and
    /// quarantined records received before it. A document with an inspection result or a score override on any version
    /// is kept whole (it is the record of a control, and seizures point to it); the audit log is never touched. Works in
    /// batches of `batch` documents, each in its own transaction, so that other work goes on meanwhile.
    public func purgeCargo(before cutoff: CalendarDate, batch: Int = 2_000) async throws -> PurgeCounts {
        var counts = PurgeCounts()
        let day = cutoff.description
        let received = "\(day)T00:00:00Z"
        // A walk through the old rows by id: each batch reads the next old rows, then which of their documents must stay
        // (a newer version, a result or an override on any version). One NOT EXISTS over the whole table was planned by
        // PostgreSQL as a hash anti-join over every row, for each batch (1.7 s a batch with a million documents).
        var after = 0
        while true {
            let (removed, read) = try await transaction { () async throws -> (Int, Int) in
                let old = try await sql.raw("""
                    SELECT id, document_number, kind, payload FROM consignments
                    WHERE doc_date < \(bind: day) AND id > \(bind: after) ORDER BY id LIMIT \(bind: batch)
                    """).all()
                guard let last = old.last else { return (0, 0) }
                after = try last.decode(column: "id", as: Int.self)
                func key(_ r: any SQLRow) throws -> DocumentKey {
                    DocumentKey(kind: try r.decode(column: "kind", as: String.self), number: try r.decode(column: "document_number", as: String.self))
                }
                var kept = Set<DocumentKey>()
                for chunk in Array(Set(try old.map(key))).chunks(ofCount: 500) {
                    let rows = try await sql.raw("""
                        SELECT DISTINCT k.kind, k.document_number FROM consignments k
                        WHERE k.document_number IN (\(binds: chunk.map(\.number)))
                          AND (k.doc_date >= \(bind: day)
                            OR EXISTS (SELECT 1 FROM inspection_results r WHERE r.consignment_id = k.id)
                            OR EXISTS (SELECT 1 FROM target_overrides o WHERE o.consignment_id = k.id))
                        """).all()
                    // By number only, which both databases look up in the index (a list of (number, kind) pairs made
                    // SQLite scan all of it); a document of another kind with the same number is simply not asked about.
                    kept.formUnion(try rows.map(key))
                }
                let rows = try old.filter { !kept.contains(try key($0)) }
                if rows.isEmpty { return (0, old.count) }
                var ids: [Int] = [], containers: [(String, Int)] = [], names = Set<String>()
                for r in rows {
                    let id = try r.decode(column: "id", as: Int.self)
                    ids.append(id)
                    // The search tables are keyed by what is searched: their entries are found from the document itself.
                    let c = try Consignment(payload: try r.decode(column: "payload", as: String.self))
                    let entries = Store.searchEntries(of: c)
                    containers += entries.containers.map { ($0.number, id) }
                    names.formUnion(entries.parties.map(\.term))
                }
                for chunk in containers.chunks(ofCount: 500) {
                    try await sql.delete(from: "consignment_containers")
                        .where(SQLGroupExpression([SQLColumn("block"), SQLColumn("number"), SQLColumn("consignment_id")]), .in,
                               SQLGroupExpression(chunk.map {
                                   SQLGroupExpression([SQLBind($0.1 / Store.entryBlockSize), SQLBind($0.0), SQLBind($0.1)])
                               })).run()
                }
                // A party's entries are found by its document's block and its name's number; a name no document names
                // any more goes too.
                let blocks = Store.entryBlocks(of: ids)
                for chunk in Array(names).chunks(ofCount: 500) {
                    try await sql.raw("""
                        DELETE FROM consignment_parties
                        WHERE block IN (\(binds: blocks)) AND name_id IN (SELECT id FROM party_names WHERE term IN (\(binds: Array(chunk))))
                            AND consignment_id IN (\(binds: ids))
                        """).run()
                    try await sql.raw("""
                        \(unsafeRaw: Store.entryBlocks)
                        DELETE FROM party_names WHERE term IN (\(binds: Array(chunk)))
                            AND NOT EXISTS (SELECT 1 FROM entry_blocks b \(unsafeRaw: entriesJoin) consignment_parties p
                                            ON p.block = b.block AND p.name_id = party_names.id)
                        """).run()
                }
                for table in ["targets", "profile_hits"] {
                    try await sql.delete(from: table).where("consignment_id", .in, ids).run()
                }
                try await sql.delete(from: "consignments").where("id", .in, ids).run()
                return (ids.count, old.count)
            }
            counts.consignments += removed
            if read < batch { break }
        }
        while true {
            let removed = try await transaction {
                let ids = try await sql.select().column("id").from("bay_plans").where("received_at", .lessThan, received)
                    .orderBy("id").limit(batch).all().map { try $0.decode(column: "id", as: Int.self) }
                if ids.isEmpty { return 0 }
                try await sql.delete(from: "bay_plan_containers").where("bay_plan_id", .in, ids).run()
                try await sql.delete(from: "bay_plans").where("id", .in, ids).run()
                return ids.count
            }
            counts.bayPlans += removed
            if removed < batch { break }
        }
        counts.quarantined = try await transaction {
            let n = try await sql.raw("SELECT COUNT(*) AS n FROM quarantine WHERE received_at < \(bind: received)").first()?
                .decode(column: "n", as: Int.self) ?? 0
            try await sql.delete(from: "quarantine").where("received_at", .lessThan, received).run()
            return n
        }
        return counts
    }
}

/// A document across its versions: its kind and number.
private struct DocumentKey: Hashable {
    var kind: String
    var number: String
}
