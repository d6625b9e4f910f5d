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

    @Test("one YAML file holds the database and the server's settings for every command; flags win over it; a wrong file stops with the file and the place")
    func configurationFile() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let node = try TestNode("kz-node", "KZ", units: [("KZ-AKT-PCU", "KZAKT")], in: dir)
        defer { node.stop() }
        try "scrape-token-0123456789\n".write(toFile: dir.file("metrics.token"), atomically: true, encoding: .utf8)
        let config = dir.file("cordon.yaml")
        try """
            # The node's settings; secrets are in files of their own.
            database: \(node.database)
            key_file: \(node.keyFile)
            log_level: info
            log_format: json
            metrics_token_file: \(dir.file("metrics.token"))
            trusted_proxies: [127.0.0.1]
            checkpoint_minutes: 30
            """.write(toFile: config, atomically: true, encoding: .utf8)

        // Any command finds the database in the file, named by --config or CORDON_CONFIG.
        #expect(try run(Fixtures.cordonBinary, ["unit", "list", "--config", config]).stdout.hasPrefix("KZ-AKT-PCU\t"))
        #expect(try run(Fixtures.cordonBinary, ["unit", "list"], environment: ["CORDON_CONFIG": config]).stdout.hasPrefix("KZ-AKT-PCU\t"))

        // The server takes its settings from it: JSON logs, the metrics token.
        try await node.start(["--config", config])
        var scrape = HTTPClientRequest(url: node.baseURL + "/metrics")
        #expect(try await HTTPClient.shared.execute(scrape, timeout: .seconds(10)).status == .unauthorized)
        scrape.headers.add(name: "Authorization", value: "Bearer scrape-token-0123456789")
        #expect(try await HTTPClient.shared.execute(scrape, timeout: .seconds(10)).status == .ok)
        node.stop()
        let json = try String(contentsOfFile: node.log, encoding: .utf8).split(separator: "\n").filter { $0.hasPrefix("{") }
        #expect(json.contains { $0.contains(#""message":"courier started""#) })

        // A flag wins over the file.
        try await node.start(["--config", config, "--log-format", "text"])
        node.stop()
        let text = try String(contentsOfFile: node.log, encoding: .utf8)
        #expect(text.contains("courier started") && !text.contains(#""message":"courier started""#))

        // Wrong files: the file, the place and what is wrong; nothing starts.
        for (yaml, expected) in [("prot: 8080\n", "bad.yaml: line 1: unknown setting 'prot'"), ("port: eighty\n", "bad.yaml: 'port'"),
                                 ("port: [1,\n", "bad.yaml: not valid YAML"), ("port: 70000\n", "port 70000: must be between 0 and 65535"),
                                 ("log_format: xml\n", "log format 'xml': must be text or json"),
                                 ("retention_days: 7\n", "retention days 7: must be 30 or more"),
                                 ("retrain_days: 2\n", "retrain days 2: must be between 7 and 3650"),
                                 ("database: sqlite:x.sqlite\ndatabase_password_file: \(dir.file("metrics.token"))\n",
                                  "database_password_file is for a postgres:// database")] {
            try yaml.write(toFile: dir.file("bad.yaml"), atomically: true, encoding: .utf8)
            // Under a time limit: a file taken by mistake would start a server that does not end by itself.
            let r = try run("/usr/bin/timeout", ["30", Fixtures.cordonBinary, "serve", "--config", dir.file("bad.yaml")])
            #expect(r.status == 2 && r.stderr.contains(expected), "\(yaml): \(r.stderr)")
        }
        // PostgreSQL with the password in a file of its own, not in the configuration.
        if TestDatabases.postgresURL != nil, case .postgres(let url) = try await TestDatabases.fresh(.postgres, in: dir),
           var parts = URLComponents(string: url), let password = parts.password {
            parts.password = nil
            try (password + "\n").write(toFile: dir.file("database.password"), atomically: true, encoding: .utf8)
            try "database: \(parts.string ?? "")\ndatabase_password_file: \(dir.file("database.password"))\n"
                .write(toFile: dir.file("pg.yaml"), atomically: true, encoding: .utf8)
            let migrated = try run(Fixtures.cordonBinary, ["migrate", "--config", dir.file("pg.yaml")])
            #expect(migrated.status == 0 && migrated.stdout.contains("schema version"), "\(migrated.stderr)")
            #expect(!migrated.stderr.contains(password + "@"))
        }
        let missing = try run(Fixtures.cordonBinary, ["unit", "list", "--config", dir.file("nowhere.yaml")])
        #expect(missing.status == 2 && missing.stderr.contains("nowhere.yaml: cannot read the configuration file"))
    }
}
