import Foundation
import HTTPTypes
import Hummingbird

/// Behind a reverse proxy every request comes from the proxy's address. For requests from a trusted proxy, the
/// client's address is taken from X-Forwarded-For instead, so that the audit log says where a person was and rate
/// limits count per client, not for everyone at once. From any other peer the header is ignored: a client could
/// write anything in it.
struct ForwardedForMiddleware: RouterMiddleware {
    typealias Context = WebContext
    let trusted: Set<String>

    func handle(_ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response) async throws -> Response {
        guard trusted.contains(context.origin), let header = request.headers[.xForwardedFor] else {
            return try await next(request, context)
        }
        var context = context
        if let client = Self.client(header, trusted: trusted) { context.origin = client }
        return try await next(request, context)
    }

    /// The client in an X-Forwarded-For list: read from the right (the nearest hop), skipping trusted proxies; nil
    /// when the nearest untrusted entry is not an IP address.
    static func client(_ header: String, trusted: Set<String>) -> String? {
        let hops = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let hop = hops.reversed().first(where: { !trusted.contains($0) }) else { return hops.first }
        let isAddress = !hop.isEmpty && hop.count <= 45 && hop.allSatisfy { $0.isHexDigit || $0 == "." || $0 == ":" }
        return isAddress ? hop : nil
    }
}

extension HTTPField.Name {
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}
