import CordonCore
import CordonExchange
import CordonStore
import Foundation
import HTTPTypes
import Hummingbird

/// The node's inbox for envelopes from peer nodes: authenticated by the sender's signature, not by a session
/// or token. A verified envelope is kept once; the refused ones are logged with their reason.
struct InboxRoutes {
    let store: Store

    struct Receipt: Encodable {
        var id: String
        var status: String
    }

    func add(to router: Router<WebContext>) {
        router.post("/exchange/inbox") { request, context in try await receive(request, context) }
    }

    func receive(_ request: Request, _ context: WebContext) async throws -> Response {
        func refuse(_ status: HTTPResponse.Status, _ code: String, _ why: String) throws -> Response {
            context.logger.warning("envelope refused", metadata: ["reason": "\(why)"])
            return try APIError(status, code, why).response(from: request, context: context)
        }
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: context.maxUploadSize) } catch {
            return try refuse(.contentTooLarge, "too_large", "an envelope is limited to \(context.maxUploadSize >> 20) MB")
        }
        let signed: SignedEnvelope
        do { signed = try JSONDecoder().decode(SignedEnvelope.self, from: Data(buffer: body)) } catch {
            return try refuse(.badRequest, "malformed", EnvelopeRejection.malformed("\(error)").description)
        }
        let peers = try await store.peers().map { Peer(name: $0.name, country: $0.country, baseURL: $0.baseURL, publicKey: $0.publicKey) }
        do {
            _ = try EnvelopeVerifier(peers: peers).verify(signed)
        } catch {
            switch error {
            case .unknownPeer, .badSignature: return try refuse(.unauthorized, "not_verified", error.description)
            default: return try refuse(.badRequest, "refused", error.description)
            }
        }
        let e = signed.envelope
        let json = String(decoding: try JSONEncoder().encode(signed), as: UTF8.self)
        switch try await store.receiveEnvelope(id: e.id, sender: e.senderNode, signature: signed.signature, kind: e.kind, json: json) {
        case .received:
            context.logger.info("envelope received", metadata: ["id": "\(e.id)", "from": "\(e.senderNode)", "kind": "\(e.kind)"])
            return try APIJSON.response(Receipt(id: e.id, status: "received"), status: .created)
        case .duplicate:
            return try APIJSON.response(Receipt(id: e.id, status: "duplicate"))
        case .replay:
            return try refuse(.conflict, "replay", EnvelopeRejection.replay(id: e.id).description)
        }
    }
}
