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
    @Test("a peer's envelope is kept once for the units of its channel, with a signed receipt; a second delivery is a duplicate; a replay, an altered, unknown, stale or misaddressed one is refused",
          arguments: TestDatabases.available)
    func inbox(kind: TestDatabases.Kind) async throws {
        let node = NodeIdentity(), peer = NodeIdentity(), stranger = NodeIdentity()
        try await withSeededWorkspace(kind, settings: ServerSettings(port: 0, identity: node), prepare: { store in
            try await store.setNodeIdentity(name: "kz-node", country: "KZ", publicKey: node.publicKeyBase64)
            try await store.savePeer(PeerRecord(name: "uz-node", country: "UZ", baseURL: "https://uz.example", publicKey: peer.publicKeyBase64))
        }) { client, store in
            func post(_ signed: SignedEnvelope) async throws -> (HTTPResponse.Status, String) {
                let r = try await client.execute(uri: "/exchange/inbox", method: .post, headers: [.contentType: "application/json"],
                                                 body: ByteBuffer(bytes: try JSONEncoder().encode(signed)))
                return (r.status, String(buffer: r.body))
            }
            func envelope(_ channel: CordonExchange.Channel = .country("KZ"), created: Date = Date(), from sender: String = "uz-node",
                          subject: String = "Cigarettes") throws -> Envelope {
                let m = Message(kind: .alert, priority: .urgent, thread: "t1", subject: subject,
                                consignment: ConsignmentDetails(containers: ["MSCU0759544"], eta: "2026-11-20"))
                return Envelope(created: created, senderNode: sender, senderUnit: "UZ-TAS-PCU", channel: channel, kind: "alert", content: try m.json())
            }
            let alert = try envelope()
            let signed = try alert.signed(by: peer)
            let first = try await post(signed)
            #expect(first.0 == .created && first.1.contains(#""status":"received""#))
            struct Answer: Decodable { var receipt: DeliveryReceipt }
            let receipt = try JSONDecoder().decode(Answer.self, from: Data(first.1.utf8)).receipt
            #expect(receipt.verifies(id: alert.id, from: Peer(name: "kz-node", country: "KZ", baseURL: "", publicKey: node.publicKeyBase64)))
            // The country channel reaches the Kazakh unit only.
            #expect(try await store.unreadCounts(units: ["ALA", "TAS"]) == ["ALA": 1])
            // The peer cannot set the state of a message this node did not send it (here, its own alert).
            let ack = try Envelope(senderNode: "uz-node", senderUnit: "UZ-TAS-PCU", channel: .country("KZ"), kind: "acknowledgement",
                                   content: try Message(kind: .acknowledgement, thread: "t1", inReplyTo: alert.id, subject: "Re",
                                                        acknowledgement: .controlling).json()).signed(by: peer)
            #expect(try await post(ack).0 == .created)
            #expect(try await store.boxes(of: alert.id, units: ["ALA"]).first?.state == nil)
            let again = try await post(signed)
            #expect(again.0 == .ok && again.1.contains(#""status":"duplicate""#))
            var other = alert
            other.content = try Message(kind: .free, thread: "t1", subject: "Other").json()
            other.kind = "free"
            #expect(try await post(try other.signed(by: peer)).0 == .conflict)
            var altered = try envelope().signed(by: peer)
            altered.envelope.channel = .network
            #expect(try await post(altered).0 == .unauthorized)
            #expect(try await post(try envelope(from: "xx-node").signed(by: stranger)).0 == .unauthorized)
            #expect(try await post(try envelope(created: Date().addingTimeInterval(-30 * 86400)).signed(by: peer)).0 == .badRequest)
            #expect(try await post(try envelope(.unit(node: "kz-node", code: "NOPE")).signed(by: peer)).0 == .unprocessableContent)
            #expect(try await post(try envelope(.unit(node: "kg-node", code: "ALA")).signed(by: peer)).0 == .badRequest)
            let notAMessage = try Envelope(senderNode: "uz-node", senderUnit: "UZ-TAS-PCU", channel: .network, kind: "alert", content: "{}").signed(by: peer)
            #expect(try await post(notAMessage).0 == .badRequest)
            let junk = try await client.execute(uri: "/exchange/inbox", method: .post, headers: [.contentType: "application/json"],
                                                body: ByteBuffer(string: "{"))
            #expect(junk.status == .badRequest)
            #expect(try await store.inboxCount() == 2)
        }
    }

    @Test("a node without an identity refuses envelopes: it could not sign the receipt")
    func noIdentity() async throws {
        let peer = NodeIdentity()
        try await withSeededWorkspace(prepare: { store in
            try await store.savePeer(PeerRecord(name: "uz-node", country: "UZ", baseURL: "https://uz.example", publicKey: peer.publicKeyBase64))
        }) { client, _ in
            let e = try Envelope(senderNode: "uz-node", senderUnit: "UZ-TAS-PCU", channel: .network, kind: "free",
                                 content: try Message(kind: .free, thread: "t", subject: "Hello").json()).signed(by: peer)
            let r = try await client.execute(uri: "/exchange/inbox", method: .post, headers: [.contentType: "application/json"],
                                             body: ByteBuffer(bytes: try JSONEncoder().encode(e)))
            #expect(r.status == .serviceUnavailable)
        }
    }
}
