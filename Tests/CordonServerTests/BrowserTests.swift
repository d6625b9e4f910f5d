import CordonCore
import CordonServer
import CordonStore
import AsyncHTTPClient
import Foundation
import Hummingbird
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

@Suite("The workspace in a real browser")
struct BrowserTests {
    @Test("an officer signs in, reads the queue on a desk and on a phone, opens a target and records a seizure",
          .timeLimit(.minutes(2)))
    func officerDay() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try await seededStore(.sqlite, in: dir)
        let ports = AsyncStream.makeStream(of: Int.self)
        let app = try await NodeServer.application(store: store, settings: ServerSettings(port: 0), onRunning: { ports.continuation.yield($0) })
        // The live test framework runs the server on a loopback port and shuts it down gracefully afterwards.
        let outcome = try await app.test(.live) { _ in
            var it = ports.stream.makeAsyncIterator()
            let port = try #require(await it.next())
            let browser = Box<Chromium>()
            let outcome = await capture {
                let chromium = try await Chromium()
                browser.value = chromium
                let browser = chromium
                let base = "http://localhost:\(port)"
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
                try await browser.click("li.target a")
                #expect(try await browser.source().contains("reason of BL-ALA-1"))
                try await browser.click("input[name=outcome][value=seizure]")
                try await browser.type("textarea[name=notes]", "cigarettes behind a false wall")
                try await browser.click("form.result button.primary")
                let after = try await browser.source()
                #expect(after.contains("cigarettes behind a false wall") && after.contains("Seizure"), "\(after.suffix(1500))")
            }
            await browser.value?.quit()
            return outcome
        }
        let results = try await store.inspections(of: "BL-ALA-1", kind: .billOfLading)
        await store.close()
        try outcome.get()
        #expect(results.map(\.outcome) == [.seizure])
    }
}
