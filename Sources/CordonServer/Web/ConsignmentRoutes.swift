import CordonCore
import CordonExchange
import CordonRisk
import CordonStore
import Foundation
import HTTPTypes
import Hummingbird

/// How a consignment is shown: its route as a line of places, parties, goods and containers.
enum ConsignmentView {
    static func route(_ c: Consignment) -> String {
        c.route.places.joined(separator: " → ")
    }

    static func values(_ c: Consignment, _ lang: Language, _ t: Localization) -> [String: Any] {
        func money(_ m: Money?) -> String {
            guard let m else { return "" }
            return Localization.number(m.amount, lang, decimals: 2) + (m.currency.map { " \($0)" } ?? "")
        }
        return compact([
            "document": c.documentNumber, "kind": t.text("kind_\(c.kind.rawValue)", lang),
            "date": Localization.date(c.date, lang), "arrival": c.arrival.map { Localization.date($0, lang) } ?? "",
            "office": c.office ?? "", "mode": c.mode?.rawValue ?? "",
            "vessel": [c.conveyance?.name, c.conveyance?.voyage].compactMap { $0 }.joined(separator: " / "),
            "route": c.route.places.enumerated().map { ["place": $0.element, "first": $0.offset == 0] },
            "departure": c.route.countryOfDeparture ?? "", "destination": c.route.countryOfDestination ?? "",
            "parties": c.parties.map { p in
                compact(["role": t.text("party_\(p.role.rawValue)", lang), "name": p.name ?? "", "id": p.identifier ?? "",
                 "address": p.address ?? "", "country": p.country ?? ""])
            },
            "goods": c.goods.map { g in
                ["hs": g.hsCode ?? "", "description": g.description ?? "", "origin": g.countryOfOrigin ?? "",
                 "packages": g.packages.map { "\($0) \(g.packageType ?? "")" } ?? "",
                 "gross": g.grossMassKg.map { Localization.number($0, lang, decimals: 1) } ?? "",
                 "value": money(g.customsValue ?? g.invoiceValue)]
            },
            "containers": c.containers.map { k in
                ["number": k.number, "type": k.sizeType ?? "", "seals": k.seals.joined(separator: ", "),
                 "check_failed": !k.checkDigitValid]
            },
            "warnings": c.warnings.map { "\($0.field): \($0.reason)" },
        ])
    }

    /// Drops empty texts, so that a template's `{{#field}}` section shows only what the document says.
    static func compact(_ values: [String: Any]) -> [String: Any] {
        values.filter { ($0.value as? String)?.isEmpty != true }
    }
}

/// The consignment page (all fields, the score explained, results so far) and the inspection result form.
struct ConsignmentRoutes {
    let store: Store
    let pages: Pages
    /// The node's watch list, if it has one: parties that resemble a listed name are marked on the page.
    let screening: NameMatcher?
    let exchange: NodeExchange

    func add(to router: Router<WebContext>) {
        router.get("/consignments/:id") { request, context in try await show(request, context) }
        router.post("/consignments/:id/result") { request, context in try await record(request, context) }
        router.post("/consignments/:id/override") { request, context in try await override(request, context) }
    }

    struct OverrideForm: Decodable {
        var csrf: String?
        var unit: String
        var day: String
        var action: String
        var reason: String
    }

    /// The page; after a refused result, with the reason and the form as it was typed.
    func show(_ request: Request, _ context: WebContext, error: String? = nil, typed: ResultForm? = nil,
              status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let session = context.session else { return .redirect(to: "/login") }
        let lang = Pages.language(request, context)
        let t = pages.localization
        let id = try context.parameters.require("id", as: Int.self)
        guard let c = try await store.consignment(id: id), let targetings = try await Access.targetings(of: id, for: session.user, in: store) else {
            return pages.page("error", title: t.text("not_found", lang), values: ["message": t.text("not_found", lang)],
                              language: lang, session: session, status: .notFound)
        }
        try await context.audit(store, "view_consignment", subject: "\(id)", details: "\(c.kind.rawValue) \(c.documentNumber)")
        var values = ConsignmentView.values(c, lang, t)
        values["id"] = id
        if let screening, var parties = values["parties"] as? [[String: Any]] {
            for (i, party) in c.parties.enumerated() where i < parties.count {
                guard let name = party.name, let match = screening.matches(name).first else { continue }
                parties[i]["listed"] = "\(match.matchedName) (\(match.entry.id), \(Localization.percent(match.score)))"
            }
            values["parties"] = parties
        }
        var targetingRows: [[String: Any]] = []
        for tg in targetings {
            var row: [String: Any] = [
                "unit": tg.unit, "day": Localization.date(tg.day, lang), "score": Localization.percent(tg.target.score),
                "lane": tg.target.lane.rawValue, "lane_name": t.text("lane_\(tg.target.lane.rawValue)", lang),
                "selection": t.text("selection_\(tg.target.selection.rawValue)", lang), "reasons": tg.target.reasons.map { $0.text(lang) }]
            if let o = tg.target.override {
                row["override"] = ["action": t.text("override_\(o.action.rawValue)", lang), "by": o.by, "reason": o.reason,
                                   "at": MessageRoutes.time(o.at, lang), "approval": o.approvalID.map { "\($0)" } ?? ""]
            } else if [.officer, .supervisor].contains(session.user.role), session.user.units.contains(tg.unit) {
                if let pending = try await store.pendingApproval(kind: "release_target", subjectPrefix: "\(tg.unit) \(tg.day) \(c.documentNumber)") {
                    row["pending"] = ["id": pending.id, "by": pending.requestedBy, "reason": pending.reason]
                } else {
                    let release = tg.target.isSelected
                    row["decide"] = ["unit": tg.unit, "day": tg.day.description, "csrf": session.csrfToken,
                                     "action": release ? "release" : "select",
                                     "label": t.text(release ? "release_without_control" : "select_for_control", lang),
                                     "red": release && tg.target.lane == .red]
                }
            }
            targetingRows.append(row)
        }
        values["targetings"] = targetingRows
        values["has_targetings"] = !targetings.isEmpty
        // The trader's other consignments, within what the reader may see.
        let traders = c.parties.filter { [.consignee, .importer].contains($0.role) }
        let terms = Array(Set(traders.flatMap { [$0.identifier, $0.name?.uppercased()].compactMap { $0 } }))
        let history = try await store.traderHistory(terms: terms, excluding: id, units: session.user.role.isUnitScoped ? session.user.units : nil)
        values["history"] = history.map { h in
            ["id": h.consignmentID, "document": h.documentNumber, "date": Localization.date(h.date, lang),
             "role": t.text("party_\(h.role)", lang), "positive": h.finding?.isPositive ?? false,
             "finding": h.finding.map { t.text("outcome_\($0.rawValue)", lang) } ?? t.text("not_controlled", lang)]
        }
        values["has_history"] = !history.isEmpty
        values["traders"] = traders.compactMap(\.name).joined(separator: ", ")
        values["has_warnings"] = !c.warnings.isEmpty
        values["results"] = try await store.inspections(of: c.documentNumber, kind: c.kind).map { full in
            // Another agency's restricted result shows that a control took place and its outcome, not its details.
            let r = full.visible(to: session.user)
            return ConsignmentView.compact([
                "date": Localization.date(r.date, lang), "unit": r.unit, "outcome": t.text("outcome_\(r.outcome.rawValue)", lang),
                "positive": r.outcome.isPositive, "method": t.text("method_\(r.method.rawValue)", lang), "notes": r.notes ?? "",
                "by": r.recordedBy, "seizures": r.seizures.map { SeizureView.line($0, lang, t) },
                "restricted": r.restrictedTo.map { t.text(full.detailsReadable(by: session.user) ? "restricted_yours" : "restricted_other", lang)
                    .replacingOccurrences(of: "{agency}", with: $0) } ?? "",
            ])
        }
        values["agency"] = session.user.agency
        let resultUnits = session.user.units
        values["can_record"] = !resultUnits.isEmpty && session.user.role.recordsResults
        values["result_units"] = resultUnits.map { ["code": $0, "selected": $0 == typed?.unit] }
        values["outcomes"] = InspectionOutcome.allCases.map {
            ["value": $0.rawValue, "label": t.text("outcome_\($0.rawValue)", lang), "checked": $0.rawValue == typed?.outcome]
        }
        values["methods"] = InspectionMethod.allCases.map {
            ["value": $0.rawValue, "label": t.text("method_\($0.rawValue)", lang), "selected": $0.rawValue == typed?.method]
        }
        values["notes"] = typed?.notes ?? ""
        values["revenue"] = typed?.revenue ?? ""
        // Three lines to fill in; more with the page's small script, or by saving and recording again.
        let typedLines = (typed?.lines ?? []).filter { !$0.isBlank }
        values["lines"] = (typedLines + Array(repeating: ResultForm.Line(), count: max(1, 3 - typedLines.count))).map { l in
            ["goods": l.goods ?? "", "quantity": l.quantity ?? "", "unit": l.unit ?? "", "concealment": l.concealment ?? "",
             "value": l.value ?? "",
             "categories": CommodityCategory.allCases.map {
                 ["value": $0.rawValue, "label": t.text("category_\($0.rawValue)", lang), "selected": $0.rawValue == l.category]
             }] as [String: Any]
        }
        values["quantity_units"] = SeizureLine.quantityUnits.map { ["value": $0] }
        // The operations running today that one of the reader's units takes part in: a control can be made for one.
        values["operations"] = try await exchange.runningOperations(for: resultUnits).map {
            ["id": $0.id, "name": $0.name, "selected": $0.id == typed?.operation]
        }
        values["has_operations"] = !((values["operations"] as? [Any])?.isEmpty ?? true)
        values["arrests"] = typed?.arrests ?? ""
        values["csrf"] = session.csrfToken
        values["can_alert"] = exchange.identity != nil && session.user.role.exchangesMessages
        if let error { values["error"] = error }
        return pages.page("consignment", title: "\(t.text("kind_\(c.kind.rawValue)", lang)) \(c.documentNumber)", values: values,
                          language: lang, session: session, status: status)
    }

    /// A person releases a selected target without a control, or selects a released one, with a written reason.
    /// A red-lane release is not done but asked for: a supervisor of the unit approves it (four-eyes).
    func override(_ request: Request, _ context: WebContext) async throws -> Response {
        guard let session = context.session else { throw HTTPError(.unauthorized) }
        let form = try await request.decode(as: OverrideForm.self, context: context)
        try CSRF.check(request: request, context: context, form: CSRF.Form(csrf: form.csrf))
        let id = try context.parameters.require("id", as: Int.self)
        guard let day = CalendarDate(iso: form.day), let action = TargetOverride.Action(rawValue: form.action) else { throw HTTPError(.badRequest) }
        guard session.user.units.contains(form.unit),
              let target = try await store.targetings(of: id, units: [form.unit]).first(where: { $0.day == day })?.target else {
            throw HTTPError(.notFound)
        }
        do {
            if action == .release && target.lane == .red && target.isSelected {
                _ = try await store.requestApproval(.releaseTarget(unit: form.unit, day: day, consignmentID: id, document: target.documentNumber),
                                                    reason: form.reason, by: session.user, origin: context.origin)
                return .redirect(to: "/approvals", type: .normal)
            }
            try await store.overrideTarget(TargetOverride(unit: form.unit, day: day, consignmentID: id, action: action, reason: form.reason, by: ""),
                                           by: session.user, origin: context.origin)
        } catch let refusal as ApprovalStoreError {
            return try await show(request, context, error: refusal.description, status: .badRequest)
        }
        context.logger.info("target overridden", metadata: ["user": "\(session.user.username)", "consignment": "\(id)", "action": "\(action.rawValue)"])
        return .redirect(to: "/consignments/\(id)", type: .normal)
    }

    func record(_ request: Request, _ context: WebContext) async throws -> Response {
        guard let session = context.session else { return .redirect(to: "/login") }
        let lang = Pages.language(request, context)
        let t = pages.localization
        let form = try await request.decode(as: ResultForm.self, context: context)
        try CSRF.check(request: request, context: context, form: CSRF.Form(csrf: form.csrf))
        let id = try context.parameters.require("id", as: Int.self)
        guard session.user.role.recordsResults, session.user.units.contains(form.unit) else {
            throw HTTPError(.forbidden, message: "only officers and supervisors of the unit record its results")
        }
        guard let c = try await store.consignment(id: id), try await Access.targetings(of: id, for: session.user, in: store) != nil else {
            throw HTTPError(.notFound)
        }
        let result: InspectionResult
        let resultID: Int
        do {
            result = try form.result(for: c, recordedBy: session.user, localization: t, lang)
            if let op = result.operation, try await !exchange.runningOperations(for: [form.unit]).contains(where: { $0.id == op }) {
                throw ResultForm.Invalid(message: t.text("operation_not_yours", lang))
            }
            resultID = try await store.recordInspection(result)
            WorkCounters.result(result.outcome, unit: result.unit)
            try await context.audit(store, "record_result", subject: "\(id)", details: result.auditDetails)
        } catch let invalid as ResultForm.Invalid {
            return try await show(request, context, error: invalid.message, typed: form, status: .badRequest)
        }
        await exchange.tell(about: result, resultID: resultID, consignmentID: id, consignment: c, by: session.user)
        return .redirect(to: "/consignments/\(id)", type: .normal)
    }
}
