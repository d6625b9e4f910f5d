import CordonCore
import Foundation

/// A model fitted to labelled declarations, with the features it was fitted on: scores and explains.
public struct FittedScorer: Sendable {
    public let features: DeclarationFeatures
    public let model: GradientBoostedModel

    /// Probability of each consignment being illicit.
    public func score(_ consignments: [Consignment]) throws(ModelError) -> [Float] {
        try model.predict(features.matrix(consignments))
    }

    /// For each consignment, the features that raised its score most, in words, strongest first.
    public func reasons(_ consignments: [Consignment], top: Int = 3) throws(ModelError) -> [[Reason]] {
        try reasons(features.matrix(consignments), consignments, top: top)
    }

    /// Scores and reasons together, from one feature matrix (building it is most of the cost).
    public func scoresAndReasons(_ consignments: [Consignment], top: Int = 3) throws(ModelError) -> (scores: [Float], reasons: [[Reason]]) {
        let matrix = features.matrix(consignments)
        return (try model.predict(matrix), try reasons(matrix, consignments, top: top))
    }

    func reasons(_ matrix: FeatureMatrix, _ consignments: [Consignment], top: Int) throws(ModelError) -> [[Reason]] {
        let contributions = try model.contributions(matrix)
        return contributions.enumerated().map { row, contribution in
            // The last column is the bias; only features that push towards illicit are reasons, and only those
            // the document states: "no importer given" tells an officer nothing about the goods.
            let ranked = contribution.dropLast().enumerated()
                .filter { $0.element > 0 && matrix.values[row * matrix.columns + $0.offset].isFinite }
                .sorted { $0.element > $1.element }
            return ranked.prefix(top).map { f, _ in
                features.explain(feature: f, of: consignments[row], value: matrix.values[row * matrix.columns + f])
            }
        }
    }
}

/// The static protocol: learn from labelled training (and validation) declarations, score unseen ones.
public enum StaticScoring {
    /// Fits a scorer. The number of boosting rounds is chosen by early stopping on `validation` (or, without
    /// one, on the latest 15% of `train` by date); the final model then learns from all the labelled rows.
    public static func fit(train: [LabelledConsignment], validation: [LabelledConsignment]?,
                           parameters: TrainingParameters = TrainingParameters(),
                           screening: NameMatcher? = nil) throws(ModelError) -> FittedScorer {
        guard !train.isEmpty else { throw .emptyTrainingSet }
        var fit = train, stop = validation ?? []
        if validation == nil || validation?.isEmpty == true {
            let ordered = train.sorted { $0.consignment.date < $1.consignment.date }
            let cut = max(1, ordered.count * 85 / 100)
            fit = Array(ordered[..<cut])
            stop = Array(ordered[cut...])
        }
        // 1. How many rounds: train on `fit`, stop early on `stop`. With a validation set, also without the
        //    traders' history, and keep what validates better (see `DeclarationFeatures.traderHistory`).
        let (probeFeatures, fitMatrix) = DeclarationFeatures.learn(fit, screening: screening)
        let fitLabels = fit.map { $0.illicit ? Float(1) : 0 }
        let check = stop.isEmpty ? nil : (probeFeatures.matrix(stop.map(\.consignment)), stop.map { $0.illicit ? Float(1) : 0 })
        var probe = try GradientBoostedModel.train(fitMatrix, labels: fitLabels, validation: check, parameters: parameters)
        var traderHistory = true
        if parameters.chooseTraderHistory, let (validMatrix, validLabels) = check {
            var (withoutFit, withoutValid) = (fitMatrix, validMatrix)
            withoutFit.blank(columns: DeclarationFeatures.traderColumns)
            withoutValid.blank(columns: DeclarationFeatures.traderColumns)
            let without = try GradientBoostedModel.train(withoutFit, labels: fitLabels, validation: (withoutValid, validLabels),
                                                         parameters: parameters)
            if (without.validationScore ?? 0) > (probe.validationScore ?? 0) {
                probe = without
                traderHistory = false
            }
        }
        // 2. The final model: every labelled row, that many rounds (a tenth more, for the rows the probe did not
        //    learn from).
        return try learn(train + (validation ?? []), rounds: probe.rounds * 11 / 10, traderHistory: traderHistory,
                         parameters: parameters, screening: screening)
    }

    /// Retrains a scorer on new labelled rows with what an earlier `fit` chose: its number of rounds and whether
    /// the traders' history is used. One fit instead of three: the weekly retrain, between full fits that
    /// choose anew.
    public static func refit(_ previous: FittedScorer, train: [LabelledConsignment],
                             parameters: TrainingParameters = TrainingParameters(),
                             screening: NameMatcher? = nil) throws(ModelError) -> FittedScorer {
        try learn(train, rounds: previous.model.rounds, traderHistory: previous.features.traderHistory,
                  parameters: parameters, screening: screening)
    }

    /// One model on every row, with a given number of rounds and choice of the traders' history.
    static func learn(_ train: [LabelledConsignment], rounds: Int, traderHistory: Bool,
                      parameters: TrainingParameters, screening: NameMatcher?) throws(ModelError) -> FittedScorer {
        guard !train.isEmpty else { throw .emptyTrainingSet }
        let (features, matrix) = DeclarationFeatures.learn(train, screening: screening, traderHistory: traderHistory)
        var p = parameters
        p.rounds = max(1, rounds)
        p.earlyStopping = p.rounds
        let model = try GradientBoostedModel.train(matrix, labels: train.map { $0.illicit ? 1 : 0 }, parameters: p)
        return FittedScorer(features: features, model: model)
    }

    /// Fits on the labelled rows and scores `test` (see `fit`).
    public static func score(train: [LabelledConsignment], validation: [LabelledConsignment]?, test: [Consignment],
                             parameters: TrainingParameters = TrainingParameters(),
                             screening: NameMatcher? = nil) throws(ModelError) -> [Float] {
        try fit(train: train, validation: validation, parameters: parameters, screening: screening).score(test)
    }
}

extension FittedScorer {
    /// Restores a scorer stored as a model version: the trees and what the features learned.
    public init(booster: Data, featureState: Data, screening: NameMatcher? = nil, source: String) throws(ModelError) {
        let features = try DeclarationFeatures(stateJSON: featureState, screening: screening)
        let model = try GradientBoostedModel.load(booster, source: source)
        guard model.featureNames == features.names else {
            throw .featureMismatch(expected: model.featureNames, got: features.names)
        }
        self.init(features: features, model: model)
    }
}
