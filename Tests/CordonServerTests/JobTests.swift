import CordonCore
import CordonExchange
import CordonServer
import CordonStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import TestSupport

@Suite("Background jobs")
struct JobTests {
    /// Waits until `check` holds, for up to 20 seconds.
    static func eventually(_ check: () async throws -> Bool) async throws -> Bool {
        for _ in 0..<200 {
            if try await check() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    @Test("two server processes on one database enqueue the period's scheduled jobs; each runs once, by one of them",
          arguments: TestDatabases.available)
    func scheduledOnce(kind: TestDatabases.Kind) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let first = try await Store.open(try await TestDatabases.fresh(kind, in: dir))
        let second = try await Store.open(await first.location, migrate: false)
        let node = NodeIdentity()
        try await first.audit(AuditEntry(actor: "olga", action: "sign_in"))
        let schedule = JobSchedule(checkpointInterval: .seconds(3600), retentionDays: 400)
        let logger = Logger(label: "test")
        let workers = [JobWorker(store: first, schedule: schedule, identity: node, screening: nil, owner: "p1", logger: logger),
                       JobWorker(store: second, schedule: schedule, identity: node, screening: nil, owner: "p2", logger: logger)]
        let outcome = await capture {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for w in workers { group.addTask { try await w.run() } }
                let done = try await JobTests.eventually {
                    let jobs = try await first.jobs()
                    return jobs.count == 2 && jobs.allSatisfy { $0.status == .done }
                }
                group.cancelAll()
                #expect(done)
            }
            let jobs = try await first.jobs()
            #expect(Set(jobs.map(\.kind)) == ["audit-checkpoint", "retention"] && jobs.allSatisfy { $0.attempts == 1 })
            #expect(jobs.allSatisfy { $0.requestedBy == "scheduler" && ["p1", "p2"].contains($0.claimedBy ?? "") })
            let audit = try await first.verifyAudit(trustedKey: node.publicKeyBase64)
            #expect(audit.isIntact && audit.checkpoints == 1)
            #expect(jobs.first { $0.kind == "retention" }?.result?.hasPrefix("0 consignment versions") == true)
        }
        await second.close()
        await first.close()
        try outcome.get()
    }

    @Test("an administrator runs the purge of old cargo from the jobs page: it runs in the background, old documents go, the one with a result and the audit log stay",
          arguments: TestDatabases.available)
    func runFromPage(kind: TestDatabases.Kind) async throws {
        var settings = ServerSettings(port: 0)
        settings.jobs = JobSchedule(retentionDays: 365)
        try await withSeededWorkspace(kind, settings: settings, prepare: { store in
            _ = try await store.createUser(User(username: "root", displayName: "Node admin", role: .admin, agency: "customs", units: []),
                                           passwordHash: fixturePasswordHash)
        }) { client, store in
            // The day's scheduled purge runs at start and finds nothing old; the old documents come after it, so that
            // only the run asked for from the page can remove them.
            #expect(try await JobTests.eventually { try await store.jobs().first?.status == .done })
            var old = Consignment(kind: .declaration, documentNumber: "OLD-2023", date: CalendarDate(year: 2023, month: 3, day: 1)!,
                                  route: Route(placeOfLoading: "CNSHA", placeOfDischarge: "KZALA"),
                                  goods: [GoodsItem(sequence: 1, hsCode: "240220", grossMassKg: 10)])
            var seized = old
            seized.documentNumber = "SEIZED-2023"
            old.containers = [Container(number: "MSCU1234566")]
            _ = try await store.commit(IntakeBatch(source: SourceFile(name: "old.csv", fingerprint: "old", format: "manifest"),
                                               consignments: [old, seized]))
            try await store.recordInspection(InspectionResult(kind: .declaration, documentNumber: "SEIZED-2023", unit: "ALA",
                                                              date: CalendarDate(year: 2023, month: 3, day: 2)!, outcome: .seizure,
                                                              method: .physical, recordedBy: "olga",
                                                              seizures: [SeizureLine(category: .tobacco, goods: "cigarettes", quantity: 5, unit: "kg")]))
            let olga = Browser(client)
            try await olga.post("/login", ["username": "olga", "password": "correct horse battery"])
            #expect(try await olga.get("/admin/jobs").status == .forbidden)
            #expect(try await olga.post("/admin/jobs/run", ["kind": "retention"]).status == .forbidden)

            let root = Browser(client)
            try await root.post("/login", ["username": "root", "password": "correct horse battery"])
            let page = try await root.get("/admin/jobs")
            let html = String(buffer: page.body)
            #expect(page.status == .ok && html.contains("Purge of old cargo data") && html.contains("older than 365 days"))
            // The server has no key: no checkpoints to run; a kind that does not exist is refused.
            #expect(!html.contains(#"value="audit-checkpoint""#) && html.contains(#"value="retention""#))
            let csrf = Browser.csrf(page)
            #expect(try await root.post("/admin/jobs/run", ["csrf": "", "kind": "retention"]).status == .forbidden)
            #expect(try await root.post("/admin/jobs/run", ["csrf": csrf, "kind": "audit-checkpoint"]).status == .badRequest)
            #expect(try await root.post("/admin/jobs/run", ["csrf": csrf, "kind": "retention"]).status == .seeOther)

            // The scheduled run of the day and the one asked for: both done.
            #expect(try await JobTests.eventually {
                let jobs = try await store.jobs()
                return jobs.count == 2 && jobs.allSatisfy { $0.status == .done }
            })
            let asked = try #require(try await store.jobs().first { $0.requestedBy == "root" })
            #expect(asked.kind == "retention" && asked.runKey.hasPrefix("retention:asked "))
            #expect(asked.result?.hasPrefix("1 consignment versions") == true)
            #expect(try await store.consignment("OLD-2023", kind: .declaration) == nil)
            #expect(try await store.consignment("SEIZED-2023", kind: .declaration) != nil)
            #expect(try await store.consignment("BL-ALA-1", kind: .billOfLading) != nil)
            let audit = try await store.auditEntries(AuditFilter())
            #expect(audit.contains { $0.action == "run_job" && $0.actor == "root" && $0.subject == "retention" })
            #expect(audit.contains { $0.action == "purge_cargo" && $0.details.hasPrefix("1 consignment versions") })
            #expect(try await store.verifyAudit().isIntact)
            let after = String(buffer: try await root.get("/admin/jobs").body)
            #expect(after.contains("1 consignment versions, 0 bay plans") && after.contains("root"))
        }
    }
}
