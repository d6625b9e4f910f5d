import CordonCore

/// How many consignments a unit can control in a period, and how it spends that capacity: the highest
/// scores first, consignments that must be controlled (red-lane profile hits, alerts) always, and a random
/// control share, so that hit rates can be measured and unknown kinds of fraud can still be found.
public struct SelectionPolicy: Sendable {
    /// The capacity: a number of controls, or a percentage of the consignments of the period.
    public typealias Capacity = InspectionCapacity

    public var capacity: Capacity
    /// Share of the capacity drawn at random among the consignments not otherwise selected (default 5%).
    public var controlSharePercent: Double

    public init(capacity: Capacity, controlSharePercent: Double = 5) {
        self.capacity = capacity
        self.controlSharePercent = controlSharePercent
    }

    /// What was selected, by index into the scored consignments.
    public struct Selection: Sendable, Equatable {
        /// Selected because they must be (whatever the capacity).
        public var mandatory: [Int]
        /// Selected for their scores, highest first.
        public var targeted: [Int]
        /// Selected at random (or for their stakes, when the control share is spent on them).
        public var control: [Int]

        public var all: [Int] { mandatory + targeted + control }
    }

    /// The number of controls for `total` consignments.
    public func slots(for total: Int) -> Int {
        switch capacity {
        case .count(let n): return max(0, min(n, total))
        case .percent(let p): return max(0, min(total, Int((Double(total) * p / 100).rounded(.down))))
        }
    }

    /// Selects among consignments with these scores; `mandatory` indices are always selected. The control share is
    /// drawn at random, or, given `controlStakes` (one per consignment), goes to the highest stakes among the rest.
    public func select(scores: [Float], mandatory: Set<Int> = [], controlStakes: [Float]? = nil,
                       using rng: inout some RandomNumberGenerator) -> Selection {
        let slots = slots(for: scores.count)
        // Ties are broken by position, so that a selection can be replayed exactly (a Set's order cannot).
        let byScore: (Int, Int) -> Bool = { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        let must = mandatory.filter { $0 >= 0 && $0 < scores.count }.sorted(by: byScore)
        let free = max(0, slots - must.count)
        let controls = min(free, Int((Double(slots) * controlSharePercent / 100).rounded()))
        let ranked = scores.indices.filter { !mandatory.contains($0) }.sorted(by: byScore)
        let targeted = Array(ranked.prefix(free - controls))
        var rest = Array(ranked.dropFirst(free - controls))
        var control: [Int] = []
        if let stakes = controlStakes, stakes.count == scores.count {
            let byStake: (Int, Int) -> Bool = { stakes[$0] != stakes[$1] ? stakes[$0] > stakes[$1] : $0 < $1 }
            control = Array(rest.sorted(by: byStake).prefix(controls))
        } else {
            for _ in 0..<controls where !rest.isEmpty {
                control.append(rest.remove(at: Int.random(in: 0..<rest.count, using: &rng)))
            }
        }
        return Selection(mandatory: must, targeted: targeted, control: control)
    }
}

/// A small seeded generator (SplitMix64), so that a simulation or a day's control draw can be replayed.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
