import CordonCore
import Foundation
import SQLKit

/// What a queue page asks for: a unit's day, filtered, one page of it.
public struct QueueQuery: Sendable, Hashable {
    public var unit: String
    public var day: CalendarDate
    public var includeReleased = false
    public var lane: Lane?
    /// The first two digits of the (first) HS code.
    public var hsChapter: String?
    /// ISO 3166 country of the place of loading (the first two letters of its UN/LOCODE).
    public var loadedIn: String?
    /// A document number, container number or party name or identifier, or a part of one.
    public var search: String?
    public var limit = 50
    public var offset = 0

    public init(unit: String, day: CalendarDate) {
        self.unit = unit
        self.day = day
    }
}

/// One page of a queue: how many targets match, the page's targets and their documents.
public struct QueuePage: Sendable {
    public var total: Int
    public var targets: [Target]
    public var documents: [Int: Consignment]
}

extension Store {
    /// A page of a unit's day, filtered in SQL, so that only the page's documents are read: a queue stays quick
    /// with a large store.
    public func queue(_ q: QueueQuery) async throws -> QueuePage {
        // Two texts rather than one with a flag: PostgreSQL plans a prepared statement once, and a flag in it would
        // keep the condition in the plan of the whole day.
        var conditions: SQLQueryString = "t.unit_code = \(bind: q.unit) AND t.day = \(bind: q.day.description)"
        if !q.includeReleased { conditions = conditions + " AND \(unsafeRaw: Store.selectedNow)" }
        if let lane = q.lane { conditions = conditions + " AND t.lane = \(bind: lane.rawValue)" }
        if let chapter = q.hsChapter { conditions = conditions + " AND c.hs_code LIKE \(bind: Store.likePrefix(chapter)) ESCAPE '\\'" }
        if let country = q.loadedIn { conditions = conditions + " AND c.place_of_loading LIKE \(bind: Store.likePrefix(country.uppercased())) ESCAPE '\\'" }
        // The document's columns are joined for the page only, unless a filter is on them.
        var documentFilter = q.hsChapter != nil || q.loadedIn != nil
        if let search = q.search?.uppercased(), !search.isEmpty {
            documentFilter = true
            let part = "%" + Store.likeEscaped(search) + "%"
            conditions = conditions + """
                 AND (UPPER(c.document_number) LIKE \(bind: part) ESCAPE '\\'
                     OR t.consignment_id IN (SELECT consignment_id FROM consignment_containers WHERE number LIKE \(bind: part) ESCAPE '\\')
                     OR t.consignment_id IN (\(unsafeRaw: Store.entryBlocks)
                         SELECT p.consignment_id FROM \(unsafeRaw: partyEntriesByName)
                         WHERE n.term LIKE \(bind: part) ESCAPE '\\'))
                """
        }
        let filtered = documentFilter || q.lane != nil
        let matching: SQLQueryString = """
            FROM targets t \(unsafeRaw: documentFilter ? "JOIN consignments c ON c.id = t.consignment_id" : "") \(unsafeRaw: Store.overrideJoin)
            WHERE \(conditions)
            """
        return try await exclusive {
            // One round trip: the page, each row with the count of all matches. Counted apart over the targets alone (a
            // subquery PostgreSQL runs once): with a window count over the page query it took 1.5 ms instead of 1.0 ms
            // (pgbench, one client), and joining every match's document only to count it doubled the run (EXPLAIN
            // ANALYZE), on the demo node of scripts/bench http.
            let page: SQLQueryString = """
                SELECT p.*, c.kind, c.document_number, (SELECT COUNT(*) \(matching)) AS matches FROM (
                    SELECT t.consignment_id, t.rank, t.score, t.lane, t.selection, t.reasons, t.profiles,
                        \(unsafeRaw: Store.overrideColumns)
                    \(matching)
                    ORDER BY t.rank LIMIT \(bind: q.limit) OFFSET \(bind: q.offset)) p
                JOIN consignments c ON c.id = p.consignment_id ORDER BY p.rank
                """
            let rows: [any SQLRow]
            if !filtered, let lease, let prepared = q.includeReleased
                ? try await DayQueuePage.rows(of: page, lease: lease, logger: logger)
                : try await SelectedQueuePage.rows(of: page, lease: lease, logger: logger) {
                rows = prepared
            } else {
                rows = try await sql.raw(page).all()
            }
            // A page past the end has no row to carry the count.
            var total = try rows.first?.decode(column: "matches", as: Int.self) ?? 0
            if rows.isEmpty && q.offset > 0 {
                total = try await sql.raw("SELECT COUNT(*) AS matches \(matching)").first()?.decode(column: "matches", as: Int.self) ?? 0
            }
            let targets = try rows.map(Store.readTarget)
            return QueuePage(total: total, targets: targets, documents: try await documents(ids: targets.map(\.consignmentID)))
        }
    }

    /// `text` for a LIKE pattern, its own `%`, `_` and `\` matched literally.
    static func likeEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
    }

    static func likePrefix(_ text: String) -> String { likeEscaped(text) + "%" }
}

/// Another consignment of the same trader: for a consignment page's history.
public struct TraderHistoryEntry: Sendable, Hashable {
    public var consignmentID: Int
    public var kind: DocumentKind
    public var documentNumber: String
    public var date: CalendarDate
    /// The trader's role in it (consignee, importer).
    public var role: String
    /// The strongest finding of its controls, nil when it was not controlled.
    public var finding: InspectionOutcome?
}

extension Store {
    /// The latest other consignments whose importer or consignee is one of `terms` (identifiers or upper-cased
    /// names), newest first. For unit-scoped readers (`units` given), only consignments their units targeted and
    /// only their units' findings.
    public func traderHistory(terms: [String], excluding id: Int, units: [String]?, limit: Int = 10) async throws -> [TraderHistoryEntry] {
        if terms.isEmpty || units?.isEmpty == true { return [] }
        let scope: SQLQueryString = units.map { " AND c.id IN (SELECT consignment_id FROM targets WHERE unit_code IN (\(binds: $0)))" } ?? ""
        let resultScope: SQLQueryString = units.map { " WHERE unit_code IN (\(binds: $0))" } ?? ""
        return try await exclusive {
            let rows = try await sql.raw("""
                \(unsafeRaw: Store.entryBlocks)
                SELECT c.id, c.kind, c.document_number, c.doc_date, MIN(p.role) AS role, MAX(r.outcome) AS outcome
                FROM \(unsafeRaw: partyEntriesByName)
                JOIN consignments c ON c.id = p.consignment_id AND c.is_current = 1
                LEFT JOIN (SELECT document_number, kind, outcome FROM inspection_results\(resultScope)) r
                    ON r.document_number = c.document_number AND r.kind = c.kind
                WHERE n.term IN (\(binds: terms)) AND p.role IN ('consignee', 'importer') AND c.id <> \(bind: id)\(scope)
                GROUP BY c.id, c.kind, c.document_number, c.doc_date
                ORDER BY c.doc_date DESC, c.id DESC LIMIT \(bind: limit)
                """).all()
            return try rows.map { r in
                let kind = try r.decode(column: "kind", as: String.self), day = try r.decode(column: "doc_date", as: String.self)
                guard let k = DocumentKind(rawValue: kind), let d = CalendarDate(iso: day) else {
                    throw StoreError.query("a stored consignment is unreadable: \(kind) \(day)")
                }
                return TraderHistoryEntry(consignmentID: try r.decode(column: "id", as: Int.self), kind: k,
                                          documentNumber: try r.decode(column: "document_number", as: String.self), date: d,
                                          role: try r.decode(column: "role", as: String.self),
                                          finding: try r.decode(column: "outcome", as: String?.self).flatMap(InspectionOutcome.init(rawValue:)))
            }
        }
    }
}
