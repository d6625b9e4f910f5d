import CordonCore
import Foundation   // log1p, expm1

/// The weekly online protocol: weeks are `(date - first date) div 7`; weeks 0-1 are labelled history; in each
/// later week the model, retrained on the labels revealed so far (fitted anew every `weeksBetweenFullFits`
/// weeks, retrained with the last fit's choices between), selects `floor(n * rate / 100)` declarations,
/// and only their labels are revealed.
public struct WeeklySimulation: Sendable {
    /// One declaration of the simulation with its hidden outcome.
    public struct Row: Sendable {
        public var id: String
        public var consignment: Consignment
        public var illicit: Bool
        public var revenue: Double

        public init(id: String, consignment: Consignment, illicit: Bool, revenue: Double) {
            self.id = id
            self.consignment = consignment
            self.illicit = illicit
            self.revenue = revenue
        }
    }

    /// What happened in one week.
    public struct Week: Sendable {
        public var week: Int
        public var declarations: Int
        public var selected: [String]
        public var precision: Double
        public var revenueRecall: Double
    }

    public var ratePercent: Double
    /// Share of each week's selection drawn at random from the rest, so that the model keeps learning about
    /// what it does not yet suspect.
    public var explorePercent: Double
    public var parameters: TrainingParameters
    public var seed: UInt64
    /// Screening of party names against a watch list, as a feature.
    public var screening: NameMatcher?
    /// Every this many weeks the model is fitted anew (rounds and the traders' history chosen by validation);
    /// in the weeks between, it is retrained on the labels revealed so far with those choices (`refit`).
    public var weeksBetweenFullFits = 4
    /// Rank by what a control is expected to bring, a hit and the revenue it recovers: the probability of fraud
    /// times one plus this weight times the revenue that frauds like it recovered (learned from the revealed
    /// frauds), in units of the revealed frauds' mean revenue; the weight is what an average fraud's revenue is
    /// worth against a hit. At 0, the default, the probability alone ranks and no revenue is learned.
    public var revenueWeight = 0.0
    /// How the exploration share is spent: at random (what a unit's control share does, so that hit rates can be
    /// measured), or on the highest expected revenue among the declarations the ranking left out.
    public var exploreBy = Exploration.random
    /// Fewest revealed frauds to learn amounts from; with fewer, the probability ranks.
    static let minimumRevenueExamples = 30

    public init(ratePercent: Double, explorePercent: Double = 5, parameters: TrainingParameters = TrainingParameters(),
                seed: UInt64 = 7) {
        self.ratePercent = ratePercent
        self.explorePercent = explorePercent
        self.parameters = parameters
        self.seed = seed
    }

    /// Runs the protocol; `report` hears about each week as it ends.
    public func run(_ rows: [Row], report: (Week) -> Void = { _ in }) throws(ModelError) -> [Week] {
        guard let first = rows.map(\.consignment.date.daysSinceEpoch).min() else { return [] }
        let weekOf = rows.map { ($0.consignment.date.daysSinceEpoch - first) / 7 }
        let lastWeek = weekOf.max() ?? 0
        var revealed: [LabelledConsignment] = [], revealedRevenue: [Double] = []
        for (i, r) in rows.enumerated() where weekOf[i] <= 1 {
            revealed.append(LabelledConsignment(consignment: r.consignment, illicit: r.illicit))
            revealedRevenue.append(r.revenue)
        }
        var rng = SeededGenerator(seed: seed)
        var weeks: [Week] = []
        var scorer: FittedScorer?
        var fittedWeek = 0
        guard lastWeek >= 2 else { return [] }
        for week in 2...lastWeek {
            let members = rows.indices.filter { weekOf[$0] == week }
            guard !members.isEmpty else { continue }
            let policy = SelectionPolicy(capacity: .percent(ratePercent), controlSharePercent: explorePercent)
            var chosen: [Int] = []
            if policy.slots(for: members.count) > 0 {
                let current: FittedScorer
                if let previous = scorer, week - fittedWeek < max(1, weeksBetweenFullFits) {
                    current = try StaticScoring.refit(previous, train: revealed, parameters: parameters, screening: screening)
                } else {
                    current = try StaticScoring.fit(train: revealed, validation: nil, parameters: parameters, screening: screening)
                    fittedWeek = week
                }
                scorer = current
                let test = current.features.matrix(members.map { rows[$0].consignment })
                let probabilities = try current.model.predict(test)
                var scores = probabilities
                var stakes: [Float]?
                if revenueWeight > 0 || exploreBy == .revenue,
                   let amounts = try expectedRevenue(current, revealed: revealed, revenue: revealedRevenue, test: test) {
                    if revenueWeight > 0 {
                        // A hit is worth one, plus its revenue at the chosen weight.
                        let weight = Float(revenueWeight)
                        scores = zip(probabilities, amounts).map { $0 * (1 + weight * $1) }
                    }
                    if exploreBy == .revenue { stakes = zip(probabilities, amounts).map { $0 * $1 } }
                }
                chosen = policy.select(scores: scores, controlStakes: stakes, using: &rng).all.map { members[$0] }
            }
            for i in chosen {
                revealed.append(LabelledConsignment(consignment: rows[i].consignment, illicit: rows[i].illicit))
                revealedRevenue.append(rows[i].revenue)
            }
            let hits = chosen.filter { rows[$0].illicit }
            let totalRevenue = members.reduce(0) { $0 + rows[$1].revenue }
            let result = Week(week: week, declarations: members.count, selected: chosen.map { rows[$0].id },
                              precision: chosen.isEmpty ? 0 : Double(hits.count) / Double(chosen.count),
                              revenueRecall: totalRevenue > 0 ? hits.reduce(0) { $0 + rows[$1].revenue } / totalRevenue : 0)
            report(result)
            weeks.append(result)
        }
        return weeks
    }

    /// The revenue each `test` consignment would recover if it were a fraud, in units of the revealed frauds' mean
    /// revenue: a regression of the logarithm of the revenue on the scorer's features, learned from the revealed
    /// frauds (their out-of-fold features); nil while fewer than `minimumRevenueExamples` frauds are revealed.
    func expectedRevenue(_ scorer: FittedScorer, revealed: [LabelledConsignment], revenue: [Double],
                         test: FeatureMatrix) throws(ModelError) -> [Float]? {
        let frauds = revealed.indices.filter { revealed[$0].illicit }
        guard frauds.count >= WeeklySimulation.minimumRevenueExamples else { return nil }
        let all = scorer.features.trainingMatrix(revealed)
        var learn = FeatureMatrix(names: all.names)
        for i in frauds { learn.append(Array(all.values[i * all.columns..<(i + 1) * all.columns])) }
        var p = parameters
        p.regression = true
        p.rounds = 100
        p.earlyStopping = p.rounds
        let model = try GradientBoostedModel.train(learn, labels: frauds.map { Float(log1p(max(0, revenue[$0]))) }, parameters: p)
        let mean = max(1e-9, frauds.reduce(0) { $0 + revenue[$1] } / Double(frauds.count))
        return try model.predict(test).map { expm1(max(0, $0)) / Float(mean) }
    }
}

extension WeeklySimulation {
    /// What the exploration share of a week's selection goes to.
    public enum Exploration: String, Sendable, CaseIterable {
        /// Drawn at random from the declarations not ranked in.
        case random
        /// The highest expected revenue (probability times the revenue frauds like it recovered) among them; drawn at
        /// random while too few frauds are revealed to learn amounts from.
        case revenue
    }
}
