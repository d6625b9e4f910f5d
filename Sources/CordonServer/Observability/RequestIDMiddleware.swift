import HTTPTypes
import Hummingbird
import Logging

/// Ties a request's log lines to what the user and a proxy see: every answer carries the request's id (the
/// `hb.request.id` of its log lines: a random per-process prefix and a counter, in hex) in X-Request-Id, and
/// the trace id of an incoming W3C `traceparent` header, when a proxy sends one, is logged as `trace_id`.
struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let trace = request.headers[.traceparent].flatMap(Self.traceID) {
            context.logger[metadataKey: "trace_id"] = .string(trace)
        }
        let id = context.id
        do {
            var response = try await next(request, context)
            response.headers[.requestID] = id
            return response
        } catch let error as any HTTPResponseError {
            // Errors become answers further out; the id goes with them too.
            throw IdentifiedError(base: error, id: id)
        }
    }

    /// The trace id of a `traceparent` value (version-traceid-parentid-flags, RFC-style W3C Trace Context), if valid.
    static func traceID(_ header: String) -> String? {
        let parts = header.split(separator: "-")
        guard parts.count == 4, parts[0].count == 2, parts[1].count == 32, parts[2].count == 16, parts[3].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isHexDigit) }), parts[1].contains(where: { $0 != "0" }) else { return nil }
        return String(parts[1]).lowercased()
    }

    /// An HTTP error with the request id added to its headers.
    struct IdentifiedError: HTTPResponseError {
        let base: any HTTPResponseError
        let id: String
        var status: HTTPResponse.Status { base.status }
        func response(from request: Request, context: some RequestContext) throws -> Response {
            var response = try base.response(from: request, context: context)
            response.headers[.requestID] = id
            return response
        }
    }
}

extension HTTPField.Name {
    static let traceparent = HTTPField.Name("traceparent")!
    static let requestID = HTTPField.Name("X-Request-Id")!
}
