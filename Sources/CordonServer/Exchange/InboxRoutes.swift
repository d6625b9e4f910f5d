import CordonCore
import CordonExchange
import CordonStore
import Foundation
import HTTPTypes
import Hummingbird

/// The node's inbox for envelopes from peer nodes: authenticated by the sender's signature, not by a session
/// or token. A verified envelope is kept once and answered with a receipt signed by this node; the refused ones
/// are logged with their reason.
struct InboxRoutes {
    let store: Store
    let exchange: NodeExchange
    /// Envelopes by peer address; a limited sender's courier tries again later.
    let limiter: RateLimiter

    struct Answer: Encodable {
        var id: String
        var status: String
        var receipt: DeliveryReceipt
    }

    func add(to router: Router<WebContext>) {
        router.post("/exchange/inbox") { request, context in try await receive(request, context) }
    }

    func receive(_ request: Request, _ context: WebContext) async throws -> Response {
        func refuse(_ status: HTTPResponse.Status, _ code: String, _ why: String) throws -> Response {
            context.logger.warning("envelope refused", metadata: ["reason": "\(why)"])
            return try APIError(status, code, why).response(from: request, context: context)
        }
        if let wait = limiter.admit(context.origin) {
            var limited = try refuse(.tooManyRequests, "rate_limited", "too many envelopes from \(context.origin); try again in \(wait) s")
            limited.headers[.retryAfter] = "\(wait)"
            return limited
        }
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: context.maxUploadSize) } catch {
            return try refuse(.contentTooLarge, "too_large", "an envelope is limited to \(context.maxUploadSize >> 20) MB")
        }
        let signed: SignedEnvelope
        do { signed = try JSONDecoder().decode(SignedEnvelope.self, from: Data(buffer: body)) } catch {
            return try refuse(.badRequest, "malformed", EnvelopeRejection.malformed("\(error)").description)
        }
        let peers = try await store.peers().map(\.peer)
        do {
            _ = try EnvelopeVerifier(peers: peers).verify(signed)
        } catch {
            switch error {
            case .unknownPeer, .badSignature: return try refuse(.unauthorized, "not_verified", error.description)
            default: return try refuse(.badRequest, "refused", error.description)
            }
        }
        let e = signed.envelope
        guard let identity = exchange.identity, let node = try await store.nodeIdentity() else {
            return try refuse(.serviceUnavailable, "no_identity", ExchangeError.noIdentity.description)
        }
        let outcome: InboxOutcome
        do { outcome = try await exchange.receive(signed) } catch let error as EnvelopeRejection {
            return try refuse(.badRequest, "refused", error.description)
        } catch let error as ExchangeError {
            // An operation's message before the operation itself: the sender retries, and it comes in order.
            if case .operationNotYetKnown = error { return try refuse(.tooEarly, "too_early", error.description) }
            return try refuse(.unprocessableContent, "not_here", error.description)
        }
        func answer(_ status: String, _ http: HTTPResponse.Status) throws -> Response {
            try APIJSON.response(Answer(id: e.id, status: status, receipt: try DeliveryReceipt(id: e.id, status: status, node: node.name,
                                                                                             identity: identity)), status: http)
        }
        switch outcome {
        case .received: return try answer("received", .created)
        case .duplicate: return try answer("duplicate", .ok)
        case .replay: return try refuse(.conflict, "replay", EnvelopeRejection.replay(id: e.id).description)
        }
    }
}
