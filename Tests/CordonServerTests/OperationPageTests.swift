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

@Suite("Joint operations in the workspace")
struct OperationPageTests {
    @Test("a coordinator opens an operation from the form; its units see its board and talk in its closed group; a unit outside it sees nothing",
          arguments: TestDatabases.available)
    func operation(kind: TestDatabases.Kind) async throws {
        let node = NodeIdentity()
        let password = "correct horse battery"
        try await withSeededWorkspace(kind, settings: ServerSettings(port: 0, identity: node), prepare: { store in
            try await store.setNodeIdentity(name: "kz-node", country: "KZ", publicKey: node.publicKeyBase64)
            try await store.saveUnit(ControlUnit(code: "AKT", name: "Aktau PCU", kind: .pcu, country: "KZ", locations: ["KZAAU"], capacity: .count(2)))
            _ = try await store.createUser(User(username: "coord", displayName: "Coordinator", role: .coordinator, agency: "customs", units: []),
                                           passwordHash: fixturePasswordHash)
            _ = try await store.createUser(User(username: "berik", displayName: "Berik", role: .officer, agency: "customs", units: ["AKT"]),
                                           passwordHash: fixturePasswordHash)
        }) { client, store in
            func signIn(_ user: String) async throws -> Browser {
                let b = Browser(client)
                try await b.post("/login", ["username": user, "password": password])
                return b
            }
            let olga = try await signIn("olga")
            #expect(try await olga.get("/operations/new").status == .forbidden)
            let coord = try await signIn("coord")
            let form = try await coord.get("/operations/new")
            #expect(form.status == .ok)
            var fields: [(String, String)] = [
                ("csrf", Browser.csrf(form)), ("id", "STEPPE-TOBACCO"), ("name", "Steppe tobacco"), ("description", "Cigarettes by air"),
                ("from", CalendarDate.today.adding(days: -3).description), ("until", CalendarDate.today.adding(days: 30).description), ("hs_prefixes", "2402, 2403"), ("categories[]", "tobacco"),
                ("keywords", "cigarettes, сигареты"), ("coordinator", "ALA"), ("own_units[]", "TAS"), ("other_units", ""),
            ]
            let unknownPeer = try await coord.post("/operations", pairs: fields.map { $0.0 == "other_units" ? ($0.0, "uz-node/UZ-TER-BCU") : $0 })
            #expect(unknownPeer.status == .badRequest && String(buffer: unknownPeer.body).contains("uz-node"))
            fields[1] = ("id", "STEPPE TOBACCO")
            #expect(try await coord.post("/operations", pairs: fields).status == .badRequest)
            fields[1] = ("id", "STEPPE-TOBACCO")
            let created = try await coord.post("/operations", pairs: fields)
            #expect(created.status == .seeOther && created.headers[.location] == "/operations/STEPPE-TOBACCO")
            let board = String(buffer: try await coord.get("/operations/STEPPE-TOBACCO").body)
            #expect(board.contains("Steppe tobacco") && board.contains("2402, 2403") && board.contains("TAS (kz-node)"))

            // Olga's unit coordinates it: she sees it and writes to its closed group, which reaches Tashkent only.
            #expect(String(buffer: try await olga.get("/operations").body).contains("Steppe tobacco"))
            let compose = try await olga.get("/messages/new?operation=STEPPE-TOBACCO")
            #expect(String(buffer: compose.body).contains(#"value="operation" checked"#))
            let sent = try await olga.post("/messages", ["csrf": Browser.csrf(compose), "unit": "ALA", "kind": "free", "priority": "routine",
                                                         "language": "en", "channel": "operation", "operation": "STEPPE-TOBACCO",
                                                         "subject": "Cigarette flights this week"])
            #expect(sent.status == .seeOther)
            #expect(try await store.unreadCounts(units: ["TAS", "AKT"]) == ["TAS": 1])
            let timur = try await signIn("timur")
            #expect(String(buffer: try await timur.get("/operations/STEPPE-TOBACCO").body).contains("Cigarette flights this week"))

            // Timur controls BL-TAS-1 for the operation and seizes cigarettes; Olga's control of BL-ALA-2 finds nothing. Both
            // returns reach the board, and the report counts them.
            let tas1 = try #require(try await store.currentConsignmentID("BL-TAS-1", kind: .billOfLading))
            let page = try await timur.get("/consignments/\(tas1)")
            #expect(String(buffer: page.body).contains(#"<option value="STEPPE-TOBACCO""#))
            let seized = try await timur.post("/consignments/\(tas1)/result", pairs: [
                ("csrf", Browser.csrf(page)), ("unit", "TAS"), ("outcome", "seizure"), ("method", "physical"), ("operation", "STEPPE-TOBACCO"),
                ("arrests", "2"), ("s_category[]", "tobacco"), ("s_goods[]", "cigarettes"), ("s_quantity[]", "9500"), ("s_unit[]", "sticks"),
                ("s_concealment[]", ""), ("s_value[]", "475"), ("s_category[]", "cash"), ("s_goods[]", "US dollars"),
                ("s_quantity[]", "12000"), ("s_unit[]", "USD"), ("s_concealment[]", ""), ("s_value[]", "12000"),
            ])
            #expect(seized.status == .seeOther)
            let ala2 = try #require(try await store.currentConsignmentID("BL-ALA-2", kind: .billOfLading))
            let olgaPage = try await olga.get("/consignments/\(ala2)")
            #expect(try await olga.post("/consignments/\(ala2)/result", ["csrf": Browser.csrf(olgaPage), "unit": "ALA", "outcome": "cleared",
                                                                         "method": "x-ray", "operation": "STEPPE-TOBACCO"]).status == .seeOther)
            let withReturns = String(buffer: try await coord.get("/operations/STEPPE-TOBACCO").body)
            #expect(withReturns.contains("cigarettes 9,500 sticks") && withReturns.contains("TAS (UZ)"))
            let report = String(buffer: try await coord.get("/operations/STEPPE-TOBACCO/report").body)
            #expect(report.contains(#"<span class="tile-value">2</span> <span class="tile-label">Controls reported"#))
            #expect(report.contains(#"<span class="tile-value">50%</span>"#) && report.contains(#"<span class="tile-value">2</span> <span class="tile-label">Arrests"#))
            #expect(report.contains("9,500 sticks") && report.contains("12,000 USD") && report.contains("<svg"))
            // The dollars were not among the target goods: another seizure.
            #expect(report.contains("(other seizure)"))
            let csv = String(buffer: try await coord.get("/operations/STEPPE-TOBACCO/report.csv").body)
            #expect(csv.contains("STEPPE-TOBACCO,") && csv.contains(",tobacco,cigarettes,9500,sticks,475,yes,") && csv.contains(",cash,US dollars,12000,USD,12000,no,"))
            #expect(csv.contains(",cleared,x-ray,0,,,,,,,"))
            try await coord.post("/language", ["csrf": Browser.csrf(try await coord.get("/operations")), "lang": "ru"])
            #expect(String(buffer: try await coord.get("/operations/STEPPE-TOBACCO/report").body).contains("Отчёт о результатах"))

            // Berik's unit is not in it: no operation, no board, no report, no channel.
            let berik = try await signIn("berik")
            #expect(try await berik.get("/operations/STEPPE-TOBACCO/report").status == .notFound)
            #expect(!String(buffer: try await berik.get("/operations").body).contains("Steppe tobacco"))
            #expect(try await berik.get("/operations/STEPPE-TOBACCO").status == .notFound)
            let his = try await berik.get("/messages/new")
            let refused = try await berik.post("/messages", ["csrf": Browser.csrf(his), "unit": "AKT", "kind": "free", "channel": "operation",
                                                             "operation": "STEPPE-TOBACCO", "subject": "let me in"])
            #expect(refused.status == .badRequest && String(buffer: refused.body).contains("does not take part"))
        }
    }

    @Test("a unit's day is scored with the checklist of the operations it takes part in: matching documents get the operation as a reason, at least the yellow lane and a higher score")
    func checklistInTargeting() async throws {
        let day = CalendarDate(year: 2026, month: 11, day: 20)!
        let op = JointOperation(id: "NOVEMBER-TOBACCO", name: "November tobacco", from: "2026-11-18", until: "2026-11-22",
                                checklist: .init(hsPrefixes: ["2402"]), coordinator: .init(node: "kz-node", unit: "TAS"), participants: [.init(node: "kz-node", unit: "TAS")])
        try await withSeededWorkspace(prepare: { store in
            try await store.setNodeIdentity(name: "kz-node", country: "KZ", publicKey: NodeIdentity().publicKeyBase64)
            try await store.storeOperation(OperationRecord(id: op.id, coordinatorNode: "kz-node",
                                                           definition: String(decoding: try JSONEncoder().encode(op), as: UTF8.self), envelopeID: "e1"),
                                           deliveries: [])
        }) { client, store in
            let tas = try await UnitWork(store: store).target(unit: "TAS", day: day)
            let target = try #require(tas.targets.first)
            #expect(target.reasons.first == Reason("operation", ["operation": "NOVEMBER-TOBACCO", "name": "November tobacco"]))
            #expect(target.lane >= .yellow && target.score >= 0.3)
            #expect(target.reasons.first?.text(.en) == "joint operation November tobacco (NOVEMBER-TOBACCO): target goods")
            // Almaty is not in the operation: its cigarettes get no such reason; nor does Tashkent's day outside the window.
            let ala = try await UnitWork(store: store).target(unit: "ALA", day: day)
            #expect(ala.targets.allSatisfy { !$0.reasons.contains { $0.code == "operation" } })
            let later = try await UnitWork(store: store).target(unit: "TAS", day: day.adding(days: 5))
            #expect(later.targets.allSatisfy { !$0.reasons.contains { $0.code == "operation" } })
            // The operation's board lists them for the unit's officer.
            let tagged = try await store.targets(mentioning: op.id, units: ["TAS"], from: day.adding(days: -2), until: day.adding(days: 2))
            #expect(tagged.map(\.target.documentNumber) == ["BL-TAS-1"])
            #expect(try await store.targets(mentioning: op.id, units: ["ALA"], from: day, until: day).isEmpty)
            let timur = Browser(client)
            try await timur.post("/login", ["username": "timur", "password": "correct horse battery"])
            let board = String(buffer: try await timur.get("/operations/NOVEMBER-TOBACCO").body)
            #expect(board.contains("Targets of your units with the operation") && board.contains("BL-TAS-1"))
        }
    }
}
