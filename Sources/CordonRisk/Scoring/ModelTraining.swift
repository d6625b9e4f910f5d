import CordonCore

/// A model trained for a node, with the figures it earned on examples it did not learn from.
public struct TrainedModel: Sendable {
    public var scorer: FittedScorer
    /// Precision at 1, 5 and 10 %, AUC and the base rate on the held-out latest examples (when there were enough).
    public var evaluation: [String: Double]
    public var examples: Int
    public var positives: Int
    /// The kinds of document learned from; the model scores only those.
    public var documentKinds: Set<DocumentKind>
    public var from: CalendarDate
    public var until: CalendarDate
}

/// Trains the node's model from labelled examples (inspection results, or labels of historical files).
public enum ModelTraining {
    /// Fewest examples, and positives on each side of the split, for a held-out evaluation to mean anything.
    static let minimumExamples = 200
    static let minimumPositives = 5

    /// Evaluates on the latest 20 % by date with a model fitted on the rest, then fits the model to keep on
    /// every example. Throws when there is nothing to learn from (no examples, or no positive or negative one).
    public static func train(_ examples: [LabelledConsignment], parameters: TrainingParameters = TrainingParameters(),
                             screening: NameMatcher? = nil) throws(ModelError) -> TrainedModel {
        let ordered = examples.sorted { $0.consignment.date < $1.consignment.date }
        guard let first = ordered.first?.consignment.date, let last = ordered.last?.consignment.date else {
            throw .emptyTrainingSet
        }
        let positives = ordered.filter(\.illicit).count
        guard positives > 0, positives < ordered.count else { throw .oneClass(positives: positives, examples: ordered.count) }
        var evaluation: [String: Double] = ["examples": Double(ordered.count), "positives": Double(positives)]
        let cut = ordered.count * 80 / 100
        let learn = Array(ordered[..<cut]), held = Array(ordered[cut...])
        if ordered.count >= minimumExamples, learn.filter(\.illicit).count >= minimumPositives,
           held.filter(\.illicit).count >= minimumPositives {
            let probe = try StaticScoring.fit(train: learn, validation: nil, parameters: parameters, screening: screening)
            let scores = try probe.score(held.map(\.consignment))
            let labels = held.map(\.illicit)
            for p in [1.0, 5, 10] {
                evaluation["precision_at_\(Int(p))pct"] = RankingMetrics.precision(scores: scores, labels: labels, atPercent: p)
            }
            evaluation["auc"] = RankingMetrics.auc(scores: scores, labels: labels)
            evaluation["heldout_examples"] = Double(held.count)
            evaluation["heldout_base_rate"] = Double(labels.filter { $0 }.count) / Double(labels.count)
        }
        let scorer = try StaticScoring.fit(train: ordered, validation: nil, parameters: parameters, screening: screening)
        return TrainedModel(scorer: scorer, evaluation: evaluation, examples: ordered.count, positives: positives,
                            documentKinds: Set(ordered.map(\.consignment.kind)), from: first, until: last)
    }
}
