import CordonCore
import Foundation
import SQLKit

/// A joint operation as the node keeps it: its id, the node that coordinates it, its definition (JSON, read by the
/// exchange module) and the envelope that last distributed it.
public struct OperationRecord: Sendable, Hashable {
    public var id: String
    public var coordinatorNode: String
    public var definition: String
    public var envelopeID: String

    public init(id: String, coordinatorNode: String, definition: String, envelopeID: String) {
        self.id = id
        self.coordinatorNode = coordinatorNode
        self.definition = definition
        self.envelopeID = envelopeID
    }
}

/// Why an operation was not kept.
public enum OperationStoreError: Error, Sendable, CustomStringConvertible {
    /// Another node coordinates an operation of this id.
    case otherCoordinator(id: String, node: String)

    public var description: String {
        switch self {
        case .otherCoordinator(let id, let node): "operation \(id) is coordinated by \(node)"
        }
    }
}

extension Store {
    /// Keeps an operation this node coordinates, with one delivery of its envelope per participating peer node.
    public func storeOperation(_ op: OperationRecord, deliveries: [(peer: String, envelope: String)]) async throws {
        try await transaction(forgetting: \.operations) {
            try await upsertOperation(op)
            try await queueDeliveries(envelopeID: op.envelopeID, deliveries)
        }
    }

    /// Keeps an operation received from its coordinating node, once per envelope (like a message: a second delivery is
    /// a duplicate, another envelope with its id a replay).
    public func receiveOperation(_ op: OperationRecord, signature: String, json: String) async throws -> InboxOutcome {
        try await transaction(forgetting: \.operations) {
            if let outcome = try await keepEnvelope(id: op.envelopeID, sender: op.coordinatorNode, signature: signature, kind: "operation",
                                                    json: json) {
                return outcome
            }
            try await upsertOperation(op)
            return .received
        }
    }

    private func upsertOperation(_ op: OperationRecord) async throws {
        if let known = try await sql.select().column("coordinator_node").from("operations").where("id", .equal, op.id).first() {
            let node = try known.decode(column: "coordinator_node", as: String.self)
            guard node == op.coordinatorNode else { throw OperationStoreError.otherCoordinator(id: op.id, node: node) }
            try await sql.update("operations").set("definition", to: SQLBind(op.definition)).set("envelope_id", to: SQLBind(op.envelopeID))
                .set("updated_at", to: SQLBind(Store.now())).where("id", .equal, op.id).run()
        } else {
            try await sql.insert(into: "operations").columns("id", "coordinator_node", "definition", "envelope_id", "updated_at")
                .values(SQLBind(op.id), SQLBind(op.coordinatorNode), SQLBind(op.definition), SQLBind(op.envelopeID), SQLBind(Store.now()))
                .run()
        }
    }

    /// The operations this node knows, by id.
    public func operations() async throws -> [OperationRecord] {
        try await cached(\.operations) {
            try await exclusive {
                try await sql.select().column("*").from("operations").orderBy("id").all().map { r in
                    OperationRecord(id: try r.decode(column: "id", as: String.self),
                                    coordinatorNode: try r.decode(column: "coordinator_node", as: String.self),
                                    definition: try r.decode(column: "definition", as: String.self),
                                    envelopeID: try r.decode(column: "envelope_id", as: String.self))
                }
            }
        }
    }

    /// The messages sent in an operation's closed channel that one of `units` holds, newest first.
    public func operationMessages(channel: String, units: [String], limit: Int = 200) async throws -> [MessageRecord] {
        if units.isEmpty { return [] }
        return try await exclusive {
            try await sql.raw("""
                SELECT m.* FROM messages m WHERE m.channel = \(bind: channel)
                    AND EXISTS (SELECT 1 FROM message_boxes b WHERE b.message_id = m.id AND b.unit_code IN (\(binds: units)))
                ORDER BY m.created_at DESC LIMIT \(bind: limit)
                """).all().map(Store.readMessage)
        }
    }

    /// Keeps a return of a participating unit, once per reporting node and reference; false when it was kept before.
    @discardableResult
    public func keepOperationReturn(operation: String, node: String, reference: String, unit: String, date: String,
                                    content: String) async throws -> Bool {
        try await transaction {
            if try await sql.select().column("reference").from("operation_returns").where("operation_id", .equal, operation)
                .where("node", .equal, node).where("reference", .equal, reference).first() != nil { return false }
            try await sql.insert(into: "operation_returns")
                .columns("operation_id", "node", "reference", "unit_code", "return_date", "content", "received_at")
                .values(SQLBind(operation), SQLBind(node), SQLBind(reference), SQLBind(unit), SQLBind(date), SQLBind(content),
                        SQLBind(Store.now())).run()
            return true
        }
    }

    /// The returns of an operation as this node has them (JSON), with the reporting node, by date.
    public func operationReturns(_ operation: String) async throws -> [(node: String, content: String)] {
        try await exclusive {
            try await sql.select().columns("node", "content").from("operation_returns").where("operation_id", .equal, operation)
                .orderBy("return_date").orderBy("node").orderBy("reference").all().map { r in
                    (try r.decode(column: "node", as: String.self), try r.decode(column: "content", as: String.self))
                }
        }
    }

    /// The targets of `units` from `from` to `until` whose reasons mention `text` (an operation's code), newest first;
    /// the caller reads the reasons to keep the right ones.
    public func targets(mentioning text: String, units: [String], from: CalendarDate, until: CalendarDate,
                        limit: Int = 200) async throws -> [(unit: String, day: CalendarDate, target: Target)] {
        if units.isEmpty { return [] }
        return try await exclusive {
            let rows = try await sql.raw("""
                SELECT t.unit_code, t.day, t.consignment_id, c.kind, c.document_number, t.rank, t.score, t.lane, t.selection,
                    t.reasons, t.profiles
                FROM targets t JOIN consignments c ON c.id = t.consignment_id
                WHERE t.unit_code IN (\(binds: units)) AND t.day >= \(bind: from.description) AND t.day <= \(bind: until.description)
                    AND t.reasons LIKE \(bind: "%" + text + "%")
                ORDER BY t.day DESC, t.rank LIMIT \(bind: limit)
                """).all()
            return try rows.map(Store.readTargeting)
        }
    }
}
