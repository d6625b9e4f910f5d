import CordonCore
import CordonIngest
import CordonRisk
import Foundation
import Testing
import TestSupport

@Suite("Targeting a unit's day")
struct TargetingTests {
    static let day = CalendarDate(year: 2026, month: 3, day: 2)!

    /// Ten documents; the ones in `tobacco` are cigarettes (a red profile fires on them).
    static func documents(tobacco: Set<Int>) -> [(id: Int, consignment: Consignment)] {
        (0..<10).map { i in
            (100 + i, Consignment(kind: .billOfLading, documentNumber: "BL\(i)", date: day, office: "40",
                                  parties: [Party(role: .consignee, name: i == 7 ? "ТОО Каспий Транс" : "Consignee \(i)")],
                                  goods: [GoodsItem(sequence: 1, hsCode: tobacco.contains(i) ? "240220" : "090230")]))
        }
    }

    static let tobaccoProfile = RiskProfile(
        name: "tobacco", title: "Cigarettes", lane: .red, weight: 0.6, author: "a", status: .active,
        conditions: [ProfileCondition(field: ProfileField("hs_code")!, test: .prefix(["2402"]))])

    @Test("red-lane profile hits are selected whatever the capacity; the rest goes by score and a random control share")
    func selection() throws {
        let profiles = try ProfileSet([VersionedProfile(profile: TargetingTests.tobaccoProfile, version: 3)])
        let screening = NameMatcher(list: WatchList(entries: [WatchListEntry(id: "W1", name: "Kaspiy Trans LLP")]))
        let targeting = DayTargeting(profiles: profiles, scorer: nil, screening: screening)
        let docs = TargetingTests.documents(tobacco: [2, 5, 8])
        // Two slots, three red hits: all three are selected, nothing else.
        let tight = try targeting.run(docs, policy: SelectionPolicy(capacity: .count(2)), seed: 1)
        #expect(tight.filter { $0.selection == .mandatory }.map(\.documentNumber).sorted() == ["BL2", "BL5", "BL8"])
        #expect(tight.filter { $0.selection != .released }.count == 3)
        #expect(tight.map(\.rank) == Array(1...10))
        let hit = try #require(tight.first { $0.documentNumber == "BL2" })
        #expect(hit.lane == .red && abs(hit.score - 0.6) < 1e-9 && hit.profiles == ["tobacco@3"])
        #expect(hit.reasons.map(\.english) == ["profile tobacco v3 (red): Cigarettes"])
        #expect(hit.reasons.map { $0.text(.ru) } == ["профиль tobacco v3 (красный): Cigarettes"])
        // The watch-listed consignee (Cyrillic spelling of a Latin entry) is yellow and explained.
        let listed = try #require(tight.first { $0.documentNumber == "BL7" })
        #expect(listed.lane == .yellow && listed.score == 0.5)
        #expect(listed.reasons.first?.english.contains("resembles 'Kaspiy Trans LLP' on the watch list (100%)") == true)
        #expect(listed.reasons.first?.text(.ru).contains("похож на «Kaspiy Trans LLP» из списка (100%)") == true)

        // Six slots with a 34% control share: 3 mandatory, 1 by score (BL7), 2 at random among the rest.
        let policy = SelectionPolicy(capacity: .count(6), controlSharePercent: 34)
        let roomy = try targeting.run(docs, policy: policy, seed: 42)
        #expect(roomy.filter { $0.selection == .targeted }.map(\.documentNumber) == ["BL7"])
        let controls = roomy.filter { $0.selection == .control }
        #expect(controls.count == 2 && controls.allSatisfy { $0.reasons.first?.english.hasPrefix("random control") == true })
        // The same unit and day draws the same controls; another day may not.
        let again = try targeting.run(docs, policy: policy, seed: 42)
        #expect(again == roomy)
        // A fixed value, not a per-process hash: another process (tomorrow's re-run) draws the same controls.
        #expect(DayTargeting.seed(unit: "U", day: TargetingTests.day) == 15_560_499_587_938_694_141)
        #expect(DayTargeting.seed(unit: "U", day: TargetingTests.day) != DayTargeting.seed(unit: "V", day: TargetingTests.day))
    }

    @Test("a stored model (trees and feature state) scores exactly as the one trained, and adds its reasons")
    func storedModel() throws {
        let text = plantedKCS(rows: 1500, seed: 5, startMonth: 1)
        let examples = try KCSRows.labelled(text)
        let trained = try ModelTraining.train(examples)
        #expect(trained.examples == examples.count && trained.positives == examples.filter(\.illicit).count)
        #expect((trained.evaluation["precision_at_10pct"] ?? 0) > 0.5, "\(trained.evaluation)")
        #expect((trained.evaluation["auc"] ?? 0) > 0.7)
        let restored = try FittedScorer(booster: try trained.scorer.model.serialized(),
                                        featureState: try trained.scorer.features.stateJSON(), source: "test")
        let test = examples.suffix(200).map(\.consignment)
        #expect(try restored.score(test) == (try trained.scorer.score(test)))
        // A state from another feature layout is refused with a clear message.
        #expect(throws: ModelError.self) {
            _ = try FittedScorer(booster: try trained.scorer.model.serialized(), featureState: Data(#"{"names":[]}"#.utf8), source: "t")
        }
        let docs = test.prefix(20).enumerated().map { (id: $0.offset, consignment: $0.element) }
        let targets = try DayTargeting(profiles: try ProfileSet([]), scorer: restored, screening: nil)
            .run(Array(docs), policy: SelectionPolicy(capacity: .count(3), controlSharePercent: 0), seed: 1)
        let top = try #require(targets.first)
        #expect(top.selection == .targeted && top.reasons.first?.english.hasPrefix("model: ") == true && top.reasons.count >= 2)
        // Every reason the model gives is worded in both languages: no code shows through.
        for r in top.reasons {
            #expect(!r.text(.ru).contains("{") && r.text(.ru) != r.english, "\(r)")
        }
        #expect(targets.prefix(3).map(\.score) == targets.prefix(3).map(\.score).sorted(by: >))
        // A model of declarations says nothing about a bill of lading: no model score, no model reasons.
        var bill = test[0]
        bill.kind = .billOfLading
        let mixed = try DayTargeting(profiles: try ProfileSet([]), scorer: restored, modelKinds: [.declaration], screening: nil)
            .run([(id: 1, consignment: bill), (id: 2, consignment: test[0])], policy: SelectionPolicy(capacity: .count(2)), seed: 1)
        let billTarget = try #require(mixed.first { $0.consignmentID == 1 })
        #expect(billTarget.score == 0 && billTarget.reasons.isEmpty)
        #expect(mixed.first { $0.consignmentID == 2 }?.reasons.first?.english.hasPrefix("model: ") == true)
    }

    @Test("a large day is scored in parts on the cores: each document as when scored alone, alerts and operations on theirs")
    func largeDay() throws {
        let examples = try KCSRows.labelled(plantedKCS(rows: 1500, seed: 9, startMonth: 1))
        let scorer = try ModelTraining.train(examples).scorer
        let profiles = try ProfileSet([VersionedProfile(profile: TargetingTests.tobaccoProfile, version: 3)])
        let screening = NameMatcher(list: WatchList(entries: [WatchListEntry(id: "W1", name: "Kaspiy Trans LLP")]))
        let targeting = DayTargeting(profiles: profiles, scorer: scorer, screening: screening)
        var day = examples.enumerated().map { (id: 10_000 + $0.offset, consignment: $0.element.consignment) }
        for i in [3, 1203] { day[i].consignment.parties.append(Party(role: .consignee, name: "ТОО Каспий Транс")) }
        // Near the ends of the parts (two cores: 0..<750, 750..<1500) and inside them.
        let alerted = [10_749: Reason("alert", ["container": "A"]), 11_400: Reason("alert", ["container": "B"])]
        let boosted = [10_750: Reason("operation", ["operation": "OP1"]), 10_010: Reason("operation", ["operation": "OP2"])]
        let targets = try targeting.run(day, policy: SelectionPolicy(capacity: .percent(5)), seed: 1, alerted: alerted, boosted: boosted)
        #expect(targets.map(\.rank) == Array(1...day.count))
        #expect(Set(targets.map(\.consignmentID)) == Set(day.map(\.id)))
        #expect(targets.prefix(2).map(\.consignmentID).sorted() == [10_749, 11_400])
        let byID = Dictionary(uniqueKeysWithValues: targets.map { ($0.consignmentID, $0) })
        let checked = Set(stride(from: 0, to: day.count, by: 37)).union([3, 10, 748, 749, 750, 751, 1203, 1400, 1499])
        for i in checked.sorted() {
            let alone = try #require(try targeting.run([day[i]], policy: SelectionPolicy(capacity: .count(0)), seed: 1,
                                                       alerted: alerted, boosted: boosted).first)
            let inDay = try #require(byID[day[i].id])
            #expect(inDay.score == alone.score && inDay.lane == alone.lane && inDay.profiles == alone.profiles, "document \(i)")
            #expect(inDay.reasons.filter { $0.code != "control" } == alone.reasons, "document \(i)")
        }
        #expect(byID[10_003]?.reasons.contains { $0.code == "watch_list" } == true)
        #expect(byID[10_750]?.reasons.first?.code == "operation" && byID[10_751]?.reasons.first?.code != "operation")
    }

    @Test("training refuses examples of one class with a message that says what to do")
    func oneClass() throws {
        let examples = try KCSRows.labelled(plantedKCS(rows: 50, seed: 1, startMonth: 1)).map {
            LabelledConsignment(consignment: $0.consignment, illicit: false)
        }
        #expect(throws: ModelError.self) { _ = try ModelTraining.train(examples) }
        do { _ = try ModelTraining.train(examples) } catch { #expect("\(error)".contains("nothing to learn yet")) }
    }
}

/// Labelled declarations from KCS-format text, read the way `cordon score` reads its files.
enum KCSRows {
    static func labelled(_ text: String) throws -> [LabelledConsignment] {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try text.write(toFile: dir.file("kcs.csv"), atomically: true, encoding: .utf8)
        return try RecordReader.read(path: dir.file("kcs.csv"), format: .kcs).compactMap { r in
            guard let c = r.consignment, let label = c.label else { return nil }
            return LabelledConsignment(consignment: c, illicit: label.illicit)
        }
    }
}

@Suite("Reasons in both languages")
struct ReasonWordingTests {
    @Test("every history key of the model has a Russian word; numbers take a decimal comma in Russian; old plain reasons still read")
    func wording() throws {
        #expect(ReasonWording.keysWithoutRussian.isEmpty)
        let below = Reason("unit_value_below", ["ratio": "12.5", "hs": "240220"])
        #expect(below.english == "unit value 12.5x below typical for 240220")
        #expect(below.text(.ru) == "цена единицы в 12,5 раза ниже обычной для 240220")
        #expect(Reason("past_rate", ["what": "importer_hs6", "value": "IMP1 + 240220", "percent": "34"]).text(.ru)
                == "импортёр с этой субпозицией IMP1 + 240220: доля нарушений в прошлом 34%")
        let stored = try JSONDecoder().decode([Reason].self, from: Data(#"["written before codes", {"code": "model", "values": {"percent": "87"}}]"#.utf8))
        #expect(stored.map(\.english) == ["written before codes", "model: 87% likely irregular"])
        #expect(stored.map { $0.text(.ru) } == ["written before codes", "модель: вероятность нарушения 87%"])
    }
}
