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

@Suite("Administration pages")
struct AdminPageTests {
    @Test("an administrator manages units and users: checked like the command line, disabling ends sessions, unlocking, no self-lockout",
          arguments: TestDatabases.available)
    func administration(kind: TestDatabases.Kind) async throws {
        try await withSeededWorkspace(kind, prepare: { store in
            _ = try await store.createUser(User(username: "root", displayName: "Node admin", role: .admin, agency: "customs", units: []),
                                           passwordHash: fixturePasswordHash)
        }) { client, store in
            let olga = Browser(client)
            try await olga.post("/login", ["username": "olga", "password": "correct horse battery"])
            #expect(try await olga.get("/admin").status == .forbidden)
            #expect(try await olga.post("/admin/units", ["code": "X"]).status == .forbidden)

            let root = Browser(client)
            try await root.post("/login", ["username": "root", "password": "correct horse battery"])
            let overview = try await root.get("/admin")
            let html = String(buffer: overview.body)
            #expect(overview.status == .ok && html.contains("Almaty ACCU") && html.contains("olga") && html.contains("police"))
            let csrf = Browser.csrf(overview)
            let unit = ["csrf": csrf, "code": "KZ-AKT-PCU", "name": "Aktau port PCU", "kind": "pcu", "country": "kz",
                        "locations": "KZAAU, 50501", "capacity": "10", "control_share": "7,5"]
            #expect(try await root.post("/admin/units", unit.merging(["csrf": ""]) { $1 }).status == .forbidden)
            let badCountry = try await root.post("/admin/units", unit.merging(["country": "XX"]) { $1 })
            #expect(badCountry.status == .badRequest && String(buffer: badCountry.body).contains("not an ISO 3166-1 country code"))
            #expect(String(buffer: badCountry.body).contains(#"value="KZAAU, 50501""#))
            #expect(try await root.post("/admin/units", unit.merging(["capacity": "lots"]) { $1 }).status == .badRequest)
            #expect(try await root.post("/admin/units", unit).status == .seeOther)
            let saved = try await store.unit("KZ-AKT-PCU")
            #expect(saved.country == "KZ" && Set(saved.locations) == ["KZAAU", "50501"] && saved.capacity == .count(10) && saved.controlSharePercent == 7.5)
            #expect(String(buffer: try await root.get("/admin/units/ALA").body).contains(#"value="KZALA""#))
            // A unit with users, targets and results is changed in place.
            // Its capacity changes only with a second person's approval (four-eyes); the rest at once.
            let ala = ["csrf": csrf, "code": "ALA", "name": "Almaty airport ACCU", "kind": "accu", "country": "KZ", "locations": "KZALA",
                       "capacity": "5%", "control_share": "5", "reason": "the airport's night shift is staffed"]
            #expect(try await root.post("/admin/units", ala).status == .seeOther)
            let kept = try await store.unit("ALA")
            #expect(kept.capacity == .count(2) && kept.name == "Almaty airport ACCU")
            #expect(try await store.approvals(status: .pending).map(\.action)
                    == [.changeCapacity(unit: "ALA", capacity: "5%", controlSharePercent: 5)])
            #expect(try await store.targets(unit: "ALA", day: CalendarDate(year: 2026, month: 11, day: 20)!).count == 2)
            #expect(try await root.get("/admin/units/NOPE").status == .notFound)

            // Agencies: once listed, a user belongs to one of them; those in use before are shown too.
            #expect(try await root.post("/admin/agencies", ["csrf": csrf, "code": "customs", "name": "Customs service"]).status == .seeOther)
            let withAgencies = String(buffer: try await root.get("/admin").body)
            #expect(withAgencies.contains("Customs service") && withAgencies.contains("<td>police</td>"))
            #expect(String(buffer: try await root.get("/admin/users/new").body).contains(#"<select name="agency">"#))
            let stranger = try await root.post("/admin/users", ["csrf": csrf, "username": "zed", "display_name": "Zed", "role": "analyst",
                                                                 "agency": "navy", "language": "en", "password": "a long passphrase",
                                                                 "repeated": "a long passphrase"])
            #expect(stranger.status == .badRequest && String(buffer: stranger.body).contains("no agency with code &#39;navy&#39;"))

            let user = ["csrf": csrf, "username": "aliya", "display_name": "Алия Серикова", "role": "officer", "agency": "customs",
                        "language": "ru", "password": "a long passphrase", "repeated": "a long passphrase"]
            #expect(try await root.post("/admin/users", user.merging(["password": "short", "repeated": "short"]) { $1 }).status == .badRequest)
            #expect(try await root.post("/admin/users", user.merging(["username": "bad name"]) { $1 }).status == .badRequest)
            #expect(try await root.post("/admin/users", pairs: user.map { ($0.key, $0.value) } + [("units[]", "ALA"), ("units[]", "KZ-AKT-PCU")]).status == .seeOther)
            let aliya = try #require(try await store.account("aliya")).user
            #expect(aliya.units == ["ALA", "KZ-AKT-PCU"] && aliya.language == .ru && aliya.displayName == "Алия Серикова")
            #expect(try await Browser(client).post("/login", ["username": "aliya", "password": "a long passphrase"]).status == .seeOther)
            #expect(try await root.post("/admin/users", user).status == .badRequest)  // the name is taken

            // Disabling keeps the user and ends their session at once.
            let disable = ["csrf": csrf, "existing": "olga", "username": "olga", "display_name": "Olga Petrova", "role": "officer",
                           "agency": "customs", "language": "en", "disabled": "1"]
            #expect(try await root.post("/admin/users", pairs: disable.map { ($0.key, $0.value) } + [("units[]", "ALA")]).status == .seeOther)
            #expect(try await olga.get("/queue").status == .seeOther)
            #expect(try await Browser(client).post("/login", ["username": "olga", "password": "correct horse battery"]).status == .unauthorized)
            #expect(try await store.account("olga")?.user.disabled == true)
            #expect(String(buffer: try await root.get("/admin").body).contains("disabled"))

            // A locked account is unlocked by an administrator.
            for _ in 0..<5 { try await Browser(client).post("/login", ["username": "timur", "password": "guessing, wrongly"]) }
            #expect(try await Browser(client).post("/login", ["username": "timur", "password": "correct horse battery"]).status == .unauthorized)
            #expect(String(buffer: try await root.get("/admin").body).contains("/admin/users/timur/unlock"))
            #expect(try await root.post("/admin/users/timur/unlock", ["csrf": csrf]).status == .seeOther)
            #expect(try await Browser(client).post("/login", ["username": "timur", "password": "correct horse battery"]).status == .seeOther)

            // No self-lockout.
            let selfDisable = ["csrf": csrf, "existing": "root", "username": "root", "display_name": "Node admin", "role": "analyst",
                               "agency": "customs", "language": "en"]
            let refused = try await root.post("/admin/users", selfDisable)
            #expect(refused.status == .badRequest && String(buffer: refused.body).contains("cannot disable yourself"))
            // An integration needs no password, and cannot use the pages.
            let pcs = ["csrf": csrf, "username": "pcs", "display_name": "Port system", "role": "integration", "agency": "customs", "language": "en"]
            #expect(try await root.post("/admin/users", pcs).status == .seeOther)
            #expect(try await store.account("pcs")?.user.role == .integration)
        }
    }

    @Test("an administrator sees the node's identity and manages its peers: checked like cordon peer add, replaced, removed")
    func peers() async throws {
        let node = NodeIdentity(), peer = NodeIdentity()
        try await withSeededWorkspace(settings: ServerSettings(port: 0, identity: node), prepare: { store in
            try await store.setNodeIdentity(name: "kz-node", country: "KZ", publicKey: node.publicKeyBase64)
            _ = try await store.createUser(User(username: "root", displayName: "Node admin", role: .admin, agency: "customs", units: []),
                                           passwordHash: fixturePasswordHash)
        }) { client, store in
            let olga = Browser(client)
            try await olga.post("/login", ["username": "olga", "password": "correct horse battery"])
            #expect(try await olga.post("/admin/peers", ["name": "x"]).status == .forbidden)
            let root = Browser(client)
            try await root.post("/login", ["username": "root", "password": "correct horse battery"])
            let overview = try await root.get("/admin")
            let html = String(buffer: overview.body)
            #expect(html.contains("kz-node") && html.contains(node.publicKeyBase64) && html.contains("key loaded"))
            let form = ["csrf": Browser.csrf(overview), "name": "uz-node", "country": "uz", "url": "https://cordon.customs.uz",
                        "key": peer.publicKeyBase64]
            let badKey = try await root.post("/admin/peers", form.merging(["key": "not a key"]) { $1 })
            #expect(badKey.status == .badRequest && String(buffer: badKey.body).contains("key:"))
            #expect(try await root.post("/admin/peers", form.merging(["url": "ftp://x"]) { $1 }).status == .badRequest)
            #expect(try await root.post("/admin/peers", form.merging(["csrf": ""]) { $1 }).status == .forbidden)
            #expect(try await root.post("/admin/peers", form).status == .seeOther)
            #expect(try await store.peers().map { "\($0.name) \($0.country) \($0.baseURL)" } == ["uz-node UZ https://cordon.customs.uz"])
            #expect(try await root.post("/admin/peers", form.merging(["url": "https://node.customs.uz"]) { $1 }).status == .seeOther)
            #expect(try await store.peers().map(\.baseURL) == ["https://node.customs.uz"])
            #expect(String(buffer: try await root.get("/admin").body).contains("https://node.customs.uz"))
            #expect(try await root.post("/admin/peers/uz-node/remove", ["csrf": Browser.csrf(overview)]).status == .seeOther)
            #expect(try await store.peers().isEmpty)
            #expect(try await root.post("/admin/peers/uz-node/remove", ["csrf": Browser.csrf(overview)]).status == .notFound)
        }
    }
}
