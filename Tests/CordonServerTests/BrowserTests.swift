import CordonCore
import CordonExchange
import CordonServer
import CordonStore
import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// A real Chromium, headless, driven over WebDriver by Debian's chromedriver.
final class Chromium: @unchecked Sendable {
    // @unchecked: one test drives one browser, sequentially; the process handle is only touched here.
    let driver: Process
    let base: String
    var session = ""

    init() async throws {
        let port = Int.random(in: 20000...40000)
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver") else {
            throw BrowserError(message: "chromedriver is missing: run scripts/bootstrap (it installs chromium and chromium-driver)")
        }
        driver = Process()
        driver.executableURL = URL(fileURLWithPath: "/usr/bin/chromedriver")
        driver.arguments = ["--port=\(port)"]
        driver.standardOutput = FileHandle.nullDevice
        driver.standardError = FileHandle.nullDevice
        try driver.run()
        base = "http://127.0.0.1:\(port)"
        for _ in 0..<100 {
            if (try? await call("GET", "/status")) != nil { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let caps: [String: Any] = ["capabilities": ["alwaysMatch": ["browserName": "chrome", "goog:chromeOptions": [
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,900"],
        ]]]]
        do {
            let created = try await call("POST", "/session", caps)
            guard let id = (created["value"] as? [String: Any])?["sessionId"] as? String else {
                throw BrowserError(message: "no WebDriver session: \(created)")
            }
            session = id
        } catch {
            kill(driver.processIdentifier, SIGKILL)
            throw error
        }
    }

    struct BrowserError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    @discardableResult
    func call(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: base + path)
        request.method = .init(rawValue: method)
        if let body {
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
            request.headers.add(name: "Content-Type", value: "application/json")
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let data = Data(buffer: try await response.body.collect(upTo: 16 * 1024 * 1024))
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        if let value = json["value"] as? [String: Any], let error = value["error"] as? String {
            throw BrowserError(message: "\(method) \(path): \(error): \(value["message"] ?? "")")
        }
        return json
    }

    func go(_ url: String) async throws { try await call("POST", "/session/\(session)/url", ["url": url]) }

    func element(_ css: String) async throws -> String {
        let r = try await call("POST", "/session/\(session)/element", ["using": "css selector", "value": css])
        guard let value = r["value"] as? [String: Any], let id = value.values.first as? String else {
            throw BrowserError(message: "no element \(css)")
        }
        return id
    }

    func type(_ css: String, _ text: String) async throws {
        try await call("POST", "/session/\(session)/element/\(try await element(css))/value", ["text": text])
    }

    func click(_ css: String) async throws {
        try await call("POST", "/session/\(session)/element/\(try await element(css))/click", [:])
    }

    func script(_ js: String) async throws -> Any? {
        try await call("POST", "/session/\(session)/execute/sync", ["script": js, "args": []])["value"]
    }

    func source() async throws -> String { try await call("GET", "/session/\(session)/source")["value"] as? String ?? "" }

    func url() async throws -> String { try await call("GET", "/session/\(session)/url")["value"] as? String ?? "" }

    /// Saves a PNG of the window under .build/screenshots of the package, for people to look at.
    func screenshot(_ name: String) async throws {
        guard let base64 = try await call("GET", "/session/\(session)/screenshot")["value"] as? String,
              let png = Data(base64Encoded: base64) else { throw BrowserError(message: "no screenshot") }
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/screenshots")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try png.write(to: dir.appendingPathComponent("\(name).png"))
    }

    /// Waits up to five seconds for the page's source to contain `text` (a click's navigation is not awaited).
    func waitFor(_ text: String) async throws -> Bool {
        for _ in 0..<50 {
            if try await source().contains(text) { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    func resize(width: Int, height: Int) async throws {
        try await call("POST", "/session/\(session)/window/rect", ["width": width, "height": height])
    }

    func quit() async {
        if !session.isEmpty { _ = try? await call("DELETE", "/session/\(session)") }
        // chromedriver leaves on /shutdown; polled, not waitUntilExit(), which runs a run loop that can block a
        // concurrency thread for good; killed if it is still there.
        _ = try? await call("GET", "/shutdown")
        for _ in 0..<50 where driver.isRunning { try? await Task.sleep(for: .milliseconds(100)) }
        if driver.isRunning { kill(driver.processIdentifier, SIGKILL) }
    }
}

/// A mutable slot for a value created inside a closure and cleaned up outside it.
final class Box<T>: @unchecked Sendable {
    // @unchecked: set once inside the test's closure, read after it returned.
    var value: T?
}

/// Serves the seeded workspace (after `prepare`) on a loopback port and drives Chromium against it in `body`, with
/// the test client for other users' requests; the browser quits and the store closes whatever happens.
func withBrowser(settings: ServerSettings = ServerSettings(port: 0), prepare: (Store) async throws -> Void = { _ in },
                 _ body: @Sendable (Chromium, String, any TestClientProtocol, Store) async throws -> Void) async throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let store = try await seededStore(.sqlite, in: dir)
    let ports = AsyncStream.makeStream(of: Int.self)
    let outcome = await capture {
        try await prepare(store)
        let app = try await NodeServer.application(store: store, settings: settings, onRunning: { ports.continuation.yield($0) })
        // The live test framework runs the server on a loopback port and shuts it down gracefully afterwards.
        try await app.test(.live) { client in
            var it = ports.stream.makeAsyncIterator()
            let port = try #require(await it.next())
            let browser = Box<Chromium>()
            let outcome = await capture {
                let chromium = try await Chromium()
                browser.value = chromium
                try await body(chromium, "http://localhost:\(port)", client, store)
            }
            await browser.value?.quit()
            try outcome.get()
        }
    }
    await store.close()
    try outcome.get()
}

@Suite("The workspace in a real browser")
struct BrowserTests {
    @Test("an officer signs in, reads the queue on a desk and on a phone, records a seizure, sees it on the dashboard, in Russian too",
          .timeLimit(.minutes(5)))
    func officerDay() async throws {
        try await withBrowser { browser, base, _, store in
            try await browser.go(base + "/queue")
            #expect(try await browser.url() == base + "/login")
            try await browser.type("input[name=username]", "olga")
            try await browser.type("input[name=password]", "correct horse battery")
            try await browser.click("button.primary")
            try await browser.go(base + "/queue?date=2026-11-20")
            let queue = try await browser.source()
            #expect(queue.contains("BL-ALA-1") && queue.contains("reason of BL-ALA-1") && !queue.contains("BL-TAS-1"))
            // The stylesheet applied (no external request needed) and no horizontal scrolling on a phone.
            #expect(try await browser.script("return getComputedStyle(document.querySelector('.top')).display") as? String == "flex")
            try await browser.resize(width: 390, height: 844)
            let fits = try await browser.script("return document.documentElement.scrollWidth <= window.innerWidth") as? Bool
            #expect(fits == true)
            try await browser.screenshot("queue-phone")
            try await browser.click("li.target a")
            #expect(try await browser.source().contains("reason of BL-ALA-1"))
            // Seizure lines appear for a seizure; a fourth line can be added.
            #expect(try await browser.script("return document.getElementById('seizure-lines').hidden") as? Bool == true)
            try await browser.click("input[name=outcome][value=seizure]")
            #expect(try await browser.script("return document.getElementById('seizure-lines').hidden") as? Bool == false)
            try await browser.click("button.add-line")
            #expect(try await browser.script("return document.querySelectorAll('.seizure-line').length") as? Int == 4)
            try await browser.click(#"select[name="s_category[]"] option[value=drugs]"#)
            try await browser.type(#"input[name="s_goods[]"]"#, "heroin")
            try await browser.type(#"input[name="s_quantity[]"]"#, "12.5")
            try await browser.type(#"input[name="s_unit[]"]"#, "kg")
            try await browser.type(#"input[name="s_concealment[]"]"#, "false floor of the container")
            try await browser.type("textarea[name=notes]", "cigarettes behind a false wall")
            try await browser.click("select[name=method] option[value=physical]")
            let formFits = try await browser.script("return document.documentElement.scrollWidth <= window.innerWidth") as? Bool
            #expect(formFits == true)
            try await browser.screenshot("result-form-phone")
            try await browser.click("form.result button.primary")
            #expect(try await browser.waitFor("12.5 kg"))
            let after = try await browser.source()
            #expect(after.contains("cigarettes behind a false wall") && after.contains("Seizure"), "\(after.suffix(1500))")
            #expect(after.contains("heroin") && after.contains("12.5 kg"))
            // The seizure is on the dashboard and in the register, in both languages.
            try await browser.resize(width: 1200, height: 900)
            try await browser.go(base + "/dashboard")
            let dashboard = try await browser.source()
            #expect(dashboard.contains(#"class="cat-drugs""#) && dashboard.contains("100% (1/1)"))
            try await browser.screenshot("dashboard")
            try await browser.go(base + "/seizures")
            #expect(try await browser.source().contains("false floor of the container"))
            try await browser.screenshot("seizures")
            try await browser.click("form.lang button")
            #expect(try await browser.waitFor("Наркотики"))
            #expect(try await browser.url() == base + "/seizures")
            #expect(try await browser.source().contains("12,5 kg"))
            try await browser.go(base + "/dashboard")
            #expect(try await browser.source().contains("Случаи изъятия по неделям"))
            try await browser.screenshot("dashboard-ru")
            let results = try await store.inspections(of: "BL-ALA-1", kind: .billOfLading)
            #expect(results.map(\.outcome) == [.seizure])
            #expect(results.first?.seizures == [SeizureLine(category: .drugs, goods: "heroin", quantity: 12.5, unit: "kg",
                                                            concealment: "false floor of the container")])
        }
    }

    @Test("a message from another unit shows in the officer's open page without a reload: the unread badge, then the inbox list",
          .timeLimit(.minutes(5)))
    func messagesArrive() async throws {
        let node = NodeIdentity()
        try await withBrowser(settings: ServerSettings(port: 0, identity: node), prepare: { store in
            try await store.setNodeIdentity(name: "kz-node", country: "KZ", publicKey: node.publicKeyBase64)
        }) { browser, base, client, store in
            try await browser.go(base + "/login")
            try await browser.type("input[name=username]", "olga")
            try await browser.type("input[name=password]", "correct horse battery")
            try await browser.click("button.primary")
            try await browser.go(base + "/queue?date=2026-11-20")
            #expect(try await browser.script("return document.getElementById('unread').hidden") as? Bool == true)
            // Timur, of Tashkent, writes to Almaty from his own session.
            let timur = Browser(client)
            try await timur.post("/login", ["username": "timur", "password": "correct horse battery"])
            func send(_ subject: String) async throws {
                let form = try await timur.get("/messages/new")
                let sent = try await timur.post("/messages", ["csrf": Browser.csrf(form), "unit": "TAS", "kind": "request_information",
                                                              "priority": "urgent", "language": "en", "channel": "unit", "node": "kz-node",
                                                              "unit_code": "ALA", "subject": subject, "text": "Who is the consignee?"])
                #expect(sent.status == .seeOther)
            }
            try await send("Consignee of BL-TAS-1?")
            #expect(try await browser.waitFor(#"id="unread">1</span>"#))
            try await browser.screenshot("queue-unread")
            try await browser.go(base + "/messages")
            #expect(try await browser.source().contains("Consignee of BL-TAS-1?"))
            try await send("And the shipper?")
            #expect(try await browser.waitFor("And the shipper?"))
            try await browser.screenshot("messages")
            try await browser.click("table.messages a")
            #expect(try await browser.waitFor("Who is the consignee?"))
            try await browser.screenshot("message-thread")
            // The alert form of a consignment, on a phone.
            try await browser.resize(width: 390, height: 844)
            let ala1 = try #require(try await store.currentConsignmentID("BL-ALA-1", kind: .billOfLading))
            try await browser.go(base + "/messages/new?consignment=\(ala1)&kind=alert")
            #expect(try await browser.source().contains("MSCU0759544"))
            #expect(try await browser.script("return document.documentElement.scrollWidth <= window.innerWidth") as? Bool == true)
            try await browser.screenshot("alert-form-phone")
        }
    }
}
