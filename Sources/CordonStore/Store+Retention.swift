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
        let decoder = JSONDecoder()
        let day = cutoff.description
        let received = "\(day)T00:00:00Z"
        while true {
            let removed = try await transaction {
                let rows = try await sql.raw("""
                    SELECT c.id, c.payload FROM consignments c WHERE c.doc_date < \(bind: day) AND NOT EXISTS (
                        SELECT 1 FROM consignments k WHERE k.document_number = c.document_number AND k.kind = c.kind AND (
                            k.doc_date >= \(bind: day)
                            OR EXISTS (SELECT 1 FROM inspection_results r WHERE r.consignment_id = k.id)
                            OR EXISTS (SELECT 1 FROM target_overrides o WHERE o.consignment_id = k.id)))
                    ORDER BY c.id LIMIT \(bind: batch)
                    """).all()
                if rows.isEmpty { return 0 }
                var ids: [Int] = [], containers: [(String, Int)] = [], terms: [(String, Int, String)] = []
                for r in rows {
                    let id = try r.decode(column: "id", as: Int.self)
                    ids.append(id)
                    // The search tables are keyed by what is searched: their entries are found from the document itself.
                    let c = try decoder.decode(Consignment.self, from: Data(try r.decode(column: "payload", as: String.self).utf8))
                    let entries = Store.searchEntries(of: c)
                    containers += entries.containers.map { ($0.number, id) }
                    terms += entries.parties.map { ($0.term, id, $0.role) }
                }
                for chunk in containers.chunks(ofCount: 500) {
                    try await sql.delete(from: "consignment_containers")
                        .where(SQLGroupExpression([SQLColumn("number"), SQLColumn("consignment_id")]), .in,
                               SQLGroupExpression(chunk.map { SQLGroupExpression([SQLBind($0.0), SQLBind($0.1)]) })).run()
                }
                for chunk in terms.chunks(ofCount: 500) {
                    try await sql.delete(from: "consignment_party_terms")
                        .where(SQLGroupExpression([SQLColumn("term"), SQLColumn("consignment_id"), SQLColumn("role")]), .in,
                               SQLGroupExpression(chunk.map { SQLGroupExpression([SQLBind($0.0), SQLBind($0.1), SQLBind($0.2)]) })).run()
                }
                for table in ["targets", "profile_hits"] {
                    try await sql.delete(from: table).where("consignment_id", .in, ids).run()
                }
                try await sql.delete(from: "consignments").where("id", .in, ids).run()
                return ids.count
            }
            counts.consignments += removed
            if removed < batch { break }
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
