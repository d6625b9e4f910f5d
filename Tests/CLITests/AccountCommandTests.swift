import CordonCore
import CordonServer
import CordonStore
import Foundation
import Testing
import TestSupport

@Suite("cordon user and token")
struct AccountCommandTests {
    @Test("users with passwords from stdin, integrations without; tokens created once, listed without the secret, revoked")
    func usersAndTokens() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = "sqlite:" + dir.file("node.sqlite")
        func ok(_ args: [String], stdin: String? = nil) throws -> ProcessResult {
            let r = try cordon(args, database: db, stdin: stdin)
            #expect(r.status == 0, "\(args): \(r.stderr)")
            return r
        }
        _ = try ok(["unit", "save", "ALA", "--name", "Almaty ACCU", "--kind", "accu", "--country", "KZ", "--location", "KZALA", "--capacity", "5"])
        _ = try ok(["user", "add", "olga", "--name", "Olga", "--role", "officer", "--agency", "customs", "--unit", "ALA", "--password-file", "-"],
                   stdin: "a long passphrase\n")
        let weak = try cordon(["user", "add", "oleg", "--name", "Oleg", "--role", "officer", "--agency", "customs", "--password-file", "-"],
                              database: db, stdin: "oleg12345678\n")
        #expect(weak.status != 0 && weak.stderr.contains("username"))
        let noPassword = try cordon(["user", "add", "oleg", "--name", "Oleg", "--role", "officer", "--agency", "customs"], database: db)
        #expect(noPassword.status != 0 && noPassword.stderr.contains("--password-file is required"))
        _ = try ok(["agency", "save", "customs", "--name", "Customs service"])
        #expect(try ok(["agency", "list"]).stdout == "customs\tCustoms service\n")
        let stranger = try cordon(["user", "add", "pcs", "--name", "Port system", "--role", "integration", "--agency", "navy"], database: db)
        #expect(stranger.status == 2 && stranger.stderr.contains("no agency with code 'navy'"))
        _ = try ok(["user", "add", "pcs", "--name", "Port system", "--role", "integration", "--agency", "customs", "--unit", "ALA"])

        // Sessions ended from the command line, with the reason in the audit log.
        let sessionsStore = try await Store.open(try DatabaseLocation(parsing: db), migrate: false)
        let opened = await capture {
            let olga = try #require(try await sessionsStore.account("olga")).user
            try await sessionsStore.setSecondFactor(userID: olga.id, secret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", step: 1)
            for token in ["t1", "t2"] {
                try await sessionsStore.createSession(userID: olga.id, tokenHash: token + String(repeating: "0", count: 62), csrfToken: "c",
                                              expires: Date().addingTimeInterval(3600))
            }
        }
        await sessionsStore.close()
        try opened.get()
        #expect(try ok(["user", "sign-out", "olga", "--user", "root"]).stdout == "olga\t2 sessions ended\n")
        #expect(try ok(["user", "sign-out", "olga", "--user", "root"]).stdout == "olga\t0 sessions ended\n")
        let unknown = try cordon(["user", "sign-out", "nobody", "--user", "root"], database: db)
        #expect(unknown.status != 0 && unknown.stderr.contains("no user named 'nobody'"))
        // A lost phone: the second factor removed from the command line, audited.
        #expect(try ok(["user", "remove-second-factor", "olga", "--user", "root"]).stdout == "olga\tsecond factor removed\n")
        let checkStore = try await Store.open(try DatabaseLocation(parsing: db), migrate: false)
        let removed = await capture {
            let olga = try #require(try await checkStore.account("olga")).user
            let log = try await checkStore.auditEntries(AuditFilter(action: "second_factor_off"))
            return (try await checkStore.secondFactorSecret(userID: olga.id), log.map { "\($0.actor) \($0.subject) \($0.origin)" })
        }
        await checkStore.close()
        let (secret, log) = try removed.get()
        #expect(secret == nil && log == ["root olga cli"])

        let created = try ok(["token", "create", "pcs", "--name", "PCS feed", "--days", "30"])
        let token = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("cdn_") && token.count > 40 && created.stderr.contains("shown once"))
        _ = try ok(["token", "create", "olga", "--name", "tablet"])
        let list = try ok(["token", "list"]).stdout
        #expect(list.contains("\tpcs\tPCS feed\t") && list.contains("\tolga\ttablet\t") && list.contains("never") && !list.contains(token))
        #expect(try ok(["token", "list", "--user-name", "olga"]).stdout.split(separator: "\n").count == 1)

        let store = try await Store.open(try DatabaseLocation(parsing: db))
        let hash = APITokens.hash(token)
        #expect(try await store.tokenUser(tokenHash: hash)?.username == "pcs")
        let id = try #require(try await store.tokens(username: "pcs").first?.id)
        await store.close()
        _ = try ok(["token", "revoke", "\(id)"])
        let reopened = try await Store.open(try DatabaseLocation(parsing: db))
        #expect(try await reopened.tokenUser(tokenHash: hash) == nil)
        await reopened.close()
        #expect(try cordon(["token", "revoke", "999"], database: db).status == 2)
        #expect(try cordon(["token", "create", "nobody", "--name", "x"], database: db).stderr.contains("no user named 'nobody'"))
    }
}

@Suite("cordon node and peer")
struct NodeCommandTests {
    @Test("a node identity with its key in a private file; peers added with checked keys, listed and removed")
    func nodeAndPeers() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = "sqlite:" + dir.file("node.sqlite")
        let made = try cordon(["node", "init", "--name", "kz-node", "--country", "kz", "--key-file", dir.file("node.key")], database: db)
        #expect(made.status == 0, "\(made.stderr)")
        let key = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let privateKey = try String(contentsOfFile: dir.file("node.key"), encoding: .utf8)
        #expect(key.count == 44 && !privateKey.contains(key))
        #expect(try cordon(["node", "show"], database: db).stdout == "kz-node\tKZ\t\(key)\n")
        #expect(try cordon(["node", "init", "--name", "kz-node", "--country", "KZ", "--key-file", dir.file("node.key")], database: db).status == 2)
        #expect(try cordon(["peer", "add", "uz-node", "--country", "UZ", "--url", "https://cordon.customs.uz", "--key", key], database: db).status == 0)
        #expect(try cordon(["peer", "add", "bad", "--country", "UZ", "--url", "https://x.uz", "--key", "short"], database: db).status != 0)
        #expect(try cordon(["peer", "add", "bad", "--country", "UZ", "--url", "ftp://x.uz", "--key", key], database: db).status != 0)
        #expect(try cordon(["peer", "list"], database: db).stdout == "uz-node\tUZ\thttps://cordon.customs.uz\t\(key)\n")
        #expect(try cordon(["peer", "remove", "uz-node"], database: db).status == 0)
        #expect(try cordon(["peer", "remove", "uz-node"], database: db).status == 2)
    }
}
