import CordonCore
import CordonStore
import Foundation
import Testing
import TestSupport

/// A profile with one condition on the office.
func officeProfile(_ name: String, office: String = "KZALA", lane: Lane = .red, status: ProfileStatus = .active,
                   weight: Double = 0.5) -> RiskProfile {
    RiskProfile(name: name, title: "Office \(office)", lane: lane, weight: weight, author: "analyst", status: status,
                conditions: [ProfileCondition(field: ProfileField("office")!, test: .equals(office))])
}

@Suite("Store: profiles, units, results, models, targets")
struct RiskStoreTests {
    @Test("every profile version is kept; the same rule again is not a new version; retiring is one",
          arguments: TestDatabases.available)
    func profileVersions(kind: TestDatabases.Kind) async throws {
        try await withStore(kind) { store, _ in
            let first = try await store.saveProfiles([officeProfile("a"), officeProfile("b", status: .draft)], by: "ana")
            #expect(first.map(\.version) == [1, 1] && first.allSatisfy(\.changed))
            let again = try await store.saveProfiles([officeProfile("a")], by: "ana")
            #expect(again == [ProfileSaveOutcome(name: "a", version: 1, changed: false)])
            let changed = try await store.saveProfiles([officeProfile("a", weight: 0.7)], by: "boris")
            #expect(changed == [ProfileSaveOutcome(name: "a", version: 2, changed: true)])
            #expect(try await store.activeProfiles().map { "\($0.profile.name)@\($0.version)" } == ["a@2"])
            let retired = try await store.retireProfile("a", by: "boris")
            #expect(retired.version == 3)
            #expect(try await store.activeProfiles().isEmpty)
            #expect(try await store.profiles().map(\.profile.name) == ["b"])
            #expect(try await store.profiles(includeRetired: true).map(\.profile.name) == ["a", "b"])
            let versions = try await store.profileVersions("a")
            #expect(versions.map(\.version) == [1, 2, 3])
            #expect(versions.map(\.profile.weight) == [0.5, 0.7, 0.7])
            #expect(versions.map(\.savedBy) == ["ana", "boris", "boris"])
            await #expect(throws: ProfileStoreError.self) { _ = try await store.retireProfile("a", by: "x") }
            await #expect(throws: ProfileStoreError.self) { _ = try await store.retireProfile("nope", by: "x") }
        }
    }

    @Test("a unit's day is its locations' current documents of that date; saving a unit again replaces it",
          arguments: TestDatabases.available)
    func unitDay(kind: TestDatabases.Kind) async throws {
        try await withStore(kind) { store, _ in
            var other = declaration("D3")
            other.office = "UZTAS"
            other.route.placeOfDischarge = "UZTAS"
            var lateDay = declaration("D4")
            lateDay.date = CalendarDate(year: 2026, month: 11, day: 21)!
            _ = try await store.commit(IntakeBatch(source: source, consignments: [declaration("D1"), declaration("D2"), other, lateDay]))
            let unit = ControlUnit(code: "KZ-ALA", name: "Almaty", kind: .accu, country: "KZ", locations: ["KZALA"],
                                   capacity: .count(2))
            try await store.saveUnit(unit)
            var moved = unit
            moved.locations = ["KZALA", "UZTAS"]
            moved.capacity = .percent(10)
            try await store.saveUnit(moved)
            #expect(try await store.units() == [moved])
            let day = CalendarDate(year: 2026, month: 11, day: 20)!
            #expect(try await store.consignments(for: moved, on: day).map(\.consignment.documentNumber).sorted() == ["D1", "D2", "D3"])
            #expect(try await store.consignments(for: unit, on: day).count == 2)
            await #expect(throws: UnitStoreError.self) { _ = try await store.unit("nope") }
        }
    }

    @Test("inspection results label documents, ahead of a file's own label; targets keep profile hit rates",
          arguments: TestDatabases.available)
    func resultsTargetsAndHitRates(kind: TestDatabases.Kind) async throws {
        try await withStore(kind) { store, _ in
            _ = try await store.commit(IntakeBatch(source: source, consignments: [declaration("D1"), declaration("D2"), declaration("D3")]))
            let day = CalendarDate(year: 2026, month: 11, day: 20)!
            try await store.saveUnit(ControlUnit(code: "U1", name: "Unit", kind: .pcu, country: "KZ", locations: ["KZALA"],
                                                 capacity: .count(2)))
            _ = try await store.saveProfiles([officeProfile("office-rule")], by: "ana")
            let docs = try await store.consignments(for: try await store.unit("U1"), on: day)
            let targets = docs.enumerated().map { i, d in
                Target(consignmentID: d.id, kind: .declaration, documentNumber: d.consignment.documentNumber, rank: i + 1,
                       score: 0.9 - Double(i) / 10, lane: .red, selection: i < 2 ? .targeted : .released,
                       reasons: [Reason("profile", ["name": "office-rule", "version": "1", "lane": "red", "title": "Office KZALA"])],
                       profiles: ["office-rule@1"])
            }
            try await store.replaceTargets(unit: "U1", day: day, targets: targets, modelVersion: nil)
            // Running the day again replaces it.
            try await store.replaceTargets(unit: "U1", day: day, targets: targets, modelVersion: nil)
            let queue = try await store.targets(unit: "U1", day: day)
            #expect(queue.map(\.documentNumber) == targets.prefix(2).map(\.documentNumber))
            #expect(queue.first?.reasons == [Reason("profile", ["name": "office-rule", "version": "1", "lane": "red", "title": "Office KZALA"])])
            #expect(try await store.targets(unit: "U1", day: day, includeReleased: true).count == 3)

            let first = queue[0].documentNumber, second = queue[1].documentNumber
            try await store.recordInspection(InspectionResult(kind: .declaration, documentNumber: first, unit: "U1", date: day,
                                                              outcome: .seizure, method: .physical, recordedBy: "olga",
                                                              seizures: [SeizureLine(category: .tobacco, goods: "cigarettes", quantity: 10, unit: "packs")]))
            try await store.recordInspection(InspectionResult(kind: .declaration, documentNumber: second, unit: "U1", date: day,
                                                              outcome: .cleared, method: .xray, recordedBy: "olga"))
            await #expect(throws: InspectionStoreError.self) {
                try await store.recordInspection(InspectionResult(kind: .declaration, documentNumber: "NOPE", unit: "U1", date: day,
                                                                  outcome: .cleared, method: .xray, recordedBy: "olga"))
            }
            #expect(try await store.inspections(of: first, kind: .declaration).map(\.outcome) == [.seizure])
            let stats = try await store.profileStatistics("office-rule")
            #expect(stats == [ProfileMonth(month: "2026-11", hits: 3, selected: 2, inspected: 2, positive: 1)])
            #expect(stats.first?.hitRate == 0.5)

            // The seizure overrides the file's "not illicit" label; the rest keep their file labels.
            let labelled = try await store.labelledRecords(from: day, until: day)
            #expect(labelled.count == 3)
            #expect(labelled.filter(\.illicit).map(\.consignment.documentNumber) == [first])
            #expect(labelled.filter(\.fromInspection).count == 2)
        }
    }

    @Test("a model version is stored whole and becomes the active one", arguments: TestDatabases.available)
    func models(kind: TestDatabases.Kind) async throws {
        try await withStore(kind) { store, _ in
            #expect(try await store.activeModel()?.id == nil)
            let from = CalendarDate(year: 2020, month: 1, day: 1)!, until = CalendarDate(year: 2020, month: 12, day: 31)!
            let one = ModelVersion(trainedFrom: from, trainedUntil: until, examples: 10, positives: 2, documentKinds: [.declaration, .billOfLading],
                                   features: ["a", "b"],
                                   evaluation: ["auc": 0.75], booster: Data(#"{"trees":1}"#.utf8), featureState: Data("{}".utf8),
                                   trainedBy: "ana")
            let firstID = try await store.saveModel(one)
            let secondID = try await store.saveModel(one)
            let active = try #require(try await store.activeModel())
            #expect(active.id == secondID && active.booster == one.booster && active.evaluation == ["auc": 0.75])
            #expect(active.documentKinds == [.billOfLading, .declaration])
            #expect(try await store.models().map(\.status) == ["active", "archived"])
            #expect(try await store.models().map(\.id) == [secondID, firstID])
        }
    }
}
