import CordonCore
import CordonExchange
import CordonServer
import CordonStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

@Suite("The node's inbox for peer nodes")
struct InboxTests {
    @Test("a peer's envelope is kept once; a second delivery is a duplicate, a replay, an altered or unknown one is refused",
          arguments: TestDatabases.available)
    func inbox(kind: TestDatabases.Kind) async throws {
        let peer = NodeIdentity(), stranger = NodeIdentity()
        try await withSeededWorkspace(kind, prepare: { store in
            try await store.savePeer(PeerRecord(name: "uz-node", country: "UZ", baseURL: "https://uz.example", publicKey: peer.publicKeyBase64))
        }) { client, store in
            func post(_ signed: SignedEnvelope) async throws -> (HTTPResponse.Status, String) {
                let r = try await client.execute(uri: "/exchange/inbox", method: .post, headers: [.contentType: "application/json"],
                                                 body: ByteBuffer(bytes: try JSONEncoder().encode(signed)))
                return (r.status, String(buffer: r.body))
            }
            let alert = Envelope(senderNode: "uz-node", senderUnit: "UZ-TAS-PCU", channel: .country("KZ"), kind: "alert",
                                 content: #"{"containers":["MSCU0759544"]}"#)
            let signed = try alert.signed(by: peer)
            let first = try await post(signed)
            #expect(first.0 == .created && first.1.contains(#""status":"received""#))
            let again = try await post(signed)
            #expect(again.0 == .ok && again.1.contains(#""status":"duplicate""#))
            var other = alert
            other.content = #"{"containers":["TGHU0000000"]}"#
            #expect(try await post(try other.signed(by: peer)).0 == .conflict)
            var altered = try Envelope(senderNode: "uz-node", senderUnit: "UZ-TAS-PCU", channel: .country("KZ"), kind: "alert", content: "{}")
                .signed(by: peer)
            altered.envelope.kind = "seizure-notice"
            #expect(try await post(altered).0 == .unauthorized)
            let unknown = try Envelope(senderNode: "xx-node", senderUnit: "X", channel: .network, kind: "alert", content: "{}").signed(by: stranger)
            #expect(try await post(unknown).0 == .unauthorized)
            let old = try Envelope(created: Date().addingTimeInterval(-30 * 86400), senderNode: "uz-node", senderUnit: "UZ-TAS-PCU",
                                   channel: .network, kind: "alert", content: "{}").signed(by: peer)
            #expect(try await post(old).0 == .badRequest)
            let junk = try await client.execute(uri: "/exchange/inbox", method: .post, headers: [.contentType: "application/json"],
                                                body: ByteBuffer(string: "{"))
            #expect(junk.status == .badRequest)
            #expect(try await store.inboxCount() == 1)
        }
    }
}
