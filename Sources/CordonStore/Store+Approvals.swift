import CordonCore
import Foundation
import SQLKit

/// Why a four-eyes request, decision or override could not be stored.
public enum ApprovalStoreError: Error, CustomStringConvertible, Sendable, Equatable {
    case unknown(Int)
    case alreadyPending(Int)
    case refused(FourEyesRefusal)
    case notApplicable(String)

    public var description: String {
        switch self {
        case .unknown(let id): "no approval request \(id)"
        case .alreadyPending(let id): "request \(id) asks for this already and waits for a decision"
        case .refused(let refusal): refusal.description
        case .notApplicable(let why): why
        }
    }
}

/// An override with what became of its consignment: the strongest finding of any control recorded for the document.
public struct OverrideRecord: Sendable, Hashable {
    public var override: TargetOverride
    public var kind: DocumentKind
    public var documentNumber: String
    public var lane: Lane
    public var finding: InspectionOutcome?
}

extension Store {
    /// Stores a request for a four-eyes decision after checking who asks, why, and that the action applies now.
    public func requestApproval(_ action: ApprovalAction, reason: String, by user: User, origin: String) async throws -> ApprovalRequest {
        do { try FourEyes.checkRequest(action, by: user, reason: reason) } catch { throw ApprovalStoreError.refused(error) }
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        return try await transaction {
            if let pending = try await sql.select().column("id").from("approvals").where("kind", .equal, action.kind)
                .where("subject", .equal, action.subject).where("status", .equal, ApprovalStatus.pending.rawValue).first() {
                throw ApprovalStoreError.alreadyPending(try pending.decode(column: "id", as: Int.self))
            }
            try await checkApplicable(action)
            let now = Store.now()
            let row = try await sql.insert(into: "approvals")
                .columns("kind", "action", "subject", "unit_code", "reason", "requested_by", "requested_at", "status")
                .values(SQLBind(action.kind), SQLBind(String(decoding: try JSONEncoder().encode(action), as: UTF8.self)),
                        SQLBind(action.subject), SQLBind(action.unit), SQLBind(reason), SQLBind(user.username), SQLBind(now),
                        SQLBind(ApprovalStatus.pending.rawValue))
                .returning("id").first()
            guard let id = try row?.decode(column: "id", as: Int.self) else { throw StoreError.query("the new approval request has no id") }
            try await appendAudit(AuditEntry(actor: user.username, action: "request_approval", subject: "approval \(id)",
                                             details: "\(action.kind) \(action.subject): \(reason)", origin: origin))
            return ApprovalRequest(id: id, action: action, reason: reason, requestedBy: user.username, requestedAt: now)
        }
    }

    /// Approves (and carries out) or refuses a pending request, as a second person of the right role.
    public func decideApproval(_ id: Int, approve: Bool, note: String, by user: User, origin: String) async throws -> ApprovalRequest {
        try await transaction(forgetting: \.units) {
            guard var request = try await readApproval(id) else { throw ApprovalStoreError.unknown(id) }
            do { try FourEyes.checkDecision(request, by: user, approve: approve, note: note) } catch let e as FourEyesRefusal { throw ApprovalStoreError.refused(e) }
            if approve { try await carryOut(request) }
            request.status = approve ? .approved : .refused
            request.decidedBy = user.username
            request.decidedAt = Store.now()
            let note = note.trimmingCharacters(in: .whitespacesAndNewlines)
            request.note = note.isEmpty ? nil : note
            try await setStatus(request)
            try await appendAudit(AuditEntry(actor: user.username, action: approve ? "approve" : "refuse", subject: "approval \(id)",
                                             details: "\(request.action.kind) \(request.action.subject) asked by \(request.requestedBy)"
                                                 + (note.isEmpty ? "" : ": \(note)"), origin: origin))
            return request
        }
    }

    /// Withdraws a pending request: only the person who asked.
    public func withdrawApproval(_ id: Int, by user: User, origin: String) async throws -> ApprovalRequest {
        try await transaction {
            guard var request = try await readApproval(id) else { throw ApprovalStoreError.unknown(id) }
            guard request.status == .pending else { throw ApprovalStoreError.refused(.notPending(request.status)) }
            guard request.requestedBy == user.username else { throw ApprovalStoreError.notApplicable("only the person who asked withdraws a request") }
            request.status = .withdrawn
            request.decidedBy = user.username
            request.decidedAt = Store.now()
            try await setStatus(request)
            try await appendAudit(AuditEntry(actor: user.username, action: "withdraw_approval", subject: "approval \(id)",
                                             details: "\(request.action.kind) \(request.action.subject)", origin: origin))
            return request
        }
    }

    /// Requests, newest first: of one status when given; for unit-scoped readers, only their units' requests.
    public func approvals(status: ApprovalStatus? = nil, units: [String]? = nil, limit: Int = 200) async throws -> [ApprovalRequest] {
        if units?.isEmpty == true { return [] }
        return try await exclusive {
            var q: SQLQueryString = "SELECT * FROM approvals WHERE 1 = 1"
            if let status { q = q + " AND status = \(bind: status.rawValue)" }
            if let units { q = q + " AND unit_code IN (\(binds: units))" }
            q = q + " ORDER BY id DESC LIMIT \(bind: limit)"
            return try await sql.raw(q).all().map(Store.readApproval)
        }
    }

    /// One request.
    public func approval(_ id: Int) async throws -> ApprovalRequest? {
        try await exclusive { try await readApproval(id) }
    }

    /// The pending request of `kind` about `subject`, if any: a page shows it instead of offering to ask again.
    public func pendingApproval(kind: String, subjectPrefix: String) async throws -> ApprovalRequest? {
        try await exclusive {
            try await sql.raw("""
                SELECT * FROM approvals WHERE status = 'pending' AND kind = \(bind: kind)
                    AND subject LIKE \(bind: Store.likePrefix(subjectPrefix)) ESCAPE '\\' ORDER BY id DESC LIMIT 1
                """).first().map(Store.readApproval)
        }
    }

    /// Saves a unit's definition for `user`. A new unit is saved as given. For an existing one, a change of capacity
    /// or control share is not saved but asked for with `reason` (four-eyes), and the rest is saved; without a
    /// reason nothing is saved. Returns the request when one was made.
    public func saveUnit(_ unit: ControlUnit, reason: String?, by user: User?, origin: String) async throws -> ApprovalRequest? {
        guard let stored = try await units().first(where: { $0.code == unit.code }),
              stored.capacity != unit.capacity || stored.controlSharePercent != unit.controlSharePercent else {
            try await saveUnit(unit)
            return nil
        }
        guard let user, let reason, !reason.isEmpty else {
            throw ApprovalStoreError.notApplicable(
                "unit \(unit.code) works with capacity \(stored.capacity) and control share \(ApprovalAction.percent(stored.controlSharePercent)): a change needs a reason and a second person's approval")
        }
        let request = try await requestApproval(.changeCapacity(unit: unit.code, capacity: unit.capacity.description,
                                                                controlSharePercent: unit.controlSharePercent),
                                                reason: reason, by: user, origin: origin)
        var rest = unit
        rest.capacity = stored.capacity
        rest.controlSharePercent = stored.controlSharePercent
        if rest != stored { try await saveUnit(rest) }
        return request
    }

    /// Records a release or selection that one person may decide (not a red-lane release: that is a request).
    public func overrideTarget(_ o: TargetOverride, by user: User, origin: String) async throws {
        guard user.role == .officer || user.role == .supervisor, user.units.contains(o.unit), !user.disabled else {
            throw ApprovalStoreError.notApplicable("only officers and supervisors of unit \(o.unit) decide on its targets")
        }
        do { try WrittenReason.check(o.reason) } catch { throw ApprovalStoreError.refused(error) }
        try await transaction {
            let target = try await overridable(unit: o.unit, day: o.day, consignmentID: o.consignmentID, action: o.action)
            if o.action == .release && target.lane == .red {
                throw ApprovalStoreError.notApplicable("a red-lane target is released only with a supervisor's approval: ask for one")
            }
            var o = o
            o.by = user.username
            o.approvalID = nil
            try await insertOverride(o)
            try await appendAudit(AuditEntry(actor: user.username, action: "\(o.action.rawValue)_target", subject: "consignment \(o.consignmentID)",
                                             details: "\(o.unit) \(o.day) \(target.document): \(o.reason.trimmingCharacters(in: .whitespacesAndNewlines))",
                                             origin: origin))
        }
    }

    /// Overrides, newest first, with the later finding on each document; of one unit's units when given.
    public func overrides(units: [String]? = nil, limit: Int = 1000) async throws -> [OverrideRecord] {
        if units?.isEmpty == true { return [] }
        return try await exclusive {
            var q: SQLQueryString = """
                SELECT o.*, c.kind, c.document_number, t.lane,
                    (SELECT MAX(r.outcome) FROM inspection_results r WHERE r.document_number = c.document_number AND r.kind = c.kind) AS finding
                FROM target_overrides o JOIN consignments c ON c.id = o.consignment_id
                LEFT JOIN targets t ON t.unit_code = o.unit_code AND t.day = o.day AND t.consignment_id = o.consignment_id
                """
            if let units { q = q + " WHERE o.unit_code IN (\(binds: units))" }
            q = q + " ORDER BY o.decided_at DESC LIMIT \(bind: limit)"
            return try await sql.raw(q).all().map { r in
                let kind = try r.decode(column: "kind", as: String.self)
                guard let k = DocumentKind(rawValue: kind), let o = try Store.readOverride(r, prefix: "") else {
                    throw StoreError.query("a stored override is unreadable")
                }
                return OverrideRecord(override: o, kind: k, documentNumber: try r.decode(column: "document_number", as: String.self),
                                      lane: Lane(rawValue: try r.decode(column: "lane", as: String?.self) ?? "") ?? .green,
                                      finding: try r.decode(column: "finding", as: String?.self).flatMap(InspectionOutcome.init(rawValue:)))
            }
        }
    }

    // MARK: Inside transactions

    private func readApproval(_ id: Int) async throws -> ApprovalRequest? {
        try await sql.select().column("*").from("approvals").where("id", .equal, id).first().map(Store.readApproval)
    }

    private func setStatus(_ r: ApprovalRequest) async throws {
        try await sql.update("approvals").set("status", to: r.status.rawValue).set("decided_by", to: r.decidedBy)
            .set("decided_at", to: r.decidedAt).set("note", to: r.note).where("id", .equal, r.id).run()
    }

    /// Throws unless `action` can be carried out now; returns nothing. Checked when asked and again when approved.
    private func checkApplicable(_ action: ApprovalAction) async throws {
        switch action {
        case .activateProfile(let name, let version), .retireProfile(let name, let version):
            guard let latest = try await latestProfile(name) else { throw ProfileStoreError.unknown(name) }
            guard latest.version == version else {
                throw ApprovalStoreError.notApplicable("profile \(name) has changed since version \(version) (now version \(latest.version)): ask again")
            }
            if case .activateProfile = action, latest.profile.status == .active {
                throw ApprovalStoreError.notApplicable("profile \(name) is in force already")
            }
            if case .retireProfile = action, latest.profile.status == .retired { throw ProfileStoreError.alreadyRetired(name) }
        case .releaseTarget(let unit, let day, let id, _):
            let target = try await overridable(unit: unit, day: day, consignmentID: id, action: .release)
            guard target.lane == .red else {
                throw ApprovalStoreError.notApplicable("only a red-lane target needs an approval to be released: release it with a reason")
            }
        case .changeCapacity(let unit, let capacity, let share):
            guard InspectionCapacity(capacity) != nil, share >= 0, share <= 100 else {
                throw ApprovalStoreError.notApplicable("the capacity must be a number or a percentage and the control share 0 to 100")
            }
            guard try await sql.select().column("code").from("units").where("code", .equal, unit).first() != nil else {
                throw UnitStoreError.unknown(unit)
            }
        }
    }

    /// Carries out an approved request, after checking it still applies.
    private func carryOut(_ request: ApprovalRequest) async throws {
        try await checkApplicable(request.action)
        switch request.action {
        case .activateProfile(let name, _), .retireProfile(let name, _):
            guard let latest = try await latestProfile(name) else { throw ProfileStoreError.unknown(name) }
            var p = latest.profile
            if case .activateProfile = request.action { p.status = .active } else { p.status = .retired }
            try await insertProfile(p, version: latest.version + 1, by: request.requestedBy)
        case .releaseTarget(let unit, let day, let id, _):
            try await insertOverride(TargetOverride(unit: unit, day: day, consignmentID: id, action: .release, reason: request.reason,
                                                    by: request.requestedBy, approvalID: request.id))
        case .changeCapacity(let unit, let capacity, let share):
            try await sql.update("units").set("capacity", to: capacity).set("control_share", to: share).set("updated_at", to: Store.now())
                .where("code", .equal, unit).run()
        }
    }

    /// The target an override is about, checked: it exists, has no override yet, and is selected (for a release)
    /// or released (for a selection).
    private func overridable(unit: String, day: CalendarDate, consignmentID: Int,
                             action: TargetOverride.Action) async throws -> (lane: Lane, document: String) {
        guard let r = try await sql.raw("""
            SELECT t.lane, t.selection, c.document_number,
                (SELECT o.action FROM target_overrides o WHERE o.unit_code = t.unit_code AND o.day = t.day
                    AND o.consignment_id = t.consignment_id) AS decided
            FROM targets t JOIN consignments c ON c.id = t.consignment_id
            WHERE t.unit_code = \(bind: unit) AND t.day = \(bind: day.description) AND t.consignment_id = \(bind: consignmentID)
            """).first() else {
            throw ApprovalStoreError.notApplicable("consignment \(consignmentID) is not a target of \(unit) on \(day)")
        }
        if let decided = try r.decode(column: "decided", as: String?.self) {
            throw ApprovalStoreError.notApplicable("this target was already \(decided == "release" ? "released" : "selected") by a person")
        }
        let selected = try r.decode(column: "selection", as: String.self) != SelectionReason.released.rawValue
        if action == .release && !selected { throw ApprovalStoreError.notApplicable("this target is not selected: there is nothing to release") }
        if action == .select && selected { throw ApprovalStoreError.notApplicable("this target is selected already") }
        return (Lane(rawValue: try r.decode(column: "lane", as: String.self)) ?? .green, try r.decode(column: "document_number", as: String.self))
    }

    private func insertOverride(_ o: TargetOverride) async throws {
        try await sql.insert(into: "target_overrides")
            .columns("unit_code", "day", "consignment_id", "action", "reason", "decided_by", "decided_at", "approval_id")
            .values(SQLBind(o.unit), SQLBind(o.day.description), SQLBind(o.consignmentID), SQLBind(o.action.rawValue),
                    SQLBind(o.reason.trimmingCharacters(in: .whitespacesAndNewlines)), SQLBind(o.by), SQLBind(Store.now()),
                    SQLBind(o.approvalID))
            .run()
    }

    // MARK: Reading rows

    static func readApproval(_ r: any SQLRow) throws -> ApprovalRequest {
        let json = try r.decode(column: "action", as: String.self)
        let status = try r.decode(column: "status", as: String.self)
        guard let s = ApprovalStatus(rawValue: status) else { throw StoreError.query("an approval request has an unknown status: \(status)") }
        let action: ApprovalAction
        do { action = try JSONDecoder().decode(ApprovalAction.self, from: Data(json.utf8)) } catch {
            throw StoreError.query("an approval request's action is unreadable: \(error)")
        }
        return ApprovalRequest(id: try r.decode(column: "id", as: Int.self), action: action, reason: try r.decode(column: "reason", as: String.self),
                               requestedBy: try r.decode(column: "requested_by", as: String.self),
                               requestedAt: try r.decode(column: "requested_at", as: String.self), status: s,
                               decidedBy: try r.decode(column: "decided_by", as: String?.self),
                               decidedAt: try r.decode(column: "decided_at", as: String?.self), note: try r.decode(column: "note", as: String?.self))
    }

    /// An override from a row of `target_overrides` (columns named with `prefix`), nil when the row has none.
    static func readOverride(_ r: any SQLRow, prefix: String) throws -> TargetOverride? {
        guard r.contains(column: prefix + "action"), let actionText = try r.decode(column: prefix + "action", as: String?.self) else { return nil }
        let day = try r.decode(column: prefix + "day", as: String.self)
        guard let action = TargetOverride.Action(rawValue: actionText), let d = CalendarDate(iso: day) else {
            throw StoreError.query("a stored override is unreadable: \(actionText) \(day)")
        }
        return TargetOverride(unit: try r.decode(column: prefix + "unit_code", as: String.self), day: d,
                              consignmentID: try r.decode(column: prefix + "consignment_id", as: Int.self), action: action,
                              reason: try r.decode(column: prefix + "reason", as: String.self),
                              by: try r.decode(column: prefix + "decided_by", as: String.self),
                              at: try r.decode(column: prefix + "decided_at", as: String.self),
                              approvalID: try r.decode(column: prefix + "approval_id", as: Int?.self))
    }
}
