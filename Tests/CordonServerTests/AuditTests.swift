import CordonCore
import CordonServer
import CordonStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

@Suite("The audit log")
struct AuditTests {
    @Test("sign-ins, views of a consignment and results are logged with who, when and from where; the chain verifies, and an edited or removed entry is named by cordon audit verify")
    func chain() async throws {
        try await withSeededWorkspace { client, store in
            let olga = Browser(client)
            #expect(try await olga.post("/login", ["username": "olga", "password": "wrong password!"]).status == .unauthorized)
            try await olga.post("/login", ["username": "olga", "password": "correct horse battery"])
            let id = try #require(try await store.currentConsignmentID("BL-ALA-1", kind: .billOfLading))
            let page = try await olga.get("/consignments/\(id)")
            try await olga.post("/consignments/\(id)/result", ["csrf": Browser.csrf(page), "unit": "ALA", "outcome": "cleared", "method": "x-ray"])
            // Timur may not open Almaty's consignment: nothing of it is logged as a view.
            let timur = Browser(client)
            try await timur.post("/login", ["username": "timur", "password": "correct horse battery"])
            #expect(try await timur.get("/consignments/\(id)").status == .notFound)

            let entries = try await store.auditEntries(AuditFilter()).reversed().map { "\($0.actor) \($0.action) \($0.subject)" }
            #expect(Array(entries) == ["anonymous sign_in_refused olga", "olga sign_in olga", "olga view_consignment \(id)",
                                       "olga record_result \(id)", "timur sign_in timur"], "\(entries)")
            let view = try #require(try await store.auditEntries(AuditFilter(actor: "olga", action: "view_consignment")).first)
            // From where: the client's address (loopback here).
            #expect(!view.origin.isEmpty)
            #expect(view.details == "bl BL-ALA-1" && view.at.hasSuffix("Z"))
            #expect(try await store.verifyAudit() == AuditVerification(checked: 5, firstBad: nil, problem: nil))

            guard case .sqlite(let path) = await store.location else { return }
            let database = "sqlite:" + path
            let ok = try run(Fixtures.cordonBinary, ["audit", "verify"], environment: ["CORDON_DATABASE": database])
            #expect(ok.status == 0 && ok.stdout == "ok\t5\n", "\(ok.stderr)")
            let listed = try run(Fixtures.cordonBinary, ["audit", "list", "--actor", "olga", "--action", "record_result"],
                                 environment: ["CORDON_DATABASE": database])
            #expect(listed.stdout.hasPrefix("4\t") && listed.stdout.contains("\tolga\trecord_result\t\(id)\tALA cleared\t"))
            // Someone edits entry 3 in the database file.
            _ = try run("/usr/bin/sqlite3", [path, "UPDATE audit_log SET actor = 'nobody' WHERE seq = 3"])
            let edited = try run(Fixtures.cordonBinary, ["audit", "verify"], environment: ["CORDON_DATABASE": database])
            #expect(edited.status == 1 && edited.stdout == "bad\t3\tentry 3 was altered\n")
            #expect(try await store.verifyAudit().firstBad == 3)
        }
    }

    @Test("a removed entry breaks the chain where it was", arguments: TestDatabases.available)
    func removed(kind: TestDatabases.Kind) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try await Store.open(try await TestDatabases.fresh(kind, in: dir))
        let outcome = await capture {
            for i in 1...5 { try await store.audit(AuditEntry(actor: "u\(i)", action: "view_consignment", subject: "\(i)", origin: "cli")) }
            #expect(try await store.verifyAudit() == AuditVerification(checked: 5, firstBad: nil, problem: nil))
            #expect(try await store.auditEntries(AuditFilter(subject: "4")).map(\.actor) == ["u4"])
        }
        await store.close()
        try outcome.get()
        guard kind == .sqlite, case .sqlite(let path) = await store.location else { return }
        _ = try run("/usr/bin/sqlite3", [path, "DELETE FROM audit_log WHERE seq = 2"])
        let reopened = try await Store.open(.sqlite(path: path))
        let verdict = try await reopened.verifyAudit()
        await reopened.close()
        #expect(verdict == AuditVerification(checked: 1, firstBad: 2, problem: "entry 2 is missing"))
    }

    @Test("a signed checkpoint finds a rewrite of the whole chain with every hash recomputed; a key given from outside finds a forged checkpoint too")
    func checkpoints() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("cordon.sqlite")
        let database = "sqlite:" + path
        func cordon(_ args: [String]) throws -> ProcessResult { try run(Fixtures.cordonBinary, args, environment: ["CORDON_DATABASE": database]) }
        let made = try cordon(["node", "init", "--name", "kz-node", "--country", "KZ", "--key-file", dir.file("node.key")])
        #expect(made.status == 0, "\(made.stderr)")
        let nodeKey = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        for i in 1...5 {
            #expect(try cordon(["agency", "save", "a\(i)", "--name", "Agency \(i)", "--user", "u\(i)"]).status == 0)
        }
        let signed = try cordon(["audit", "checkpoint", "--key-file", dir.file("node.key")])
        #expect(signed.status == 0 && signed.stdout.hasPrefix("checkpoint\t6\t"), "\(signed.stdout) \(signed.stderr)")
        #expect(try cordon(["audit", "checkpoint", "--key-file", dir.file("node.key")]).stdout == "nothing new to sign\n")
        _ = try cordon(["agency", "save", "a6", "--name", "Agency 6", "--user", "u6"])
        let ok = try cordon(["audit", "verify"])
        #expect(ok.status == 0 && ok.stdout == "ok\t7\n" && ok.stderr.contains("1 signed checkpoints right; the latest covers entries 1 to 6 of 7"),
                "\(ok.stdout) \(ok.stderr)")

        // Someone with the database file rewrites entry 3 and recomputes every hash after it: the chain holds, the checkpoint does not.
        let store = try await Store.open(.sqlite(path: path))
        let entries = try await store.auditEntries(AuditFilter()).reversed().map { $0 }
        await store.close()
        var previous = entries[1].hash
        var statements: [String] = []
        for var e in entries.dropFirst(2) {
            if e.seq == 3 { e.details = "nothing to see" }
            let hash = AuditEntry.hash(seq: e.seq, at: e.at, actor: e.actor, action: e.action, subject: e.subject, details: e.details,
                                       origin: e.origin, previous: previous)
            statements.append("UPDATE audit_log SET details = '\(e.details)', previous_hash = '\(previous)', hash = '\(hash)' WHERE seq = \(e.seq);")
            previous = hash
        }
        _ = try run("/usr/bin/sqlite3", [path, statements.joined(separator: "\n")])
        let rewritten = try cordon(["audit", "verify"])
        #expect(rewritten.status == 1 && rewritten.stdout.hasPrefix("bad\t6\tentry 6 differs from the checkpoint signed at "), "\(rewritten.stdout)")

        // They also sign a new checkpoint with a key of their own and put its public key in the node's record: only the key
        // known from outside the database finds it.
        _ = try run("/usr/bin/sqlite3", [path, "DELETE FROM audit_checkpoints; DELETE FROM node_identity;"])
        #expect(try cordon(["node", "init", "--name", "kz-node", "--country", "KZ", "--key-file", dir.file("forger-2.key")]).status == 0)
        #expect(try cordon(["audit", "checkpoint", "--key-file", dir.file("forger-2.key")]).status == 0)
        #expect(try cordon(["audit", "verify"]).status == 0)
        let outside = try cordon(["audit", "verify", "--public-key", nodeKey])
        #expect(outside.status == 1 && outside.stdout.contains("is not signed by the node's key"), "\(outside.stdout)")
    }

    @Test("auditors read, filter, check and export the log in the pages; reading it is logged; others may not")
    func pages() async throws {
        try await withSeededWorkspace(prepare: { store in
            _ = try await store.createUser(User(username: "aud", displayName: "Auditor", role: .auditor, agency: "customs", units: []),
                                           passwordHash: fixturePasswordHash)
        }) { client, store in
            let olga = Browser(client)
            try await olga.post("/login", ["username": "olga", "password": "correct horse battery"])
            let id = try #require(try await store.currentConsignmentID("BL-ALA-1", kind: .billOfLading))
            try await olga.get("/consignments/\(id)")
            #expect(try await olga.get("/audit").status == .forbidden)
            #expect(try await olga.get("/audit.csv").status == .forbidden)
            let auditor = Browser(client)
            try await auditor.post("/login", ["username": "aud", "password": "correct horse battery"])
            let all = String(buffer: try await auditor.get("/audit").body)
            #expect(all.contains("view_consignment") && all.contains("<td>olga</td>") && all.contains("Audit log"))
            let filtered = String(buffer: try await auditor.get("/audit?actor=olga&action=view_consignment").body)
            #expect(filtered.contains("<td>\(id)</td>") && !filtered.contains("<td>sign_in</td>"))
            let checked = String(buffer: try await auditor.get("/audit?verify=1").body)
            #expect(checked.contains("The chain is intact"))
            let csv = String(buffer: try await auditor.get("/audit.csv?actor=olga").body)
            #expect(csv.contains("seq,at,actor,action,subject,details,origin,previous_hash,hash") && csv.contains(",olga,view_consignment,\(id),"))
            #expect(try await store.auditEntries(AuditFilter(actor: "aud")).map(\.action).contains("export_audit"))
        }
    }
}
