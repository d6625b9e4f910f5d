import CordonCore
@testable import CordonServer
import CordonStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Sends raw bytes to a loopback port and returns what comes back before the server closes or 5 s pass.
func rawExchange(port: Int, _ bytes: [UInt8]) throws -> String {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestSetupError("no socket") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw TestSetupError("cannot connect to port \(port)") }
    var timeout = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var sent = 0
    while sent < bytes.count {
        let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if n <= 0 { break }   // the server may close before reading everything: that is an answer too
        sent += n
    }
    shutdown(fd, Int32(SHUT_WR))
    var answer: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { break }
        answer += chunk[..<n]
    }
    return String(decoding: answer, as: UTF8.self)
}

@Suite("Limits: rate limits, size limits, malformed requests")
struct LimitsTests {
    @Test("a token bucket: a burst, then one request per refill interval, and clients apart")
    func bucket() {
        let limiter = RateLimiter(RateLimit(3, per: 60))
        let start = ContinuousClock.now
        #expect((0..<3).map { _ in limiter.admit("a", now: start) } == [nil, nil, nil])
        #expect(limiter.admit("a", now: start) == 20)
        #expect(limiter.admit("b", now: start) == nil)
        #expect(limiter.admit("a", now: start + .seconds(19)) == 1)
        #expect(limiter.admit("a", now: start + .seconds(20)) == nil)
        #expect(limiter.admit("a", now: start + .seconds(21)) == 19)
        #expect(RateLimiter(.none).admit("a") == nil)
        // Forgetting clients whose bucket is full again keeps memory bounded and does not free the limited ones.
        let small = RateLimiter(RateLimit(1, per: 60), maxClients: 2)
        #expect(small.admit("x", now: start) == nil)
        for i in 0..<10 { _ = small.admit("flood-\(i)", now: start + .seconds(120)) }
        #expect(small.admit("flood-9", now: start + .seconds(120)) != nil)
    }

    @Test("sign-in attempts from one address are limited before any password is checked, with a Retry-After")
    func signIn() async throws {
        var settings = ServerSettings(port: 0)
        settings.signInLimit = RateLimit(3, per: 3600)
        try await withSeededWorkspace(settings: settings) { client, _ in
            let b = Browser(client)
            for _ in 0..<3 { #expect(try await b.post("/login", ["username": "olga", "password": "wrong"]).status == .unauthorized) }
            let limited = try await b.post("/login", ["username": "olga", "password": "correct horse battery"])
            #expect(limited.status == .tooManyRequests)
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 >= 1)
            #expect(String(buffer: limited.body).contains("Too many sign-in attempts from your address"))
            #expect(b.cookies["cordon_session"] == nil)
            // Other pages are not limited.
            #expect(try await b.get("/login").status == .ok)
        }
    }

    @Test("API requests are limited per token: the limited token gets 429 in the API's error shape, another token goes on")
    func api() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try await seededStore(.sqlite, in: dir)
        let olga = APITokens.issue(), ana = APITokens.issue()
        _ = try await store.createToken(username: "olga", name: "t", tokenHash: olga.hash, expires: nil, by: "admin")
        _ = try await store.createToken(username: "ana", name: "t", tokenHash: ana.hash, expires: nil, by: "admin")
        var settings = ServerSettings(port: 0)
        settings.apiLimit = RateLimit(5, per: 3600)
        let app = try await NodeServer.application(store: store, settings: settings)
        let outcome = await capture {
            try await app.test(.live) { client in
                let o = APIClient(client: client, token: olga.token)
                for _ in 0..<5 { #expect(try await o.call(.get, "/api/v1/me").status == .ok) }
                let limited = try await o.call(.get, "/api/v1/me")
                #expect(limited.status == .tooManyRequests && limited.errorCode == "rate_limited")
                #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 > 600)
                #expect(try await APIClient(client: client, token: ana.token).call(.get, "/api/v1/me").status == .ok)
                // Guessing tokens is limited too: without a valid token, by address.
                let guesses = try await (0..<7).asyncMap { i in try await APIClient(client: client, token: "guess-\(i)").call(.get, "/api/v1/me").status }
                #expect(guesses == Array(repeating: .unauthorized, count: 5) + [.tooManyRequests, .tooManyRequests])
            }
        }
        await store.close()
        try outcome.get()
    }

    @Test("the exchange inbox limits envelopes by address; a malformed one is refused, never answered with a crash")
    func inbox() async throws {
        var settings = ServerSettings(port: 0)
        settings.exchangeLimit = RateLimit(2, per: 3600)
        try await withSeededWorkspace(settings: settings) { client, _ in
            for body in ["{", "{\"envelope\": 1}"] {
                let r = try await client.execute(uri: "/exchange/inbox", method: .post, headers: [.contentType: "application/json"],
                                                 body: ByteBuffer(string: body))
                #expect(r.status == .badRequest)
            }
            let limited = try await client.execute(uri: "/exchange/inbox", method: .post, headers: [.contentType: "application/json"],
                                                   body: ByteBuffer(string: "{}"))
            #expect(limited.status == .tooManyRequests && String(buffer: limited.body).contains("rate_limited"))
        }
    }

    @Test("bodies over the limit are refused with 413; malformed HTTP, huge headers and cut-off bodies do not take the server down")
    func malformed() async throws {
        try await withSeededWorkspace { client, _ in
            let port = try #require(client.port)
            let big = ByteBuffer(repeating: UInt8(ascii: "a"), count: 2 << 20)
            let inbox = try await client.execute(uri: "/exchange/inbox", method: .post, headers: [.contentType: "application/json"], body: big)
            #expect(inbox.status == .contentTooLarge)
            let api = try await client.execute(uri: "/api/v1/results", method: .post,
                                               headers: [.contentType: "application/json", .authorization: "Bearer x"], body: big)
            #expect(api.status == .unauthorized || api.status == .contentTooLarge)

            let garbage: [[UInt8]] = [
                Array("GARBAGE\r\n\r\n".utf8),
                Array("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 200_000))\r\n\r\n".utf8),
                Array("POST /api/v1/consignments HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\nContent-Type: application/json\r\n\r\n{\"consi".utf8),
                Array("POST /login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n".utf8),
                Array("GET /consignments/%ZZ%00 HTTP/1.1\r\nHost: x\r\n\r\n".utf8),
                (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7919) },
            ]
            for bytes in garbage {
                let answer = try rawExchange(port: port, bytes)
                #expect(!answer.contains(" 500 "), "\(answer.prefix(200))")
                #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
            }
        }
    }
}

extension Sequence {
    /// Maps in order, awaiting each element.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}
