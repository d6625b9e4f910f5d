import CordonCore

/// The static protocol: learn from labelled training (and validation) declarations, score unseen ones.
public enum StaticScoring {
    /// Scores `test`. The number of boosting rounds is chosen by early stopping on `validation` (or, without
    /// one, on the latest 15% of `train` by date); the final model then learns from all the labelled rows.
    public static func score(train: [LabelledConsignment], validation: [LabelledConsignment]?, test: [Consignment],
                             parameters: TrainingParameters = TrainingParameters(),
                             screening: NameMatcher? = nil) throws(ModelError) -> [Float] {
        guard !train.isEmpty else { throw .emptyTrainingSet }
        var fit = train, stop = validation ?? []
        if validation == nil || validation?.isEmpty == true {
            let ordered = train.sorted { $0.consignment.date < $1.consignment.date }
            let cut = max(1, ordered.count * 85 / 100)
            fit = Array(ordered[..<cut])
            stop = Array(ordered[cut...])
        }
        // 1. How many rounds: train on `fit`, stop early on `stop`.
        let first = DeclarationFeatures(history: fit, screening: screening)
        let probe = try GradientBoostedModel.train(
            first.trainingMatrix(fit), labels: fit.map { $0.illicit ? 1 : 0 },
            validation: stop.isEmpty ? nil : (first.matrix(stop.map(\.consignment)), stop.map { $0.illicit ? 1 : 0 }),
            parameters: parameters)
        // 2. The final model: every labelled row, that many rounds.
        let all = train + (validation ?? [])
        let features = DeclarationFeatures(history: all, screening: screening)
        var final = parameters
        final.rounds = max(1, probe.rounds * 11 / 10)
        final.earlyStopping = final.rounds
        let model = try GradientBoostedModel.train(features.trainingMatrix(all), labels: all.map { $0.illicit ? 1 : 0 },
                                                   parameters: final)
        return try model.predict(features.matrix(test))
    }
}

/// Quality of a ranking against known outcomes.
public enum Evaluation {
    /// Share of illicit among the top `fraction` of scores (at least one row).
    public static func precision(scores: [Float], illicit: [Bool], top fraction: Double) -> Double {
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        let k = max(1, Int((Double(scores.count) * fraction).rounded(.down)))
        return Double(order.prefix(k).filter { illicit[$0] }.count) / Double(k)
    }

    /// Share of the total revenue found in the top `fraction`.
    public static func revenueRecall(scores: [Float], revenue: [Double], top fraction: Double) -> Double {
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        let k = max(1, Int((Double(scores.count) * fraction).rounded(.down)))
        let total = revenue.reduce(0, +)
        guard total > 0 else { return 0 }
        return order.prefix(k).reduce(0) { $0 + revenue[$1] } / total
    }
}
