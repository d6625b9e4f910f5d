import CordonCore
import CordonStore
import Foundation
import Testing
import TestSupport

@Suite("Background jobs, retention and several processes on one database")
struct JobStoreTests {
    @Test("a scheduled job enqueued by every process exists once; each is claimed by one process, retried after a failure, then failed for good",
          arguments: TestDatabases.available)
    func jobs(kind: TestDatabases.Kind) async throws {
        try await withStore(kind) { store, _ in try await withSecondStore(store) { other in
            #expect(try await store.enqueueJob(kind: "retention", runKey: "retention:2026-12-02", requestedBy: "scheduler"))
            #expect(try await !other.enqueueJob(kind: "retention", runKey: "retention:2026-12-02", requestedBy: "scheduler"))
            try await other.enqueueJob(kind: "retrain", runKey: "retrain:week of 2026-11-30", maxAttempts: 2, requestedBy: "scheduler")
            #expect(try await store.jobs().count == 2)

            // Both processes ask at once, again and again: each job goes to one of them.
            async let a = store.claimJob(owner: "p1")
            async let b = other.claimJob(owner: "p2")
            let (first, second) = try await (a, b)
            let claimed = [first, second].compactMap { $0 }
            #expect(claimed.count == 2 && Set(claimed.map(\.id)).count == 2)
            #expect(claimed.allSatisfy { $0.status == .running && $0.attempts == 1 })
            #expect(try await store.claimJob(owner: "p1") == nil)

            let retention = try #require(claimed.first { $0.kind == "retention" })
            let retrain = try #require(claimed.first { $0.kind == "retrain" })
            // Only the holder records the outcome.
            try await store.jobDone(id: retention.id, owner: "somebody else", result: "nothing")
            #expect(try await store.jobs().first { $0.id == retention.id }?.status == .running)
            try await store.jobDone(id: retention.id, owner: retention.claimedBy ?? "", result: "3 removed")
            #expect(try await store.renewJobClaim(id: retrain.id, owner: retrain.claimedBy ?? ""))

            // A failed attempt waits for its retry, then fails for good after the last attempt.
            try await store.jobFailed(id: retrain.id, owner: retrain.claimedBy ?? "", error: "too few examples", retryAt: Date().addingTimeInterval(60))
            #expect(try await store.claimJob(owner: "p1") == nil)
            let next = try #require(try await store.nextJobTime())
            #expect(next.timeIntervalSinceNow > 50)
            let again = try #require(try await other.claimJob(owner: "p2", now: Date().addingTimeInterval(61)))
            #expect(again.id == retrain.id && again.attempts == 2 && again.lastError == "too few examples")
            try await other.jobFailed(id: again.id, owner: "p2", error: "still too few", retryAt: nil)

            let jobs = try await store.jobs()
            #expect(jobs.map(\.status) == [.failed, .done])
            #expect(jobs[0].lastError == "still too few" && jobs[0].finishedAt != nil && jobs[1].result == "3 removed")
            #expect(try await store.lastFinishedJobs().mapValues(\.status) == ["retention": .done, "retrain": .failed])
            #expect(try await store.nextJobTime() == nil)
        } }
    }

    @Test("a job whose process died is taken over when its claim runs out, and not before", arguments: TestDatabases.available)
    func takeover(kind: TestDatabases.Kind) async throws {
        try await withStore(kind) { store, _ in
            try await store.enqueueJob(kind: "retention", runKey: "retention:1", requestedBy: "olga")
            let held = try #require(try await store.claimJob(owner: "dead", claim: .seconds(60)))
            #expect(try await store.claimJob(owner: "alive", now: Date().addingTimeInterval(30)) == nil)
            let taken = try #require(try await store.claimJob(owner: "alive", now: Date().addingTimeInterval(61)))
            #expect(taken.id == held.id && taken.attempts == 2 && taken.claimedBy == "alive")
            // The dead process's late word counts for nothing.
            #expect(try await !store.renewJobClaim(id: held.id, owner: "dead"))
            try await store.jobDone(id: held.id, owner: "dead", result: "late")
            #expect(try await store.jobs().first?.status == .running)
        }
    }

    @Test("appends to the audit log from two processes at once keep one unbroken chain", arguments: TestDatabases.available)
    func auditFromTwoProcesses(kind: TestDatabases.Kind) async throws {
        try await withStore(kind) { store, _ in try await withSecondStore(store) { other in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (s, name) in [(store, "p1"), (other, "p2")] {
                    group.addTask {
                        for i in 0..<40 { try await s.audit(AuditEntry(actor: name, action: "test", subject: "\(i)")) }
                    }
                }
                try await group.waitForAll()
            }
            let verification = try await store.verifyAudit()
            #expect(verification.isIntact && verification.checked == 80)
        } }
    }

    @Test("retention removes documents older than the cut-off with their search entries and targets; documents with a result, newer versions and the audit log stay",
          arguments: TestDatabases.available)
    func retention(kind: TestDatabases.Kind) async throws {
        try await withStore(kind) { store, _ in
            func dated(_ number: String, _ iso: String, containers: [String] = [], mass: Double = 100) throws -> Consignment {
                var c = declaration(number, mass: mass, containers: containers)
                c.date = try #require(CalendarDate(iso: iso))
                return c
            }
            // OLD2 alone names its consignee: the purge takes that name too.
            var old2 = try dated("OLD2", "2024-02-01")
            old2.parties.append(Party(role: .consignee, name: "Old Consignee Ltd"))
            _ = try await store.commit(IntakeBatch(source: source, consignments: [
                try dated("OLD1", "2024-01-10", containers: ["MSCU1234566"]), old2,
                try dated("SEIZED", "2024-01-15"), try dated("SPANS", "2024-01-20"), try dated("NEW", "2026-11-01"),
            ]))
            // A newer version of SPANS, dated after the cut-off: the document is kept whole.
            _ = try await store.commit(IntakeBatch(source: source, consignments: [try dated("SPANS", "2026-10-01", mass: 300)]))
            try await store.recordInspection(InspectionResult(kind: .declaration, documentNumber: "SEIZED", unit: "U1",
                                                              date: try #require(CalendarDate(iso: "2024-01-16")), outcome: .seizure,
                                                              method: .physical, recordedBy: "olga",
                                                              seizures: [SeizureLine(category: .drugs, goods: "heroin", quantity: 2, unit: "kg")]))
            try await store.audit(AuditEntry(actor: "olga", action: "view_consignment", subject: "OLD1"))
            let auditBefore = try await store.verifyAudit().checked

            #expect(try await store.totals().partyNames == 3)
            let counts = try await store.purgeCargo(before: try #require(CalendarDate(iso: "2025-01-01")), batch: 1)
            #expect(counts.consignments == 2)
            #expect(try await store.consignment("OLD1", kind: .declaration) == nil)
            #expect(try await store.consignment("OLD2", kind: .declaration) == nil)
            for kept in ["SEIZED", "NEW"] { #expect(try await store.consignment(kept, kind: .declaration) != nil) }
            #expect(try await store.versions(of: "SPANS", kind: .declaration).count == 2)
            let totals = try await store.totals()
            #expect(totals.consignments == 4 && totals.containers == 0 && totals.partyNames == 2)
            // The purged documents are no longer found by their parties.
            let history = try await store.traderHistory(terms: ["IMP1"], excluding: 0, units: nil)
            #expect(Set(history.map(\.documentNumber)) == ["SEIZED", "SPANS", "NEW"])
            let audit = try await store.verifyAudit()
            #expect(audit.isIntact && audit.checked == auditBefore)
            // Nothing more to purge.
            #expect(try await store.purgeCargo(before: try #require(CalendarDate(iso: "2025-01-01"))).consignments == 0)
        }
    }
}
