import CordonCore
import CordonStore
import Foundation
import Testing
import TestSupport

@Suite("Store: four-eyes approvals and overrides")
struct ApprovalStoreTests {
    static let ana = User(id: 1, username: "ana", displayName: "Ana", role: .analyst, agency: "CUSTOMS", units: [])
    static let boris = User(id: 2, username: "boris", displayName: "Boris", role: .analyst, agency: "CUSTOMS", units: [])
    static let olga = User(id: 3, username: "olga", displayName: "Olga", role: .officer, agency: "CUSTOMS", units: ["U1"])
    static let sergei = User(id: 4, username: "sergei", displayName: "Sergei", role: .supervisor, agency: "CUSTOMS", units: ["U1"])
    static let other = User(id: 5, username: "other", displayName: "Other", role: .supervisor, agency: "CUSTOMS", units: ["U2"])
    static let reason = "seen in three seizures at Aktau this month"

    @Test("a profile is put in force and retired only by a second person of the right role, on the version asked for",
          arguments: TestDatabases.available)
    func profiles(kind: TestDatabases.Kind) async throws {
        try await withStore(kind) { store, _ in
            _ = try await store.saveProfiles([officeProfile("cig", status: .draft)], by: "ana")
            // No reason, or the wrong role: refused before anything is stored.
            await #expect(throws: ApprovalStoreError.refused(.reason("write a reason of at least 10 characters"))) {
                _ = try await store.requestApproval(.activateProfile(name: "cig", version: 1), reason: "because", by: Self.ana, origin: "test")
            }
            await #expect(throws: ApprovalStoreError.refused(.role(needed: [.analyst]))) {
                _ = try await store.requestApproval(.activateProfile(name: "cig", version: 1), reason: Self.reason, by: Self.olga, origin: "test")
            }
            let asked = try await store.requestApproval(.activateProfile(name: "cig", version: 1), reason: Self.reason, by: Self.ana, origin: "10.0.0.1")
            // Asked once: a second request for the same waits behind the first.
            await #expect(throws: ApprovalStoreError.alreadyPending(asked.id)) {
                _ = try await store.requestApproval(.activateProfile(name: "cig", version: 1), reason: Self.reason, by: Self.boris, origin: "test")
            }
            // The requester cannot approve; an officer cannot; nothing is in force meanwhile.
            await #expect(throws: ApprovalStoreError.refused(.ownRequest)) {
                _ = try await store.decideApproval(asked.id, approve: true, note: "", by: Self.ana, origin: "test")
            }
            await #expect(throws: ApprovalStoreError.refused(.role(needed: [.analyst, .supervisor]))) {
                _ = try await store.decideApproval(asked.id, approve: true, note: "", by: Self.olga, origin: "test")
            }
            #expect(try await store.activeProfiles().isEmpty)
            let approved = try await store.decideApproval(asked.id, approve: true, note: "checked the rule", by: Self.boris, origin: "10.0.0.2")
            #expect(approved.status == .approved && approved.decidedBy == "boris")
            #expect(try await store.activeProfiles().map { "\($0.profile.name)@\($0.version)" } == ["cig@2"])
            await #expect(throws: ApprovalStoreError.refused(.notPending(.approved))) {
                _ = try await store.decideApproval(asked.id, approve: false, note: "too late to refuse", by: Self.boris, origin: "test")
            }
            // A request on an old version is stale by the time it is decided: nothing changes.
            let retire = try await store.requestApproval(.retireProfile(name: "cig", version: 2), reason: Self.reason, by: Self.boris, origin: "test")
            _ = try await store.saveProfiles([officeProfile("cig", weight: 0.9)], by: "ana")
            await #expect(throws: ApprovalStoreError.self) {
                _ = try await store.decideApproval(retire.id, approve: true, note: "", by: Self.ana, origin: "test")
            }
            #expect(try await store.approval(retire.id)?.status == .pending)
            // Refusing needs a note; withdrawing is for the requester only.
            await #expect(throws: ApprovalStoreError.refused(.reason("write a reason of at least 10 characters"))) {
                _ = try await store.decideApproval(retire.id, approve: false, note: "", by: Self.ana, origin: "test")
            }
            await #expect(throws: ApprovalStoreError.self) { _ = try await store.withdrawApproval(retire.id, by: Self.ana, origin: "test") }
            #expect(try await store.withdrawApproval(retire.id, by: Self.boris, origin: "test").status == .withdrawn)
            #expect(try await store.approvals(status: .pending).isEmpty)
            #expect(try await store.approvals().map(\.status) == [.withdrawn, .approved])
            // Each step is in the audit log, with who and from where, and the chain holds.
            let log = try await store.auditEntries(AuditFilter())
            #expect(log.map(\.action) == ["withdraw_approval", "request_approval", "approve", "request_approval"])
            #expect(log.last?.origin == "10.0.0.1" && log.last?.details == "activate_profile cig@1: \(Self.reason)")
            #expect(try await store.verifyAudit().isIntact)
        }
    }

    @Test("a red-lane target is released only with a supervisor's approval; other overrides need a written reason and stay when the day is rescored",
          arguments: TestDatabases.available)
    func overrides(kind: TestDatabases.Kind) async throws {
        try await withStore(kind) { store, _ in
            _ = try await store.commit(IntakeBatch(source: source, consignments: [declaration("D1"), declaration("D2"), declaration("D3")]))
            let day = CalendarDate(year: 2026, month: 11, day: 20)!
            try await store.saveUnit(ControlUnit(code: "U1", name: "Unit", kind: .pcu, country: "KZ", locations: ["KZALA"], capacity: .count(2)))
            try await store.saveUnit(ControlUnit(code: "U2", name: "Other", kind: .pcu, country: "KZ", locations: ["KZAKX"], capacity: .count(2)))
            let docs = try await store.consignments(for: try await store.unit("U1"), on: day).sorted { $0.consignment.documentNumber < $1.consignment.documentNumber }
            let lanes: [Lane] = [.red, .yellow, .green]
            let targets = docs.enumerated().map { i, d in
                Target(consignmentID: d.id, kind: .declaration, documentNumber: d.consignment.documentNumber, rank: i + 1,
                       score: 0.9 - Double(i) / 10, lane: lanes[i], selection: i < 2 ? .targeted : .released, reasons: [], profiles: [])
            }
            try await store.replaceTargets(unit: "U1", day: day, targets: targets, modelVersion: nil)
            let (red, yellow, green) = (docs[0].id, docs[1].id, docs[2].id)

            // The red one: an officer cannot release it alone, only ask; a supervisor of another unit cannot decide.
            await #expect(throws: ApprovalStoreError.self) {
                try await store.overrideTarget(TargetOverride(unit: "U1", day: day, consignmentID: red, action: .release, reason: Self.reason, by: ""),
                                               by: Self.olga, origin: "test")
            }
            let release = ApprovalAction.releaseTarget(unit: "U1", day: day, consignmentID: red, document: "D1")
            let asked = try await store.requestApproval(release, reason: "known shipper, controlled yesterday at Khorgos", by: Self.olga, origin: "test")
            await #expect(throws: ApprovalStoreError.refused(.notYourUnit("U1"))) {
                _ = try await store.decideApproval(asked.id, approve: true, note: "", by: Self.other, origin: "test")
            }
            #expect(try await store.targets(unit: "U1", day: day).map(\.documentNumber) == ["D1", "D2"])
            _ = try await store.decideApproval(asked.id, approve: true, note: "", by: Self.sergei, origin: "test")

            // The yellow one released and the green one selected by the officer, each with a reason.
            await #expect(throws: ApprovalStoreError.refused(.reason("write a reason of at least 10 characters"))) {
                try await store.overrideTarget(TargetOverride(unit: "U1", day: day, consignmentID: yellow, action: .release, reason: "no", by: ""),
                                               by: Self.olga, origin: "test")
            }
            try await store.overrideTarget(TargetOverride(unit: "U1", day: day, consignmentID: yellow, action: .release,
                                                          reason: "documents checked, seals intact", by: ""), by: Self.olga, origin: "test")
            try await store.overrideTarget(TargetOverride(unit: "U1", day: day, consignmentID: green, action: .select,
                                                          reason: "driver nervous at the gate", by: ""), by: Self.olga, origin: "test")
            await #expect(throws: ApprovalStoreError.notApplicable("this target was already selected by a person")) {
                try await store.overrideTarget(TargetOverride(unit: "U1", day: day, consignmentID: green, action: .release,
                                                              reason: "changed my mind again", by: ""), by: Self.olga, origin: "test")
            }
            await #expect(throws: ApprovalStoreError.self) {
                try await store.overrideTarget(TargetOverride(unit: "U1", day: day, consignmentID: green, action: .select,
                                                              reason: "not my unit at all", by: ""), by: Self.other, origin: "test")
            }
            func queue() async throws -> [String] { try await store.targets(unit: "U1", day: day).map(\.documentNumber) }
            #expect(try await queue() == ["D3"])
            let all = try await store.targets(unit: "U1", day: day, includeReleased: true)
            #expect(all.map(\.isSelected) == [false, false, true])
            #expect(all[0].override?.approvalID == asked.id && all[0].override?.by == "olga")
            var page = QueueQuery(unit: "U1", day: day)
            #expect(try await store.queue(page).targets.map(\.documentNumber) == ["D3"])
            page.includeReleased = true
            #expect(try await store.queue(page).total == 3)

            // Scoring the day again keeps the decisions.
            try await store.replaceTargets(unit: "U1", day: day, targets: targets, modelVersion: nil)
            #expect(try await queue() == ["D3"])

            // The dashboard's rows: each override with what a later control found.
            _ = try await store.recordInspection(InspectionResult(kind: .declaration, documentNumber: "D3", unit: "U1", date: day,
                                                                  outcome: .seizure, method: .physical, recordedBy: "olga",
                                                                  seizures: [SeizureLine(category: .tobacco, goods: "cigarettes", quantity: 100, unit: "sticks")]))
            let records = try await store.overrides()
            #expect(Set(records.map { "\($0.documentNumber) \($0.override.action.rawValue) \($0.lane.rawValue) \($0.finding?.rawValue ?? "-")" })
                    == ["D1 release red -", "D2 release yellow -", "D3 select green seizure"])
            #expect(try await store.overrides(units: ["U2"]).isEmpty)
            #expect(try await store.verifyAudit().isIntact)
        }
    }

    @Test("a unit's capacity changes only with a second person's approval", arguments: TestDatabases.available)
    func capacity(kind: TestDatabases.Kind) async throws {
        try await withStore(kind) { store, _ in
            try await store.saveUnit(ControlUnit(code: "U1", name: "Unit", kind: .pcu, country: "KZ", locations: ["KZALA"], capacity: .count(20)))
            let admin = User(id: 9, username: "root", displayName: "Admin", role: .admin, agency: "CUSTOMS", units: [])
            let asked = try await store.requestApproval(.changeCapacity(unit: "U1", capacity: "5", controlSharePercent: 10),
                                                        reason: "two of four officers on leave", by: Self.sergei, origin: "test")
            #expect(try await store.unit("U1").capacity == .count(20))
            await #expect(throws: ApprovalStoreError.refused(.ownRequest)) {
                _ = try await store.decideApproval(asked.id, approve: true, note: "", by: Self.sergei, origin: "test")
            }
            _ = try await store.decideApproval(asked.id, approve: true, note: "", by: admin, origin: "test")
            let unit = try await store.unit("U1")
            #expect(unit.capacity == .count(5) && unit.controlSharePercent == 10)
            #expect(try await store.units().first?.capacity == .count(5))
        }
    }
}
