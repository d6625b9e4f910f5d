import CordonRisk
import Foundation
import Testing

@Suite("Gradient-boosted trees (XGBoost)")
struct ModelTests {
    /// A learnable problem: illicit when x0 > 0.5 and x1 < 0.3, with a noise column.
    static func data(_ n: Int, seed: UInt64) -> (FeatureMatrix, [Float]) {
        var rng = seed
        func next() -> Float {
            rng = rng &* 6364136223846793005 &+ 1442695040888963407
            return Float(rng >> 40) / Float(1 << 24)
        }
        var m = FeatureMatrix(names: ["x0", "x1", "noise"])
        var y: [Float] = []
        for i in 0..<n {
            let x0 = next(), x1 = next(), noise = next()
            m.append([x0, i % 50 == 0 ? .nan : x1, noise])
            y.append(x0 > 0.5 && x1 < 0.3 ? 1 : 0)
        }
        return (m, y)
    }

    @Test("trains with early stopping, ranks unseen rows, explains, and survives a save and load")
    func trainPredictExplain() throws {
        let (train, y) = ModelTests.data(4000, seed: 1)
        let (valid, vy) = ModelTests.data(1000, seed: 2)
        var p = TrainingParameters()
        p.rounds = 200
        p.earlyStopping = 20
        let model = try GradientBoostedModel.train(train, labels: y, validation: (valid, vy), parameters: p)
        #expect(model.rounds > 0 && model.rounds <= 200)
        let scores = try model.predict(valid)
        #expect(scores.count == valid.rows)
        // Precision of the top 10% must be near perfect on this rule.
        let top = scores.indices.sorted { scores[$0] > scores[$1] }.prefix(valid.rows / 10)
        let precision = Double(top.filter { vy[$0] == 1 }.count) / Double(top.count)
        #expect(precision > 0.95)
        // Contributions: one per feature plus the bias, summing to the log-odds of the score.
        let contributions = try model.contributions(valid)
        #expect(contributions.count == valid.rows && contributions[0].count == 4)
        let logOdds = contributions[0].reduce(0, +)
        #expect(abs(1 / (1 + exp(-logOdds)) - scores[0]) < 1e-4)
        // The noise column matters least.
        let mean = (0..<3).map { f in contributions.reduce(0) { $0 + abs($1[f]) } }
        #expect(mean[2] < mean[0] && mean[2] < mean[1])

        let loaded = try GradientBoostedModel.load(try model.serialized(), source: "memory")
        #expect(try loaded.predict(valid) == scores)
        #expect(loaded.featureNames == ["x0", "x1", "noise"])
    }

    @Test("bad input is named: wrong features, label count, a file that is not a model")
    func errors() throws {
        let (train, y) = ModelTests.data(200, seed: 3)
        #expect(throws: ModelError.self) { try GradientBoostedModel.train(train, labels: Array(y.dropFirst())) }
        var p = TrainingParameters()
        p.rounds = 5
        let model = try GradientBoostedModel.train(train, labels: y, parameters: p)
        var other = FeatureMatrix(names: ["a", "b", "c"])
        other.append([1, 2, 3])
        #expect(throws: ModelError.self) { try model.predict(other) }
        #expect(throws: ModelError.self) { try GradientBoostedModel.load(Data("{}".utf8), source: "x.json") }
        let bad = try JSONSerialization.data(withJSONObject: ["features": ["a"], "xgboost": "not a model"])
        #expect(throws: ModelError.self) { try GradientBoostedModel.load(bad, source: "y.json") }
    }
}
