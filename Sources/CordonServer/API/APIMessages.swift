import CordonCore
import CordonExchange
import CordonStore
import Foundation
import Hummingbird

/// Who a message sent through the API goes to: `{"to": "unit", "node": "kg-node", "unit": "KG-BSK-PCU"}`,
/// `{"to": "country", "country": "UZ"}`, `{"to": "bilateral", "country": "UZ"}` (with this node's country), `{"to": "network"}`
/// or `{"to": "operation", "operation": "CASPIAN-TOBACCO-2026"}`.
struct APIChannel: Codable, Sendable {
    var to: String
    var node: String?
    var unit: String?
    var country: String?
    var operation: String?

    func channel(ownCountry: String) throws(APIError) -> CordonExchange.Channel {
        switch CordonExchange.Channel.chosen(to, node: node, unit: unit, country: country, operation: operation, ownCountry: ownCountry) {
        case .success(let channel): return channel
        case .failure(.unit): throw APIError.invalid("a unit channel names its node and unit", field: "channel.unit")
        case .failure(.country): throw APIError.invalid("must be an ISO 3166-1 alpha-2 country", field: "channel.country")
        case .failure(.operation): throw APIError.invalid("an operation channel names the operation", field: "channel.operation")
        case .failure(.kind): throw APIError.invalid("must be unit, country, bilateral, network or operation", field: "channel.to")
        }
    }
}

/// A message to send: the sending unit, the channel, and the message (kind, subject, text, details).
struct APIMessageInput: Decodable, Sendable {
    var unit: String
    var channel: APIChannel
    var kind: MessageKind
    var priority: MessagePriority?
    var language: Language?
    /// The thread to continue, with the message answered; both empty for a first message.
    var thread: String?
    var inReplyTo: String?
    var subject: String
    var text: String?
    var consignment: ConsignmentDetails?
    var feedback: ControlFeedback?
    var acknowledgement: AcknowledgementState?
}

/// A message as the API shows it, in one unit's box.
struct APIMessage: Encodable, Sendable {
    var id: String
    var thread: String
    var inReplyTo: String?
    var unit: String
    var box: String
    var read: Bool
    var state: String?
    var fromNode: String
    var fromUnit: String
    var channel: String
    var created: String
    var message: Message?
    var deliveries: [APIDelivery]?
}

/// A delivery of a sent message to one peer node.
struct APIDelivery: Encodable, Sendable {
    var peer: String
    var attempts: Int
    var delivered: String?
    var failed: String?
    var lastError: String?
}

/// A list of messages.
struct APIMessageList: Encodable, Sendable {
    var messages: [APIMessage]
}

/// A message sent: its id.
struct APISent: Encodable, Sendable {
    var id: String
}

extension APIRoutes {
    var messageOperations: [APIOperation] {
        [
            APIOperation(method: .post, path: "/api/v1/messages") { request, context in try await sendMessage(request, context) },
            APIOperation(method: .get, path: "/api/v1/messages") { request, context in try await listMessages(request, context) },
            APIOperation(method: .get, path: "/api/v1/messages/{id}") { request, context in try await showMessage(request, context) },
        ]
    }

    func sendMessage(_ request: Request, _ context: WebContext) async throws -> Response {
        let u = try user(context)
        guard u.role.exchangesMessages || u.role == .integration else {
            throw APIError.forbidden("messages are sent by officers, supervisors, analysts, coordinators and integrations")
        }
        let body = try await request.body.collect(upTo: context.maxUploadSize)
        let input = try APIJSON.decode(APIMessageInput.self, from: Data(buffer: body))
        guard let node = try await store.nodeIdentity() else { throw APIError(.serviceUnavailable, "no_identity", ExchangeError.noIdentity.description) }
        let message = Message(kind: input.kind, priority: input.priority ?? .routine, language: input.language ?? u.language,
                              thread: input.thread ?? "", inReplyTo: input.inReplyTo, subject: input.subject, text: input.text ?? "",
                              consignment: input.consignment, feedback: input.feedback, acknowledgement: input.acknowledgement)
        do {
            let channel = try input.channel.channel(ownCountry: node.country)
            let id = try await exchange.send(message, from: input.unit, to: channel, by: u, audit: (context.auditActor, context.origin))
            return try APIJSON.response(APISent(id: id), status: .created)
        } catch let error as ExchangeError {
            switch error {
            case .noIdentity: throw APIError(.serviceUnavailable, "no_identity", error.description)
            case .invalid(let field, let reason): throw APIError.invalid(reason, field: field)
            case .notYourUnit: throw APIError.forbidden(error.description, field: "unit")
            case .unknownUnit, .routing, .notInOperation, .operationNotYetKnown: throw APIError.invalid(error.description, field: "channel")
            }
        }
    }

    func listMessages(_ request: Request, _ context: WebContext) async throws -> Response {
        let u = try user(context)
        guard u.role.readsMessages || u.role == .integration else { throw APIError.forbidden("this role does not read messages") }
        let query = request.uri.queryParameters
        let units = Access.units(of: u, among: try await store.units()).map(\.code)
        var codes = units
        if let unit = query["unit"].map(String.init) {
            guard units.contains(unit) else { throw APIError.forbidden("not one of your units", field: "unit") }
            codes = [unit]
        }
        let boxText = query["box"].map(String.init) ?? "in"
        guard let box = MessageBox(rawValue: boxText) else { throw APIError.invalid("must be in or out", field: "box") }
        let entries = try await store.mailbox(units: codes, box: box, limit: try int(request, "limit", 100, 1...1000),
                                              offset: try int(request, "offset", 0, 0...Int(Int32.max)))
        return try APIJSON.response(APIMessageList(messages: entries.map { APIRoutes.message($0, deliveries: nil) }))
    }

    func showMessage(_ request: Request, _ context: WebContext) async throws -> Response {
        let u = try user(context)
        guard u.role.readsMessages || u.role == .integration else { throw APIError.forbidden("this role does not read messages") }
        let id = try context.parameters.require("id")
        let units = Access.units(of: u, among: try await store.units()).map(\.code)
        guard let entry = try await store.boxes(of: id, units: units).first else { throw APIError.notFound("no message \(id) for your units") }
        let deliveries = entry.box == .outbox ? try await store.deliveries(of: id) : nil
        return try APIJSON.response(APIRoutes.message(entry, deliveries: deliveries))
    }

    static func message(_ e: MailboxEntry, deliveries: [Delivery]?) -> APIMessage {
        let m = e.message
        return APIMessage(id: m.id, thread: m.thread, inReplyTo: m.inReplyTo, unit: e.unit, box: e.box.rawValue, read: e.read, state: e.state,
                          fromNode: m.senderNode, fromUnit: m.senderUnit, channel: m.channelLabel, created: m.created,
                          message: try? Message.from(json: m.content),
                          deliveries: deliveries?.map { APIDelivery(peer: $0.peer, attempts: $0.attempts, delivered: $0.deliveredAt,
                                                                    failed: $0.failedAt, lastError: $0.lastError) })
    }
}
