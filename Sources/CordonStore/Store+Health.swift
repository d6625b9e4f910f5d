import CordonCore
import Foundation
import SQLKit

/// What a node's operators watch: the work waiting, read cheaply from indexed columns.
public struct WorkWaiting: Sendable, Hashable {
    /// Selected targets of the day with no result yet, by unit (overrides not counted).
    public var controlsWaiting: [String: Int]
    /// Four-eyes requests waiting for a second person.
    public var approvalsPending: Int
    /// Envelopes not yet delivered to peer nodes and not given up.
    public var outboxBacklog: Int
}

extension Store {
    /// A trivial query: the database answers (readiness).
    public func ping() async throws {
        try await exclusive { _ = try await sql.raw("SELECT 1 AS one").first() }
    }

    /// The work waiting on `day`.
    public func workWaiting(day: CalendarDate) async throws -> WorkWaiting {
        let backlog = try await outboxBacklog()
        return try await exclusive {
            var controls: [String: Int] = [:]
            let rows = try await sql.raw("""
                SELECT t.unit_code AS unit, COUNT(*) AS n FROM targets t
                WHERE t.day = \(bind: day.description) AND t.selection <> \(bind: SelectionReason.released.rawValue)
                  AND NOT EXISTS (SELECT 1 FROM inspection_results r WHERE r.consignment_id = t.consignment_id
                                  AND r.unit_code = t.unit_code)
                GROUP BY t.unit_code
                """).all()
            for r in rows { controls[try r.decode(column: "unit", as: String.self)] = try r.decode(column: "n", as: Int.self) }
            // Units with nothing waiting read 0, not "no data".
            for r in try await sql.select().column("code").from("units").all() {
                let code = try r.decode(column: "code", as: String.self)
                if controls[code] == nil { controls[code] = 0 }
            }
            let approvals = try await sql.raw("SELECT COUNT(*) AS n FROM approvals WHERE status = 'pending'").first()?
                .decode(column: "n", as: Int.self) ?? 0
            return WorkWaiting(controlsWaiting: controls, approvalsPending: approvals, outboxBacklog: backlog)
        }
    }
}
