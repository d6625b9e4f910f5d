import CordonCore
import CordonExchange
import CordonStore
import Foundation
import HTTPTypes
import Hummingbird

/// Joint operations in the workspace: the list of the operations the reader's units take part in, the form with
/// which a coordinator creates one (distributed to the participants' nodes), and the operation's board: its
/// checklist and units, the distribution to the other nodes, and the messages of its closed group.
struct OperationRoutes {
    let store: Store
    let pages: Pages
    let exchange: NodeExchange

    func add(to router: Router<WebContext>) {
        router.get("/operations") { request, context in try await list(request, context) }
        router.get("/operations/new") { request, context in try await form(request, context) }
        router.post("/operations") { request, context in try await create(request, context) }
        router.get("/operations/:id") { request, context in try await board(request, context) }
        router.get("/operations/:id/report") { request, context in try await report(request, context) }
        router.get("/operations/:id/report.csv") { request, context in try await reportCSV(request, context) }
    }

    /// The operations `user` sees: coordinators all the node's; others those in which one of their units takes part.
    static func visible(_ operations: [JointOperation], to user: User, node: String, units: [ControlUnit]) -> [JointOperation] {
        if user.role == .coordinator { return operations }
        let mine = Set(Access.units(of: user, among: units).map(\.code))
        return operations.filter { $0.hasMember(onNode: node, among: mine) }
    }

    func here() async throws -> PeerRecord {
        guard let node = try await store.nodeIdentity() else { throw HTTPError(.serviceUnavailable, message: ExchangeError.noIdentity.description) }
        return node
    }

    func list(_ request: Request, _ context: WebContext) async throws -> Response {
        guard let session = context.session else { return .redirect(to: "/login") }
        let lang = Pages.language(request, context)
        let t = pages.localization
        guard session.user.role.readsMessages else { throw HTTPError(.forbidden) }
        guard let node = try await store.nodeIdentity() else {
            return pages.page("error", title: t.text("operations", lang), values: ["message": t.text("no_identity", lang)],
                              language: lang, session: session)
        }
        let ops = OperationRoutes.visible(try await exchange.operations(), to: session.user, node: node.name, units: try await store.units())
        let today = CalendarDate.today
        let values: [String: Any] = [
            "operations": ops.map { op in
                ["id": op.id, "name": op.name, "window": "\(op.from) – \(op.until)", "open": op.isOpen(on: today),
                 "coordinator": "\(op.coordinator.unit) (\(op.coordinator.node))", "units": op.members.count] as [String: Any]
            },
            "empty": ops.isEmpty, "can_create": session.user.role == .coordinator && exchange.identity != nil,
        ]
        return pages.page("operations", title: t.text("operations", lang), values: values, language: lang, session: session)
    }

    /// What the form was given, to show it again after a refusal.
    struct OperationForm: Decodable {
        var csrf: String?
        var id: String
        var name: String
        var description: String?
        var from: String
        var until: String
        var hsPrefixes: String?
        var categories: [String]?
        var keywords: String?
        var coordinator: String
        var ownUnits: [String]?
        var otherUnits: String?

        enum CodingKeys: String, CodingKey {
            case csrf, id, name, description, from, until, categories, keywords, coordinator
            case hsPrefixes = "hs_prefixes", ownUnits = "own_units", otherUnits = "other_units"
        }

        /// Comma, semicolon or line separated items.
        static func items(_ text: String?) -> [String] {
            (text ?? "").split(whereSeparator: { ",;\n\r".contains($0) }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }

        func operation(node: String) -> JointOperation {
            let others = OperationForm.items(otherUnits).map { item -> JointOperation.UnitAddress in
                let parts = item.split(separator: "/", maxSplits: 1).map(String.init)
                return parts.count == 2 ? .init(node: parts[0], unit: parts[1].uppercased()) : .init(node: "", unit: item)
            }
            return JointOperation(id: id.trimmingCharacters(in: .whitespaces), name: name, description: description ?? "", from: from, until: until,
                             checklist: .init(hsPrefixes: OperationForm.items(hsPrefixes), categories: categories ?? [],
                                              keywords: OperationForm.items(keywords)),
                             coordinator: .init(node: node, unit: coordinator),
                             participants: (ownUnits ?? []).map { .init(node: node, unit: $0) } + others)
        }
    }

    func form(_ request: Request, _ context: WebContext, typed: OperationForm? = nil, error: String? = nil,
              status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let session = context.session else { return .redirect(to: "/login") }
        let lang = Pages.language(request, context)
        let t = pages.localization
        guard session.user.role == .coordinator else { throw HTTPError(.forbidden, message: "operations are created by coordinators") }
        let units = try await store.units()
        let values: [String: Any] = [
            "csrf": session.csrfToken, "error": error as Any,
            "id": typed?.id ?? "", "name": typed?.name ?? "", "description": typed?.description ?? "",
            "from": typed?.from ?? CalendarDate.today.description, "until": typed?.until ?? CalendarDate.today.adding(days: 13).description,
            "hs_prefixes": typed?.hsPrefixes ?? "", "keywords": typed?.keywords ?? "", "other_units": typed?.otherUnits ?? "",
            "units": units.map { u in
                ["code": u.code, "name": u.name, "coordinator": u.code == typed?.coordinator,
                 "checked": typed?.ownUnits?.contains(u.code) ?? false] as [String: Any]
            },
            "categories": CommodityCategory.allCases.map { c in
                ["value": c.rawValue, "label": t.text("category_\(c.rawValue)", lang), "checked": typed?.categories?.contains(c.rawValue) ?? false]
            },
            "peers": try await store.peers().map { ["name": $0.name, "country": $0.country] },
        ]
        return pages.page("operation_new", title: t.text("new_operation", lang), values: values, language: lang, session: session, status: status)
    }

    func create(_ request: Request, _ context: WebContext) async throws -> Response {
        guard let session = context.session else { return .redirect(to: "/login") }
        let form = try await request.decode(as: OperationForm.self, context: context)
        try CSRF.check(request: request, context: context, form: CSRF.Form(csrf: form.csrf))
        guard session.user.role == .coordinator else { throw HTTPError(.forbidden, message: "operations are created by coordinators") }
        let node = try await here()
        let op = form.operation(node: node.name)
        do {
            try await exchange.coordinate(op, by: session.user)
            try await context.audit(store, "coordinate_operation", subject: op.id, details: "\(op.from)..\(op.until), \(op.members.count) units")
        } catch let error as ExchangeError {
            return try await self.form(request, context, typed: form, error: error.description, status: .badRequest)
        }
        return .redirect(to: "/operations/\(op.id)", type: .normal)
    }

    func board(_ request: Request, _ context: WebContext) async throws -> Response {
        guard let session = context.session else { return .redirect(to: "/login") }
        let lang = Pages.language(request, context)
        let t = pages.localization
        guard session.user.role.readsMessages else { throw HTTPError(.forbidden) }
        let node = try await here()
        let units = try await store.units()
        // Not taking part and not existing answer alike.
        guard let op = try await visibleOperation(context, session.user) else {
            return pages.page("error", title: t.text("not_found", lang), values: ["message": t.text("not_found", lang)],
                              language: lang, session: session, status: .notFound)
        }
        let readers = Access.units(of: session.user, among: units).map(\.code)
        let channel = try CordonExchange.Channel.operation(op.id).stored
        var values: [String: Any] = [
            "id": op.id, "name": op.name, "description": op.description, "window": "\(op.from) – \(op.until)",
            "open": op.isOpen(on: .today),
            "coordinator": "\(op.coordinator.unit) (\(op.coordinator.node))",
            "members": op.members.map { ["node": $0.node, "unit": $0.unit, "here": $0.node == node.name] },
            "hs_prefixes": op.checklist.hsPrefixes.joined(separator: ", "),
            "categories": op.checklist.categories.map { t.text("category_\($0)", lang) }.joined(separator: ", "),
            "keywords": op.checklist.keywords.joined(separator: ", "),
            "messages": try await store.operationMessages(channel: channel, units: readers).map { m in
                ["link": "/messages/\(m.id)", "subject": m.subject, "kind": t.text("message_\(m.kind)", lang),
                 "from": "\(m.senderUnit) (\(m.senderNode))", "when": MessageRoutes.time(m.created, lang)]
            },
            "can_send": exchange.identity != nil && session.user.role.exchangesMessages
                && op.hasMember(onNode: node.name, among: readers),
        ]
        // The reader's targets that the operation's checklist put forward.
        let tagged = try await store.targets(mentioning: op.id, units: readers, from: CalendarDate(iso: op.from) ?? .today,
                                             until: CalendarDate(iso: op.until) ?? .today)
            .filter { $0.target.reasons.contains { $0.code == "operation" && $0.values["operation"] == op.id } }
        values["targets"] = tagged.map { tg in
            ["link": "/consignments/\(tg.target.consignmentID)", "document": tg.target.documentNumber, "unit": tg.unit,
             "day": Localization.date(tg.day, lang), "lane": tg.target.lane.rawValue, "lane_name": t.text("lane_\(tg.target.lane.rawValue)", lang),
             "selection": t.text("selection_\(tg.target.selection.rawValue)", lang)]
        }
        values["has_targets"] = !tagged.isEmpty
        let returns = try await OperationRoutes.returns(op, store: store)
        values["returns"] = returns.reversed().prefix(100).map { r in
            ["date": r.date, "unit": r.unit, "country": r.country, "outcome": t.text("outcome_\(r.outcome)", lang),
             "positive": r.outcome != "cleared",
             "lines": r.lines.map { "\(t.text("category_\($0.category)", lang)): \($0.goods) \(Localization.number($0.quantity, lang, upTo: 3)) \($0.unit)" }
                .joined(separator: "; ")] as [String: Any]
        }
        values["has_returns"] = !returns.isEmpty
        if op.coordinator.node == node.name, let record = try await store.operations().first(where: { $0.id == op.id }) {
            values["deliveries"] = try await store.deliveries(of: record.envelopeID).map { d in
                ConsignmentView.compact(["peer": d.peer, "delivered": d.deliveredAt.map { MessageRoutes.time($0, lang) } ?? "",
                                         "error": d.lastError ?? "", "failed": d.failedAt != nil])
            }
        }
        return pages.page("operation", title: op.name, values: ConsignmentView.compact(values), language: lang, session: session)
    }

    /// The returns of an operation that this node has.
    static func returns(_ op: JointOperation, store: Store) async throws -> [OperationReturn] {
        try await store.operationReturns(op.id).compactMap { try? JSONDecoder().decode(OperationReturn.self, from: Data($0.content.utf8)) }
    }

    /// The operation a reader may see, or nil.
    func visibleOperation(_ context: WebContext, _ user: User) async throws -> JointOperation? {
        let id = try context.parameters.require("id")
        let node = try await here()
        return OperationRoutes.visible(try await exchange.operations(), to: user, node: node.name, units: try await store.units())
            .first { $0.id == id }
    }

    /// The results report, printable, in the reader's language, with charts drawn on the server.
    func report(_ request: Request, _ context: WebContext) async throws -> Response {
        guard let session = context.session else { return .redirect(to: "/login") }
        let lang = Pages.language(request, context)
        let t = pages.localization
        guard session.user.role.readsMessages else { throw HTTPError(.forbidden) }
        guard let op = try await visibleOperation(context, session.user) else {
            return pages.page("error", title: t.text("not_found", lang), values: ["message": t.text("not_found", lang)],
                              language: lang, session: session, status: .notFound)
        }
        let report = OperationReport(try await OperationRoutes.returns(op, store: store))
        func n(_ v: Double, _ decimals: Int = 0) -> String { Localization.number(v, lang, decimals: decimals, upTo: 3) }
        func quantities(_ q: [String: Double]) -> String { q.sorted { $0.key < $1.key }.map { "\(n($0.value)) \($0.key)" }.joined(separator: ", ") }
        let commodities = CommodityCategory.allCases.compactMap { c in report.byCommodity[c.rawValue].map { (c, $0) } }
        let most = Double(commodities.map(\.1.cases).max() ?? 1)
        let start = CalendarDate(iso: op.from) ?? .today, end = CalendarDate(iso: op.until) ?? .today
        let days = (0...max(0, min(366, end.daysSinceEpoch - start.daysSinceEpoch))).map { start.adding(days: $0) }
        let values: [String: Any] = [
            "id": op.id, "name": op.name, "description": op.description,
            "window": "\(Localization.date(start, lang)) – \(Localization.date(end, lang))",
            "coordinator": "\(op.coordinator.unit) (\(op.coordinator.node))", "units": op.members.count,
            "tiles": [
                ["label": t.text("controls_reported", lang), "value": n(Double(report.controls))],
                ["label": t.text("hit_rate", lang), "value": Localization.percent(report.hitRate)],
                ["label": t.text("seizure_cases", lang), "value": n(Double(report.cases.count))],
                ["label": t.text("estimated_value", lang), "value": n(report.byCommodity.values.reduce(0) { $0 + $1.value })],
                ["label": t.text("arrests", lang), "value": n(Double(report.arrests))],
            ],
            "commodities": commodities.map { c, v in
                ["key": c.rawValue, "label": t.text("category_\(c.rawValue)", lang), "cases": v.cases, "targeted": v.targetedCases,
                 "other": v.cases - v.targetedCases, "quantities": quantities(v.quantities), "value": n(v.value)] as [String: Any]
            },
            "commodity_chart": SVGChart.bars(commodities.map { c, v in
                SVGChart.Bar(label: t.text("category_\(c.rawValue)", lang), share: Double(v.cases) / most, figure: "\(v.cases)", style: "cat-\(c.rawValue)")
            }, title: t.text("cases_by_commodity", lang)),
            "countries": report.byCountry.sorted { $0.key < $1.key }.map { code, v in
                ["country": code, "controls": v.controls, "positives": v.positives,
                 "rate": Localization.percent(v.controls == 0 ? 0 : Double(v.positives) / Double(v.controls)),
                 "cases": v.cases, "value": n(v.value)] as [String: Any]
            },
            "timeline_chart": SVGChart.stackedColumns(days.map { d in
                let day = report.timeline[d.description]
                return SVGChart.Column(label: Localization.shortDate(d, lang),
                                       values: ["cleared": Double((day?.controls ?? 0) - (day?.cases ?? 0)), "cases": Double(day?.cases ?? 0)])
            }, series: [("cases", "bar-red"), ("cleared", "bar-plain")], title: t.text("controls_by_day", lang)),
            "cases": report.cases.map { r in
                ["date": Localization.date(CalendarDate(iso: r.date) ?? .today, lang), "unit": r.unit, "country": r.country,
                 "outcome": t.text("outcome_\(r.outcome)", lang), "arrests": r.arrests,
                 "lines": r.lines.map { l in
                     ["category": t.text("category_\(l.category)", lang), "goods": l.goods, "quantity": "\(n(l.quantity)) \(l.unit)",
                      "value": l.estimatedValue.map { n($0) } ?? "", "other": !l.targeted] as [String: Any]
                 }] as [String: Any]
            },
            "has_cases": !report.cases.isEmpty,
            "csv": "/operations/\(op.id)/report.csv",
        ]
        return pages.page("operation_report", title: "\(t.text("results_report", lang)): \(op.name)", values: values, language: lang,
                          session: session)
    }

    /// The returns as CSV, one row per seized line (a control that seized nothing is one row without a line).
    func reportCSV(_ request: Request, _ context: WebContext) async throws -> Response {
        guard let session = context.session else { return .redirect(to: "/login") }
        guard session.user.role.readsMessages else { throw HTTPError(.forbidden) }
        guard let op = try await visibleOperation(context, session.user) else { throw HTTPError(.notFound) }
        var csv = CSVExport.row(["operation", "date", "country", "unit", "outcome", "method", "arrests", "category", "goods", "quantity",
                                 "quantity_unit", "estimated_value", "target_goods", "departure"])
        for r in try await OperationRoutes.returns(op, store: store) {
            let base = [op.id, r.date, r.country, r.unit, r.outcome, r.method, "\(r.arrests)"]
            if r.lines.isEmpty { csv += CSVExport.row(base + ["", "", "", "", "", "", r.departure ?? ""]) }
            for l in r.lines {
                csv += CSVExport.row(base + [l.category, l.goods, CSVExport.number(l.quantity), l.unit, l.estimatedValue.map(CSVExport.number) ?? "",
                                             l.targeted ? "yes" : "no", r.departure ?? ""])
            }
        }
        return CSVExport.response(csv, filename: "operation-\(op.id).csv")
    }
}
