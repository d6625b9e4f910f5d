import CordonCore
import Foundation
import SQLKit

/// Targets of a kind (lane and selection reason) and what their controls found, over a period.
public struct TargetActivity: Sendable, Hashable {
    public var lane: Lane
    public var selection: SelectionReason
    public var targets: Int
    public var inspected: Int
    public var positive: Int
}

/// A profile's hits over a period and what the controls of the selected ones found.
public struct ProfileActivity: Sendable, Hashable {
    public var name: String
    public var hits: Int
    public var selected: Int
    public var inspected: Int
    public var positive: Int
}

/// Seizure cases and their estimated value for one day and commodity category.
public struct SeizureDay: Sendable, Hashable {
    public var date: CalendarDate
    public var category: CommodityCategory
    public var cases: Int
    public var value: Double
}

/// The work of some units over a period: the figures behind the dashboards.
public struct Activity: Sendable, Hashable {
    public var targets: [TargetActivity]
    public var profiles: [ProfileActivity]
    public var seizures: [SeizureDay]
    /// All results recorded in the period, targeted or not, and how many found something.
    public var inspections: Int
    public var positiveInspections: Int
}

extension Store {
    /// What `units` (all when nil) targeted, controlled and seized between `from` and `until`, both included.
    /// A target counts as inspected when its document has a result from the same unit.
    public func activity(units: [String]?, from: CalendarDate, until: CalendarDate) async throws -> Activity {
        if units?.isEmpty == true { return Activity(targets: [], profiles: [], seizures: [], inspections: 0, positiveInspections: 0) }
        let unitClause: (String) -> SQLQueryString = { column in
            units.map { "AND \(unsafeRaw: column) IN (\(binds: $0))" } ?? ""
        }
        // Per document and unit: 'seizure' > 'irregularity' > 'cleared', so MAX is the strongest finding.
        let findings: SQLQueryString = """
            (SELECT document_number, kind, unit_code, MAX(outcome) AS outcome FROM inspection_results
             GROUP BY document_number, kind, unit_code)
            """
        return try await exclusive {
            let targetRows = try await sql.raw("""
                SELECT t.lane, t.selection, COUNT(*) AS targets,
                    SUM(CASE WHEN r.outcome IS NULL THEN 0 ELSE 1 END) AS inspected,
                    SUM(CASE WHEN r.outcome IN ('irregularity', 'seizure') THEN 1 ELSE 0 END) AS positive
                FROM targets t
                JOIN consignments c ON c.id = t.consignment_id
                LEFT JOIN \(findings) r ON r.document_number = c.document_number AND r.kind = c.kind AND r.unit_code = t.unit_code
                WHERE t.day >= \(bind: from.description) AND t.day <= \(bind: until.description) \(unitClause("t.unit_code"))
                GROUP BY t.lane, t.selection
                """).all()
            let targets = try targetRows.map { r in
                let lane = try r.decode(column: "lane", as: String.self), selection = try r.decode(column: "selection", as: String.self)
                guard let l = Lane(rawValue: lane), let s = SelectionReason(rawValue: selection) else {
                    throw StoreError.query("stored targets are unreadable: \(lane) \(selection)")
                }
                return TargetActivity(lane: l, selection: s, targets: try r.decode(column: "targets", as: Int.self),
                                      inspected: try r.decode(column: "inspected", as: Int?.self) ?? 0,
                                      positive: try r.decode(column: "positive", as: Int?.self) ?? 0)
            }
            let profileRows = try await sql.raw("""
                SELECT p.name, COUNT(*) AS hits, SUM(h.selected) AS selected,
                    SUM(CASE WHEN r.outcome IS NULL THEN 0 ELSE 1 END) AS inspected,
                    SUM(CASE WHEN r.outcome IN ('irregularity', 'seizure') THEN 1 ELSE 0 END) AS positive
                FROM profile_hits h
                JOIN risk_profiles p ON p.id = h.profile_id
                JOIN consignments c ON c.id = h.consignment_id
                LEFT JOIN \(findings) r ON r.document_number = c.document_number AND r.kind = c.kind AND r.unit_code = h.unit_code
                WHERE h.day >= \(bind: from.description) AND h.day <= \(bind: until.description) \(unitClause("h.unit_code"))
                GROUP BY p.name ORDER BY hits DESC, p.name
                """).all()
            let profiles = try profileRows.map { r in
                ProfileActivity(name: try r.decode(column: "name", as: String.self), hits: try r.decode(column: "hits", as: Int.self),
                                selected: try r.decode(column: "selected", as: Int?.self) ?? 0,
                                inspected: try r.decode(column: "inspected", as: Int?.self) ?? 0,
                                positive: try r.decode(column: "positive", as: Int?.self) ?? 0)
            }
            let seizureRows = try await sql.raw("""
                SELECT s.seized_on, s.category, COUNT(DISTINCT s.result_id) AS cases, SUM(s.estimated_value) AS value
                FROM seizure_lines s
                WHERE s.seized_on >= \(bind: from.description) AND s.seized_on <= \(bind: until.description) \(unitClause("s.unit_code"))
                GROUP BY s.seized_on, s.category ORDER BY s.seized_on
                """).all()
            let seizures = try seizureRows.map { r in
                let day = try r.decode(column: "seized_on", as: String.self), category = try r.decode(column: "category", as: String.self)
                guard let d = CalendarDate(iso: day), let c = CommodityCategory(rawValue: category) else {
                    throw StoreError.query("stored seizures are unreadable: \(day) \(category)")
                }
                return SeizureDay(date: d, category: c, cases: try r.decode(column: "cases", as: Int.self),
                                  value: try r.decode(column: "value", as: Double?.self) ?? 0)
            }
            let totals = try await sql.raw("""
                SELECT COUNT(*) AS n, SUM(CASE WHEN outcome IN ('irregularity', 'seizure') THEN 1 ELSE 0 END) AS positive
                FROM inspection_results
                WHERE inspected_on >= \(bind: from.description) AND inspected_on <= \(bind: until.description) \(unitClause("unit_code"))
                """).first()
            return Activity(targets: targets, profiles: profiles, seizures: seizures,
                            inspections: try totals?.decode(column: "n", as: Int.self) ?? 0,
                            positiveInspections: try totals?.decode(column: "positive", as: Int?.self) ?? 0)
        }
    }
}
