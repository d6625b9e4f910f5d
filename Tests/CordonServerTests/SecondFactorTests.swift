import CordonCore
import CordonServer
import CordonStore
import Foundation
import HummingbirdTesting
import Testing
import TestSupport

@Suite("One-time codes")
struct OneTimeCodeTests {
    /// RFC 6238 appendix B, SHA-1 column: the secret is the ASCII of "12345678901234567890", codes of 8 digits.
    @Test("the RFC 6238 reference codes, and 6-digit codes as their last six digits",
          arguments: [(59, "94287082"), (1_111_111_109, "07081804"), (1_111_111_111, "14050471"), (1_234_567_890, "89005924"),
                      (2_000_000_000, "69279037"), (20_000_000_000, "65353130")] as [(Int64, String)])
    func reference(time: Int64, expected: String) {
        let secret = Array("12345678901234567890".utf8)
        let step = TOTP.step(at: Date(timeIntervalSince1970: Double(time)))
        #expect(TOTP.code(secret: secret, step: step, digits: 8) == expected)
        #expect(TOTP.code(secret: secret, step: step) == String(expected.suffix(6)))
    }

    @Test("base32 as RFC 4648 writes it, read back ignoring case, spaces and padding")
    func base32() {
        let vectors = ["": "", "f": "MY", "fo": "MZXQ", "foo": "MZXW6", "foob": "MZXW6YQ", "fooba": "MZXW6YTB", "foobar": "MZXW6YTBOI"]
        for (plain, encoded) in vectors {
            #expect(Base32.encode(Array(plain.utf8)) == encoded)
            #expect(Base32.decode(encoded.lowercased() + "====") == Array(plain.utf8))
        }
        let secret = TOTP.newSecret()
        #expect(secret.count == 20 && Base32.decode(Base32.encode(secret)) == secret)
        #expect(Base32.decode("MZXW 6YTB") == Array("fooba".utf8))
        #expect(Base32.decode("MZ1W") == nil && Base32.decode("ÄÖ") == nil)
    }

    @Test("a code is taken one step either side of now, once, and only as six digits")
    func window() throws {
        let secret = Array("12345678901234567890".utf8)
        let now = Date(timeIntervalSince1970: 1_111_111_111)
        let step = TOTP.step(at: now)
        for offset: Int64 in [-1, 0, 1] {
            #expect(TOTP.matchingStep(TOTP.code(secret: secret, step: step + offset), secret: secret, at: now) == step + offset)
        }
        #expect(TOTP.matchingStep(TOTP.code(secret: secret, step: step - 2), secret: secret, at: now) == nil)
        #expect(TOTP.matchingStep(TOTP.code(secret: secret, step: step + 2), secret: secret, at: now) == nil)
        let code = TOTP.code(secret: secret, step: step)
        #expect(TOTP.matchingStep(code, secret: secret, at: now, after: step) == nil)
        #expect(TOTP.matchingStep(String(code.prefix(3)) + " " + String(code.dropFirst(3)), secret: secret, at: now) == step)
        for bad in ["", "12345", "1234567", "12a456", "١٢٣٤٥٦"] { #expect(TOTP.matchingStep(bad, secret: secret, at: now) == nil) }
        let uri = TOTP.uri(secret: secret, account: "olga", issuer: "Cordon")
        #expect(uri == "otpauth://totp/Cordon:olga?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Cordon&algorithm=SHA1&digits=6&period=30")
    }
}

@Suite("Second factor at sign-in")
struct SecondFactorPageTests {
    static let password = "correct horse battery"

    /// The base32 key shown on the account page.
    static func shownSecret(_ page: TestResponse) throws -> [UInt8] {
        let html = String(buffer: page.body)
        let range = try #require(html.range(of: #"<input type="hidden" name="secret" value=""#))
        return try #require(Base32.decode(String(html[range.upperBound...].prefix { $0 != "\"" })))
    }

    static func code(_ secret: [UInt8], _ offset: Int64 = 0) -> String {
        TOTP.code(secret: secret, step: TOTP.step(at: Date()) + offset)
    }

    @Test("a supervisor turns the second factor on with a code; sign-in then asks for a fresh code; an administrator removes it",
          arguments: TestDatabases.available)
    func signIn(kind: TestDatabases.Kind) async throws {
        try await withSeededWorkspace(kind, prepare: { store in
            let hash = fixturePasswordHash
            _ = try await store.createUser(User(username: "sabina", displayName: "Sabina", role: .supervisor, agency: "customs", units: ["ALA"]),
                                           passwordHash: hash)
            _ = try await store.createUser(User(username: "root", displayName: "Node admin", role: .admin, agency: "customs", units: []),
                                           passwordHash: hash)
        }) { client, store in
            let desk = Browser(client), laptop = Browser(client)
            for b in [desk, laptop] { try await b.post("/login", ["username": "sabina", "password": Self.password]) }
            let account = try await desk.get("/password")
            #expect(String(buffer: account.body).contains("Set up a second factor"))
            let secret = try Self.shownSecret(account)
            #expect(String(buffer: account.body).contains("otpauth://totp/Cordon:sabina?secret=\(Base32.encode(secret))"))

            // A wrong code or a wrong password turns nothing on, and the same key is offered again.
            let wrongCode = try await desk.post("/second-factor", ["csrf": Browser.csrf(account), "secret": Base32.encode(secret),
                                                                   "current": Self.password, "code": "000000"])
            #expect(wrongCode.status == .badRequest && String(buffer: wrongCode.body).contains("The code is not right"))
            #expect(try Self.shownSecret(wrongCode) == secret)
            let wrongPassword = try await desk.post("/second-factor", ["csrf": Browser.csrf(account), "secret": Base32.encode(secret),
                                                                       "current": "not my password", "code": Self.code(secret)])
            #expect(wrongPassword.status == .badRequest)
            #expect(try await desk.post("/second-factor", ["csrf": "", "secret": Base32.encode(secret), "current": Self.password,
                                                           "code": Self.code(secret)]).status == .forbidden)
            let first = Self.code(secret)
            let on = try await desk.post("/second-factor", ["csrf": Browser.csrf(account), "secret": Base32.encode(secret),
                                                            "current": Self.password, "code": first])
            #expect(on.status == .ok && String(buffer: on.body).contains("The second factor is on"))
            // The session opened without it ends; this one stays.
            #expect(try await laptop.get("/queue").status == .seeOther)
            #expect(try await desk.get("/queue").status == .ok)

            // Signing in: the right password gives no session yet, only the code page.
            let phone = Browser(client)
            let asked = try await phone.post("/login", ["username": "sabina", "password": Self.password])
            #expect(asked.status == .ok && String(buffer: asked.body).contains(#"action="/login/code""#))
            #expect(phone.cookies["cordon_session"] == nil && phone.cookies["cordon_challenge"] != nil)
            #expect(try await phone.get("/queue").status == .seeOther)
            let wrong = try await phone.post("/login/code", ["code": "000000"])
            #expect(wrong.status == .unauthorized && String(buffer: wrong.body).contains("Attempts left: 4."))
            // The code that turned the factor on was used: it is not taken again.
            let replayed = try await phone.post("/login/code", ["code": first])
            #expect(replayed.status == .unauthorized)
            let fresh = Self.code(secret, 1)
            #expect(try await phone.post("/login/code", ["code": fresh]).status == .seeOther)
            #expect(try await phone.get("/queue").status == .ok)

            // Nor is a code taken twice at sign-in; without the password step there is nothing to enter a code for.
            let thief = Browser(client)
            try await thief.post("/login", ["username": "sabina", "password": Self.password])
            #expect(try await thief.post("/login/code", ["code": fresh]).status == .unauthorized)
            let stranger = Browser(client)
            let nothing = try await stranger.post("/login/code", ["code": fresh])
            #expect(nothing.status == .unauthorized && String(buffer: nothing.body).contains("The sign-in has expired"))

            // The administrator sees it and removes it (a lost phone); the password alone signs in again.
            let root = Browser(client)
            try await root.post("/login", ["username": "root", "password": Self.password])
            let form = try await root.get("/admin/users/sabina")
            #expect(String(buffer: form.body).contains(#"<span id="second-factor">on</span>"#))
            #expect(try await root.post("/admin/users/sabina/second-factor/off", ["csrf": Browser.csrf(form)]).status == .seeOther)
            #expect(String(buffer: try await root.get("/admin/users/sabina").body).contains(#"<span id="second-factor">off</span>"#))
            let later = Browser(client)
            #expect(try await later.post("/login", ["username": "sabina", "password": Self.password]).status == .seeOther)

            let log = try await store.auditEntries(AuditFilter(subject: "sabina"))
            #expect(log.filter { $0.action == "second_factor_on" }.count == 1)
            #expect(log.contains { $0.action == "second_factor_off" && $0.actor == "root" })
            #expect(log.filter { $0.action == "sign_in_refused" && $0.details == "wrong code" }.count == 3)
        }
    }

    @Test("wrong codes count towards the lock-out, and the user turns the factor off with the password and a code")
    func lockOutAndOff() async throws {
        let settings = ServerSettings(port: 0, signInAttempts: 3)
        try await withSeededWorkspace(settings: settings) { client, store in
            let olga = Browser(client)
            try await olga.post("/login", ["username": "olga", "password": Self.password])
            let account = try await olga.get("/password")
            let secret = try Self.shownSecret(account)
            let first = Self.code(secret)
            #expect(try await olga.post("/second-factor", ["csrf": Browser.csrf(account), "secret": Base32.encode(secret),
                                                           "current": Self.password, "code": first]).status == .ok)

            // Turning it off needs the password and a code not used before.
            let page = try await olga.get("/password")
            #expect(String(buffer: page.body).contains("Turn off the second factor"))
            let usedCode = try await olga.post("/second-factor/off", ["csrf": Browser.csrf(page), "current": Self.password, "code": first])
            #expect(usedCode.status == .badRequest)
            let off = try await olga.post("/second-factor/off", ["csrf": Browser.csrf(page), "current": Self.password, "code": Self.code(secret, 1)])
            #expect(off.status == .ok && String(buffer: off.body).contains("The second factor is off."))
            let olgaID = try #require(try await store.account("olga")).user.id
            #expect(try await store.secondFactorSecret(userID: olgaID) == nil)

            // On again; then three wrong codes lock the account like three wrong passwords.
            let again = try await olga.get("/password")
            let second = try Self.shownSecret(again)
            #expect(try await olga.post("/second-factor", ["csrf": Browser.csrf(again), "secret": Base32.encode(second),
                                                           "current": Self.password, "code": Self.code(second)]).status == .ok)
            let phone = Browser(client)
            try await phone.post("/login", ["username": "olga", "password": Self.password])
            #expect(String(buffer: try await phone.post("/login/code", ["code": "111111"]).body).contains("Attempts left"))
            _ = try await phone.post("/login/code", ["code": "222222"])
            let locked = try await phone.post("/login/code", ["code": "333333"])
            #expect(String(buffer: locked.body).contains("Too many wrong codes"))
            #expect(try await store.isLocked(userID: olgaID))
            let retry = try await phone.post("/login", ["username": "olga", "password": Self.password])
            #expect(retry.status == .unauthorized)
        }
    }
}
