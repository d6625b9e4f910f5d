import CordonCore
import CordonExchange
import Foundation
import Testing

@Suite("Messages between units: their rules, their routing and delivery receipts")
struct MessageTests {
    let kz = NodeIdentity(), uz = NodeIdentity(), kg = NodeIdentity()

    var peers: [Peer] {
        [Peer(name: "uz-node", country: "UZ", baseURL: "http://uz", publicKey: uz.publicKeyBase64),
         Peer(name: "kg-node", country: "KG", baseURL: "http://kg", publicKey: kg.publicKeyBase64)]
    }

    @Test("a channel reaches the right peers and the right units of this node, never the sender")
    func routing() throws {
        let routing = ChannelRouting(node: "kz-node", country: "KZ", peers: peers)
        let units = [("KZ-AKT-PCU", "KZ"), ("KZ-ALA-ACCU", "KZ")].map { (code: $0.0, country: $0.1) }
        #expect(try routing.peers(for: .unit(node: "uz-node", code: "UZ-TAS-PCU")).map(\.name) == ["uz-node"])
        #expect(try routing.peers(for: .unit(node: "kz-node", code: "KZ-ALA-ACCU")).isEmpty)
        #expect(routing.localUnits(for: .unit(node: "kz-node", code: "KZ-ALA-ACCU"), among: units, except: "KZ-AKT-PCU") == ["KZ-ALA-ACCU"])
        #expect(routing.localUnits(for: .unit(node: "uz-node", code: "KZ-ALA-ACCU"), among: units).isEmpty)
        #expect(try routing.peers(for: .country("UZ")).map(\.name) == ["uz-node"])
        #expect(try routing.peers(for: .country("KZ")).isEmpty)
        #expect(routing.localUnits(for: .country("KZ"), among: units, except: "KZ-AKT-PCU") == ["KZ-ALA-ACCU"])
        #expect(routing.localUnits(for: .country("UZ"), among: units).isEmpty)
        #expect(try routing.peers(for: .bilateral("KZ", "KG")).map(\.name) == ["kg-node"])
        #expect(routing.localUnits(for: .bilateral("KZ", "KG"), among: units) == ["KZ-AKT-PCU", "KZ-ALA-ACCU"])
        #expect(try routing.peers(for: .network).map(\.name) == ["uz-node", "kg-node"])
        #expect(throws: RoutingError.unknownNode("tj-node")) { try routing.peers(for: .unit(node: "tj-node", code: "X")) }
        #expect(throws: RoutingError.operationsNotOpen("op")) { try routing.peers(for: .operation("op")) }
    }

    @Test("a channel chosen in a form or a request: each kind with the fields it needs, and what is missing")
    func chosen() {
        func choose(_ kind: String, node: String? = nil, unit: String? = nil, country: String? = nil, operation: String? = nil)
            -> Result<Channel, ChannelChoiceProblem> {
            Channel.chosen(kind, node: node, unit: unit, country: country, operation: operation, ownCountry: "KZ")
        }
        #expect(choose("unit", node: "uz-node", unit: " UZ-TER-BCU ") == .success(.unit(node: "uz-node", code: "UZ-TER-BCU")))
        #expect(choose("unit", node: "uz-node", unit: "  ") == .failure(.unit))
        #expect(choose("country", country: "uz") == .success(.country("UZ")))
        #expect(choose("bilateral", country: "KG") == .success(.bilateral("KZ", "KG")))
        #expect(choose("bilateral", country: "XX") == .failure(.country))
        #expect(choose("network") == .success(.network))
        #expect(choose("operation", operation: "OP") == .success(.operation("OP")) && choose("operation") == .failure(.operation))
        #expect(choose("everyone") == .failure(.kind("everyone")))
    }

    @Test("a message says what is wrong with it: no subject, an alert without a container, a bad container or date, an answer to nothing")
    func problems() {
        var alert = Message(kind: .alert, thread: "t", subject: "Cigarettes in a reefer",
                            consignment: ConsignmentDetails(containers: ["MSCU 075954-4"], eta: "2026-12-03"))
        #expect(alert.problem() == nil)
        // A wrong check digit is worth an alert: only the shape is checked.
        alert.consignment?.containers = ["MSCU0759545"]
        #expect(alert.problem() == nil)
        alert.consignment?.containers = ["MSCU07"]
        #expect(alert.problem()?.field == "containers")
        alert.consignment = ConsignmentDetails(containers: ["MSCU0759544"], eta: "3 Dec")
        #expect(alert.problem()?.field == "eta")
        alert.consignment = nil
        #expect(alert.problem()?.field == "containers")
        alert.consignment = ConsignmentDetails(documentNumber: "MEDU1234567")
        #expect(alert.problem() == nil)
        alert.subject = "  "
        #expect(alert.problem()?.field == "subject")
        #expect(Message(kind: .answer, thread: "t", subject: "Re").problem()?.field == "in_reply_to")
        #expect(Message(kind: .acknowledgement, thread: "t", inReplyTo: "m", subject: "Re").problem()?.field == "acknowledgement")
        #expect(Message(kind: .resultFeedback, thread: "t", inReplyTo: "m", subject: "Re", feedback: ControlFeedback(outcome: "fine"))
            .problem()?.field == "outcome")
        #expect(Message(kind: .free, thread: "t", subject: "Hello", text: String(repeating: "x", count: Message.textLimit + 1)).problem()?.field == "text")
        #expect(MessagePriority.immediate > .urgent && MessagePriority.urgent > .routine)
    }

    @Test("a message travels as JSON and comes back the same")
    func json() throws {
        let m = Message(kind: .resultFeedback, priority: .urgent, language: .ru, thread: "t1", inReplyTo: "m1", subject: "Результат",
                        feedback: ControlFeedback(outcome: "seizure", seizures: [.init(category: "tobacco", goods: "сигареты", quantity: 9500, unit: "pcs")]))
        #expect(try Message.from(json: try m.json()) == m)
    }

    @Test("a receipt verifies only for its envelope, its status and the key of the node that signed it")
    func receipts() throws {
        let receipt = try DeliveryReceipt(id: "e1", status: "received", node: "uz-node", identity: uz)
        let uzPeer = peers[0], kgPeer = peers[1]
        #expect(receipt.verifies(id: "e1", from: uzPeer))
        #expect(!receipt.verifies(id: "e2", from: uzPeer))
        #expect(!receipt.verifies(id: "e1", from: kgPeer))
        var forged = receipt
        forged.status = "duplicate"
        #expect(!forged.verifies(id: "e1", from: uzPeer))
        let impostor = try DeliveryReceipt(id: "e1", status: "received", node: "uz-node", identity: kg)
        #expect(!impostor.verifies(id: "e1", from: uzPeer))
    }
}
