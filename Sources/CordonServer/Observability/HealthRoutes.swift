import CordonStore
import Foundation
import HTTPTypes
import Hummingbird

/// What a load balancer and Prometheus ask: /health (the process answers), /ready (and its database does), and
/// /metrics (the Prometheus text format, behind a bearer token when the node has one for it).
struct HealthRoutes {
    let store: Store
    let settings: ServerSettings

    func add(to router: Router<WebContext>) {
        router.get("/ready") { _, context in
            do {
                try await store.ping()
                return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "ready")))
            } catch {
                context.logger.error("not ready: the database does not answer", metadata: ["error": "\(error)"])
                return Response(status: .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8", .retryAfter: "5"],
                                body: .init(byteBuffer: ByteBuffer(string: "the database does not answer")))
            }
        }
        guard let metrics = settings.metrics else { return }
        router.get("/metrics") { request, _ in
            if let token = settings.metricsToken, !constantTimeEqual(request.headers[.authorization] ?? "", "Bearer \(token)") {
                return Response(status: .unauthorized, headers: [.wwwAuthenticate: "Bearer"])
            }
            let text = try await metrics.exposition(store: store)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }
}
