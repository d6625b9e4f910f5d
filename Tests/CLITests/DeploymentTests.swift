import AsyncHTTPClient
import CordonCore
import CordonStore
import Foundation
import NIOCore
import Testing
import TestSupport

/// Debian's nginx run with the example site of deploy/ (ports, certificate and backend filled in), in front of a
/// real `cordon serve`.
final class ExampleProxy: @unchecked Sendable {
    // @unchecked: driven by one test, sequentially.
    let dir: TemporaryDirectory
    let process = Process()
    let httpPort: Int, httpsPort: Int

    /// The example's two upstream processes are `backendPorts` (one port: both entries name it).
    init(backendPorts: [Int], in dir: TemporaryDirectory) throws {
        self.dir = dir
        httpPort = try ExampleProxy.freePort()
        httpsPort = try ExampleProxy.freePort()
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                             "-keyout", dir.file("privkey.pem"), "-out", dir.file("fullchain.pem")]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        var site = try String(contentsOfFile: Fixtures.root.appendingPathComponent("deploy/nginx-cordon.conf").path, encoding: .utf8)
        for (from, to) in [("listen 80;", "listen 127.0.0.1:\(httpPort);"), ("listen 443 ssl http2;", "listen 127.0.0.1:\(httpsPort) ssl http2;"),
                           ("server 127.0.0.1:8080 ", "server 127.0.0.1:\(backendPorts[0]) "),
                           ("server 127.0.0.1:8081 ", "server 127.0.0.1:\(backendPorts.last ?? backendPorts[0]) "),
                           ("/etc/ssl/cordon/", dir.file("") + "/")] {
            #expect(site.contains(from), "the example no longer has '\(from)'")
            site = site.replacingOccurrences(of: from, with: to)
        }
        let d = dir.file("")
        let conf = """
            \(getuid() == 0 ? "user root;" : "")
            worker_processes 1;
            daemon off;
            pid \(d)/nginx.pid;
            events { worker_connections 64; }
            http {
                access_log \(d)/access.log;
                client_body_temp_path \(d)/body; proxy_temp_path \(d)/proxy; fastcgi_temp_path \(d)/fastcgi;
                uwsgi_temp_path \(d)/uwsgi; scgi_temp_path \(d)/scgi;
            \(site)
            }
            """
        try conf.write(toFile: dir.file("nginx.conf"), atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
        process.arguments = ["-p", d, "-e", dir.file("error.log"), "-c", dir.file("nginx.conf")]
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}

@Suite("The deployment example: nginx with TLS in front of a node")
struct DeploymentTests {
    @Test("HTTP goes to HTTPS; the client's address reaches the audit log; big bodies pass; message events stream; /metrics stays inside")
    func nginxInFront() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/nginx") else {
            Issue.record("nginx is missing: run scripts/bootstrap")
            return
        }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let node = try TestNode("kz-node", "KZ", units: [("KZ-AKT-PCU", "KZAKT")], in: dir)
        defer { node.stop() }
        let officer = try cordon(["user", "add", "aigerim", "--name", "Aigerim", "--role", "officer", "--agency", "customs",
                                  "--unit", "KZ-AKT-PCU", "--password-file", "-"], database: node.database, stdin: "correct horse battery\n")
        #expect(officer.status == 0, "\(officer.stderr)")
        try "metrics-token-0123456789".write(toFile: dir.file("metrics.token"), atomically: true, encoding: .utf8)
        // As in deploy/cordon@.service.
        try await node.start(["--trusted-proxy", "127.0.0.1", "--metrics-token-file", dir.file("metrics.token")])
        let proxy = try ExampleProxy(backendPorts: [node.port], in: dir)
        defer { proxy.stop() }

        // No verification: the certificate is the test's own, self-signed.
        let client = HTTPClient(eventLoopGroupProvider: .singleton,
                                configuration: .init(certificateVerification: .none, redirectConfiguration: .disallow))
        let outcome = await capture {
            let https = "https://127.0.0.1:\(proxy.httpsPort)"
            // nginx takes a moment to listen.
            var up = false
            for _ in 0..<50 where !up {
                up = (try? await client.execute(HTTPClientRequest(url: https + "/health"), timeout: .seconds(2)))?.status == .ok
                if !up { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(up, "nginx did not answer: \((try? String(contentsOfFile: dir.file("error.log"), encoding: .utf8)) ?? "")")

            let plain = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(proxy.httpPort)/queue"), timeout: .seconds(10))
            #expect(plain.status == .movedPermanently && plain.headers.first(name: "Location")?.hasPrefix("https://") == true)

            // A batch through the proxy: the audit log names the client from X-Forwarded-For, not the proxy.
            var batch = HTTPClientRequest(url: https + "/api/v1/consignments")
            batch.method = .POST
            batch.headers.add(name: "Authorization", value: "Bearer \(node.token)")
            batch.headers.add(name: "Content-Type", value: "application/json")
            batch.headers.add(name: "X-Forwarded-For", value: "198.51.100.4")
            batch.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: FaultTests.batch(7, size: 2))))
            let stored = try await client.execute(batch, timeout: .seconds(30))
            #expect(stored.status == .ok && stored.headers.first(name: "X-Request-Id").map { (17...32).contains($0.count) } == true)

            // A body of 5 MB reaches the node (nginx's default limit is 1 MB) and is answered by it.
            var big = HTTPClientRequest(url: https + "/api/v1/consignments")
            big.method = .POST
            big.headers.add(name: "Authorization", value: "Bearer \(node.token)")
            big.headers.add(name: "Content-Type", value: "application/json")
            big.body = .bytes(ByteBuffer(repeating: UInt8(ascii: " "), count: 5 << 20))
            let answered = try await client.execute(big, timeout: .seconds(30))
            #expect(answered.status == .badRequest && answered.headers.first(name: "X-Request-Id") != nil)

            // /metrics is not served through the proxy; on the node's own address it is, with the token.
            #expect(try await client.execute(HTTPClientRequest(url: https + "/metrics"), timeout: .seconds(10)).status == .notFound)

            // Signed in through the proxy, an open page's event stream reaches the browser while it stays open.
            var login = HTTPClientRequest(url: https + "/login")
            login.method = .POST
            login.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            login.body = .bytes(ByteBuffer(string: "username=aigerim&password=correct%20horse%20battery"))
            let signedIn = try await client.execute(login, timeout: .seconds(30))
            let cookie = try #require(signedIn.headers["Set-Cookie"].first { $0.hasPrefix("cordon_session=") })
            #expect(cookie.contains("HttpOnly"))
            var events = HTTPClientRequest(url: https + "/messages/events")
            events.headers.add(name: "Cookie", value: String(cookie.prefix { $0 != ";" }))
            let stream = try await client.execute(events, timeout: .seconds(20))
            #expect(stream.status == .ok)
            var first = ""
            for try await chunk in stream.body {
                first += String(buffer: chunk)
                if first.contains("\n\n") { break }
            }
            #expect(first == "event: unread\ndata: 0\n\n")
        }
        try? await client.shutdown()
        try outcome.get()
        node.stop()
        proxy.stop()

        let store = try await Store.open(try DatabaseLocation(parsing: node.database), migrate: false)
        let entries = await capture { try await store.auditEntries(AuditFilter(action: "upload_cargo")) }
        await store.close()
        #expect(try entries.get().map(\.origin) == ["198.51.100.4"])
    }
}
