import CordonCore
import CordonServer
import CordonStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

@Suite("Four-eyes and overrides in the pages")
struct FourEyesPageTests {
    static let day = CalendarDate(year: 2026, month: 11, day: 20)!

    /// A supervisor of Almaty, a second analyst and an administrator, besides the seeded officers and analyst.
    static func addDeciders(_ store: Store) async throws {
        let hash = fixturePasswordHash
        _ = try await store.createUser(User(username: "sergei", displayName: "Sergei", role: .supervisor, agency: "customs", units: ["ALA"]), passwordHash: hash)
        _ = try await store.createUser(User(username: "boris", displayName: "Boris", role: .analyst, agency: "customs", units: []), passwordHash: hash)
        _ = try await store.createUser(User(username: "root", displayName: "Admin", role: .admin, agency: "customs", units: []), passwordHash: hash)
    }

    static func signIn(_ client: any TestClientProtocol, _ name: String) async throws -> Browser {
        let b = Browser(client)
        try await b.post("/login", ["username": name, "password": "correct horse battery"])
        return b
    }

    @Test("a draft is put in force only when a second person approves what its author asked for")
    func profile() async throws {
        try await withSeededWorkspace(prepare: FourEyesPageTests.addDeciders) { client, store in
            _ = try await store.saveProfiles([RiskProfile(name: "caspian", title: "Caspian consignee", lane: .red, weight: 0.5, author: "ana",
                                                          status: .draft, conditions: [ProfileCondition(field: ProfileField("office")!, test: .equals("KZALA"))])],
                                             by: "ana")
            let ana = try await FourEyesPageTests.signIn(client, "ana")
            let page = try await ana.get("/profiles/caspian")
            #expect(String(buffer: page.body).contains("Ask to put in force"))
            let short = try await ana.post("/profiles/caspian/activation", ["csrf": Browser.csrf(page), "reason": "why not"])
            #expect(short.status == .badRequest && String(buffer: short.body).contains("at least 10 characters"))
            let asked = try await ana.post("/profiles/caspian/activation", ["csrf": Browser.csrf(page), "reason": "three seizures from this consignee"])
            #expect(asked.status == .seeOther)
            let pending = String(buffer: try await ana.get("/profiles/caspian").body)
            #expect(pending.contains("Waiting for a decision:") && !pending.contains("Ask to put in force"))
            // The author sees the request with withdraw, not approve; approving anyway is refused.
            let own = try await ana.get("/approvals")
            let ownPage = String(buffer: own.body)
            #expect(ownPage.contains("three seizures from this consignee") && ownPage.contains("Withdraw") && !ownPage.contains(">Approve<"))
            let refused = try await ana.post("/approvals/1/approve", ["csrf": Browser.csrf(own)])
            #expect(refused.status == .badRequest && String(buffer: refused.body).contains("cannot approve their own request"))
            #expect(try await store.activeProfiles().isEmpty)
            // Officers see no profile requests at all.
            let olga = try await FourEyesPageTests.signIn(client, "olga")
            #expect(!String(buffer: try await olga.get("/approvals").body).contains("caspian"))
            #expect(try await olga.post("/approvals/1/approve", ["csrf": Browser.csrf(try await olga.get("/approvals"))]).status == .notFound)

            let boris = try await FourEyesPageTests.signIn(client, "boris")
            let list = try await boris.get("/approvals")
            #expect(String(buffer: list.body).contains(">Approve<"))
            #expect(try await boris.post("/approvals/1/approve", ["csrf": Browser.csrf(list), "note": "rule checked"]).status == .seeOther)
            #expect(try await store.activeProfiles().map { "\($0.profile.name)@\($0.version)" } == ["caspian@2"])
            #expect(String(buffer: try await boris.get("/approvals").body).contains("Approved"))
        }
    }

    @Test("an officer releases or selects a target only with a written reason; a red-lane release waits for the unit's supervisor; the dashboard counts overrides by user")
    func overrides() async throws {
        try await withSeededWorkspace(prepare: FourEyesPageTests.addDeciders) { client, store in
            let targets = try await store.targets(unit: "ALA", day: FourEyesPageTests.day, includeReleased: true)
            let (red, yellow, green) = (targets[0], targets[1], targets[2])
            let olga = try await FourEyesPageTests.signIn(client, "olga")
            let redPage = try await olga.get("/consignments/\(red.consignmentID)")
            let redText = String(buffer: redPage.body)
            #expect(redText.contains("Release without a control") && redText.contains("only when a supervisor of the unit approves"))
            func decide(_ b: Browser, _ t: Target, _ action: String, _ reason: String, csrf: String) async throws -> TestResponse {
                try await b.post("/consignments/\(t.consignmentID)/override",
                                 ["csrf": csrf, "unit": "ALA", "day": FourEyesPageTests.day.description, "action": action, "reason": reason])
            }
            let csrf = Browser.csrf(redPage)
            let asked = try await decide(olga, red, "release", "controlled yesterday at Khorgos, seals intact", csrf: csrf)
            #expect(asked.status == .seeOther && asked.headers[.location] == "/approvals")
            func queue() async throws -> [String] { try await store.targets(unit: "ALA", day: FourEyesPageTests.day).map(\.documentNumber) }
            #expect(try await queue() == ["BL-ALA-1", "BL-ALA-2"])
            #expect(String(buffer: try await olga.get("/consignments/\(red.consignmentID)").body).contains("Waiting for a decision:"))

            let short = try await decide(olga, yellow, "release", "ok", csrf: csrf)
            #expect(short.status == .badRequest && String(buffer: short.body).contains("at least 10 characters"))
            #expect(try await decide(olga, yellow, "release", "documents and seals checked at the gate", csrf: csrf).status == .seeOther)
            #expect(try await decide(olga, green, "select", "driver nervous, cargo smells of solvent", csrf: csrf).status == .seeOther)
            // An officer of another unit cannot decide on Almaty's targets.
            let timur = try await FourEyesPageTests.signIn(client, "timur")
            #expect(try await decide(timur, green, "release", "not mine to decide anyway", csrf: Browser.csrf(try await timur.get("/queue"))).status == .notFound)

            let sergei = try await FourEyesPageTests.signIn(client, "sergei")
            let list = try await sergei.get("/approvals")
            #expect(String(buffer: list.body).contains("controlled yesterday at Khorgos"))
            #expect(try await sergei.post("/approvals/1/approve", ["csrf": Browser.csrf(list)]).status == .seeOther)
            #expect(try await queue() == ["BL-ALA-3"])
            let shown = String(buffer: try await olga.get("/consignments/\(red.consignmentID)").body)
            #expect(shown.contains("Released without a control") && shown.contains("Request 1"))

            // A control of the selected document finds something: the dashboard shows it against Olga's selections.
            _ = try await store.recordInspection(InspectionResult(kind: .billOfLading, documentNumber: "BL-ALA-3", unit: "ALA", date: FourEyesPageTests.day,
                                                                  outcome: .seizure, method: .physical, recordedBy: "olga",
                                                                  seizures: [SeizureLine(category: .precursors, goods: "acetic anhydride", quantity: 200, unit: "l")]))
            let dashboard = String(buffer: try await sergei.get("/overrides").body)
            #expect(dashboard.contains("<td>olga</td><td class=\"num\">2</td><td class=\"num\">1</td><td class=\"num\">0</td><td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">100%</td>"),
                    "\(dashboard)")
            #expect(dashboard.contains("driver nervous, cargo smells of solvent"))
            #expect(try await olga.get("/overrides").status == .forbidden)
            #expect(try await store.verifyAudit().isIntact)
        }
    }

    @Test("an administrator's change of a unit's capacity waits for a second person; the other settings are saved at once")
    func capacity() async throws {
        try await withSeededWorkspace(prepare: FourEyesPageTests.addDeciders) { client, store in
            let root = try await FourEyesPageTests.signIn(client, "root")
            let form = try await root.get("/admin/units/ALA")
            let fields = ["csrf": Browser.csrf(form), "code": "ALA", "name": "Almaty airport ACCU", "kind": "accu", "country": "KZ",
                          "locations": "KZALA", "capacity": "5", "control_share": "10"]
            let unreasoned = try await root.post("/admin/units", fields)
            #expect(unreasoned.status == .badRequest && String(buffer: unreasoned.body).contains("needs a reason"))
            var reasoned = fields
            reasoned["reason"] = "a second scanner is in service"
            let saved = try await root.post("/admin/units", reasoned)
            #expect(saved.status == .seeOther && saved.headers[.location] == "/approvals")
            var unit = try await store.unit("ALA")
            #expect(unit.name == "Almaty airport ACCU" && unit.capacity == .count(2))
            #expect(String(buffer: try await root.get("/admin/units/ALA").body).contains("Waiting for a decision:"))
            let sergei = try await FourEyesPageTests.signIn(client, "sergei")
            let list = try await sergei.get("/approvals")
            #expect(String(buffer: list.body).contains("ALA capacity 5, control share 10%"))
            #expect(try await sergei.post("/approvals/1/approve", ["csrf": Browser.csrf(list)]).status == .seeOther)
            unit = try await store.unit("ALA")
            #expect(unit.capacity == .count(5) && unit.controlSharePercent == 10)
        }
    }
}
