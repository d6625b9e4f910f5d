import CordonCore
import CordonServer
import CordonStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// A store with two units, three documents for Almaty on one day (two selected, one released), one document
/// for Tashkent, and three users: an officer of each unit and an analyst.
func seededStore(_ kind: TestDatabases.Kind, in dir: TemporaryDirectory) async throws -> Store {
    let store = try await Store.open(try await TestDatabases.fresh(kind, in: dir))
    let day = CalendarDate(year: 2026, month: 11, day: 20)!
    func bl(_ number: String, _ place: String, _ container: String, consignee: String) -> Consignment {
        Consignment(kind: .billOfLading, documentNumber: number, date: day, route: Route(placeOfLoading: "CNSHA", transshipment: ["AEJEA"], placeOfDischarge: place),
                    parties: [Party(role: .consignee, name: consignee)],
                    goods: [GoodsItem(sequence: 1, hsCode: "240220", description: "Cigarettes", grossMassKg: 1200)],
                    containers: [Container(number: container, sizeType: "22G1", seals: ["SL1"])])
    }
    _ = try await store.commit(IntakeBatch(source: SourceFile(name: "m.csv", fingerprint: "f", format: "manifest"), consignments: [
        bl("BL-ALA-1", "KZALA", "MSCU0759544", consignee: "ТОО Каспий Транс"), bl("BL-ALA-2", "KZALA", "HLBU0732480", consignee: "Almaty Foods"),
        bl("BL-ALA-3", "KZALA", "MAEU6139840", consignee: "Steppe Trade"), bl("BL-TAS-1", "UZTAS", "MSCU5986469", consignee: "Tashkent Co"),
    ]))
    try await store.saveUnit(ControlUnit(code: "ALA", name: "Almaty ACCU", kind: .accu, country: "KZ", locations: ["KZALA"], capacity: .count(2)))
    try await store.saveUnit(ControlUnit(code: "TAS", name: "Tashkent PCU", kind: .pcu, country: "UZ", locations: ["UZTAS"], capacity: .count(1)))
    for (unit, selections) in [("ALA", [SelectionReason.mandatory, .targeted, .released]), ("TAS", [.targeted])] {
        let docs = try await store.consignments(for: try await store.unit(unit), on: day)
        let targets = zip(docs, selections).enumerated().map { i, pair in
            Target(consignmentID: pair.0.id, kind: .billOfLading, documentNumber: pair.0.consignment.documentNumber, rank: i + 1,
                   score: 0.9 - Double(i) * 0.3, lane: i == 0 ? .red : (i == 1 ? .yellow : .green), selection: pair.1,
                   reasons: ["reason of \(pair.0.consignment.documentNumber)"], profiles: [])
        }
        try await store.replaceTargets(unit: unit, day: day, targets: targets, modelVersion: nil)
    }
    let hash = Passwords.hash("correct horse battery")
    _ = try await store.createUser(User(username: "olga", displayName: "Olga Petrova", role: .officer, agency: "customs", units: ["ALA"]), passwordHash: hash)
    _ = try await store.createUser(User(username: "timur", displayName: "Timur", role: .officer, agency: "police", units: ["TAS"]), passwordHash: hash)
    _ = try await store.createUser(User(username: "ana", displayName: "Ana", role: .analyst, agency: "customs", units: []), passwordHash: hash)
    return store
}

/// A browser's part: cookies kept across requests, forms posted url-encoded.
final class Browser: @unchecked Sendable {
    // @unchecked: one test drives one browser, sequentially.
    let client: any TestClientProtocol
    var cookies: [String: String] = [:]

    init(_ client: any TestClientProtocol) { self.client = client }

    @discardableResult
    func get(_ uri: String) async throws -> TestResponse {
        try await send(uri, .get, body: nil)
    }

    @discardableResult
    func post(_ uri: String, _ form: [String: String]) async throws -> TestResponse {
        let body = form.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        return try await send(uri, .post, body: body)
    }

    func send(_ uri: String, _ method: HTTPRequest.Method, body: String?) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if !cookies.isEmpty { headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        if body != nil { headers[.contentType] = "application/x-www-form-urlencoded" }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        for header in response.headers[values: .setCookie] {
            let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            if pair.count == 2 { cookies[String(pair[0])] = pair[1].isEmpty ? nil : String(pair[1]) }
        }
        return response
    }

    /// The CSRF token of the last page.
    static func csrf(_ page: TestResponse) -> String {
        let html = String(buffer: page.body)
        guard let range = html.range(of: #"name="csrf" value=""#) else { return "" }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }
}

@Suite("The workspace in a browser's shoes")
struct WorkspaceTests {
    func withWorkspace(_ kind: TestDatabases.Kind, _ body: @Sendable (any TestClientProtocol, Store) async throws -> Void) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try await seededStore(kind, in: dir)
        let app = try await NodeServer.application(store: store, settings: ServerSettings(port: 0))
        do {
            try await app.test(.live) { client in try await body(client, store) }
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    @Test("sign-in: refused with a wrong password or an unknown user, then a secure session cookie", arguments: TestDatabases.available)
    func signIn(kind: TestDatabases.Kind) async throws {
        try await withWorkspace(kind) { client, _ in
            let b = Browser(client)
            let anonymous = try await b.get("/queue")
            #expect(anonymous.status == .seeOther && anonymous.headers[.location] == "/login")
            let login = try await b.get("/login")
            #expect(login.status == .ok && String(buffer: login.body).contains(#"name="password""#))
            for (user, password) in [("olga", "wrong password!"), ("nobody", "correct horse battery")] {
                let refused = try await b.post("/login", ["username": user, "password": password])
                #expect(refused.status == .unauthorized && String(buffer: refused.body).contains("Wrong username or password."))
            }
            #expect(b.cookies["cordon_session"] == nil)
            let ok = try await b.post("/login", ["username": "olga", "password": "correct horse battery"])
            #expect(ok.status == .seeOther && ok.headers[.location] == "/queue")
            let cookie = try #require(ok.headers[values: .setCookie].first { $0.hasPrefix("cordon_session=") })
            #expect(cookie.contains("HttpOnly") && cookie.contains("Secure") && cookie.contains("SameSite=Strict"))

            let queue = try await b.get("/queue")
            #expect(queue.status == .ok)
            #expect(queue.headers[.contentSecurityPolicy]?.hasPrefix("default-src 'self'") == true)
            #expect(queue.headers[.cacheControl] == "no-store")
            // Sign-out revokes the session on the server, not only in the browser.
            let stolen = b.cookies
            let out = try await b.post("/logout", ["csrf": Browser.csrf(queue)])
            #expect(out.status == .seeOther)
            b.cookies = stolen
            #expect(try await b.get("/queue").status == .seeOther)
        }
    }

    @Test("an officer's queue: selected targets of their unit, filters, search, and nothing of other units",
          arguments: TestDatabases.available)
    func queue(kind: TestDatabases.Kind) async throws {
        try await withWorkspace(kind) { client, store in
            let b = Browser(client)
            try await b.post("/login", ["username": "olga", "password": "correct horse battery"])
            let html = String(buffer: try await b.get("/queue?date=2026-11-20").body)
            #expect(html.contains("BL-ALA-1") && html.contains("BL-ALA-2") && !html.contains("BL-ALA-3"))
            #expect(html.contains("reason of BL-ALA-1") && html.contains("MSCU0759544") && html.contains("CNSHA → AEJEA → KZALA"))
            #expect(!html.contains("BL-TAS-1") && !html.contains("Tashkent PCU"))
            #expect(html.utf8.count < 100_000)
            // Compressed for browsers that accept it (every one does), a fraction of the bytes.
            var headers: HTTPFields = [.cookie: b.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")]
            headers[.acceptEncoding] = "gzip, deflate"
            let gz = try await client.execute(uri: "/queue?date=2026-11-20", method: .get, headers: headers)
            #expect(gz.headers[.contentEncoding] == "gzip" && gz.headers[.vary] == "Accept-Encoding")
            #expect(gz.body.getBytes(at: gz.body.readerIndex, length: 2) == [0x1f, 0x8b])
            #expect(gz.body.readableBytes * 2 < html.utf8.count, "\(gz.body.readableBytes) of \(html.utf8.count) bytes")
            let all = String(buffer: try await b.get("/queue?date=2026-11-20&all=1").body)
            #expect(all.contains("BL-ALA-3"))
            let red = String(buffer: try await b.get("/queue?date=2026-11-20&lane=red").body)
            #expect(red.contains("BL-ALA-1") && !red.contains("BL-ALA-2"))
            let search = String(buffer: try await b.get("/queue?date=2026-11-20&q=hlbu0732480").body)
            #expect(search.contains("BL-ALA-2") && !search.contains("BL-ALA-1"))
            let cyrillic = String(buffer: try await b.get("/queue?date=2026-11-20&q=%D0%BA%D0%B0%D1%81%D0%BF%D0%B8%D0%B9").body)
            #expect(cyrillic.contains("BL-ALA-1") && !cyrillic.contains("BL-ALA-2"))
            // Asking for another unit's queue shows one's own.
            #expect(!String(buffer: try await b.get("/queue?unit=TAS&date=2026-11-20").body).contains("BL-TAS-1"))
            // Another unit's consignment is not found; an analyst sees every unit's.
            let tas = try await store.consignments(for: try await store.unit("TAS"), on: CalendarDate(year: 2026, month: 11, day: 20)!)
            #expect(try await b.get("/consignments/\(tas[0].id)").status == .notFound)
            let analyst = Browser(client)
            try await analyst.post("/login", ["username": "ana", "password": "correct horse battery"])
            #expect(String(buffer: try await analyst.get("/queue?unit=TAS&date=2026-11-20").body).contains("BL-TAS-1"))
            #expect(try await analyst.get("/consignments/\(tas[0].id)").status == .ok)
        }
    }

    @Test("the consignment page explains the score; a result needs the form's token and is stored",
          arguments: TestDatabases.available)
    func result(kind: TestDatabases.Kind) async throws {
        try await withWorkspace(kind) { client, store in
            let b = Browser(client)
            try await b.post("/login", ["username": "olga", "password": "correct horse battery"])
            let ala = try await store.consignments(for: try await store.unit("ALA"), on: CalendarDate(year: 2026, month: 11, day: 20)!)
            let id = try #require(ala.first { $0.consignment.documentNumber == "BL-ALA-1" }?.id)
            let page = try await b.get("/consignments/\(id)")
            let html = String(buffer: page.body)
            #expect(page.status == .ok && html.contains("reason of BL-ALA-1") && html.contains("ТОО Каспий Транс") && html.contains("SL1"))
            let form = ["unit": "ALA", "outcome": "seizure", "method": "physical", "notes": "cigarettes behind a false wall", "revenue": "1 250,50"]
            #expect(try await b.post("/consignments/\(id)/result", form.merging(["csrf": "forged"]) { $1 }).status == .forbidden)
            #expect(try await b.post("/consignments/\(id)/result", form).status == .forbidden)
            #expect(try await store.inspections(of: "BL-ALA-1", kind: .billOfLading).isEmpty)
            let saved = try await b.post("/consignments/\(id)/result", form.merging(["csrf": Browser.csrf(page)]) { $1 })
            #expect(saved.status == .seeOther)
            let results = try await store.inspections(of: "BL-ALA-1", kind: .billOfLading)
            #expect(results.map(\.outcome) == [.seizure] && results.first?.recordedBy == "olga" && results.first?.revenue == 1250.5)
            #expect(String(buffer: try await b.get("/consignments/\(id)").body).contains("cigarettes behind a false wall"))
            // A result for a unit the officer is not in is refused.
            let other = try await b.post("/consignments/\(id)/result", form.merging(["csrf": Browser.csrf(page), "unit": "TAS"]) { $1 })
            #expect(other.status == .forbidden)
        }
    }

    @Test("Russian: every label, and dates as 20.11.2026; the choice is kept for the user")
    func russian() async throws {
        try await withWorkspace(.sqlite) { client, _ in
            let b = Browser(client)
            let login = try await b.post("/language", ["lang": "ru", "back": "/login"])
            #expect(login.status == .seeOther && login.headers[.location] == "/login")
            #expect(String(buffer: try await b.get("/login").body).contains("Имя пользователя"))
            try await b.post("/login", ["username": "olga", "password": "correct horse battery"])
            let queue = try await b.get("/queue?date=2026-11-20")
            try await b.post("/language", ["lang": "ru", "csrf": Browser.csrf(queue), "back": "/queue?date=2026-11-20"])
            let html = String(buffer: try await b.get("/queue?date=2026-11-20").body)
            #expect(html.contains("<html lang=\"ru\">") && html.contains("Цели") && html.contains("20.11.2026") && html.contains("Красный"))
            // The user's language follows them to a new browser.
            let other = Browser(client)
            try await other.post("/login", ["username": "olga", "password": "correct horse battery"])
            #expect(String(buffer: try await other.get("/queue").body).contains("Выйти"))
        }
    }

    @Test("changing the password needs the current one, follows the policy and signs out other sessions")
    func password() async throws {
        try await withWorkspace(.sqlite) { client, _ in
            let desk = Browser(client), phone = Browser(client)
            try await desk.post("/login", ["username": "olga", "password": "correct horse battery"])
            try await phone.post("/login", ["username": "olga", "password": "correct horse battery"])
            let page = try await desk.get("/password")
            let csrf = Browser.csrf(page)
            let wrong = try await desk.post("/password", ["csrf": csrf, "current": "nope", "new": "a new passphrase", "repeated": "a new passphrase"])
            #expect(wrong.status == .badRequest && String(buffer: wrong.body).contains("The current password is wrong."))
            let weak = try await desk.post("/password", ["csrf": csrf, "current": "correct horse battery", "new": "short", "repeated": "short"])
            #expect(weak.status == .badRequest && String(buffer: weak.body).contains("at least 10 characters"))
            let ok = try await desk.post("/password", ["csrf": csrf, "current": "correct horse battery", "new": "a new passphrase", "repeated": "a new passphrase"])
            #expect(ok.status == .ok && String(buffer: ok.body).contains("Password changed."))
            #expect(try await desk.get("/queue").status == .ok)
            #expect(try await phone.get("/queue").status == .seeOther)
            let again = Browser(client)
            #expect(try await again.post("/login", ["username": "olga", "password": "correct horse battery"]).status == .unauthorized)
            #expect(try await again.post("/login", ["username": "olga", "password": "a new passphrase"]).status == .seeOther)
        }
    }

    @Test("the stylesheet is cached and revalidated; health answers without a session")
    func staticFiles() async throws {
        try await withWorkspace(.sqlite) { client, _ in
            let b = Browser(client)
            let css = try await b.get("/static/cordon.css")
            #expect(css.status == .ok && css.headers[.cacheControl] == "public, max-age=86400")
            let etag = try #require(css.headers[.eTag])
            let again = try await client.execute(uri: "/static/cordon.css", method: .get, headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified)
            #expect(try await b.get("/health").status == .ok)
        }
    }
}
