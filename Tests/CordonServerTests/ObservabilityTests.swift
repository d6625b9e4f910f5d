import CordonCore
import CordonServer
import CordonStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

@Suite("Health, readiness and metrics")
struct ObservabilityTests {
    /// The value of a series in a Prometheus text exposition, e.g. `cordon_outbox_backlog` or `x{unit="ALA"}`.
    static func value(_ series: String, in text: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    @Test("/metrics: requests and latencies, results and the controls still waiting today by unit, behind its token; every answer carries its request id")
    func metrics() async throws {
        var settings = ServerSettings(port: 0)
        settings.metrics = NodeMetrics.shared
        settings.metricsToken = "prometheus-scrapes-with-this"
        try await withSeededWorkspace(settings: settings, prepare: { store in
            // Today's queue of Almaty: two selected (one red), one released.
            let docs = try await store.consignments(for: try await store.unit("ALA"), on: CalendarDate(year: 2026, month: 11, day: 20)!)
            let targets = zip(docs, [SelectionReason.mandatory, .targeted, .released]).enumerated().map { i, pair in
                Target(consignmentID: pair.0.id, kind: .billOfLading, documentNumber: pair.0.consignment.documentNumber, rank: i + 1,
                       score: 0.9 - Double(i) * 0.3, lane: i == 0 ? .red : .yellow, selection: pair.1, reasons: [], profiles: [])
            }
            try await store.replaceTargets(unit: "ALA", day: .today, targets: targets, modelVersion: nil)
        }) { client, store in
            func scrape() async throws -> String {
                let r = try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer prometheus-scrapes-with-this"])
                #expect(r.status == .ok && r.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                return String(buffer: r.body)
            }
            #expect(try await client.execute(uri: "/metrics", method: .get).status == .unauthorized)
            #expect(try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer prometheus-scrapes-with-that"])
                .status == .unauthorized)
            let before = try await scrape()
            #expect(Self.value(#"cordon_controls_waiting{unit="ALA"}"#, in: before) == 2)
            #expect(Self.value(#"cordon_controls_waiting{unit="TAS"}"#, in: before) == 0)
            #expect(Self.value("cordon_approvals_pending", in: before) == 0 && Self.value("cordon_outbox_backlog", in: before) == 0)

            // An officer records a negative result on the red target: one control fewer waits, and the result is counted.
            let olga = Browser(client)
            try await olga.post("/login", ["username": "olga", "password": "correct horse battery"])
            let id = try #require(try await store.targets(unit: "ALA", day: .today).first?.consignmentID)
            let page = try await olga.get("/consignments/\(id)")
            let counted = Self.value(#"cordon_results_recorded_total{unit="ALA",outcome="cleared"}"#, in: before) ?? 0
            let saved = try await olga.post("/consignments/\(id)/result", ["csrf": Browser.csrf(page), "unit": "ALA", "outcome": "cleared",
                                                                          "method": "x-ray"])
            #expect(saved.status == .seeOther)
            let after = try await scrape()
            #expect(Self.value(#"cordon_controls_waiting{unit="ALA"}"#, in: after) == 1)
            #expect((Self.value(#"cordon_results_recorded_total{unit="ALA",outcome="cleared"}"#, in: after) ?? 0) >= counted + 1)
            // Hummingbird's request counter and latency histogram, named for Prometheus.
            #expect(after.contains("# TYPE hb_requests counter") && after.contains("http_server_request_duration_bucket"))
            // (Counted once the answer is written, so an earlier request than the last is looked for.)
            #expect(after.contains(#"hb_requests{http_route="/login",http_request_method="POST",http_response_status_code="303"}"#))

            // Request ids: on pages, on errors, and a proxy's trace id is accepted.
            let health = try await client.execute(uri: "/health", method: .get,
                                                  headers: [.traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"])
            let rid = try #require(health.headers[.xRequestID])
            // Hummingbird's id: a random per-process prefix without leading zeros, then a 16-digit counter, in hex.
            #expect((17...32).contains(rid.count) && rid.allSatisfy(\.isHexDigit))
            let missing = try await olga.get("/consignments/999999")
            #expect(missing.status == .notFound && missing.headers[.xRequestID].map { (17...32).contains($0.count) } == true)
        }
    }

    @Test("behind a trusted proxy the audit log and the sign-in limit see the client's address from X-Forwarded-For; from others the header is ignored")
    func forwardedFor() async throws {
        var settings = ServerSettings(port: 0)
        settings.trustedProxies = ["127.0.0.1"]
        // Two an hour: no refill while the test runs, however slowly.
        settings.signInLimit = RateLimit(2, per: 3600)
        try await withSeededWorkspace(settings: settings) { client, store in
            func signIn(from forwarded: String?) async throws -> HTTPResponse.Status {
                var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
                if let forwarded { headers[.xForwardedFor] = forwarded }
                return try await client.execute(uri: "/login", method: .post, headers: headers,
                                                 body: ByteBuffer(string: "username=olga&password=correct%20horse%20battery")).status
            }
            #expect(try await signIn(from: "198.51.100.23") == .seeOther)
            #expect(try await signIn(from: "203.0.113.9, 127.0.0.1") == .seeOther)
            #expect(try await signIn(from: "198.51.100.23") == .seeOther)
            // The third attempt from one client is over its limit; another client still gets in.
            #expect(try await signIn(from: "198.51.100.23") == .tooManyRequests)
            #expect(try await signIn(from: "203.0.113.9") == .seeOther)
            // Not an address: the proxy's own address counts.
            #expect(try await signIn(from: "<script>") == .seeOther)
            let origins = try await store.auditEntries(AuditFilter(action: "sign_in")).map(\.origin)
            #expect(origins.sorted() == ["127.0.0.1", "198.51.100.23", "198.51.100.23", "203.0.113.9", "203.0.113.9"])
        }
        // Without the proxy trusted, a client cannot choose the address it is logged under.
        try await withSeededWorkspace { client, store in
            _ = try await client.execute(uri: "/login", method: .post,
                                         headers: [.contentType: "application/x-www-form-urlencoded", .xForwardedFor: "198.51.100.23"],
                                         body: ByteBuffer(string: "username=olga&password=correct%20horse%20battery"))
            #expect(try await store.auditEntries(AuditFilter(action: "sign_in")).map(\.origin) == ["127.0.0.1"])
        }
    }

    @Test("/ready answers while the database does, then 503 with Retry-After; /health only says the process runs")
    func readiness() async throws {
        try await withSeededWorkspace { client, store in
            let ready = try await client.execute(uri: "/ready", method: .get)
            #expect(ready.status == .ok && String(buffer: ready.body) == "ready")
            // No metrics were asked for: none are served.
            #expect(try await client.execute(uri: "/metrics", method: .get).status == .notFound)
            await store.close()
            let gone = try await client.execute(uri: "/ready", method: .get)
            #expect(gone.status == .serviceUnavailable && gone.headers[.retryAfter] == "5")
            #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
        }
    }
}

extension HTTPField.Name {
    static let traceparent = HTTPField.Name("traceparent")!
    static let xRequestID = HTTPField.Name("X-Request-Id")!
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}
