import CordonCore
import CordonServer
import CordonStore
import Foundation
import HummingbirdTesting
import Testing
import TestSupport

@Suite("Session revocation")
struct SessionPageTests {
    /// The session ids on the account page, the current one first.
    static func sessionIDs(_ page: TestResponse) -> (current: String?, others: [String]) {
        let html = String(buffer: page.body)
        let others = html.components(separatedBy: #"<input type="hidden" name="id" value=""#).dropFirst().map { String($0.prefix { $0 != "\"" }) }
        return (html.contains("this session") ? "current" : nil, others)
    }

    @Test("a user sees their sessions with where they were opened and signs out another; an administrator ends all of a user's sessions",
          arguments: TestDatabases.available)
    func revoke(kind: TestDatabases.Kind) async throws {
        try await withSeededWorkspace(kind, prepare: { store in
            _ = try await store.createUser(User(username: "root", displayName: "Node admin", role: .admin, agency: "customs", units: []),
                                           passwordHash: fixturePasswordHash)
        }) { client, store in
            let office = Browser(client), home = Browser(client)
            for b in [office, home] {
                #expect(try await b.post("/login", ["username": "olga", "password": "correct horse battery"]).status == .seeOther)
            }
            let page = try await office.get("/password")
            let html = String(buffer: page.body)
            #expect(html.contains("Signed-in sessions") && html.contains("127.0.0.1"))
            let ids = Self.sessionIDs(page)
            #expect(ids.current != nil && ids.others.count == 1)
            let other = try #require(ids.others.first)

            // Signing out the other browser ends it, not this one; a made-up id ends nothing.
            let none = try await office.post("/sessions/end", ["csrf": Browser.csrf(page), "id": "0123456789ab"])
            #expect(String(buffer: none.body).contains("Sessions ended: 0."))
            #expect(try await office.post("/sessions/end", ["csrf": "", "id": other]).status == .forbidden)
            let ended = try await office.post("/sessions/end", ["csrf": Browser.csrf(page), "id": other])
            #expect(String(buffer: ended.body).contains("Sessions ended: 1."))
            #expect(try await home.get("/queue").status == .seeOther)
            #expect(try await office.get("/queue").status == .ok)
            #expect(Self.sessionIDs(try await office.get("/password")).others.isEmpty)

            // "Everywhere else" ends all the others at once.
            let phone = Browser(client), tablet = Browser(client)
            for b in [phone, tablet] { try await b.post("/login", ["username": "olga", "password": "correct horse battery"]) }
            let account = try await office.get("/password")
            #expect(Self.sessionIDs(account).others.count == 2)
            #expect(String(buffer: try await office.post("/sessions/end", ["csrf": Browser.csrf(account)]).body).contains("Sessions ended: 2."))
            let phoneQueue = try await phone.get("/queue"), tabletQueue = try await tablet.get("/queue")
            #expect(phoneQueue.status == .seeOther && tabletQueue.status == .seeOther)

            // The administrator ends every session of olga's, keeping their own.
            let root = Browser(client)
            try await root.post("/login", ["username": "root", "password": "correct horse battery"])
            let form = try await root.get("/admin/users/olga")
            #expect(String(buffer: form.body).contains(#"<span id="live-sessions">1</span>"#))
            #expect(try await root.post("/admin/users/olga/sessions/end", ["csrf": Browser.csrf(form)]).status == .seeOther)
            #expect(try await office.get("/queue").status == .seeOther)
            #expect(try await root.get("/admin").status == .ok)
            #expect(try await olgaCannotEndOthers(client))

            let log = try await store.auditEntries(AuditFilter(action: "end_sessions"))
            #expect(log.map(\.actor).sorted() == ["olga", "olga", "olga", "root"])
            #expect(log.contains { $0.actor == "root" && $0.subject == "olga" && $0.details == "1 ended by an administrator" })
        }
    }

    /// An officer cannot end someone else's sessions through the administration route.
    func olgaCannotEndOthers(_ client: any TestClientProtocol) async throws -> Bool {
        let olga = Browser(client)
        try await olga.post("/login", ["username": "olga", "password": "correct horse battery"])
        let page = try await olga.get("/password")
        return try await olga.post("/admin/users/ana/sessions/end", ["csrf": Browser.csrf(page)]).status == .forbidden
    }
}
