import CordonCore
import CordonExchange
import CordonStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle

/// The units' messages in the workspace: inbox and outbox per unit with unread counts, a thread view with
/// acknowledgements and replies, the form to send an alert (pre-filled from a consignment), and a stream of
/// server-sent events that keeps the unread count of open pages current.
struct MessageRoutes {
    let store: Store
    let pages: Pages
    let exchange: NodeExchange
    let events: MessageEvents
    static let pageSize = 50

    func add(to router: Router<WebContext>) {
        router.get("/messages") { request, context in try await list(request, context) }
        router.get("/messages/new") { request, context in try await compose(request, context) }
        router.post("/messages") { request, context in try await send(request, context) }
        router.get("/messages/events") { request, context in try await stream(request, context) }
        router.get("/messages/:id") { request, context in try await thread(request, context) }
        router.post("/messages/:id/reply") { request, context in try await reply(request, context) }
    }

    /// The units whose messages the user reads, or a refusal.
    func readable(_ user: User) async throws -> [ControlUnit] {
        guard user.role.readsMessages else { throw HTTPError(.forbidden, message: "messages are read by the units' officers, analysts and auditors") }
        return Access.units(of: user, among: try await store.units())
    }

    // MARK: Boxes

    func list(_ request: Request, _ context: WebContext) async throws -> Response {
        guard let session = context.session else { return .redirect(to: "/login") }
        let lang = Pages.language(request, context)
        let t = pages.localization
        let units = try await readable(session.user)
        let query = request.uri.queryParameters
        let box = query["box"].flatMap { MessageBox(rawValue: String($0)) } ?? .inbox
        let chosen = query["unit"].flatMap { code in units.first { $0.code == String(code) } }
        let codes = chosen.map { [$0.code] } ?? units.map(\.code)
        let page = max(1, query["page"].flatMap { Int(String($0)) } ?? 1)
        let entries = try await store.mailbox(units: codes, box: box, limit: MessageRoutes.pageSize + 1,
                                              offset: (page - 1) * MessageRoutes.pageSize)
        let unread = try await store.unreadCounts(units: units.map(\.code))
        func link(box: MessageBox, unit: String?, page: Int = 1) -> String {
            "/messages?box=\(box.rawValue)" + (unit.map { "&unit=\($0)" } ?? "") + (page > 1 ? "&page=\(page)" : "")
        }
        var values: [String: Any] = [
            "inbox": box == .inbox, "outbox": box == .outbox,
            "inbox_link": link(box: .inbox, unit: chosen?.code), "outbox_link": link(box: .outbox, unit: chosen?.code),
            "unread_total": unread.values.reduce(0, +),
            "units": [["label": t.text("all_units", lang), "link": link(box: box, unit: nil), "selected": chosen == nil,
                       "unread": unread.values.reduce(0, +)] as [String: Any]]
                + units.map { u in
                    ["label": u.code, "link": link(box: box, unit: u.code), "selected": chosen?.code == u.code, "unread": unread[u.code] ?? 0]
                },
            "rows": entries.prefix(MessageRoutes.pageSize).map { e in row(e, lang, t) },
            "empty": entries.isEmpty,
            "can_send": exchange.identity != nil && session.user.role.exchangesMessages,
            "no_identity": exchange.identity == nil,
        ]
        if page > 1 { values["previous"] = link(box: box, unit: chosen?.code, page: page - 1) }
        if entries.count > MessageRoutes.pageSize { values["next"] = link(box: box, unit: chosen?.code, page: page + 1) }
        return pages.page("messages", title: t.text("messages", lang), values: values, language: lang, session: session)
    }

    func row(_ e: MailboxEntry, _ lang: Language, _ t: Localization) -> [String: Any] {
        let m = e.message
        return ConsignmentView.compact(["link": "/messages/\(m.id)", "subject": m.subject, "unread": !e.read, "unit": e.unit,
                "when": MessageRoutes.time(m.created, lang), "kind": t.text("message_\(m.kind)", lang),
                "priority": m.priority, "priority_name": t.text("priority_\(m.priority)", lang), "urgent": m.priority != "routine",
                "from": "\(m.senderUnit) (\(m.senderNode))", "to": m.channelLabel,
                "state": e.state.map { MessageRoutes.state($0, lang, t) } ?? ""])
    }

    /// An acknowledgement state in words: received, controlling, or the result's outcome.
    static func state(_ s: String, _ lang: Language, _ t: Localization) -> String {
        if s.hasPrefix("result:") { return t.text("outcome_\(s.dropFirst(7))", lang) }
        return t.text("ack_\(s)", lang)
    }

    /// An ISO 8601 time as the language writes it, in UTC: 2026-12-01 14:05 or 01.12.2026 14:05.
    static func time(_ iso: String, _ lang: Language) -> String {
        guard let day = CalendarDate(iso: iso.prefix(10)) else { return iso }
        return "\(Localization.date(day, lang)) \(iso.dropFirst(11).prefix(5)) UTC"
    }

    // MARK: Thread

    func thread(_ request: Request, _ context: WebContext, error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let session = context.session else { return .redirect(to: "/login") }
        let lang = Pages.language(request, context)
        let t = pages.localization
        let codes = try await readable(session.user).map(\.code)
        let id = try context.parameters.require("id")
        guard let first = try await store.message(id: id), !(try await store.boxes(of: id, units: codes)).isEmpty else {
            return pages.page("error", title: t.text("not_found", lang), values: ["message": t.text("not_found", lang)],
                              language: lang, session: session, status: .notFound)
        }
        let messages = try await store.thread(first.thread, units: codes)
        // Reading marks read for the reader's own units only: a national reader does not hide a unit's new message.
        try await store.markThreadRead(first.thread, units: codes.filter { session.user.units.contains($0) })
        await events.changed(units: session.user.units)
        let mayAnswer = exchange.identity != nil && session.user.role.exchangesMessages
        var items: [[String: Any]] = []
        for m in messages {
            var item = try await view(m, lang, t)
            let held = try await store.boxes(of: m.id, units: session.user.units)
            let inbox = held.filter { $0.box == .inbox }.map(\.unit)
            if mayAnswer, !inbox.isEmpty, m.kind != MessageKind.acknowledgement.rawValue {
                item["answer"] = ConsignmentView.compact([
                    "action": "/messages/\(m.id)/reply", "csrf": session.csrfToken,
                    "units": inbox.map { ["code": $0] }, "single_unit": inbox.count == 1 ? inbox[0] : "",
                    "outcomes": InspectionOutcome.allCases.map { ["value": $0.rawValue, "label": t.text("outcome_\($0.rawValue)", lang)] },
                    "carries_consignment": m.kind == MessageKind.alert.rawValue || m.kind == MessageKind.requestControl.rawValue,
                ])
            }
            if held.contains(where: { $0.box == .outbox }) {
                let deliveries = try await store.deliveries(of: m.id)
                item["has_deliveries"] = !deliveries.isEmpty
                item["deliveries"] = deliveries.map { d in
                    ConsignmentView.compact(["peer": d.peer, "attempts": d.attempts, "delivered": d.deliveredAt.map { MessageRoutes.time($0, lang) } ?? "",
                     "failed": d.failedAt != nil, "error": d.lastError ?? "",
                     "next": d.deliveredAt == nil && d.failedAt == nil ? MessageRoutes.time(d.nextAttemptAt, lang) : ""])
                }
            }
            items.append(item)
        }
        var values: [String: Any] = ["subject": first.subject, "messages": items]
        if let error { values["error"] = error }
        return pages.page("message_thread", title: first.subject, values: values, language: lang, session: session, status: status)
    }

    /// One message of a thread, for the page.
    func view(_ m: MessageRecord, _ lang: Language, _ t: Localization) async throws -> [String: Any] {
        var v: [String: Any] = ["id": m.id, "subject": m.subject, "when": MessageRoutes.time(m.created, lang),
                                "kind": t.text("message_\(m.kind)", lang), "priority": m.priority,
                                "priority_name": t.text("priority_\(m.priority)", lang), "urgent": m.priority != "routine",
                                "from": "\(m.senderUnit) (\(m.senderNode))", "by": m.sentBy ?? "", "to": m.channelLabel,
                                "language": m.language]
        guard let message = try? Message.from(json: m.content) else { return ConsignmentView.compact(v) }
        v["text"] = message.text
        if let a = message.acknowledgement { v["acknowledgement"] = t.text("ack_\(a.rawValue)", lang) }
        if let c = message.consignment {
            v["consignment"] = ConsignmentView.compact([
                "containers": c.containers.joined(separator: ", "), "document": c.documentNumber ?? "",
                "route": c.route.joined(separator: " → "), "eta": c.eta.flatMap { CalendarDate(iso: $0) }.map { Localization.date($0, lang) } ?? "",
                "goods": c.goods.map { ["hs": $0.hsCode ?? "", "description": $0.description ?? ""] },
                "reasons": c.reasons, "parties": c.parties.map { ["role": t.text("party_\($0.role)", lang), "name": $0.name] },
                "has_goods": !c.goods.isEmpty, "has_reasons": !c.reasons.isEmpty, "has_parties": !c.parties.isEmpty,
            ])
        }
        if let f = message.feedback {
            v["feedback"] = ["outcome": t.text("outcome_\(f.outcome)", lang), "positive": f.outcome != "cleared",
                             "seizures": f.seizures.map { s in
                                 ["category": t.text("category_\(s.category)", lang), "goods": s.goods,
                                  "quantity": Localization.number(s.quantity, lang, upTo: 3), "unit": s.unit]
                             }] as [String: Any]
        }
        return ConsignmentView.compact(v)
    }

    struct ReplyForm: Decodable {
        var csrf: String?
        var unit: String
        /// `received`, `controlling`, `answer` or `result`.
        var action: String
        var text: String?
        var outcome: String?
    }

    func reply(_ request: Request, _ context: WebContext) async throws -> Response {
        guard let session = context.session else { return .redirect(to: "/login") }
        let form = try await request.decode(as: ReplyForm.self, context: context)
        try CSRF.check(request: request, context: context, form: CSRF.Form(csrf: form.csrf))
        let id = try context.parameters.require("id")
        guard session.user.role.exchangesMessages else { throw HTTPError(.forbidden, message: "this role does not send messages") }
        guard let m = try await store.message(id: id),
              try await store.boxes(of: id, units: [form.unit]).contains(where: { $0.box == .inbox }),
              session.user.units.contains(form.unit) else {
            throw HTTPError(.notFound)
        }
        let subject = String((m.subject.hasPrefix("Re: ") ? m.subject : "Re: \(m.subject)").prefix(Message.subjectLimit))
        var message = Message(kind: .answer, priority: MessagePriority(rawValue: m.priority) ?? .routine, language: session.user.language,
                              thread: m.thread, inReplyTo: m.id, subject: subject, text: form.text ?? "")
        switch form.action {
        case "received", "controlling":
            message.kind = .acknowledgement
            message.priority = .routine
            message.acknowledgement = AcknowledgementState(rawValue: form.action)
        case "result":
            message.kind = .resultFeedback
            message.feedback = ControlFeedback(outcome: form.outcome ?? "")
        default: break
        }
        do {
            try await exchange.send(message, from: form.unit, to: .unit(node: m.senderNode, code: m.senderUnit), by: session.user,
                                    audit: (context.auditActor, context.origin))
        } catch let error as ExchangeError {
            return try await thread(request, context, error: error.description, status: .badRequest)
        }
        return .redirect(to: "/messages/\(m.id)", type: .normal)
    }

    // MARK: Compose

    /// What the send form was given, to show it again after a refusal.
    struct SendForm: Decodable {
        var csrf: String?
        var unit: String
        var kind: String
        var priority: String?
        var language: String?
        var channel: String
        var node: String?
        var unitCode: String?
        var country: String?
        var operation: String?
        var subject: String
        var text: String?
        var consignment: Int?
        var share: [String]?
        var containers: [String]?
        var containerNumbers: String?

        enum CodingKeys: String, CodingKey {
            case csrf, unit, kind, priority, language, channel, node, country, operation, subject, text, consignment, share, containers
            case unitCode = "unit_code", containerNumbers = "container_numbers"
        }
    }

    func compose(_ request: Request, _ context: WebContext, typed: SendForm? = nil, error: String? = nil,
                 status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let session = context.session else { return .redirect(to: "/login") }
        let lang = Pages.language(request, context)
        let t = pages.localization
        guard session.user.role.exchangesMessages else { throw HTTPError(.forbidden, message: "this role does not send messages") }
        guard exchange.identity != nil, let node = try await store.nodeIdentity() else {
            return pages.page("error", title: t.text("messages", lang), values: ["message": t.text("no_identity", lang)],
                              language: lang, session: session, status: .serviceUnavailable)
        }
        let units = Access.units(of: session.user, among: try await store.units())
        let peers = try await store.peers()
        let query = request.uri.queryParameters
        let codes = Set(units.map(\.code))
        let operations = try await exchange.operations().filter { $0.hasMember(onNode: node.name, among: codes) }
        let asked = query["operation"].map(String.init).flatMap { id in operations.contains { $0.id == id } ? id : nil }
        let consignmentID = typed?.consignment ?? query["consignment"].flatMap { Int(String($0)) }
        let kind = typed?.kind ?? query["kind"].map(String.init) ?? (consignmentID == nil ? MessageKind.free.rawValue : MessageKind.alert.rawValue)
        var values: [String: Any] = [
            "csrf": session.csrfToken,
            "units": units.map { ["code": $0.code, "name": $0.name, "selected": $0.code == typed?.unit] },
            "kinds": MessageKind.openers.map { ["value": $0.rawValue, "label": t.text("message_\($0.rawValue)", lang), "selected": $0.rawValue == kind] },
            "priorities": MessagePriority.allCases.map {
                ["value": $0.rawValue, "label": t.text("priority_\($0.rawValue)", lang), "selected": $0.rawValue == (typed?.priority ?? "urgent")]
            },
            "languages": Language.allCases.map { ["value": $0.rawValue, "selected": $0.rawValue == (typed?.language ?? lang.rawValue)] },
            "channels": ["unit", "country", "bilateral", "network"].map {
                ["value": $0, "label": t.text("channel_\($0)", lang), "checked": $0 == (typed?.channel ?? (asked == nil ? "unit" : "operation"))]
            },
            // The operations one of the reader's units takes part in: their closed groups are channels too.
            "operations": operations.map { ["id": $0.id, "name": $0.name, "selected": $0.id == (typed?.operation ?? asked)] },
            "has_operations": !operations.isEmpty,
            "operation_checked": (typed?.channel ?? (asked == nil ? "unit" : "operation")) == "operation",
            "nodes": ([node.name] + peers.map(\.name)).map { ["name": $0, "selected": $0 == (typed?.node ?? peers.first?.name ?? node.name)] },
            "countries": Array(Set([node.country] + peers.map(\.country))).sorted().map { ["code": $0, "selected": $0 == typed?.country] },
            "own_country": node.country,
            "unit_code": typed?.unitCode ?? "", "subject": typed?.subject ?? "", "text": typed?.text ?? "",
            "container_numbers": typed?.containerNumbers ?? "",
        ]
        if let consignmentID {
            guard let c = try await store.consignment(id: consignmentID),
                  let targetings = try await Access.targetings(of: consignmentID, for: session.user, in: store) else {
                throw HTTPError(.notFound)
            }
            let shared = Set(typed?.share ?? ["document", "route", "eta", "goods", "reasons"])
            let reasons = MessageRoutes.reasons(targetings.map(\.target), lang)
            values["consignment"] = [
                "id": consignmentID, "document": c.documentNumber,
                "containers": c.containers.map { ["number": $0.number, "checked": typed?.containers?.contains($0.number) ?? true] },
                "route": ConsignmentView.route(c), "eta": (c.arrival ?? c.date).description,
                "goods": c.goods.map { "\($0.hsCode ?? "") \($0.description ?? "")" }.joined(separator: "; "),
                "reasons": reasons.joined(separator: "; "),
                "parties": c.parties.compactMap { $0.name }.joined(separator: "; "),
                "share_document": shared.contains("document"), "share_route": shared.contains("route"), "share_eta": shared.contains("eta"),
                "share_goods": shared.contains("goods"), "share_reasons": shared.contains("reasons"), "share_parties": shared.contains("parties"),
            ] as [String: Any]
            if typed == nil { values["subject"] = "\(t.text("message_\(kind)", lang)): \(c.containers.first?.number ?? c.documentNumber)" }
        }
        if let error { values["error"] = error }
        return pages.page("message_new", title: t.text("send_message", lang), values: values, language: lang, session: session, status: status)
    }

    func send(_ request: Request, _ context: WebContext) async throws -> Response {
        guard let session = context.session else { return .redirect(to: "/login") }
        let lang = Pages.language(request, context)
        let form = try await request.decode(as: SendForm.self, context: context)
        try CSRF.check(request: request, context: context, form: CSRF.Form(csrf: form.csrf))
        func refuse(_ why: String) async throws -> Response {
            try await compose(request, context, typed: form, error: why, status: .badRequest)
        }
        guard let kind = MessageKind(rawValue: form.kind), MessageKind.openers.contains(kind) else { return try await refuse("kind: \(form.kind)") }
        guard let node = try await store.nodeIdentity() else { return try await refuse(ExchangeError.noIdentity.description) }
        let channel: CordonExchange.Channel
        switch CordonExchange.Channel.chosen(form.channel, node: form.node, unit: form.unitCode?.uppercased(), country: form.country,
                                             operation: form.operation, ownCountry: node.country) {
        case .success(let chosen): channel = chosen
        case .failure(.unit): return try await refuse(pages.localization.text("choose_unit", lang))
        case .failure(.country): return try await refuse(pages.localization.text("choose_country", lang))
        case .failure(.operation): return try await refuse(pages.localization.text("choose_operation", lang))
        case .failure(.kind): return try await refuse("channel: \(form.channel)")
        }
        var details: ConsignmentDetails?
        if let id = form.consignment {
            guard let c = try await store.consignment(id: id),
                  let targetings = try await Access.targetings(of: id, for: session.user, in: store) else { throw HTTPError(.notFound) }
            details = MessageRoutes.details(of: c, targetings: targetings.map(\.target), share: Set(form.share ?? []),
                                            containers: form.containers ?? [], language: lang)
        } else if let typed = form.containerNumbers, !typed.trimmingCharacters(in: .whitespaces).isEmpty {
            details = ConsignmentDetails(containers: typed.split(whereSeparator: { " ,;\n\r\t".contains($0) }).map(String.init))
        }
        let message = Message(kind: kind, priority: form.priority.flatMap(MessagePriority.init) ?? .routine,
                              language: form.language.flatMap(Language.init) ?? lang, thread: "", subject: form.subject,
                              text: form.text ?? "", consignment: details)
        do {
            let id = try await exchange.send(message, from: form.unit, to: channel, by: session.user,
                                             audit: (context.auditActor, context.origin))
            return .redirect(to: "/messages/\(id)", type: .normal)
        } catch let error as ExchangeError {
            return try await refuse(error.description)
        }
    }

    /// Why the consignment's targets were selected, in words, once each; not the alerts of other units.
    static func reasons(_ targets: [Target], _ language: Language) -> [String] {
        Array(Set(targets.flatMap { $0.reasons.filter { $0.code != "alert" }.map { $0.text(language) } })).sorted()
    }

    /// What an alert shares of a consignment: the ticked parts only; party names only when ticked.
    static func details(of c: Consignment, targetings: [Target], share: Set<String>, containers: [String], language: Language) -> ConsignmentDetails {
        let chosen = c.containers.map(\.number).filter { containers.contains($0) }
        return ConsignmentDetails(
            containers: chosen,
            documentNumber: share.contains("document") ? c.documentNumber : nil,
            route: share.contains("route") ? c.route.places : [],
            eta: share.contains("eta") ? (c.arrival ?? c.date).description : nil,
            goods: share.contains("goods") ? c.goods.map { .init(hsCode: $0.hsCode, description: $0.description) } : [],
            reasons: share.contains("reasons") ? reasons(targetings, language) : [],
            parties: share.contains("parties") ? c.parties.compactMap { p in p.name.map { .init(role: p.role.rawValue, name: $0) } } : [])
    }

    // MARK: Events

    /// Server-sent events: `unread` with the user's unread count, now and whenever their units' messages change,
    /// and at least every 25 seconds (which also keeps proxies from closing the connection).
    func stream(_ request: Request, _ context: WebContext) async throws -> Response {
        guard let session = context.session else { throw HTTPError(.unauthorized) }
        guard session.user.role.readsMessages else { throw HTTPError(.forbidden) }
        let units = session.user.role.isUnitScoped || !session.user.units.isEmpty
            ? session.user.units : Access.units(of: session.user, among: try await store.units()).map(\.code)
        let changes = await events.listen(units: units, heartbeat: .seconds(25))
        let store = self.store
        let body = ResponseBody { writer in
            // The stream ends when the server shuts down: an open page must not hold up a graceful stop.
            try? await withGracefulShutdownHandler {
                var count = -1
                for await _ in changes.stream {
                    let now = try await store.unreadCounts(units: units).values.reduce(0, +)
                    // A heartbeat with no change is a comment line: it keeps the connection without waking the page.
                    try await writer.write(ByteBuffer(string: now == count ? ": ping\n\n" : "event: unread\ndata: \(now)\n\n"))
                    count = now
                }
            } onGracefulShutdown: {
                changes.continuation.finish()
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }
}
