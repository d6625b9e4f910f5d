import CordonCore
import CordonRisk
import CordonServer
import CordonStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// The hash of the fixtures' password ("correct horse battery"), made once for the whole test process.
let fixturePasswordHash = Passwords.hash("correct horse battery")

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
                   reasons: [.text("reason of \(pair.0.consignment.documentNumber)")], profiles: [])
        }
        try await store.replaceTargets(unit: unit, day: day, targets: targets, modelVersion: nil)
    }
    let hash = fixturePasswordHash
    _ = try await store.createUser(User(username: "olga", displayName: "Olga Petrova", role: .officer, agency: "customs", units: ["ALA"]), passwordHash: hash)
    _ = try await store.createUser(User(username: "timur", displayName: "Timur", role: .officer, agency: "police", units: ["TAS"]), passwordHash: hash)
    _ = try await store.createUser(User(username: "ana", displayName: "Ana", role: .analyst, agency: "customs", units: []), passwordHash: hash)
    return store
}

/// Serves the seeded workspace on a loopback port for `body`; `prepare` adds to the store first. The store is
/// closed afterwards, also when something fails.
func withSeededWorkspace(_ kind: TestDatabases.Kind = .sqlite, settings: ServerSettings = ServerSettings(port: 0),
                         prepare: (Store) async throws -> Void = { _ in },
                         _ body: @Sendable (any TestClientProtocol, Store) async throws -> Void) async throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let store = try await seededStore(kind, in: dir)
    let outcome = await capture {
        try await prepare(store)
        let app = try await NodeServer.application(store: store, settings: settings)
        try await app.test(.live) { client in try await body(client, store) }
    }
    await store.close()
    try outcome.get()
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
        try await post(uri, pairs: form.map { ($0.key, $0.value) })
    }

    /// A form with repeated names (lists), in order.
    @discardableResult
    func post(_ uri: String, pairs: [(String, String)]) async throws -> TestResponse {
        func encode(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "" }
        return try await send(uri, .post, body: pairs.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&"))
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
        try await withSeededWorkspace(kind, body)
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
            // Filters by HS chapter and country of loading; a search for '%' is a search for that character.
            let tobacco = String(buffer: try await b.get("/queue?date=2026-11-20&hs=24&from=cn").body)
            #expect(tobacco.contains("BL-ALA-1") && tobacco.contains("BL-ALA-2") && tobacco.contains(#"value="CN""#))
            #expect(!String(buffer: try await b.get("/queue?date=2026-11-20&hs=09").body).contains("BL-ALA-1"))
            #expect(!String(buffer: try await b.get("/queue?date=2026-11-20&from=AE").body).contains("BL-ALA-1"))
            #expect(!String(buffer: try await b.get("/queue?date=2026-11-20&q=%25").body).contains("BL-ALA-1"))
            #expect(String(buffer: try await b.get("/queue?date=2026-11-20&q=bl-ala-2").body).contains("BL-ALA-2"))
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
            var form = ["unit": "ALA", "outcome": "seizure", "method": "physical", "notes": "cigarettes behind a false wall", "revenue": "1,250.50"]
            #expect(try await b.post("/consignments/\(id)/result", form.merging(["csrf": "forged"]) { $1 }).status == .forbidden)
            #expect(try await b.post("/consignments/\(id)/result", form).status == .forbidden)
            form["csrf"] = Browser.csrf(page)
            // A seizure says what was seized; the refused form comes back as it was typed.
            let bare = try await b.post("/consignments/\(id)/result", form)
            #expect(bare.status == .badRequest && String(buffer: bare.body).contains("A seizure needs at least one line"))
            #expect(String(buffer: bare.body).contains(">cigarettes behind a false wall</textarea>"))
            func lines(_ rows: [[String]]) -> [(String, String)] {
                rows.flatMap { r in zip(["s_category[]", "s_goods[]", "s_quantity[]", "s_unit[]", "s_concealment[]", "s_value[]"], r).map { ($0, $1) } }
            }
            let negative = try await b.post("/consignments/\(id)/result", pairs: form.map { ($0.key, $0.value) }
                + lines([["tobacco", "cigarettes", "-3", "sticks", "", ""]]))
            #expect(negative.status == .badRequest && String(buffer: negative.body).contains("Seizure line 1: the quantity must be a number above zero"))
            let typed = form.map { ($0.key, $0.value) } + lines([["tobacco", "cigarettes", "120,000", "sticks", "false wall", ""],
                                                                 ["cash", "banknotes", "15000", "usd", "", ""], ["drugs", "", "", "", "", ""]])
            #expect(try await store.inspections(of: "BL-ALA-1", kind: .billOfLading).isEmpty)
            let saved = try await b.post("/consignments/\(id)/result", pairs: typed)
            #expect(saved.status == .seeOther)
            let results = try await store.inspections(of: "BL-ALA-1", kind: .billOfLading)
            #expect(results.map(\.outcome) == [.seizure] && results.first?.recordedBy == "olga" && results.first?.revenue == 1250.5)
            // The third line was left blank apart from its category: not a line.
            #expect(results.first?.seizures == [
                SeizureLine(category: .tobacco, goods: "cigarettes", quantity: 120_000, unit: "sticks", concealment: "false wall"),
                SeizureLine(category: .cash, goods: "banknotes", quantity: 15_000, unit: "USD"),
            ])
            let shown = String(buffer: try await b.get("/consignments/\(id)").body)
            #expect(shown.contains("cigarettes behind a false wall") && shown.contains("120,000 sticks") && shown.contains("15,000 USD"))
            // A result for a unit the officer is not in is refused.
            let other = try await b.post("/consignments/\(id)/result", pairs: typed.map { $0.0 == "unit" ? ("unit", "TAS") : $0 })
            #expect(other.status == .forbidden)
        }
    }

    @Test("the seizures register and its CSV: filters, need-to-know, Cyrillic and no spreadsheet formulas",
          arguments: TestDatabases.available)
    func seizures(kind: TestDatabases.Kind) async throws {
        try await withWorkspace(kind) { client, store in
            try await recordSeizures(store)
            let olga = Browser(client)
            try await olga.post("/login", ["username": "olga", "password": "correct horse battery"])
            let html = String(buffer: try await olga.get("/seizures").body)
            #expect(html.contains("героин") && html.contains("=cmd") && html.contains("12.5 kg") && !html.contains("BL-TAS-1"))
            let tobacco = String(buffer: try await olga.get("/seizures?category=tobacco").body)
            #expect(tobacco.contains("cigarettes") && !tobacco.contains("героин"))
            let later = String(buffer: try await olga.get("/seizures?from=2026-11-22").body)
            #expect(later.contains("cigarettes") && !later.contains("героин"))
            // Asking for another unit's seizures gives one's own.
            #expect(!String(buffer: try await olga.get("/seizures?scope=TAS").body).contains("BL-TAS-1"))

            let csv = try await olga.get("/seizures.csv")
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(csv.headers[.contentDisposition]?.hasPrefix("attachment; filename=\"seizures-") == true)
            let text = String(buffer: csv.body)
            let lines = text.split(separator: "\r\n")
            #expect(text.hasPrefix("\u{FEFF}date,unit,document_kind,document,category,goods,quantity,quantity_unit"))
            #expect(lines.count == 4, "\(lines)")
            #expect(lines.contains { $0.hasPrefix("2026-11-21,ALA,bl,BL-ALA-1,drugs,героин,12.5,kg,\"inside the spare tyre, wrapped\",250000,") })
            #expect(lines.contains { $0.contains(",'=cmd|' /C calc'!A0,") })
            #expect(!text.contains("BL-TAS-1"))

            let analyst = Browser(client)
            try await analyst.post("/login", ["username": "ana", "password": "correct horse battery"])
            let all = String(buffer: try await analyst.get("/seizures.csv").body)
            #expect(all.contains("BL-TAS-1") && all.contains("BL-ALA-1"))
            let tas = String(buffer: try await analyst.get("/seizures.csv?scope=TAS").body)
            #expect(tas.contains("BL-TAS-1") && !tas.contains("BL-ALA-1"))
            let kz = String(buffer: try await analyst.get("/seizures.csv?scope=country%3AKZ").body)
            #expect(!kz.contains("BL-TAS-1") && kz.contains("BL-ALA-1"))
        }
    }

    @Test("the dashboard: tiles, hit rates by lane and kind of selection, seizures by commodity as SVG; own units only",
          arguments: TestDatabases.available)
    func dashboard(kind: TestDatabases.Kind) async throws {
        try await withWorkspace(kind) { client, store in
            try await recordSeizures(store)
            let olga = Browser(client)
            try await olga.post("/login", ["username": "olga", "password": "correct horse battery"])
            let page = try await olga.get("/dashboard?from=2026-11-01&until=2026-11-30")
            let html = String(buffer: page.body)
            #expect(page.status == .ok && html.utf8.count < 100_000)
            // ALA: two selected targets, both inspected: BL-ALA-1 seized (red, mandatory), BL-ALA-2 cleared (yellow, targeted).
            #expect(html.contains(#"<span class="tile-value">2</span> <span class="tile-label">Targets selected"#))
            // Three controls recorded, two found something.
            #expect(html.contains(#"<span class="tile-value">67%</span> <span class="tile-label">Hit rate"#))
            #expect(html.contains("100% (1/1)") && html.contains("0% (0/1)"))
            #expect(html.contains(#"<svg xmlns="http://www.w3.org/2000/svg""#) && html.contains(#"class="cat-drugs""#))
            // No script from outside the node: the only one is the node's own small file.
            #expect(html.contains(#"class="cat-tobacco""#) && html.components(separatedBy: "<script").count == 2
                && html.contains(#"<script src="/static/cordon.js" defer></script>"#))
            #expect(html.contains("Seizure cases by week") && html.contains("16 Nov"))
            // Timur's unit has its own figures only.
            let timur = Browser(client)
            try await timur.post("/login", ["username": "timur", "password": "correct horse battery"])
            let tas = String(buffer: try await timur.get("/dashboard?from=2026-11-01&until=2026-11-30&scope=ALA").body)
            #expect(tas.contains(#"<span class="tile-value">1</span> <span class="tile-label">Targets selected"#))
            #expect(!tas.contains(#"class="cat-drugs""#) && tas.contains(#"class="cat-cash""#))
            // A long period is drawn by month.
            #expect(String(buffer: try await olga.get("/dashboard?from=2026-01-01&until=2026-12-31").body).contains("Seizure cases by month"))
        }
    }

    /// Results of three controls: ALA seized drugs on BL-ALA-1 (21 Nov) and cleared BL-ALA-2; tobacco with a
    /// formula-like name on BL-ALA-1 (23 Nov); TAS seized cash on BL-TAS-1.
    func recordSeizures(_ store: Store) async throws {
        let d21 = CalendarDate(year: 2026, month: 11, day: 21)!, d23 = CalendarDate(year: 2026, month: 11, day: 23)!
        try await store.recordInspection(InspectionResult(kind: .billOfLading, documentNumber: "BL-ALA-1", unit: "ALA", date: d21,
            outcome: .seizure, method: .physical, recordedBy: "olga",
            seizures: [SeizureLine(category: .drugs, goods: "героин", quantity: 12.5, unit: "kg", concealment: "inside the spare tyre, wrapped",
                                   estimatedValue: 250_000)]))
        try await store.recordInspection(InspectionResult(kind: .billOfLading, documentNumber: "BL-ALA-2", unit: "ALA", date: d21,
            outcome: .cleared, method: .xray, recordedBy: "olga"))
        try await store.recordInspection(InspectionResult(kind: .billOfLading, documentNumber: "BL-ALA-1", unit: "ALA", date: d23,
            outcome: .seizure, method: .dog, recordedBy: "olga",
            seizures: [SeizureLine(category: .tobacco, goods: "cigarettes", quantity: 4000, unit: "sticks"),
                       SeizureLine(category: .other, goods: "=cmd|' /C calc'!A0", quantity: 1, unit: "pieces")]))
        try await store.recordInspection(InspectionResult(kind: .billOfLading, documentNumber: "BL-TAS-1", unit: "TAS", date: d21,
            outcome: .seizure, method: .physical, recordedBy: "timur",
            seizures: [SeizureLine(category: .cash, goods: "banknotes", quantity: 50_000, unit: "USD")]))
    }

    @Test("repeated failed sign-ins lock the account for a while, with the same answer as a wrong password")
    func lockOut() async throws {
        try await withWorkspace(.sqlite) { client, store in
            let b = Browser(client)
            for _ in 0..<5 {
                let refused = try await b.post("/login", ["username": "olga", "password": "not her password"])
                #expect(refused.status == .unauthorized && String(buffer: refused.body).contains("locked for 15 minutes"))
            }
            let locked = try await b.post("/login", ["username": "olga", "password": "correct horse battery"])
            #expect(locked.status == .unauthorized && b.cookies["cordon_session"] == nil)
            // Other users are not affected; the lock ends by itself.
            #expect(try await Browser(client).post("/login", ["username": "ana", "password": "correct horse battery"]).status == .seeOther)
            let olga = try #require(try await store.account("olga")).user
            #expect(try await store.isLocked(userID: olga.id))
            #expect(try await !store.isLocked(userID: olga.id, now: Date().addingTimeInterval(16 * 60)))
            // Four failures and a success start the count again.
            let ana = try #require(try await store.account("ana")).user
            for _ in 0..<4 { try await store.recordFailedSignIn(userID: ana.id, limit: 5, lockFor: 900) }
            try await store.recordSignIn(userID: ana.id)
            #expect(try await !store.recordFailedSignIn(userID: ana.id, limit: 5, lockFor: 900))
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


@Suite("The consignment page's trader history")
struct TraderHistoryTests {
    @Test("the same consignee's earlier consignments with what their controls found, within the reader's units",
          arguments: TestDatabases.available)
    func history(kind: TestDatabases.Kind) async throws {
        let earlier = CalendarDate(year: 2026, month: 11, day: 10)!
        func bl(_ number: String, _ place: String) -> Consignment {
            Consignment(kind: .billOfLading, documentNumber: number, date: earlier, route: Route(placeOfLoading: "CNSHA", placeOfDischarge: place),
                        parties: [Party(role: .consignee, name: "Тоо Каспий Транс")], goods: [GoodsItem(sequence: 1, hsCode: "240220")])
        }
        try await withSeededWorkspace(kind, prepare: { store in
            _ = try await store.commit(IntakeBatch(source: SourceFile(name: "old.csv", fingerprint: "old", format: "manifest"),
                                                   consignments: [bl("OLD-ALA", "KZALA"), bl("OLD-TAS", "UZTAS")]))
            for unit in ["ALA", "TAS"] {
                let doc = try await store.consignments(for: try await store.unit(unit), on: earlier)[0]
                try await store.replaceTargets(unit: unit, day: earlier, targets: [
                    Target(consignmentID: doc.id, kind: .billOfLading, documentNumber: doc.consignment.documentNumber, rank: 1, score: 0.8,
                           lane: .red, selection: .targeted, reasons: [], profiles: [])], modelVersion: nil)
            }
            try await store.recordInspection(InspectionResult(kind: .billOfLading, documentNumber: "OLD-ALA", unit: "ALA", date: earlier,
                outcome: .seizure, method: .physical, recordedBy: "olga",
                seizures: [SeizureLine(category: .tobacco, goods: "cigarettes", quantity: 1000, unit: "sticks")]))
        }) { client, store in
            let id = try #require(try await store.currentConsignmentID("BL-ALA-1", kind: .billOfLading))
            let olga = Browser(client)
            try await olga.post("/login", ["username": "olga", "password": "correct horse battery"])
            let page = String(buffer: try await olga.get("/consignments/\(id)").body)
            #expect(page.contains("The same importer or consignee before") && page.contains("OLD-ALA") && page.contains("Seizure"))
            #expect(!page.contains("OLD-TAS"))
            let ana = Browser(client)
            try await ana.post("/login", ["username": "ana", "password": "correct horse battery"])
            let all = String(buffer: try await ana.get("/consignments/\(id)").body)
            #expect(all.contains("OLD-ALA") && all.contains("OLD-TAS") && all.contains("not controlled"))
        }
    }
}

@Suite("Scoring a day from the queue")
struct ScoreDayTests {
    @Test("analysts and the unit's supervisors score a day again with what is in force; officers cannot")
    func scoreDay() async throws {
        try await withSeededWorkspace(prepare: { store in
            _ = try await store.createUser(User(username: "saule", displayName: "Saule", role: .supervisor, agency: "customs", units: ["TAS"]),
                                           passwordHash: fixturePasswordHash)
            _ = try await store.saveProfiles([RiskProfile(name: "caspian", title: "Caspian consignee", lane: .red, weight: 0.5, author: "ana",
                                                          status: .active, conditions: [
                                                              ProfileCondition(field: ProfileField("consignee")!, test: .contains("КАСПИЙ")),
                                                          ])], by: "ana")
        }) { client, store in
            let day = CalendarDate(year: 2026, month: 11, day: 20)!
            let olga = Browser(client)
            try await olga.post("/login", ["username": "olga", "password": "correct horse battery"])
            let queue = try await olga.get("/queue?date=2026-11-20")
            #expect(!String(buffer: queue.body).contains("/queue/score"))
            #expect(try await olga.post("/queue/score", ["csrf": Browser.csrf(queue), "unit": "ALA", "date": "2026-11-20"]).status == .forbidden)
            let saule = Browser(client)
            try await saule.post("/login", ["username": "saule", "password": "correct horse battery"])
            let own = try await saule.get("/queue?unit=TAS&date=2026-11-20")
            #expect(String(buffer: own.body).contains("/queue/score"))
            #expect(try await saule.post("/queue/score", ["csrf": Browser.csrf(own), "unit": "ALA", "date": "2026-11-20"]).status == .forbidden)

            let ana = Browser(client)
            try await ana.post("/login", ["username": "ana", "password": "correct horse battery"])
            let page = try await ana.get("/queue?unit=ALA&date=2026-11-20")
            #expect(try await ana.post("/queue/score", ["csrf": "forged", "unit": "ALA", "date": "2026-11-20"]).status == .forbidden)
            let scored = try await ana.post("/queue/score", ["csrf": Browser.csrf(page), "unit": "ALA", "date": "2026-11-20"])
            #expect(scored.status == .seeOther && scored.headers[.location] == "/queue?unit=ALA&date=2026-11-20")
            let targets = try await store.targets(unit: "ALA", day: day)
            // The profile in force now puts the Caspian consignee first, in the red lane, with its reason.
            #expect(targets.count == 2 && targets.first?.documentNumber == "BL-ALA-1" && targets.first?.lane == .red)
            #expect(targets.first?.reasons.contains { $0.english.contains("Caspian consignee") } == true)
            // The reasons read in the reader's language.
            let before = try await ana.get("/queue?unit=ALA&date=2026-11-20")
            try await ana.post("/language", ["lang": "ru", "csrf": Browser.csrf(before), "back": "/queue"])
            let russian = String(buffer: try await ana.get("/queue?unit=ALA&date=2026-11-20").body)
            #expect(russian.contains("профиль caspian v1 (красный): Caspian consignee"))
        }
    }
}

@Suite("Watch-list matches on the consignment page")
struct WatchListPageTests {
    @Test("a party that resembles a name on the node's watch list is marked, with the entry and the score")
    func marked() async throws {
        let list = NameMatcher(list: WatchList(entries: [WatchListEntry(id: "SDN-9001", name: "KASPIY TRANS LLP")]))
        try await withSeededWorkspace(settings: ServerSettings(port: 0, screening: list)) { client, store in
            let b = Browser(client)
            try await b.post("/login", ["username": "olga", "password": "correct horse battery"])
            let listed = String(buffer: try await b.get("/consignments/\(try #require(try await store.currentConsignmentID("BL-ALA-1", kind: .billOfLading)))").body)
            #expect(listed.contains("resembles a listed name") && listed.contains("KASPIY TRANS LLP (SDN-9001"))
            let clean = String(buffer: try await b.get("/consignments/\(try #require(try await store.currentConsignmentID("BL-ALA-2", kind: .billOfLading)))").body)
            #expect(!clean.contains("resembles a listed name"))
        }
    }
}
