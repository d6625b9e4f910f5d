import CordonCore
import CordonStore
import Foundation
import HTTPTypes
import Hummingbird

/// Four-eyes in the pages: the requests a user may see, with approve and refuse for those who may decide (never
/// the person who asked), withdraw for the person who asked; and the overrides dashboard (releases and selections
/// against the score, by user, with what later controls found).
struct ApprovalRoutes {
    let store: Store
    let pages: Pages

    struct DecisionForm: Decodable {
        var csrf: String?
        var note: String?
    }

    func add(to router: Router<WebContext>) {
        router.get("/approvals") { request, context in try await list(request, context) }
        router.post("/approvals/:id/approve") { request, context in try await decide(request, context, approve: true) }
        router.post("/approvals/:id/refuse") { request, context in try await decide(request, context, approve: false) }
        router.post("/approvals/:id/withdraw") { request, context in try await withdraw(request, context) }
        router.get("/overrides") { request, context in try await overrides(request, context) }
    }

    /// Roles that take part in four-eyes decisions or read them.
    static func takesPart(_ role: Role) -> Bool { [.officer, .supervisor, .analyst, .admin, .auditor].contains(role) }

    /// Whether `user` sees `request`: auditors and administrators all; analysts the national (profile) requests;
    /// supervisors those and their units'; officers their units'.
    static func sees(_ request: ApprovalRequest, _ user: User) -> Bool {
        switch user.role {
        case .auditor, .admin: true
        case .analyst: request.action.unit == nil
        case .supervisor: request.action.unit.map(user.units.contains) ?? true
        case .officer: request.action.unit.map(user.units.contains) ?? false
        default: false
        }
    }

    func participant(_ context: WebContext) throws -> SessionRecord {
        guard let session = context.session else { throw HTTPError(.unauthorized) }
        guard ApprovalRoutes.takesPart(session.user.role) else { throw HTTPError(.forbidden, message: "four-eyes requests are not for this role") }
        return session
    }

    /// Where a request's subject is shown, for a link; nil when the reader has no page for it.
    static func link(_ action: ApprovalAction, _ user: User) -> String? {
        switch action {
        case .activateProfile(let name, _), .retireProfile(let name, _): user.role.readsProfiles ? "/profiles/\(name)" : nil
        case .releaseTarget(_, _, let id, _): "/consignments/\(id)"
        case .changeCapacity(let unit, _, _): user.role == .admin ? "/admin/units/\(unit)" : nil
        }
    }

    func list(_ request: Request, _ context: WebContext, error: String? = nil) async throws -> Response {
        let session = try participant(context)
        let lang = Pages.language(request, context)
        let t = pages.localization
        let user = session.user
        let visible = try await store.approvals(limit: 500).filter { ApprovalRoutes.sees($0, user) }
        func row(_ r: ApprovalRequest) -> [String: Any] {
            var row: [String: Any] = [
                "id": r.id, "kind": t.text("approval_\(r.action.kind)", lang), "subject": r.action.subject, "reason": r.reason,
                "by": r.requestedBy, "at": MessageRoutes.time(r.requestedAt, lang),
                "status": t.text("approval_status_\(r.status.rawValue)", lang), "status_code": r.status.rawValue,
                "decided_by": r.decidedBy ?? "", "decided_at": r.decidedAt.map { MessageRoutes.time($0, lang) } ?? "", "note": r.note ?? "",
                "csrf": session.csrfToken,
            ]
            if let link = ApprovalRoutes.link(r.action, user) { row["link"] = link }
            if (try? FourEyes.checkDecision(r, by: user, approve: true, note: "")) != nil { row["can_decide"] = true }
            if r.status == .pending && r.requestedBy == user.username { row["can_withdraw"] = true }
            return row
        }
        let pending = visible.filter { $0.status == .pending }
        var values: [String: Any] = [
            "pending": pending.map(row), "no_pending": pending.isEmpty,
            "decided": visible.filter { $0.status != .pending }.prefix(50).map(row),
            "sees_overrides": [.supervisor, .analyst, .auditor, .admin].contains(user.role),
        ]
        if let error { values["error"] = error }
        return pages.page("approvals", title: t.text("approvals", lang), values: values, language: lang, session: session,
                          status: error == nil ? .ok : .badRequest)
    }

    func decide(_ request: Request, _ context: WebContext, approve: Bool) async throws -> Response {
        let session = try participant(context)
        let form = try await request.decode(as: DecisionForm.self, context: context)
        try CSRF.check(request: request, context: context, form: CSRF.Form(csrf: form.csrf))
        guard let id = Int(try context.parameters.require("id")) else { throw HTTPError(.notFound) }
        guard let asked = try await store.approval(id), ApprovalRoutes.sees(asked, session.user) else { throw HTTPError(.notFound) }
        do {
            let r = try await store.decideApproval(id, approve: approve, note: form.note ?? "", by: session.user, origin: context.origin)
            context.logger.info("four-eyes decision", metadata: ["user": "\(session.user.username)", "approval": "\(id)", "status": "\(r.status.rawValue)"])
        } catch let refusal as ApprovalStoreError {
            return try await list(request, context, error: "\(pages.localization.text("approval", Pages.language(request, context))) \(id): \(refusal)")
        } catch let refusal as ProfileStoreError {
            return try await list(request, context, error: "\(id): \(refusal)")
        }
        return .redirect(to: "/approvals", type: .normal)
    }

    func withdraw(_ request: Request, _ context: WebContext) async throws -> Response {
        let session = try participant(context)
        let form = try await request.decode(as: DecisionForm.self, context: context)
        try CSRF.check(request: request, context: context, form: CSRF.Form(csrf: form.csrf))
        guard let id = Int(try context.parameters.require("id")) else { throw HTTPError(.notFound) }
        do { _ = try await store.withdrawApproval(id, by: session.user, origin: context.origin) } catch let refusal as ApprovalStoreError {
            return try await list(request, context, error: "\(id): \(refusal)")
        }
        return .redirect(to: "/approvals", type: .normal)
    }

    /// Overrides by user: releases (red ones approved by a second person) and selections against the score, and what
    /// controls later found on those documents. For supervisors their units', for analysts, auditors and administrators all.
    func overrides(_ request: Request, _ context: WebContext) async throws -> Response {
        guard let session = context.session else { throw HTTPError(.unauthorized) }
        let user = session.user
        guard [.supervisor, .analyst, .auditor, .admin].contains(user.role) else {
            throw HTTPError(.forbidden, message: "the overrides dashboard is for supervisors, analysts and auditors")
        }
        let lang = Pages.language(request, context)
        let t = pages.localization
        let records = try await store.overrides(units: user.role.isUnitScoped ? user.units : nil)
        try await context.audit(store, "view_overrides", details: "\(records.count) overrides")
        struct Tally { var releases = 0, redReleases = 0, releasedFound = 0, selections = 0, selectionsControlled = 0, selectionsFound = 0 }
        var byUser: [String: Tally] = [:]
        for r in records {
            var tally = byUser[r.override.by, default: Tally()]
            switch r.override.action {
            case .release:
                tally.releases += 1
                if r.override.approvalID != nil { tally.redReleases += 1 }
                if r.finding?.isPositive == true { tally.releasedFound += 1 }
            case .select:
                tally.selections += 1
                if r.finding != nil { tally.selectionsControlled += 1 }
                if r.finding?.isPositive == true { tally.selectionsFound += 1 }
            }
            byUser[r.override.by] = tally
        }
        let number = { (n: Int) in Localization.number(Double(n), lang) }
        let values: [String: Any] = [
            "users": byUser.sorted { $0.value.releases + $0.value.selections > $1.value.releases + $1.value.selections || ($0.value.releases + $0.value.selections == $1.value.releases + $1.value.selections && $0.key < $1.key) }
                .map { name, tally in
                    ["user": name, "releases": number(tally.releases), "red": number(tally.redReleases), "released_found": number(tally.releasedFound),
                     "selections": number(tally.selections), "controlled": number(tally.selectionsControlled),
                     "selected_found": number(tally.selectionsFound),
                     "hit_rate": tally.selectionsControlled == 0 ? "–" : Localization.percent(Double(tally.selectionsFound) / Double(tally.selectionsControlled)),
                     "flag": tally.releasedFound > 0] as [String: Any]
                },
            "rows": records.prefix(200).map { r in
                ["at": MessageRoutes.time(r.override.at, lang), "user": r.override.by, "unit": r.override.unit,
                 "day": Localization.date(r.override.day, lang), "document": r.documentNumber, "id": r.override.consignmentID,
                 "action": t.text("override_\(r.override.action.rawValue)", lang), "lane": r.lane.rawValue,
                 "lane_name": t.text("lane_\(r.lane.rawValue)", lang), "reason": r.override.reason,
                 "approval": r.override.approvalID.map { "\($0)" } ?? "",
                 "finding": r.finding.map { t.text("outcome_\($0.rawValue)", lang) } ?? t.text("not_controlled", lang),
                 "found": r.finding?.isPositive == true] as [String: Any]
            },
            "empty": records.isEmpty,
        ]
        return pages.page("overrides", title: t.text("overrides", lang), values: values, language: lang, session: session)
    }
}
