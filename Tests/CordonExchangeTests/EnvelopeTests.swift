import CordonExchange
import Foundation
import Testing

@Suite("Signed envelopes between nodes")
struct EnvelopeTests {
    let kz = NodeIdentity(), uz = NodeIdentity(), stranger = NodeIdentity()

    var peers: [Peer] {
        [Peer(name: "kz-node", country: "KZ", baseURL: "https://kz.example", publicKey: kz.publicKeyBase64),
         Peer(name: "uz-node", country: "UZ", baseURL: "https://uz.example", publicKey: uz.publicKeyBase64)]
    }

    func alert(from node: String = "kz-node", created: Date = Date()) -> Envelope {
        Envelope(created: created, senderNode: node, senderUnit: "KZ-AKT-PCU", channel: .unit(node: "uz-node", code: "UZ-TAS-PCU"),
                 kind: "alert", content: #"{"containers":["MSCU0759544"],"eta":"2026-11-26"}"#)
    }

    @Test("a peer's signed envelope verifies; altered content, another key or an unknown sender do not")
    func signatures() throws {
        let verifier = EnvelopeVerifier(peers: peers)
        let signed = try alert().signed(by: kz)
        #expect(try verifier.verify(signed).name == "kz-node")
        var altered = signed
        altered.envelope.content = #"{"containers":["MSCU0000000"]}"#
        #expect(throws: EnvelopeRejection.badSignature(sender: "kz-node")) { try verifier.verify(altered) }
        var rerouted = signed
        rerouted.envelope.channel = .network
        #expect(throws: EnvelopeRejection.badSignature(sender: "kz-node")) { try verifier.verify(rerouted) }
        #expect(throws: EnvelopeRejection.badSignature(sender: "kz-node")) { try verifier.verify(try alert().signed(by: stranger)) }
        #expect(throws: EnvelopeRejection.unknownPeer("xx-node")) { try verifier.verify(try alert(from: "xx-node").signed(by: stranger)) }
        // The signed bytes do not depend on the order in which fields were written.
        let decoded = try JSONDecoder().decode(SignedEnvelope.self, from: try JSONEncoder().encode(signed))
        #expect(try verifier.verify(decoded).name == "kz-node")
    }

    @Test("an envelope older than the window, or dated ahead of the clock, is refused")
    func age() throws {
        let verifier = EnvelopeVerifier(peers: peers, window: 86400, skew: 300)
        let old = try alert(created: Date().addingTimeInterval(-2 * 86400)).signed(by: kz)
        #expect(throws: EnvelopeRejection.self) { try verifier.verify(old) }
        let hoursLate = try alert(created: Date().addingTimeInterval(-6 * 3600)).signed(by: kz)
        #expect(try verifier.verify(hoursLate).name == "kz-node")
        let ahead = try alert(created: Date().addingTimeInterval(3600)).signed(by: kz)
        #expect(throws: EnvelopeRejection.self) { try verifier.verify(ahead) }
    }

    @Test("the key file is private to the node's account, read back the same, and never replaced")
    func keyFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cordon-key-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let created = try NodeIdentity.create(at: path)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        #expect(try NodeIdentity.load(from: path).publicKeyBase64 == created.publicKeyBase64)
        #expect(throws: NodeKeyError.self) { _ = try NodeIdentity.create(at: path) }
        #expect(throws: NodeKeyError.self) { _ = try NodeIdentity.publicKey(base64: "not a key") }
    }
}
