import CordonCore
import CordonStore
import Foundation
import Testing
import TestSupport

@Suite("Store: seizures and the figures of the dashboards")
struct SeizureStoreTests {
    let d20 = CalendarDate(year: 2026, month: 11, day: 20)!
    let d22 = CalendarDate(year: 2026, month: 11, day: 22)!

    @Test("a seizure is stored with its lines, read back in order, and listed in the register by unit, date and category",
          arguments: TestDatabases.available)
    func register(kind: TestDatabases.Kind) async throws {
        try await withStore(kind) { store, _ in
            _ = try await store.commit(IntakeBatch(source: source, consignments: [declaration("D1"), declaration("D2")]))
            let heroin = SeizureLine(category: .drugs, goods: "heroin", quantity: 12.5, unit: "kg", concealment: "spare tyre",
                                     estimatedValue: 250_000)
            let cash = SeizureLine(category: .cash, goods: "banknotes", quantity: 50_000, unit: "USD")
            try await store.recordInspection(InspectionResult(kind: .declaration, documentNumber: "D1", unit: "U1", date: d20,
                                                              outcome: .seizure, method: .physical, recordedBy: "olga", seizures: [heroin, cash]))
            try await store.recordInspection(InspectionResult(kind: .declaration, documentNumber: "D2", unit: "U2", date: d22,
                                                              outcome: .seizure, method: .dog, recordedBy: "timur",
                                                              seizures: [SeizureLine(category: .tobacco, goods: "cigarettes", quantity: 4000, unit: "sticks")]))
            #expect(try await store.inspections(of: "D1", kind: .declaration).first?.seizures == [heroin, cash])

            let all = try await store.seizures(SeizureFilter())
            #expect(all.map(\.line.goods) == ["cigarettes", "heroin", "banknotes"])
            #expect(all.last?.documentNumber == "D1" && all.last?.unit == "U1" && all.last?.placeOfLoading == "CNSHA" && all.last?.hsCode == "090230")
            #expect(try await store.seizures(SeizureFilter(units: ["U1"])).map(\.line.goods) == ["heroin", "banknotes"])
            #expect(try await store.seizures(SeizureFilter(units: [])).isEmpty)
            #expect(try await store.seizures(SeizureFilter(from: d22)).map(\.line.goods) == ["cigarettes"])
            #expect(try await store.seizures(SeizureFilter(until: d20)).count == 2)
            #expect(try await store.seizures(SeizureFilter(category: .cash)).map(\.line.goods) == ["banknotes"])
            #expect(try await store.seizures(SeizureFilter(), limit: 1, offset: 1).map(\.line.goods) == ["heroin"])
            #expect(try await store.seizureCount(SeizureFilter(units: ["U1", "U2"])) == 3)
        }
    }

    @Test("a seizure without lines, lines on a cleared result, or a bad line are refused and nothing is stored",
          arguments: TestDatabases.available)
    func refused(kind: TestDatabases.Kind) async throws {
        try await withStore(kind) { store, _ in
            _ = try await store.commit(IntakeBatch(source: source, consignments: [declaration("D1")]))
            let line = SeizureLine(category: .drugs, goods: "heroin", quantity: 1, unit: "kg")
            let bad: [InspectionResult] = [
                InspectionResult(kind: .declaration, documentNumber: "D1", unit: "U1", date: d20, outcome: .seizure, method: .physical, recordedBy: "o"),
                InspectionResult(kind: .declaration, documentNumber: "D1", unit: "U1", date: d20, outcome: .cleared, method: .physical,
                                 recordedBy: "o", seizures: [line]),
                InspectionResult(kind: .declaration, documentNumber: "D1", unit: "U1", date: d20, outcome: .seizure, method: .physical,
                                 recordedBy: "o", seizures: [line, SeizureLine(category: .cash, goods: "notes", quantity: 5, unit: "kg")]),
            ]
            for result in bad {
                await #expect(throws: InspectionStoreError.self) { try await store.recordInspection(result) }
            }
            #expect(try await store.inspections(of: "D1", kind: .declaration).isEmpty)
            #expect(try await store.seizureCount(SeizureFilter()) == 0)
        }
    }

    @Test("activity: targets by lane and selection with what their controls found, profile hits, seizures by day",
          arguments: TestDatabases.available)
    func activity(kind: TestDatabases.Kind) async throws {
        try await withStore(kind) { store, _ in
            _ = try await store.commit(IntakeBatch(source: source, consignments: [declaration("D1"), declaration("D2"), declaration("D3")]))
            try await store.saveUnit(ControlUnit(code: "U1", name: "One", kind: .pcu, country: "KZ", locations: ["KZALA"], capacity: .count(2)))
            _ = try await store.saveProfiles([officeProfile("office")], by: "ana")
            let docs = try await store.consignments(for: try await store.unit("U1"), on: d20)
            let selections: [(Lane, SelectionReason, [String])] = [(.red, .mandatory, ["office@1"]), (.yellow, .control, []), (.green, .released, [])]
            let targets = zip(docs, selections).enumerated().map { i, p in
                Target(consignmentID: p.0.id, kind: .declaration, documentNumber: p.0.consignment.documentNumber, rank: i + 1,
                       score: 0.5, lane: p.1.0, selection: p.1.1, reasons: [], profiles: p.1.2)
            }
            try await store.replaceTargets(unit: "U1", day: d20, targets: targets, modelVersion: nil)
            let first = docs[0].consignment.documentNumber, second = docs[1].consignment.documentNumber
            try await store.recordInspection(InspectionResult(kind: .declaration, documentNumber: first, unit: "U1", date: d22, outcome: .seizure,
                method: .physical, recordedBy: "o", seizures: [SeizureLine(category: .drugs, goods: "opium", quantity: 2, unit: "kg", estimatedValue: 10)]))
            try await store.recordInspection(InspectionResult(kind: .declaration, documentNumber: first, unit: "U1", date: d22, outcome: .cleared,
                method: .xray, recordedBy: "o"))
            try await store.recordInspection(InspectionResult(kind: .declaration, documentNumber: second, unit: "U1", date: d22, outcome: .cleared,
                method: .xray, recordedBy: "o"))
            // Another unit's control of the same document counts for that unit only.
            try await store.recordInspection(InspectionResult(kind: .declaration, documentNumber: second, unit: "U9", date: d22, outcome: .irregularity,
                method: .documentary, recordedBy: "x"))

            let a = try await store.activity(units: ["U1"], from: d20, until: d22)
            let byLane = Dictionary(uniqueKeysWithValues: a.targets.map { ($0.lane, $0) })
            #expect(byLane[.red].map { [$0.targets, $0.inspected, $0.positive] } == [1, 1, 1])
            #expect(byLane[.yellow].map { [$0.targets, $0.inspected, $0.positive] } == [1, 1, 0])
            #expect(byLane[.green].map { [$0.targets, $0.inspected, $0.positive] } == [1, 0, 0])
            #expect(a.targets.first { $0.selection == .control }?.lane == .yellow)
            #expect(a.profiles.map { "\($0.name) \($0.hits) \($0.selected) \($0.inspected) \($0.positive)" } == ["office 1 1 1 1"])
            #expect(a.seizures.map { "\($0.date) \($0.category.rawValue) \($0.cases) \($0.value)" } == ["2026-11-22 drugs 1 10.0"])
            #expect(a.inspections == 3 && a.positiveInspections == 1)
            // Outside the period, or for no units, nothing.
            let before = try await store.activity(units: ["U1"], from: d20.adding(days: -10), until: d20.adding(days: -1))
            #expect(before.targets.isEmpty && before.seizures.isEmpty && before.inspections == 0)
            #expect(try await store.activity(units: [], from: d20, until: d22).targets.isEmpty)
            #expect(try await store.activity(units: nil, from: d20, until: d22).inspections == 4)
        }
    }
}
