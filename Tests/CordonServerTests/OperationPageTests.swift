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
                                           passwordHash: Passwords.hash(password))
            _ = try await store.createUser(User(username: "berik", displayName: "Berik", role: .officer, agency: "customs", units: ["AKT"]),
                                           passwordHash: Passwords.hash(password))
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
                ("from", "2026-11-15"), ("until", "2026-12-31"), ("hs_prefixes", "2402, 2403"), ("categories[]", "tobacco"),
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

            // Berik's unit is not in it: no operation, no board, no channel.
            let berik = try await signIn("berik")
            #expect(!String(buffer: try await berik.get("/operations").body).contains("Steppe tobacco"))
            #expect(try await berik.get("/operations/STEPPE-TOBACCO").status == .notFound)
            let his = try await berik.get("/messages/new")
            let refused = try await berik.post("/messages", ["csrf": Browser.csrf(his), "unit": "AKT", "kind": "free", "channel": "operation",
                                                             "operation": "STEPPE-TOBACCO", "subject": "let me in"])
            #expect(refused.status == .badRequest && String(buffer: refused.body).contains("does not take part"))
        }
    }
}
