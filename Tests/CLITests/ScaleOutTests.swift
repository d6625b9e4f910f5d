import AsyncHTTPClient
import CordonCore
import CordonStore
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import TestSupport

@Suite("Two server processes of one node on PostgreSQL, behind the example nginx")
struct ScaleOutTests {
    @Test("while each process in turn is restarted, every request through the proxy is answered, a session opened on one works on the other, and every message reaches the peer once, sent once")
    func restartUnderLoad() async throws {
        guard TestDatabases.available.contains(.postgres) else {
            Issue.record("CORDON_TEST_POSTGRES is not set: run the tests with scripts/test")
            return
        }
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/nginx") else {
            Issue.record("nginx is missing: run scripts/bootstrap")
            return
        }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        guard case .postgres(let url) = try await TestDatabases.fresh(.postgres, in: dir) else { return }
        let uz = try TestNode("uz-node", "UZ", units: [("UZ-TER-BCU", "UZTER")], in: dir)
        let kz = try TestNode("kz-node", "KZ", units: [("KZ-AKT-PCU", "KZAKT")], in: dir, database: url)
        let kz2 = kz.process(2)
        defer { [kz, kz2, uz].forEach { $0.stop() } }
        let officer = try cordon(["user", "add", "aigerim", "--name", "Aigerim", "--role", "officer", "--agency", "customs",
                                  "--unit", "KZ-AKT-PCU", "--password-file", "-"], database: kz.database, stdin: "correct horse battery\n")
        #expect(officer.status == 0, "\(officer.stderr)")
        // No rate limits: four clients send far more than an integration would, and the peer takes every alert.
        try await uz.start(["--exchange-rate", "0"])
        try kz.addPeers([uz])
        let back = try cordon(["peer", "add", "kz-node", "--country", "KZ", "--url", "http://127.0.0.1:9", "--key", kz.publicKey],
                              database: uz.database)
        #expect(back.status == 0, "\(back.stderr)")
        try await kz.start(["--api-rate", "0"])
        try await kz2.start(["--api-rate", "0"])
        let proxy = try ExampleProxy(backendPorts: [kz.port, kz2.port], in: dir)
        defer { proxy.stop() }
        let https = "https://127.0.0.1:\(proxy.httpsPort)"
        let client = HTTPClient(eventLoopGroupProvider: .singleton,
                                configuration: .init(certificateVerification: .none, redirectConfiguration: .disallow))

        let outcome = await capture {
            #expect(try await eventually(10) {
                (try? await client.execute(HTTPClientRequest(url: https + "/health"), timeout: .seconds(2)))?.status == .ok
            })
            func call(_ method: HTTPMethod, _ path: String, json: Any? = nil, form: String? = nil,
                      cookie: String? = nil) async throws -> (status: UInt, body: String, cookies: [String]) {
                var request = HTTPClientRequest(url: https + path)
                request.method = method
                if cookie == nil { request.headers.add(name: "Authorization", value: "Bearer \(kz.token)") }
                if let cookie { request.headers.add(name: "Cookie", value: cookie) }
                if let json {
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json)))
                }
                if let form {
                    request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                    request.body = .bytes(ByteBuffer(string: form))
                }
                do {
                    let response = try await client.execute(request, timeout: .seconds(30))
                    let body = String(buffer: try await response.body.collect(upTo: 8 << 20))
                    return (response.status.code, body, response.headers["Set-Cookie"])
                } catch {
                    // Counted as a failure of that request, not of the whole test.
                    return (0, "\(error)", [])
                }
            }

            // A session opened through the proxy is the node's, not a process's: the pages answer from either.
            let signedIn = try await call(.POST, "/login", form: "username=aigerim&password=correct%20horse%20battery", cookie: "")
            let session = try #require(signedIn.cookies.first { $0.hasPrefix("cordon_session=") }?.split(separator: ";").first.map(String.init))
            for _ in 0..<6 { #expect(try await call(.GET, "/queue", cookie: session).status == 200) }

            // Load: alerts to the peer, batches of cargo and reads of the queue, four clients at once, until both
            // processes have been restarted.
            let restarting = ManagedFlag()
            let sent = try await withThrowingTaskGroup(of: (ids: [String], failures: [String]).self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        var ids: [String] = [], failures: [String] = []
                        var n = 0
                        while !restarting.isDone {
                            n += 1
                            switch n % 3 {
                            case 0:
                                let r = try await call(.POST, "/api/v1/messages", json: [
                                    "unit": "KZ-AKT-PCU", "channel": ["to": "unit", "node": "uz-node", "unit": "UZ-TER-BCU"], "kind": "alert",
                                    "priority": "urgent", "subject": "w\(worker) n\(n)",
                                    "consignment": ["containers": ["MSCU0759544"], "route": ["KZAKT", "UZTER"], "goods": [], "reasons": [], "parties": []]])
                                if r.status == 201, let id = (try? JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [String: Any])?["id"] as? String {
                                    ids.append(id)
                                } else { failures.append("alert \(r.status) \(r.body.prefix(200))") }
                            case 1:
                                let r = try await call(.POST, "/api/v1/consignments", json: FaultTests.batch(worker * 10_000 + n, size: 3))
                                if r.status != 200 { failures.append("batch \(r.status) \(r.body.prefix(200))") }
                            default:
                                let r = try await call(.GET, "/api/v1/targets?unit=KZ-AKT-PCU&date=\(CalendarDate.today)")
                                if r.status != 200 { failures.append("targets \(r.status) \(r.body.prefix(200))") }
                            }
                        }
                        return (ids, failures)
                    }
                }
                group.addTask {
                    // Each process in turn, as `systemctl restart cordon@PORT` does it, under the load.
                    try await Task.sleep(for: .seconds(2))
                    for process in [kz, kz2] {
                        process.stop()
                        try await Task.sleep(for: .milliseconds(500))
                        try await process.start(["--api-rate", "0"])
                        try await Task.sleep(for: .seconds(2))
                    }
                    restarting.finish()
                    return ([], [])
                }
                var all: (ids: [String], failures: [String]) = ([], [])
                for try await part in group {
                    all.ids += part.ids
                    all.failures += part.failures
                }
                return all
            }
            #expect(sent.failures.isEmpty, "\(sent.failures.prefix(5)) nginx: \((try? String(contentsOfFile: dir.file("error.log"), encoding: .utf8)) ?? "")")
            #expect(sent.ids.count > 10)

            // Every alert reaches the peer once, and each was posted once: no process sent another's delivery.
            let api = TestNode.API(baseURL: "http://127.0.0.1:\(kz.port)", token: kz.token)
            let allDelivered = try await eventually(60) {
                for id in sent.ids {
                    let deliveries = try await api.call(.GET, "/api/v1/messages/\(id)").json["deliveries"] as? [[String: Any]] ?? []
                    if deliveries.count != 1 || deliveries[0]["delivered"] == nil { return false }
                }
                return true
            }
            #expect(allDelivered)
            var attempts: [Int] = []
            for id in sent.ids {
                let deliveries = try await api.call(.GET, "/api/v1/messages/\(id)").json["deliveries"] as? [[String: Any]] ?? []
                attempts += deliveries.compactMap { $0["attempts"] as? Int }
            }
            #expect(attempts.count == sent.ids.count && attempts.allSatisfy { $0 == 1 }, "\(attempts)")
            let received = try await uz.inbox().map(\.id)
            #expect(received.count == sent.ids.count && Set(received) == Set(sent.ids))

            // Both processes served, and the audit chain they wrote together is whole.
            let logs = [kz.log, kz2.log].map { (try? String(contentsOfFile: $0, encoding: .utf8)) ?? "" }
            #expect(logs.allSatisfy { $0.contains("serving on") })
            let verify = try cordon(["audit", "verify"], database: kz.database)
            #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        }
        try await client.shutdown()
        try outcome.get()
    }
}

/// A flag one task sets and others read.
final class ManagedFlag: @unchecked Sendable {
    // @unchecked: guarded by the lock.
    private let lock = NSLock()
    private var done = false
    var isDone: Bool { lock.withLock { done } }
    func finish() { lock.withLock { done = true } }
}
