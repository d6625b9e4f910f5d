import CordonCore
import CordonStore
import Foundation
import HTTPTypes
import Hummingbird

/// The API's door: every /api/ request carries a bearer token of a live user, and every failure, including
/// an unknown route or a body that does not decode, answers in the API's error shape.
struct APIMiddleware: RouterMiddleware {
    typealias Context = WebContext
    let store: Store
    /// Requests by token (by address without one), before the token is even looked up.
    let limiter: RateLimiter

    func handle(_ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasPrefix("/api/") else { return try await next(request, context) }
        var context = context
        var response: Response
        do {
            func limited(_ wait: Int) throws -> Response {
                var response = try APIError(.tooManyRequests, "rate_limited", "too many requests; try again in \(wait) s")
                    .response(from: request, context: context)
                response.headers[.retryAfter] = "\(wait)"
                return response
            }
            let address = "address " + context.origin
            let presented = request.headers[.authorization]
            if let wait = limiter.admit(presented.map { "token " + SessionToken.hash($0) } ?? address) { return try limited(wait) }
            guard let header = presented, header.count < 300, header.lowercased().hasPrefix("bearer "),
                  let user = try await store.tokenUser(tokenHash: SessionToken.hash(String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)))
            else {
                // A wrong token also costs its address: guessing with a new token each time is limited too.
                if presented != nil, let wait = limiter.admit(address) { return try limited(wait) }
                throw APIError.unauthorized
            }
            context.apiUser = user
            response = try await next(request, context)
        } catch let error as APIError {
            response = try error.response(from: request, context: context)
        } catch let error as HTTPError {
            // The router's own answers: no route, or a body over the size limit.
            let mapped: APIError = switch error.status {
            case .notFound: .noSuchRoute
            case .contentTooLarge: APIError(.contentTooLarge, "too_large", error.body ?? "the body is too large")
            case .unsupportedMediaType: APIError(.unsupportedMediaType, "unsupported_media_type", "send application/json")
            default: APIError(error.status, "http_\(error.status.code)", error.body ?? error.status.reasonPhrase)
            }
            response = try mapped.response(from: request, context: context)
        } catch let error as DecodingError {
            response = try APIJSON.invalid(error, prefix: "").response(from: request, context: context)
        } catch {
            context.logger.error("API request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            response = try APIError(.internalServerError, "internal", "the node could not complete the request; it is logged")
                .response(from: request, context: context)
        }
        response.headers[.cacheControl] = "no-store"
        response.headers[.xContentTypeOptions] = "nosniff"
        return response
    }
}
