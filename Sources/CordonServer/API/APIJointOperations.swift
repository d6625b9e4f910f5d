import CordonCore
import CordonExchange
import CordonStore
import Foundation
import Hummingbird

/// The joint operations a user sees, as the API lists them.
struct APIOperationList: Encodable, Sendable {
    var operations: [JointOperation]
}

extension APIRoutes {
    var jointOperationOperations: [APIOperation] {
        [
            APIOperation(method: .post, path: "/api/v1/operations") { request, context in try await coordinate(request, context) },
            APIOperation(method: .get, path: "/api/v1/operations") { request, context in try await listOperations(request, context) },
        ]
    }

    /// A coordinator creates or changes an operation; it is distributed to the participants' nodes.
    func coordinate(_ request: Request, _ context: WebContext) async throws -> Response {
        let u = try user(context)
        guard u.role == .coordinator else { throw APIError.forbidden("operations are created by coordinators") }
        let body = try await request.body.collect(upTo: context.maxUploadSize)
        let op = try APIJSON.decode(JointOperation.self, from: Data(buffer: body))
        do {
            let envelope = try await exchange.coordinate(op, by: u)
            try await context.audit(store, "coordinate_operation", subject: op.id, details: "\(op.from)..\(op.until), \(op.members.count) units")
            return try APIJSON.response(APISent(id: envelope), status: .created)
        } catch let error as ExchangeError {
            switch error {
            case .noIdentity: throw APIError(.serviceUnavailable, "no_identity", error.description)
            case .invalid(let field, let reason): throw APIError.invalid(reason, field: field)
            default: throw APIError.invalid(error.description, field: "participants")
            }
        }
    }

    /// The operations the user sees: a coordinator all the node's, others those their units take part in.
    func listOperations(_ request: Request, _ context: WebContext) async throws -> Response {
        let u = try user(context)
        guard let node = try await store.nodeIdentity() else { return try APIJSON.response(APIOperationList(operations: [])) }
        let visible = OperationRoutes.visible(try await exchange.operations(), to: u, node: node.name, units: try await store.units())
        return try APIJSON.response(APIOperationList(operations: visible))
    }
}
