import CordonRisk
import Testing

@Suite("Selection")
struct SelectionTests {
    let scores: [Float] = (0..<100).map { Float($0) / 100 }   // index 99 scores highest

    @Test("a count or a percentage of capacity, highest scores first, plus a random control share")
    func capacity() {
        var rng = SeededGenerator(seed: 1)
        let byCount = SelectionPolicy(capacity: .count(20), controlSharePercent: 10).select(scores: scores, using: &rng)
        #expect(byCount.targeted == Array((82...99).reversed()))
        #expect(byCount.control.count == 2 && byCount.control.allSatisfy { $0 < 82 })
        #expect(Set(byCount.all).count == 20)
        let byPercent = SelectionPolicy(capacity: .percent(5.5)).select(scores: scores, using: &rng)
        #expect(byPercent.all.count == 5)                   // floor(100 * 5.5%)
        #expect(byPercent.control.isEmpty)                  // 5% of 5 rounds to 0
        #expect(SelectionPolicy(capacity: .count(500)).slots(for: 100) == 100)
        #expect(SelectionPolicy(capacity: .percent(0.5)).select(scores: scores, using: &rng).all.isEmpty)
    }

    @Test("mandatory consignments are always selected and use up capacity first")
    func mandatory() {
        var rng = SeededGenerator(seed: 2)
        let s = SelectionPolicy(capacity: .count(5), controlSharePercent: 20).select(scores: scores, mandatory: [3, 7], using: &rng)
        #expect(s.mandatory == [7, 3])
        #expect(s.targeted == [99, 98])
        #expect(s.control.count == 1 && ![3, 7, 98, 99].contains(s.control[0]))
        let over = SelectionPolicy(capacity: .count(1)).select(scores: scores, mandatory: [1, 2, 3], using: &rng)
        #expect(over.all.sorted() == [1, 2, 3])
    }

    @Test("given stakes, the control share goes to the highest stakes among what the scores left out")
    func controlByStake() {
        var rng = SeededGenerator(seed: 3)
        // Stakes highest at the low scores' end: the control picks come from there, not from the targeted top.
        let stakes: [Float] = (0..<100).map { Float(100 - $0) }
        let s = SelectionPolicy(capacity: .count(10), controlSharePercent: 30)
            .select(scores: scores, mandatory: [0], controlStakes: stakes, using: &rng)
        #expect(s.mandatory == [0])
        #expect(s.targeted == [99, 98, 97, 96, 95, 94])
        #expect(s.control == [1, 2, 3])
        // Stakes that do not match the scores one for one are not used: the draw is random.
        var again = SeededGenerator(seed: 3)
        let random = SelectionPolicy(capacity: .count(10), controlSharePercent: 30)
            .select(scores: scores, mandatory: [0], controlStakes: [1, 2], using: &again)
        var plain = SeededGenerator(seed: 3)
        #expect(random == SelectionPolicy(capacity: .count(10), controlSharePercent: 30)
            .select(scores: scores, mandatory: [0], using: &plain))
    }

    @Test("the control draw is replayable from its seed and differs between seeds")
    func seeded() {
        let policy = SelectionPolicy(capacity: .count(30), controlSharePercent: 50)
        var a = SeededGenerator(seed: 9), b = SeededGenerator(seed: 9), c = SeededGenerator(seed: 10)
        let x = policy.select(scores: scores, using: &a), y = policy.select(scores: scores, using: &b)
        let z = policy.select(scores: scores, using: &c)
        #expect(x == y)
        #expect(x.control != z.control)
    }
}
