import CordonCore
import CordonStore
import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// The request context of the workspace: the signed-in session, when there is one.
public struct WebContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var session: SessionRecord?
    /// The cookie's token hash, to sign out.
    public var tokenHash: String?
    /// The user of an API request's bearer token.
    public var apiUser: User?

    /// The client's address, for the audit log.
    public var origin: String

    public init(source: Source) {
        coreContext = .init(source: source)
        origin = source.channel.remoteAddress?.ipAddress ?? ""
    }

    /// Appends to the audit log as the request's user (signed in, or by token). A failure to write the log fails the
    /// request: an action that cannot be recorded does not happen unrecorded.
    func audit(_ store: Store, _ action: String, subject: String = "", details: String = "", actor: String? = nil) async throws {
        try await store.audit(AuditEntry(actor: actor ?? auditActor, action: action, subject: subject, details: details, origin: origin))
    }

    /// Who the audit log names for this request: the signed-in user, or the token's user.
    var auditActor: String { session?.user.username ?? apiUser.map { "\($0.username) (api)" } ?? "anonymous" }

    /// Forms and uploads are small; ingest uploads come with their own route and limit.
    public var maxUploadSize: Int { 1024 * 1024 }

    /// Pages post HTML forms; the API sends JSON.
    public var requestDecoder: FormOrJSONDecoder { FormOrJSONDecoder() }
}

/// Decodes a request body by its content type: an HTML form, or JSON.
public struct FormOrJSONDecoder: RequestDecoder {
    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        if request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true {
            return try await URLEncodedFormDecoder().decode(type, from: request, context: context)
        }
        return try await JSONDecoder().decode(type, from: request, context: context)
    }
}

/// Session tokens: random, sent as a cookie, stored only as their SHA-256.
enum SessionToken {
    static let cookie = "cordon_session"

    static func random() -> String {
        var g = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &g) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).hexString
    }
}

/// Loads the session named by the cookie into the context; every page but sign-in requires one.
struct SessionMiddleware: RouterMiddleware {
    typealias Context = WebContext
    let store: Store
    /// Paths open without a session.
    static let open: Set<String> = ["/login", "/login/code", "/language", "/health", "/ready", "/metrics", "/static/cordon.css"]

    func handle(_ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response) async throws -> Response {
        // The API authenticates with bearer tokens (APIMiddleware), never with the cookie: no CSRF to fear there.
        // Peer nodes sign their envelopes instead (InboxRoutes).
        if request.uri.path.hasPrefix("/api/") || request.uri.path == "/openapi.json" || request.uri.path.hasPrefix("/exchange/") {
            return try await next(request, context)
        }
        var context = context
        if let token = request.cookies[SessionToken.cookie]?.value, !token.isEmpty, token.count < 100 {
            let hash = SessionToken.hash(token)
            context.session = try await store.session(tokenHash: hash)
            context.tokenHash = hash
        }
        if context.session == nil && !SessionMiddleware.open.contains(request.uri.path) {
            return .redirect(to: "/login", type: .normal)
        }
        var response = try await next(request, context)
        // Pages hold cargo and personal data: never cached, never framed, no foreign resources.
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        response.headers[.contentSecurityPolicy] = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "same-origin"
        return response
    }
}

extension HTTPField.Name {
    static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}

extension InspectionResult {
    /// A result in the audit log's words: unit, outcome, and the operation it was made for.
    var auditDetails: String { "\(unit) \(outcome.rawValue)\(operation.map { " operation \($0)" } ?? "")" }
}
