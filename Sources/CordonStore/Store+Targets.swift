import CordonCore
import Foundation
import SQLKit

extension Store {
    /// Replaces a unit's scored day with `targets` (re-running the targeting of a day gives one queue, not two)
    /// and records which profiles hit which consignments, for the profiles' hit rates.
    public func replaceTargets(unit: String, day: CalendarDate, targets: [Target], modelVersion: Int?) async throws {
        let now = Store.now()
        try await transaction {
            try await sql.delete(from: "targets").where("unit_code", .equal, unit).where("day", .equal, day.description).run()
            try await sql.delete(from: "profile_hits").where("unit_code", .equal, unit).where("day", .equal, day.description).run()
            var profileIDs: [String: Int] = [:]
            for r in try await sql.select().columns("id", "name", "version").from("risk_profiles").all() {
                profileIDs["\(try r.decode(column: "name", as: String.self))@\(try r.decode(column: "version", as: Int.self))"] =
                    try r.decode(column: "id", as: Int.self)
            }
            // Rows one after another in one list: a day of a large unit is tens of thousands of targets.
            var rows: [SQLValue] = []
            rows.reserveCapacity(11 * targets.count)
            var hits: [SQLValue] = []
            // Writing the reasons out was a third of storing a day: done on all cores.
            let encoded = Parallel.map(targets.count, minimumPart: 512) { range in
                range.map { i in
                    (String(decoding: targets[i].reasons.payloadJSON, as: UTF8.self),
                     String(decoding: targets[i].profiles.payloadJSON, as: UTF8.self))
                }
            }
            for (t, (reasons, profiles)) in zip(targets, encoded) {
                rows += [.text(unit), .text(day.description), .int(t.consignmentID), .int(t.rank), .double(t.score),
                         .text(t.lane.rawValue), .text(t.selection.rawValue), .text(reasons), .text(profiles),
                         SQLValue(modelVersion), .text(now)]
                for p in Set(t.profiles) {
                    guard let id = profileIDs[p] else { throw StoreError.query("profile \(p) of a target is not stored") }
                    hits += [.int(id), .int(t.consignmentID), .text(unit), .text(day.description),
                             .int(t.selection == .released ? 0 : 1)]
                }
            }
            try await insert(into: "targets", columns: [
                "unit_code", "day", "consignment_id", "rank", "score", "lane", "selection", "reasons", "profiles",
                "model_version", "scored_at"], values: rows)
            try await insert(into: "profile_hits", columns: [
                "profile_id", "consignment_id", "unit_code", "day", "selected"], values: hits)
        }
    }

    /// A unit's scored day in rank order: only the selected ones unless `includeReleased`.
    public func targets(unit: String, day: CalendarDate, includeReleased: Bool = false, limit: Int? = nil,
                        offset: Int = 0) async throws -> [Target] {
        try await exclusive {
            // SQLite accepts OFFSET only after a LIMIT.
            let rows = try await sql.raw("""
                SELECT t.consignment_id, c.kind, c.document_number, t.rank, t.score, t.lane, t.selection, t.reasons, t.profiles,
                    \(unsafeRaw: Store.overrideColumns)
                FROM targets t JOIN consignments c ON c.id = t.consignment_id \(unsafeRaw: Store.overrideJoin)
                WHERE t.unit_code = \(bind: unit) AND t.day = \(bind: day.description)
                    AND (\(bind: includeReleased ? 1 : 0) = 1 OR \(unsafeRaw: Store.selectedNow))
                ORDER BY t.rank LIMIT \(bind: limit ?? Int(Int32.max)) OFFSET \(bind: offset)
                """).all()
            return try rows.map(Store.readTarget)
        }
    }

    /// Stored reasons: objects `{"code", "values"}`, or plain strings from before reasons had codes. Read with
    /// JSONSerialization, several times faster here than Codable, on every row of every queue page.
    static func readReasons(_ json: String) throws -> [Reason] {
        guard let items = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [Any] else {
            throw StoreError.query("stored reasons are not a list: \(json.prefix(80))")
        }
        return try items.map { item in
            if let words = item as? String { return Reason.text(words) }
            guard let object = item as? [String: Any], let code = object["code"] as? String else {
                throw StoreError.query("a stored reason is unreadable: \(json.prefix(80))")
            }
            return Reason(code, object["values"] as? [String: String] ?? [:])
        }
    }

    /// Where and when a target was set, from a row of `targets` (with its unit and day) joined with its consignment.
    static func readTargeting(_ r: any SQLRow) throws -> (unit: String, day: CalendarDate, target: Target) {
        let day = try r.decode(column: "day", as: String.self)
        guard let d = CalendarDate(iso: day) else { throw StoreError.query("a stored target has an unreadable day: \(day)") }
        return (try r.decode(column: "unit_code", as: String.self), d, try readTarget(r))
    }

    /// A target from a row of `targets` joined with its consignment's kind and document number.
    static func readTarget(_ r: any SQLRow) throws -> Target {
        let kind = try r.decode(column: "kind", as: String.self)
        let lane = try r.decode(column: "lane", as: String.self)
        let selection = try r.decode(column: "selection", as: String.self)
        guard let k = DocumentKind(rawValue: kind), let l = Lane(rawValue: lane), let s = SelectionReason(rawValue: selection) else {
            throw StoreError.query("a stored target is unreadable: \(kind) \(lane) \(selection)")
        }
        return Target(consignmentID: try r.decode(column: "consignment_id", as: Int.self), kind: k,
                      documentNumber: try r.decode(column: "document_number", as: String.self),
                      rank: try r.decode(column: "rank", as: Int.self), score: try r.decode(column: "score", as: Double.self),
                      lane: l, selection: s,
                      reasons: try storedReasons.value(of: try r.decode(column: "reasons", as: String.self), read: readReasons),
                      profiles: try storedProfiles.value(of: try r.decode(column: "profiles", as: String.self)) {
                          try JSONDecoder().decode([String].self, from: Data($0.utf8))
                      },
                      override: try readOverride(r, prefix: "o_"))
    }

    // Decoding the stored reasons was a sixth of a targets API request (perf, scripts/bench http); a day's queue is read
    // again and again with the same texts.
    private static let storedReasons = StoredTextMemo<[Reason]>(limit: 50_000)
    private static let storedProfiles = StoredTextMemo<[String]>(limit: 10_000)

    /// The columns of a target's override, named `o_...`, for `readTarget`; with `overrideJoin`.
    static let overrideColumns = """
        o.action AS o_action, o.unit_code AS o_unit_code, o.day AS o_day, o.consignment_id AS o_consignment_id, o.reason AS o_reason,
        o.decided_by AS o_decided_by, o.decided_at AS o_decided_at, o.approval_id AS o_approval_id
        """
    static let overrideJoin = """
        LEFT JOIN target_overrides o ON o.unit_code = t.unit_code AND o.day = t.day AND o.consignment_id = t.consignment_id
        """
    /// Whether a target (`t`, joined with its override `o`) is to be controlled: selected and not released by a
    /// person, or selected by a person.
    static let selectedNow = "((t.selection <> 'released' AND (o.action IS NULL OR o.action <> 'release')) OR o.action = 'select')"
}

extension Store {
    /// Where a consignment was targeted, among `units` (all units when nil): unit, day and the target, newest first.
    public func targetings(of consignmentID: Int, units: [String]?) async throws -> [(unit: String, day: CalendarDate, target: Target)] {
        if units?.isEmpty == true { return [] }
        return try await exclusive {
            let rows = try await sql.raw("""
                SELECT t.unit_code, t.day, t.consignment_id, c.kind, c.document_number, t.rank, t.score, t.lane, t.selection,
                    t.reasons, t.profiles, \(unsafeRaw: Store.overrideColumns)
                FROM targets t JOIN consignments c ON c.id = t.consignment_id \(unsafeRaw: Store.overrideJoin)
                WHERE t.consignment_id = \(bind: consignmentID)
                    \(unsafeRaw: units == nil ? "" : "AND t.unit_code IN (")\(binds: units ?? [])\(unsafeRaw: units == nil ? "" : ")")
                ORDER BY t.day DESC
                """).all()
            return try rows.map(Store.readTargeting)
        }
    }

    /// The store id of a document's current version.
    public func currentConsignmentID(_ documentNumber: String, kind: DocumentKind) async throws -> Int? {
        try await exclusive {
            try await sql.select().column("id").from("consignments").where("document_number", .equal, documentNumber)
                .where("kind", .equal, kind.rawValue).where("is_current", .equal, 1).first()?.decode(column: "id", as: Int.self)
        }
    }

    /// A consignment version by its store id.
    public func consignment(id: Int) async throws -> Consignment? {
        try await exclusive { try await documents(ids: [id])[id] }
    }

    /// The days on which a unit has a stored queue, newest first. One index seek per day (a loose index scan),
    /// not a scan of every target of the unit: the queue page asks for it on every view.
    public func targetedDays(unit: String, limit: Int = 60) async throws -> [CalendarDate] {
        try await exclusive {
            try await sql.raw("""
                WITH RECURSIVE d(day, n) AS (
                    SELECT MAX(day), 1 FROM targets WHERE unit_code = \(bind: unit)
                    UNION ALL
                    SELECT (SELECT MAX(t.day) FROM targets t WHERE t.unit_code = \(bind: unit) AND t.day < d.day), d.n + 1
                    FROM d WHERE d.day IS NOT NULL AND d.n < \(bind: limit)
                )
                SELECT day FROM d WHERE day IS NOT NULL ORDER BY day DESC
                """).all()
                .compactMap { CalendarDate(iso: try $0.decode(column: "day", as: String.self)) }
        }
    }
}
