import CordonCore
import CordonExchange
import CordonRisk
import CordonStore
import Foundation
import Logging

/// Why a message could not be sent or received.
public enum ExchangeError: Error, CustomStringConvertible, Sendable {
    /// `cordon node init` has not run, or serve was started without the node's key.
    case noIdentity
    case invalid(field: String, reason: String)
    case routing(RoutingError)
    /// The sending unit is not one of the user's.
    case notYourUnit(String)
    /// A message for a unit this node does not have.
    case unknownUnit(String)
    /// The sending unit does not take part in the operation of the channel.
    case notInOperation(unit: String, operation: String)
    /// A message in an operation this node has not received yet (its definition may be on the way): try later.
    case operationNotYetKnown(String)

    public var description: String {
        switch self {
        case .noIdentity: "this node has no identity for the exchange: run cordon node init, and serve with its --key-file"
        case .invalid(let field, let reason): "\(field): \(reason)"
        case .routing(let e): e.description
        case .notYourUnit(let unit): "you do not send for unit \(unit)"
        case .unknownUnit(let unit): "no unit \(unit) on this node"
        case .notInOperation(let unit, let op): "\(unit) does not take part in operation \(op)"
        case .operationNotYetKnown(let op): "operation \(op) is not known here yet"
        }
    }
}

extension CordonExchange.Channel {
    /// The channel as the store keeps it with a message, and as the operation board looks its messages up.
    var stored: String {
        get throws { String(decoding: try JSONEncoder().encode(self), as: UTF8.self) }
    }
}

extension PeerRecord {
    /// The peer as the exchange module knows it.
    var peer: Peer { Peer(name: name, country: country, baseURL: baseURL, publicKey: publicKey) }
}

/// The operations of the store, read by the exchange module.
extension Store {
    /// The operations this node knows, as their coordinators defined them.
    func jointOperations() async throws -> [JointOperation] {
        try await operations().compactMap { try? JSONDecoder().decode(JointOperation.self, from: Data($0.definition.utf8)) }
    }
}

/// The node's side of the exchange between units: sends a message (signed, stored with its boxes and its
/// deliveries in one transaction), takes in a verified envelope from a peer, and flags the queues of units that
/// were alerted about a container their cargo data carries.
public struct NodeExchange: Sendable {
    public let store: Store
    /// The node's key; nil when the node has none, and then nothing can be sent or received.
    public let identity: NodeIdentity?
    let work: UnitWork
    let courier: Courier
    let events: MessageEvents
    let logger: Logger

    /// How long the containers of an alert are watched for: from a week before it or its arrival date (the manifest
    /// may be in already) to a month after the later of the two.
    static let watchBefore = 7, watchAfter = 30

    /// The exchange of a node over `store`, with its own courier (run it as a service) and event stream.
    public init(store: Store, identity: NodeIdentity?, screening: NameMatcher? = nil, logger: Logger = Logger(label: "cordon.exchange")) {
        self.store = store
        self.identity = identity
        self.work = UnitWork(store: store, screening: screening)
        self.courier = Courier(store: store, logger: logger)
        self.events = MessageEvents()
        self.logger = logger
    }

    /// This node's name and country, with its peers, for routing.
    func routing() async throws -> ChannelRouting {
        guard identity != nil, let node = try await store.nodeIdentity() else { throw ExchangeError.noIdentity }
        return ChannelRouting(node: node.name, country: node.country, peers: try await store.peers().map(\.peer),
                              operations: try await operations())
    }

    /// The operations this node knows.
    public func operations() async throws -> [JointOperation] {
        try await store.jointOperations()
    }

    /// The operations running today in which one of `units` of this node takes part: a control can be made for them.
    public func runningOperations(for units: [String]) async throws -> [JointOperation] {
        guard identity != nil, let node = try await store.nodeIdentity() else { return [] }
        return try await operations().filter { $0.isOpen(on: .today) && $0.hasMember(onNode: node.name, among: units) }
    }

    /// Sends `message` from one of the user's units into `channel`; returns the message id. A first message starts
    /// its own thread (pass an empty thread). With `audit` (who and from where), the sending is logged with the message.
    @discardableResult
    public func send(_ message: Message, from unit: String, to channel: Channel, by user: User,
                     audit: (actor: String, origin: String)? = nil) async throws -> String {
        guard let identity else { throw ExchangeError.noIdentity }
        let units = try await store.units()
        guard Access.units(of: user, among: units).contains(where: { $0.code == unit }) else { throw ExchangeError.notYourUnit(unit) }
        let routing = try await routing()
        let id = UUID().uuidString.lowercased()
        var message = message.normalized()
        if message.thread.isEmpty { message.thread = id }
        if let problem = message.problem() { throw ExchangeError.invalid(field: problem.field, reason: problem.reason) }
        let peers: [Peer]
        do { peers = try routing.peers(for: channel) } catch { throw ExchangeError.routing(error) }
        if case .unit(let node, let code) = channel, node == routing.node, !units.contains(where: { $0.code == code }) {
            throw ExchangeError.unknownUnit(code)
        }
        // An operation's closed group: only its units send in it.
        if case .operation(let id) = channel, routing.operations.first(where: { $0.id == id })?.includes(node: routing.node, unit: unit) != true {
            throw ExchangeError.notInOperation(unit: unit, operation: id)
        }
        let local = routing.localUnits(for: channel, among: units.map { ($0.code, $0.country) }, except: unit)
        if local.isEmpty && peers.isEmpty { throw ExchangeError.routing(.nobody) }
        let envelope = Envelope(id: id, senderNode: routing.node, senderUnit: unit, channel: channel, kind: message.kind.rawValue,
                                content: try message.json())
        let signed = String(decoding: try JSONEncoder().encode(try envelope.signed(by: identity)), as: UTF8.self)
        try await store.storeSentMessage(try record(envelope, message, sentBy: user.username),
                                         boxes: [(unit, .outbox)] + local.map { ($0, .inbox) },
                                         watches: watches(message, id: id, created: Date(), units: local),
                                         deliveries: peers.map { ($0.name, signed) }, effect: try await effect(of: message, heldBy: unit),
                                         audit: audit.map { AuditEntry(actor: $0.actor, action: "send_message", subject: id,
                                                                       details: "\(message.kind.rawValue) from \(unit) to \(channel.label)",
                                                                       origin: $0.origin) })
        logger.info("message sent", metadata: ["id": "\(id)", "kind": "\(message.kind.rawValue)", "from": "\(unit)",
                                               "channel": "\(channel.label)", "peers": "\(peers.count)", "local": "\(local.count)"])
        if !peers.isEmpty { courier.nudge() }
        try await collect(message, from: routing.node, unit: unit, channel: channel)
        await events.changed(units: local + [unit])
        await flagAlerted(units: message.kind.carriesConsignment ? local : [], containers: message.consignment?.containers ?? [])
        return id
    }

    /// Takes in an envelope whose signature and age were verified: keeps it once, in the inboxes of the units it reaches.
    public func receive(_ signed: SignedEnvelope) async throws -> InboxOutcome {
        let e = signed.envelope
        if e.kind == JointOperation.envelopeKind { return try await receiveOperation(signed) }
        let message: Message
        do { message = try Message.from(json: e.content).normalized() } catch {
            throw EnvelopeRejection.malformed("content is not a message: \(error)")
        }
        guard message.kind.rawValue == e.kind else { throw EnvelopeRejection.malformed("kind \(e.kind) does not match its content") }
        if let problem = message.problem() { throw EnvelopeRejection.malformed("\(problem.field): \(problem.reason)") }
        let routing = try await routing()
        let units = try await store.units()
        if case .unit(let node, let code) = e.channel {
            guard node == routing.node else { throw EnvelopeRejection.malformed("addressed to node \(node), not to this one") }
            guard units.contains(where: { $0.code == code }) else { throw ExchangeError.unknownUnit(code) }
        }
        if case .operation(let id) = e.channel {
            guard let op = routing.operations.first(where: { $0.id == id }) else { throw ExchangeError.operationNotYetKnown(id) }
            guard op.includes(node: e.senderNode, unit: e.senderUnit) else {
                throw EnvelopeRejection.malformed("\(e.senderNode)/\(e.senderUnit) does not take part in operation \(id)")
            }
        }
        let local = routing.localUnits(for: e.channel, among: units.map { ($0.code, $0.country) })
        let created = Envelope.date(e.created) ?? Date()
        let outcome = try await store.receiveMessage(
            id: e.id, sender: e.senderNode, signature: signed.signature, kind: e.kind,
            json: String(decoding: try JSONEncoder().encode(signed), as: UTF8.self),
            message: try record(e, message, sentBy: nil), boxes: local,
            watches: watches(message, id: e.id, created: created, units: local), effect: try await effect(of: message, sentTo: e.senderNode))
        if outcome == .received {
            try await collect(message, from: e.senderNode, unit: e.senderUnit, channel: e.channel)
            logger.info("message received", metadata: ["id": "\(e.id)", "kind": "\(e.kind)", "from": "\(e.senderNode)/\(e.senderUnit)",
                                                       "units": "\(local.joined(separator: ","))"])
            await events.changed(units: local)
            await flagAlerted(units: message.kind.carriesConsignment ? local : [], containers: message.consignment?.containers ?? [])
        }
        return outcome
    }

    /// Creates (or changes) an operation this node coordinates and distributes it, signed, to every other node of
    /// its units. Coordinators create operations; the coordinating unit is one of this node's.
    @discardableResult
    public func coordinate(_ op: JointOperation, by user: User) async throws -> String {
        guard let identity else { throw ExchangeError.noIdentity }
        guard user.role == .coordinator else { throw ExchangeError.invalid(field: "role", reason: "operations are created by coordinators") }
        var op = op
        op.name = op.name.trimmingCharacters(in: .whitespaces)
        op.participants = Array(Set(op.participants)).sorted()
        if let problem = op.problem() { throw ExchangeError.invalid(field: problem.field, reason: problem.reason) }
        let routing = try await routing()
        guard op.coordinator.node == routing.node else {
            throw ExchangeError.invalid(field: "coordinator", reason: "the coordinating unit is one of this node's")
        }
        let units = Set(try await store.units().map(\.code))
        for u in op.members where u.node == routing.node && !units.contains(u.unit) { throw ExchangeError.unknownUnit(u.unit) }
        var peers: [Peer] = []
        for name in op.nodes where name != routing.node {
            guard let peer = routing.peers.first(where: { $0.name == name }) else { throw ExchangeError.routing(.unknownNode(name)) }
            peers.append(peer)
        }
        let definition = String(decoding: try JSONEncoder().encode(op), as: UTF8.self)
        let envelope = Envelope(senderNode: routing.node, senderUnit: op.coordinator.unit, channel: .operation(op.id),
                                kind: JointOperation.envelopeKind, content: definition)
        let signed = String(decoding: try JSONEncoder().encode(try envelope.signed(by: identity)), as: UTF8.self)
        do {
            try await store.storeOperation(OperationRecord(id: op.id, coordinatorNode: routing.node, definition: definition, envelopeID: envelope.id),
                                           deliveries: peers.map { ($0.name, signed) })
        } catch let error as OperationStoreError {
            throw ExchangeError.invalid(field: "id", reason: error.description)
        }
        logger.info("operation distributed", metadata: ["operation": "\(op.id)", "by": "\(user.username)", "nodes": "\(peers.count)"])
        if !peers.isEmpty { courier.nudge() }
        return envelope.id
    }

    /// Keeps an operation from its coordinating node: only that node defines it, and only for operations it coordinates.
    func receiveOperation(_ signed: SignedEnvelope) async throws -> InboxOutcome {
        let e = signed.envelope
        let op: JointOperation
        do { op = try JSONDecoder().decode(JointOperation.self, from: Data(e.content.utf8)) } catch {
            throw EnvelopeRejection.malformed("content is not an operation: \(error)")
        }
        if let problem = op.problem() { throw EnvelopeRejection.malformed("\(problem.field): \(problem.reason)") }
        guard op.coordinator.node == e.senderNode, e.channel == .operation(op.id) else {
            throw EnvelopeRejection.malformed("operation \(op.id) does not come from its coordinating node")
        }
        do {
            let outcome = try await store.receiveOperation(OperationRecord(id: op.id, coordinatorNode: e.senderNode, definition: e.content,
                                                                           envelopeID: e.id),
                                                           signature: signed.signature,
                                                           json: String(decoding: try JSONEncoder().encode(signed), as: UTF8.self))
            if outcome == .received { logger.info("operation received", metadata: ["operation": "\(op.id)", "from": "\(e.senderNode)"]) }
            return outcome
        } catch let error as OperationStoreError {
            throw EnvelopeRejection.malformed(error.description)
        }
    }

    /// Keeps the operation return a message carries, for the operation's board and report: a unit reports its own
    /// controls, in the operation's closed group.
    func collect(_ message: Message, from node: String, unit: String, channel: CordonExchange.Channel) async throws {
        guard message.kind == .operationReturn, let r = message.operationReturn, r.unit == unit, channel == .operation(r.operation) else { return }
        try await store.keepOperationReturn(operation: r.operation, node: node, reference: r.reference, unit: r.unit, date: r.date,
                                            content: String(decoding: try JSONEncoder().encode(r), as: UTF8.self))
    }

    /// Sends the return of a result recorded for an operation to the operation's closed group, where every participant
    /// (and the coordinating node, which makes the report) keeps it. Returns false when the result has no operation.
    @discardableResult
    public func report(_ result: InspectionResult, resultID: Int, consignment: Consignment, by user: User) async throws -> Bool {
        guard identity != nil, let id = result.operation else { return false }
        guard let op = try await operations().first(where: { $0.id == id }) else { throw ExchangeError.routing(.operationsNotOpen(id)) }
        let country = try await store.units().first { $0.code == result.unit }?.country ?? ""
        let r = OperationReturn(result: result, reference: "\(resultID)", consignment: consignment, operation: op, country: country)
        let seized = r.lines.map { "\($0.goods) \(Localization.number($0.quantity, .en, upTo: 3)) \($0.unit)" }.joined(separator: ", ")
        let subject = String("\(result.unit): \(result.outcome.rawValue)\(seized.isEmpty ? "" : " — \(seized)")".prefix(Message.subjectLimit))
        let message = Message(kind: .operationReturn, priority: result.outcome == .seizure ? .urgent : .routine, language: user.language,
                              thread: String("return-\(op.id)".prefix(64)), subject: subject, operationReturn: r)
        do {
            try await send(message, from: result.unit, to: .operation(op.id), by: user)
        } catch ExchangeError.routing(.nobody) {
            // An operation of this one unit: nobody to tell, the return is kept here.
            try await collect(message, from: try await routing().node, unit: result.unit, channel: .operation(op.id))
        }
        return true
    }

    /// After a result was recorded: its return to the operation it was made for, and its feedback to the units whose
    /// alerts put it in the queue. The result stands either way; a failure here is logged, and both can be sent again.
    public func tell(about result: InspectionResult, resultID: Int, consignmentID: Int, consignment: Consignment, by user: User) async {
        do {
            try await report(result, resultID: resultID, consignment: consignment, by: user)
        } catch {
            logger.error("operation return not sent", metadata: ["consignment": "\(consignmentID)", "error": "\(error)"])
        }
        do {
            let alerts = try await store.targetings(of: consignmentID, units: [result.unit]).flatMap(\.target.reasons)
            let sent = try await feedBack(result: result, alerts: alerts, unit: result.unit, by: user)
            if sent > 0 { logger.info("result fed back", metadata: ["consignment": "\(consignmentID)", "alerts": "\(sent)"]) }
        } catch {
            logger.error("result not fed back", metadata: ["consignment": "\(consignmentID)", "error": "\(error)"])
        }
    }

    /// Scores again the days of these units whose queues hold an alerted container not yet flagged by the alert.
    /// A failure is logged, not thrown: the message is kept either way, and the next scoring flags it.
    /// With `containers`, only those are looked for (a new alert's); without, every watched one (new cargo came in).
    public func flagAlerted(units: [String], containers: [String]? = nil) async {
        for unit in Set(units).sorted() {
            do {
                for day in try await store.daysWithUnflaggedAlerts(unit: unit, containers: containers) {
                    let scored = try await work.target(unit: unit, day: day)
                    logger.info("queue flagged by an alert", metadata: ["unit": "\(unit)", "day": "\(day)",
                                                                        "documents": "\(scored.documents.count)"])
                }
            } catch {
                logger.error("alerted queue not rescored", metadata: ["unit": "\(unit)", "error": "\(error)"])
            }
        }
    }

    /// Sends what a control found back to each unit whose alert flagged the consignment (the `alert` reasons of its
    /// targets); returns how many were sent.
    @discardableResult
    public func feedBack(result: InspectionResult, alerts: [Reason], unit: String, by user: User) async throws -> Int {
        guard identity != nil else { return 0 }
        // What a restricted result says stays with its agency: the alerting unit learns the outcome only.
        let shared = result.restrictedTo == nil
        let seized = (shared ? result.seizures : []).map {
            ControlFeedback.Seized(category: $0.category.rawValue, goods: $0.goods, quantity: $0.quantity, unit: $0.unit)
        }
        var sent = 0
        for id in Set(alerts.filter { $0.code == "alert" }.compactMap { $0.values["message"] }).sorted() {
            guard let alert = try await store.message(id: id) else { continue }
            let container = alerts.first { $0.values["message"] == id }?.values["container"]
            let reply = Message(kind: .resultFeedback, priority: result.outcome == .seizure ? .urgent : .routine, language: user.language,
                                thread: alert.thread, inReplyTo: alert.id, subject: String("Re: \(alert.subject)".prefix(Message.subjectLimit)),
                                text: shared ? result.notes ?? "" : "", consignment: container.map { ConsignmentDetails(containers: [$0]) },
                                feedback: ControlFeedback(outcome: result.outcome.rawValue, seizures: seized))
            try await send(reply, from: unit, to: .unit(node: alert.senderNode, code: alert.senderUnit), by: user)
            sent += 1
        }
        return sent
    }

    func record(_ e: Envelope, _ m: Message, sentBy: String?) throws -> MessageRecord {
        MessageRecord(id: e.id, thread: m.thread, inReplyTo: m.inReplyTo, kind: m.kind.rawValue, priority: m.priority.rawValue,
                      language: m.language.rawValue, senderNode: e.senderNode, senderUnit: e.senderUnit, sentBy: sentBy,
                      channel: try e.channel.stored, channelLabel: e.channel.label,
                      subject: m.subject, content: try m.json(), created: e.created)
    }

    func watches(_ m: Message, id: String, created: Date, units: [String]) -> [AlertWatch] {
        guard m.kind.carriesConsignment, let c = m.consignment else { return [] }
        let sent = CalendarDate(daysSinceEpoch: Int((created.timeIntervalSince1970 / 86400).rounded(.down)))
        let eta = c.eta.flatMap { CalendarDate(iso: $0) } ?? sent
        let from = min(sent, eta).adding(days: -NodeExchange.watchBefore), until = max(sent, eta).adding(days: NodeExchange.watchAfter)
        let containers = Set(c.containers).sorted()
        return units.flatMap { unit in
            containers.map { AlertWatch(messageID: id, unit: unit, container: $0, from: from, until: until) }
        }
    }

    /// The effect of a unit's own message: a unit acknowledges only what it holds.
    func effect(of m: Message, heldBy unit: String) async throws -> MessageEffect? {
        guard let effect = effect(of: m) else { return nil }
        return try await store.boxes(of: effect.answers, units: [unit]).isEmpty ? nil : effect
    }

    /// The effect of a peer's message: a peer acknowledges only what this node sent it.
    func effect(of m: Message, sentTo node: String) async throws -> MessageEffect? {
        guard let effect = effect(of: m) else { return nil }
        return try await store.deliveries(of: effect.answers).contains { $0.peer == node } ? effect : nil
    }

    /// What an acknowledgement or a result does to the message it answers: its state in the boxes here.
    func effect(of m: Message) -> MessageEffect? {
        guard let answered = m.inReplyTo else { return nil }
        switch m.kind {
        case .acknowledgement: return m.acknowledgement.map { MessageEffect(answers: answered, state: $0.rawValue) }
        case .resultFeedback: return m.feedback.map { MessageEffect(answers: answered, state: "result:\($0.outcome)") }
        default: return nil
        }
    }
}
