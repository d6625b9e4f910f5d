import AsyncHTTPClient
import CordonCore
import Foundation
import NIOCore
import Testing
import TestSupport

@Suite("cordon serve for operators: JSON logs, request ids, metrics")
struct ServeObservabilityTests {
    @Test("with --log-format json every log line is one JSON object carrying the request id and a proxy's trace id; /metrics needs the token from its file")
    func jsonLogsAndMetrics() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let node = try TestNode("kz-node", "KZ", units: [("KZ-AKT-PCU", "KZAKT")], in: dir)
        defer { node.stop() }
        try "scrape-token-0123456789\n".write(toFile: dir.file("metrics.token"), atomically: true, encoding: .utf8)
        let short = try cordon(["serve", "--port", "0", "--metrics-token-file", dir.file("missing.token")], database: node.database)
        #expect(short.status == 2 && short.stderr.contains("missing.token"))
        #expect(try cordon(["serve", "--log-format", "xml"], database: node.database).status != 0)
        try await node.start(["--log-format", "json", "--metrics-token-file", dir.file("metrics.token")],
                             environment: ["CORDON_LOG_LEVEL": "info"])

        var request = HTTPClientRequest(url: node.baseURL + "/api/v1/consignments")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(node.token)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "traceparent", value: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: FaultTests.batch(1, size: 3))))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        #expect(response.status == .ok)
        let requestID = try #require(response.headers.first(name: "X-Request-Id"))

        func metrics(_ token: String?) async throws -> (Int, String) {
            var r = HTTPClientRequest(url: node.baseURL + "/metrics")
            if let token { r.headers.add(name: "Authorization", value: "Bearer \(token)") }
            let answer = try await HTTPClient.shared.execute(r, timeout: .seconds(30))
            return (Int(answer.status.code), String(buffer: try await answer.body.collect(upTo: 4 << 20)))
        }
        #expect(try await metrics(nil).0 == 401)
        let (status, text) = try await metrics("scrape-token-0123456789")
        #expect(status == 200)
        #expect(text.contains(#"cordon_ingest_records_total{channel="api",outcome="accepted"} 3"#))
        #expect(text.contains(#"cordon_controls_waiting{unit="KZ-AKT-PCU"} 0"#) && text.contains("cordon_outbox_backlog 0"))
        node.stop()

        // Every structured line parses; the API's line names its request and the proxy's trace.
        let lines = try String(contentsOfFile: node.log, encoding: .utf8).split(separator: "\n").filter { $0.hasPrefix("{") }
        let records = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
        #expect(!records.isEmpty && records.count == lines.count)
        #expect(records.allSatisfy { $0["time"] != nil && $0["level"] != nil && $0["message"] != nil && $0["logger"] != nil })
        let received = try #require(records.first { $0["message"] == "consignments received" })
        #expect(received["hb.request.id"] == requestID && received["trace_id"] == "0af7651916cd43dd8448eb211c80319c")
        #expect(received["accepted"] == "3" && received["level"] == "info")
        // Secrets stay out: neither the API token nor the metrics token is in the log.
        let log = try String(contentsOfFile: node.log, encoding: .utf8)
        #expect(!log.contains(node.token) && !log.contains("scrape-token-0123456789"))
    }
}
