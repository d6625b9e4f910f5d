import CordonCore

/// How scores turn into lanes and how much a watch-list match weighs.
public struct TargetingSettings: Sendable {
    /// Combined scores at or above these put a consignment at least in the yellow or red lane.
    public var yellowScore = 0.5
    public var redScore = 0.9
    /// Weight of a watch-list match in the combined score, times the match's own score.
    public var watchListWeight = 0.5
    /// How many of the model's feature contributions are given as reasons.
    public var modelReasons = 3
    /// Weight of a joint operation's checklist in the combined score, like a yellow-lane profile.
    public var operationWeight = 0.3

    public init() {}
}

/// Scores a unit's day and selects its targets: the model's probability, the profiles that fire and the
/// parties' watch-list matches combine into one score and a lane, with the reasons; the selection policy
/// then spends the unit's capacity (red-lane profile hits always, a random control share).
public struct DayTargeting: Sendable {
    public var profiles: ProfileSet
    public var scorer: FittedScorer?
    /// The kinds of document the model learned from: others (a B/L for a model of declarations) get no model score.
    public var modelKinds: Set<DocumentKind>
    public var screening: NameMatcher?
    public var settings: TargetingSettings

    public init(profiles: ProfileSet, scorer: FittedScorer?, modelKinds: Set<DocumentKind> = Set(DocumentKind.allCases),
                screening: NameMatcher?, settings: TargetingSettings = TargetingSettings()) {
        self.profiles = profiles
        self.scorer = scorer
        self.modelKinds = modelKinds
        self.screening = screening
        self.settings = settings
    }

    /// A scored consignment before selection.
    struct Scored: Sendable {
        var score: Double
        var lane: Lane
        var reasons: [Reason]
        var hits: [ProfileHit]
    }

    /// Scores and selects; every consignment comes back, the selected ones first in rank order.
    /// `alerted` are the documents (by store id) that carry a container another unit alerted about, with the alert's
    /// reason: they go to the red lane and are controlled whatever the capacity. `boosted` are the documents that match
    /// the checklist of a joint operation the unit takes part in, with its reason: at least yellow, and a higher score.
    public func run(_ day: [(id: Int, consignment: Consignment)], policy: SelectionPolicy, seed: UInt64,
                    alerted: [Int: Reason] = [:], boosted: [Int: Reason] = [:]) throws(ModelError) -> [Target] {
        // Each consignment is scored on its own: the day is shared among the cores.
        let scored = try Parallel.map(day.count, minimumPart: 512) { range throws(ModelError) in
            try score(day[range], alerted: alerted, boosted: boosted)
        }
        let mandatory = Set(scored.indices.filter { i in alerted[day[i].id] != nil || scored[i].hits.contains { $0.lane == .red } })
        var rng = SeededGenerator(seed: seed)
        let selection = policy.select(scores: scored.map { Float($0.score) }, mandatory: mandatory, using: &rng)
        // Alerted documents first among the mandatory ones: another unit has already looked at them.
        let alertedFirst = selection.mandatory.filter { alerted[day[$0].id] != nil } + selection.mandatory.filter { alerted[day[$0].id] == nil }
        var order: [(Int, SelectionReason)] = alertedFirst.map { ($0, .mandatory) }
            + selection.targeted.map { ($0, .targeted) } + selection.control.map { ($0, .control) }
        let chosen = Set(selection.all)
        order += scored.indices.filter { !chosen.contains($0) }.sorted { scored[$0].score != scored[$1].score ? scored[$0].score > scored[$1].score : $0 < $1 }
            .map { ($0, .released) }
        return order.enumerated().map { rank, pick in
            let (i, why) = pick
            var reasons = scored[i].reasons
            if why == .control { reasons.insert(Reason("control", ["share": "\(policy.controlSharePercent)"]), at: 0) }
            return Target(consignmentID: day[i].id, kind: day[i].consignment.kind, documentNumber: day[i].consignment.documentNumber,
                          rank: rank + 1, score: scored[i].score, lane: scored[i].lane, selection: why, reasons: reasons,
                          profiles: scored[i].hits.map { "\($0.name)@\($0.version)" })
        }
    }

    /// The scores, lanes and reasons of part of a day, before selection.
    func score(_ part: ArraySlice<(id: Int, consignment: Consignment)>, alerted: [Int: Reason], boosted: [Int: Reason])
        throws(ModelError) -> [Scored] {
        let ids = part.map(\.id), consignments = part.map(\.consignment)
        // The model's probability and reasons, for the documents of the kinds it knows.
        let known = consignments.indices.filter { modelKinds.contains(consignments[$0].kind) }
        var model = [Float?](repeating: nil, count: consignments.count)
        var modelReasons = [[Reason]](repeating: [], count: consignments.count)
        if let scorer, !known.isEmpty {
            let subset = known.map { consignments[$0] }
            let (scores, reasons) = try scorer.scoresAndReasons(subset, top: settings.modelReasons)
            for (j, (p, r)) in zip(scores, reasons).enumerated() {
                model[known[j]] = p
                modelReasons[known[j]] = r
            }
        }
        var scored: [Scored] = []
        scored.reserveCapacity(part.count)
        for (i, c) in consignments.enumerated() {
            let hits = profiles.hits(c)
            var clean = 1 - Double(model[i] ?? 0)
            var lane = Lane.green
            var reasons = hits.sorted { ($0.lane, $0.weight) > ($1.lane, $1.weight) }.map(\.reason)
            for h in hits {
                clean *= 1 - h.weight
                lane = max(lane, h.lane)
            }
            for (party, match) in watchListMatches(c) {
                clean *= 1 - settings.watchListWeight * match.score
                lane = max(lane, .yellow)
                reasons.append(Reason("watch_list", ["role": party.role.rawValue, "name": party.name ?? "", "listed": match.matchedName,
                                                     "percent": "\(Int((match.score * 100).rounded()))"]))
            }
            if let operation = boosted[ids[i]] {
                clean *= 1 - settings.operationWeight
                lane = max(lane, .yellow)
                reasons.insert(operation, at: 0)
            }
            let score = 1 - clean
            if score >= settings.redScore { lane = max(lane, .red) } else if score >= settings.yellowScore { lane = max(lane, .yellow) }
            if let p = model[i] {
                reasons.append(Reason("model", ["percent": "\(Int((p * 100).rounded()))"]))
                reasons += modelReasons[i]
            }
            if let alert = alerted[ids[i]] {
                lane = .red
                reasons.insert(alert, at: 0)
            }
            scored.append(Scored(score: score, lane: lane, reasons: reasons, hits: hits))
        }
        return scored
    }

    /// The best watch-list match of each named party, if any reaches the matcher's threshold.
    func watchListMatches(_ c: Consignment) -> [(Party, ScreeningMatch)] {
        guard let screening else { return [] }
        return c.parties.compactMap { p in
            guard let name = p.name, let best = screening.matches(name).first else { return nil }
            return (p, best)
        }
    }

    /// A stable seed for a unit's day, so that the random control draw can be replayed (FNV-1a).
    public static func seed(unit: String, day: CalendarDate) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in "\(unit)|\(day)".utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return h
    }
}
