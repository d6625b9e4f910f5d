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
    }

    /// The operations `user` sees: coordinators all the node's; others those in which one of their units takes part.
    static func visible(_ operations: [JointOperation], to user: User, node: String, units: [ControlUnit]) -> [JointOperation] {
        if user.role == .coordinator { return operations }
        let mine = Set(Access.units(of: user, among: units).map(\.code))
        return operations.filter { op in op.members.contains { $0.node == node && mine.contains($0.unit) } }
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
        let node = try await here()
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
        let id = try context.parameters.require("id")
        let node = try await here()
        let units = try await store.units()
        // Not taking part and not existing answer alike.
        guard let op = OperationRoutes.visible(try await exchange.operations(), to: session.user, node: node.name, units: units)
            .first(where: { $0.id == id }) else {
            return pages.page("error", title: t.text("not_found", lang), values: ["message": t.text("not_found", lang)],
                              language: lang, session: session, status: .notFound)
        }
        let readers = Access.units(of: session.user, among: units).map(\.code)
        let channel = String(decoding: try JSONEncoder().encode(CordonExchange.Channel.operation(op.id)), as: UTF8.self)
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
                && op.members.contains { $0.node == node.name && readers.contains($0.unit) },
        ]
        if op.coordinator.node == node.name, let record = try await store.operations().first(where: { $0.id == op.id }) {
            values["deliveries"] = try await store.deliveries(of: record.envelopeID).map { d in
                ConsignmentView.compact(["peer": d.peer, "delivered": d.deliveredAt.map { MessageRoutes.time($0, lang) } ?? "",
                                         "error": d.lastError ?? "", "failed": d.failedAt != nil])
            }
        }
        return pages.page("operation", title: op.name, values: ConsignmentView.compact(values), language: lang, session: session)
    }
}
