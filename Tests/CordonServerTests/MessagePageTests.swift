import AsyncHTTPClient
import CordonCore
import CordonExchange
@testable import CordonServer
import CordonStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TestSupport

@Suite("Messages between units in the workspace")
struct MessagePageTests {
    static let password = "correct horse battery"

    /// The seeded workspace as node kz-node, with its key.
    func withNode(_ kind: TestDatabases.Kind, _ body: @Sendable (any TestClientProtocol, Store) async throws -> Void) async throws {
        let node = NodeIdentity()
        try await withSeededWorkspace(kind, settings: ServerSettings(port: 0, identity: node), prepare: { store in
            try await store.setNodeIdentity(name: "kz-node", country: "KZ", publicKey: node.publicKeyBase64)
        }, body)
    }

    func signIn(_ client: any TestClientProtocol, _ user: String) async throws -> Browser {
        let b = Browser(client)
        let r = try await b.post("/login", ["username": user, "password": MessagePageTests.password])
        #expect(r.status == .seeOther, "sign-in of \(user)")
        return b
    }

    @Test("an alert from a consignment page reaches the other unit, flags its queue when the container arrives, is acknowledged, and the seizure goes back to the sender",
          arguments: TestDatabases.available)
    func alertToResult(kind: TestDatabases.Kind) async throws {
        try await withNode(kind) { client, store in
            let day = CalendarDate(year: 2026, month: 11, day: 20)!
            let ala2 = try #require(try await store.currentConsignmentID("BL-ALA-2", kind: .billOfLading))
            let olga = try await signIn(client, "olga")
            let page = String(buffer: try await olga.get("/consignments/\(ala2)").body)
            #expect(page.contains("/messages/new?consignment=\(ala2)&amp;kind=alert"))
            let form = try await olga.get("/messages/new?consignment=\(ala2)&kind=alert")
            let html = String(buffer: form.body)
            #expect(form.status == .ok && html.contains(#"value="HLBU0732480" checked"#))
            // Names of parties leave the node only when ticked: not ticked by default.
            #expect(html.contains(#"value="parties">"#) && !html.contains(#"value="parties" checked"#))
            // A unit code nobody has is refused with the reason, the form kept.
            let wrong = try await olga.post("/messages", pairs: [
                ("csrf", Browser.csrf(form)), ("unit", "ALA"), ("kind", "alert"), ("priority", "urgent"), ("language", "en"),
                ("channel", "unit"), ("node", "kz-node"), ("unit_code", "NOPE"), ("subject", "Cigarettes"), ("consignment", "\(ala2)"),
                ("containers[]", "HLBU0732480"),
            ])
            #expect(wrong.status == .badRequest && String(buffer: wrong.body).contains("no unit NOPE on this node"))
            let sent = try await olga.post("/messages", pairs: [
                ("csrf", Browser.csrf(form)), ("unit", "ALA"), ("kind", "alert"), ("priority", "urgent"), ("language", "en"),
                ("channel", "unit"), ("node", "kz-node"), ("unit_code", "tas"), ("subject", "Cigarettes under cover load"),
                ("text", "X-ray image shows cartons behind the front row."), ("consignment", "\(ala2)"),
                ("containers[]", "HLBU0732480"), ("share[]", "document"), ("share[]", "route"), ("share[]", "eta"), ("share[]", "goods"),
            ])
            #expect(sent.status == .seeOther)
            let thread = try #require(sent.headers[.location])
            let alertID = String(thread.dropFirst("/messages/".count))
            let shown = String(buffer: try await olga.get(thread).body)
            #expect(shown.contains("Cigarettes under cover load") && shown.contains("HLBU0732480") && shown.contains("CNSHA → AEJEA → KZALA"))
            #expect(!shown.contains("Almaty Foods"))
            #expect(try await store.mailbox(units: ["ALA"], box: .outbox).map(\.message.id) == [alertID])
            // Logged with the message, in the same transaction.
            #expect(try await store.auditEntries(AuditFilter(actor: "olga", action: "send_message")).map(\.subject) == [alertID])

            // Timur of Tashkent: one unread message, counted in the event stream too.
            let timur = try await signIn(client, "timur")
            let inbox = String(buffer: try await timur.get("/messages").body)
            #expect(inbox.contains("Cigarettes under cover load") && inbox.contains(#"<tr class="unread">"#))
            #expect(try await firstEvent(client, cookies: timur.cookies) == "event: unread\ndata: 1")
            // Olga's own units see nothing of Tashkent's inbox; the analyst reads every unit's messages.
            #expect(try await olga.get("/messages?unit=TAS").status == .ok)
            #expect(!String(buffer: try await olga.get("/messages?unit=TAS").body).contains(#"<tr class="unread">"#))

            // The container arrives in Tashkent's cargo data: the day, scored before, is scored again with the alert on top.
            let issued = APITokens.issue()
            _ = try await store.createToken(username: "ana", name: "test", tokenHash: issued.hash, expires: nil, by: "admin")
            let api = APIClient(client: client, token: issued.token)
            let intake = try await api.call(.post, "/api/v1/consignments", ["consignments": [[
                "kind": "bl", "document_number": "BL-TAS-2", "date": "2026-11-20",
                "route": ["place_of_loading": "KZALA", "place_of_discharge": "UZTAS"],
                "containers": [["number": "HLBU0732480"]],
            ]]])
            #expect(intake.status == .ok)
            let tas2 = try #require(try await store.currentConsignmentID("BL-TAS-2", kind: .billOfLading))
            let targets = try await store.targets(unit: "TAS", day: day)
            let flagged = try #require(targets.first { $0.consignmentID == tas2 })
            #expect(flagged.lane == .red && flagged.selection == .mandatory && flagged.rank == 1)
            #expect(flagged.reasons.first?.code == "alert" && flagged.reasons.first?.values["message"] == alertID)
            let queue = String(buffer: try await timur.get("/queue?unit=TAS&date=2026-11-20").body)
            #expect(queue.contains("BL-TAS-2") && queue.contains("alert from ALA (kz-node) on container HLBU0732480"))

            // Timur acknowledges, controls and records a seizure: the result goes back to Almaty by itself.
            let opened = try await timur.get(thread)
            #expect(String(buffer: opened.body).contains(#"value="controlling""#))
            #expect(try await store.unreadCounts(units: ["TAS"]).isEmpty)
            let ack = try await timur.post("\(thread)/reply", ["csrf": Browser.csrf(opened), "unit": "TAS", "action": "controlling"])
            #expect(ack.status == .seeOther)
            #expect(try await store.boxes(of: alertID, units: ["ALA"]).first?.state == "controlling")
            let consignment = try await timur.get("/consignments/\(tas2)")
            let recorded = try await timur.post("/consignments/\(tas2)/result", pairs: [
                ("csrf", Browser.csrf(consignment)), ("unit", "TAS"), ("outcome", "seizure"), ("method", "physical"),
                ("s_category[]", "tobacco"), ("s_goods[]", "Cigarettes"), ("s_quantity[]", "9500"), ("s_unit[]", "sticks"),
                ("s_concealment[]", "behind cover load"), ("s_value[]", ""), ("notes", "Found behind the front row"),
            ])
            #expect(recorded.status == .seeOther)
            #expect(try await store.boxes(of: alertID, units: ["ALA"]).first?.state == "result:seizure")
            let outbox = String(buffer: try await olga.get("/messages?box=out").body)
            #expect(outbox.contains("Seizure"))
            let back = String(buffer: try await olga.get(thread).body)
            #expect(back.contains("Result of control") && back.contains("Cigarettes") && back.contains("9,500"))
            #expect(try await store.unreadCounts(units: ["ALA"]) == [:])

            // In Russian, the alert reason and the labels too.
            _ = try await timur.post("/language", ["csrf": Browser.csrf(opened), "lang": "ru"])
            let russian = String(buffer: try await timur.get("/queue?unit=TAS&date=2026-11-20").body)
            #expect(russian.contains("ориентировка от ALA (kz-node) по контейнеру HLBU0732480"))
            #expect(String(buffer: try await timur.get("/messages").body).contains("Входящие"))
        }
    }

    @Test("who may: an auditor reads but does not send, an administrator sees no messages, a node without a key sends nothing")
    func access() async throws {
        try await withSeededWorkspace(prepare: { store in
            _ = try await store.createUser(User(username: "aud", displayName: "Auditor", role: .auditor, agency: "customs", units: []),
                                           passwordHash: fixturePasswordHash)
            _ = try await store.createUser(User(username: "adm", displayName: "Admin", role: .admin, agency: "customs", units: []),
                                           passwordHash: fixturePasswordHash)
        }) { client, _ in
            let auditor = try await signIn(client, "aud")
            #expect(try await auditor.get("/messages").status == .ok)
            #expect(try await auditor.get("/messages/new").status == .forbidden)
            let admin = try await signIn(client, "adm")
            #expect(try await admin.get("/messages").status == .forbidden)
            // No identity: the boxes say so and the form cannot be used.
            let olga = try await signIn(client, "olga")
            #expect(String(buffer: try await olga.get("/messages").body).contains("no identity"))
            #expect(try await olga.get("/messages/new").status == .serviceUnavailable)
        }
    }

    /// The first event of /messages/events for a signed-in browser.
    func firstEvent(_ client: any TestClientProtocol, cookies: [String: String]) async throws -> String {
        let port = try #require(client.port)
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/messages/events")
        request.headers.add(name: "Cookie", value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        #expect(response.headers.first(name: "Content-Type") == "text/event-stream")
        var text = ""
        for try await chunk in response.body {
            text += String(buffer: chunk)
            if text.contains("\n\n") { break }
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
