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

@Suite("An operation's returns and results report")
struct OperationReportTests {
    let op = JointOperation(id: "OP", name: "Op", from: "2026-12-01", until: "2026-12-14",
                            checklist: .init(hsPrefixes: ["2402"], categories: ["tobacco"]),
                            coordinator: .init(node: "kz-node", unit: "A"), participants: [.init(node: "uz-node", unit: "B")])

    func ret(_ ref: String, _ country: String, _ outcome: String, _ lines: [OperationReturn.Line], arrests: Int = 0,
             date: String = "2026-12-02") -> OperationReturn {
        OperationReturn(operation: "OP", reference: ref, unit: country == "KZ" ? "A" : "B", country: country, date: date, outcome: outcome,
                        method: "physical", lines: lines, arrests: arrests, departure: nil)
    }

    @Test("totals by commodity and country, hit rate, arrests, a timeline and the cases, from the returns only")
    func totals() {
        let cigarettes = OperationReturn.Line(category: "tobacco", goods: "cigarettes", quantity: 9500, unit: "sticks", estimatedValue: 475, targeted: true)
        let more = OperationReturn.Line(category: "tobacco", goods: "cigarettes", quantity: 500, unit: "sticks", estimatedValue: 25, targeted: true)
        let cash = OperationReturn.Line(category: "cash", goods: "USD", quantity: 12000, unit: "USD", estimatedValue: 12000, targeted: false)
        let report = OperationReport([
            ret("1", "KZ", "seizure", [cigarettes, more, cash], arrests: 2), ret("2", "KZ", "cleared", []),
            ret("3", "UZ", "irregularity", [], date: "2026-12-03"), ret("4", "UZ", "seizure", [cigarettes], date: "2026-12-03"),
        ])
        #expect(report.controls == 4 && report.positives == 3 && report.arrests == 2 && report.hitRate == 0.75)
        #expect(report.cases.map(\.reference) == ["1", "4"])
        #expect(report.byCommodity["tobacco"] == .init(cases: 2, targetedCases: 2, quantities: ["sticks": 19500], value: 975))
        #expect(report.byCommodity["cash"] == .init(cases: 1, targetedCases: 0, quantities: ["USD": 12000], value: 12000))
        #expect(report.byCountry["KZ"] == .init(controls: 2, positives: 1, cases: 1, value: 12500))
        #expect(report.byCountry["UZ"] == .init(controls: 2, positives: 2, cases: 1, value: 475))
        #expect(report.timeline["2026-12-02"]! == (2, 1) && report.timeline["2026-12-03"]! == (2, 1))
        #expect(OperationReport([]).hitRate == 0)
    }

    @Test("a result's return: lines of the checklist's categories are target goods, the others other seizures; the return checks itself")
    func fromResult() {
        let c = Consignment(kind: .billOfLading, documentNumber: "B", date: CalendarDate(year: 2026, month: 12, day: 2)!,
                            route: Route(placeOfLoading: "IRBND", placeOfDischarge: "KZAAU", countryOfDeparture: "IR"),
                            goods: [GoodsItem(sequence: 1, hsCode: "481820", description: "Napkins")])
        let result = InspectionResult(kind: .billOfLading, documentNumber: "B", unit: "A", date: CalendarDate(year: 2026, month: 12, day: 2)!,
                                      outcome: .seizure, method: .physical, recordedBy: "x",
                                      seizures: [SeizureLine(category: .tobacco, goods: "cigarettes", quantity: 9500, unit: "sticks"),
                                                 SeizureLine(category: .cash, goods: "USD", quantity: 100, unit: "USD")],
                                      operation: "OP", arrests: 1)
        let r = OperationReturn(result: result, reference: "7", consignment: c, operation: op, country: "KZ")
        #expect(r.lines.map(\.targeted) == [true, false] && r.arrests == 1 && r.departure == "IR" && r.problem() == nil)
        var bad = r
        bad.lines[0].category = "sweets"
        #expect(bad.problem()?.field == "lines")
        #expect(Message(kind: .operationReturn, thread: "t", subject: "Return").problem()?.field == "return")
        #expect(Message(kind: .operationReturn, thread: "t", subject: "Return", operationReturn: r).problem() == nil)
    }
}
