import CordonCore
import CordonStore
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ServiceLifecycle

/// The node's web server: the workspace pages over one store.
public enum NodeServer {
    /// The application, ready to run; `onRunning` receives the bound port (useful with port 0).
    public static func application(store: Store, settings: ServerSettings, logger: Logger = Logger(label: "cordon.server"),
                                   onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws -> some ApplicationProtocol {
        let pages = try await Pages.bundled()
        let exchange = NodeExchange(store: store, identity: settings.identity, screening: settings.screening, logger: logger)
        let worker = JobWorker(store: store, schedule: settings.jobs, identity: settings.identity, screening: settings.screening, logger: logger)
        let router = Router(context: WebContext.self)
        if !settings.trustedProxies.isEmpty { router.add(middleware: ForwardedForMiddleware(trusted: settings.trustedProxies)) }
        router.add(middleware: RequestIDMiddleware())
        if settings.metrics != nil { router.add(middleware: MetricsMiddleware()) }
        router.add(middleware: CompressionMiddleware())
        router.add(middleware: APIMiddleware(store: store, limiter: RateLimiter(settings.apiLimit)))
        router.add(middleware: SessionMiddleware(store: store))
        router.get("/health") { _, _ in "ok" }
        HealthRoutes(store: store, settings: settings).add(to: router)
        router.get("/static/cordon.css") { request, _ in try staticFile("cordon.css", type: "text/css; charset=utf-8", request: request) }
        router.get("/static/cordon.js") { request, _ in try staticFile("cordon.js", type: "text/javascript; charset=utf-8", request: request) }
        AuthRoutes(store: store, pages: pages, settings: settings).add(to: router)
        QueueRoutes(store: store, pages: pages, settings: settings).add(to: router)
        ConsignmentRoutes(store: store, pages: pages, screening: settings.screening, exchange: exchange).add(to: router)
        SeizureRoutes(store: store, pages: pages, settings: settings).add(to: router)
        DashboardRoutes(store: store, pages: pages).add(to: router)
        ProfileRoutes(store: store, pages: pages).add(to: router)
        AdminRoutes(store: store, pages: pages, peers: PeerAdminRoutes(store: store, exchange: exchange)).add(to: router)
        JobRoutes(store: store, pages: pages, worker: worker, schedule: settings.jobs, signing: settings.identity != nil).add(to: router)
        UploadRoutes(store: store, pages: pages, exchange: exchange).add(to: router)
        APIRoutes(store: store, exchange: exchange).add(to: router)
        InboxRoutes(store: store, exchange: exchange, limiter: RateLimiter(settings.exchangeLimit)).add(to: router)
        MessageRoutes(store: store, pages: pages, exchange: exchange, events: exchange.events).add(to: router)
        OperationRoutes(store: store, pages: pages, exchange: exchange).add(to: router)
        AuditRoutes(store: store, pages: pages).add(to: router)
        ApprovalRoutes(store: store, pages: pages).add(to: router)
        return Application(router: router,
                           configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "cordon"),
                           services: [exchange.courier as any Service, worker]
                               + (settings.identity.map { [AuditCheckpoints(store: store, identity: $0, logger: logger)] } ?? []),
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? settings.port) },
                           logger: logger)
    }

    /// A bundled static file, cached by browsers for a day and revalidated by its ETag.
    static func staticFile(_ name: String, type: String, request: Request) throws -> Response {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "static") else {
            throw HTTPError(.notFound)
        }
        let data = try Data(contentsOf: url)
        let etag = "\"" + SHA256.hash(data: data).prefix(8).hexString + "\""
        if request.headers[.ifNoneMatch] == etag {
            return Response(status: .notModified, headers: [.eTag: etag, .cacheControl: "public, max-age=86400"])
        }
        return Response(status: .ok, headers: [.contentType: type, .eTag: etag, .cacheControl: "public, max-age=86400"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
