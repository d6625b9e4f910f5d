import CordonCore
import CordonExchange
import Foundation
import Testing

@Suite("Joint operations: their rules, checklist and closed group")
struct OperationTests {
    let op = JointOperation(id: "CASPIAN-TOBACCO", name: "Caspian tobacco", from: "2026-12-01", until: "2026-12-14",
                       checklist: .init(hsPrefixes: ["2402"], categories: ["tobacco"], keywords: ["cigarettes", "сигареты"]),
                       coordinator: .init(node: "kz-node", unit: "KZ-ALA-ACCU"),
                       participants: [.init(node: "kz-node", unit: "KZ-AKT-PCU"), .init(node: "uz-node", unit: "UZ-TER-BCU")])

    @Test("an operation says what is wrong with it")
    func problems() {
        #expect(op.problem() == nil)
        var bad = op
        bad.id = "caspian tobacco"
        #expect(bad.problem()?.field == "id")
        bad = op
        bad.until = "2026-11-30"
        #expect(bad.problem()?.field == "until")
        bad = op
        bad.checklist.hsPrefixes = ["24a2"]
        #expect(bad.problem()?.field == "hs_prefixes")
        bad = op
        bad.checklist.categories = ["sweets"]
        #expect(bad.problem()?.field == "categories")
        bad = op
        bad.participants = []
        #expect(bad.problem()?.field == "participants")
        #expect(op.isOpen(on: CalendarDate(year: 2026, month: 12, day: 14)!) && !op.isOpen(on: CalendarDate(year: 2026, month: 12, day: 15)!))
        #expect(op.nodes == ["kz-node", "uz-node"] && op.includes(node: "kz-node", unit: "KZ-ALA-ACCU"))
        #expect(!op.includes(node: "uz-node", unit: "KZ-ALA-ACCU"))
    }

    @Test("the checklist matches an HS code by its start, or a word in a goods description in either script")
    func checklist() {
        func consignment(_ hs: String, _ description: String) -> Consignment {
            Consignment(kind: .billOfLading, documentNumber: "B", date: CalendarDate(year: 2026, month: 12, day: 2)!,
                        goods: [GoodsItem(sequence: 1, hsCode: hs, description: description)])
        }
        #expect(op.matches(consignment("240220", "Goods")))
        #expect(op.matches(consignment("481820", "Paper napkins and CIGARETTES")))
        #expect(op.matches(consignment("481820", "Салфетки, сигареты")))
        #expect(!op.matches(consignment("481820", "Paper napkins")))
    }

    @Test("the closed group reaches the operation's units of this node and its other nodes, and nobody else")
    func routing() throws {
        let peers = [Peer(name: "uz-node", country: "UZ", baseURL: "http://uz", publicKey: NodeIdentity().publicKeyBase64),
                     Peer(name: "kg-node", country: "KG", baseURL: "http://kg", publicKey: NodeIdentity().publicKeyBase64)]
        let routing = ChannelRouting(node: "kz-node", country: "KZ", peers: peers, operations: [op])
        let units = [("KZ-AKT-PCU", "KZ"), ("KZ-ALA-ACCU", "KZ"), ("KZ-KHO-BCU", "KZ")].map { (code: $0.0, country: $0.1) }
        #expect(try routing.peers(for: .operation("CASPIAN-TOBACCO")).map(\.name) == ["uz-node"])
        #expect(routing.localUnits(for: .operation("CASPIAN-TOBACCO"), among: units, except: "KZ-AKT-PCU") == ["KZ-ALA-ACCU"])
        #expect(throws: RoutingError.operationsNotOpen("OTHER")) { try routing.peers(for: .operation("OTHER")) }
        var far = op
        far.participants.append(.init(node: "tj-node", unit: "TJ-DYU-ACCU"))
        #expect(throws: RoutingError.unknownNode("tj-node")) {
            try ChannelRouting(node: "kz-node", country: "KZ", peers: peers, operations: [far]).peers(for: .operation("CASPIAN-TOBACCO"))
        }
    }
}
