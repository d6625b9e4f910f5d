import CordonCore
import CordonExchange
import CordonStore
import Foundation
import HTTPTypes
import Hummingbird

/// The exchange on the administration page: this node's identity (name, country, public key, and whether the
/// server holds its key) and the peer nodes, added, replaced and removed by the node's administrators.
struct PeerAdminRoutes {
    let store: Store
    let exchange: NodeExchange

    struct PeerForm: Decodable {
        var csrf: String?
        var name: String
        var country: String
        var url: String
        var key: String
    }

    func add(to router: Router<WebContext>) {
        router.post("/admin/peers") { request, context in try await save(request, context) }
        router.post("/admin/peers/:name/remove") { request, context in try await remove(request, context) }
    }

    /// The values of the administration page's exchange section.
    func values(lang: Language, t: Localization) async throws -> [String: Any] {
        let node = try await store.nodeIdentity()
        return [
            "node": node.map { ["name": $0.name, "country": $0.country, "key": $0.publicKey, "key_loaded": exchange.identity != nil] } as Any,
            "no_node": node == nil,
            "peers": try await store.peers().map { ["name": $0.name, "country": $0.country, "url": $0.baseURL, "key": $0.publicKey] },
            "backlog": try await store.outboxBacklog(),
        ]
    }

    func save(_ request: Request, _ context: WebContext) async throws -> Response {
        let session = try AdminRoutes.admin(context)
        let form = try await request.decode(as: PeerForm.self, context: context)
        try CSRF.check(request: request, context: context, form: CSRF.Form(csrf: form.csrf))
        switch Peer.checked(name: form.name, country: form.country, baseURL: form.url, publicKey: form.key) {
        case .failure(let problem):
            throw HTTPError(.badRequest, message: problem.description)
        case .success(let peer):
            try await store.savePeer(PeerRecord(name: peer.name, country: peer.country, baseURL: peer.baseURL, publicKey: peer.publicKey))
            context.logger.info("peer saved", metadata: ["user": "\(session.user.username)", "peer": "\(peer.name)", "url": "\(peer.baseURL)"])
            try await context.audit(store, "save_peer", subject: peer.name, details: "\(peer.country) \(peer.baseURL) \(peer.publicKey)")
            return .redirect(to: "/admin#exchange", type: .normal)
        }
    }

    func remove(_ request: Request, _ context: WebContext) async throws -> Response {
        let session = try AdminRoutes.admin(context)
        try CSRF.check(request: request, context: context, form: try await request.decode(as: CSRF.Form.self, context: context))
        let name = try context.parameters.require("name")
        guard try await store.removePeer(name) else { throw HTTPError(.notFound) }
        context.logger.info("peer removed", metadata: ["user": "\(session.user.username)", "peer": "\(name)"])
        try await context.audit(store, "remove_peer", subject: name)
        return .redirect(to: "/admin#exchange", type: .normal)
    }
}
