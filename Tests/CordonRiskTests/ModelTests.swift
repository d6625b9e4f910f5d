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

    @Test("the fast predictor and explainer give XGBoost's scores and contributions: missing values, shallow leaves, several depths",
          arguments: [1, 3, 6, 9])
    func compiledTreesMatchXGBoost(depth: Int) throws {
        let (train, y) = ModelTests.data(3000, seed: 4)
        var (test, _) = ModelTests.data(700, seed: 5)
        // Missing values in every column, and rows missing everything.
        var missing = FeatureMatrix(names: test.names)
        for r in 0..<test.rows {
            var row = Array(test.values[r * 3..<r * 3 + 3])
            if r % 7 == 0 { row[r % 3] = .nan }
            if r % 11 == 0 { row = [.nan, .nan, .nan] }
            missing.append(row)
        }
        test = missing
        var p = TrainingParameters()
        p.rounds = 40
        p.maxDepth = depth
        p.minChildWeight = 5   // leaves above the last level, so that padding is exercised
        let model = try GradientBoostedModel.train(train, labels: y, parameters: p)
        #expect(model.scoresWithCompiledTrees)
        let fast = try model.predict(test), reference = try model.predictWithXGBoost(test)
        #expect(fast.count == reference.count)
        #expect(zip(fast, reference).allSatisfy { abs($0 - $1) <= 1e-6 })
        let loaded = try GradientBoostedModel.load(try model.serialized(), source: "memory")
        #expect(loaded.scoresWithCompiledTrees)
        #expect(try loaded.predict(test) == fast)
        // Contributions: the tables' TreeSHAP is XGBoost's (a feature split on several times along a path included:
        // three features and up to nine levels), up to single precision.
        #expect(model.explainsWithTables)
        let tables = try model.contributions(test), xgboost = try model.contributionsWithXGBoost(test)
        #expect(tables.count == xgboost.count && tables.allSatisfy { $0.count == 4 })
        var worst: Float = 0
        for (row, reference) in zip(tables, xgboost) {
            for (a, b) in zip(row, reference) { worst = max(worst, abs(a - b) / (1 + abs(b))) }
        }
        #expect(worst < 1e-5, "largest difference \(worst)")
        if depth >= 3 { #expect(xgboost.contains { $0[0] != 0 && $0[1] != 0 && $0[2] != 0 }) }
    }

    @Test("a model too deep for the fast predictor is scored by XGBoost")
    func deepModelFallsBack() throws {
        let (train, _) = ModelTests.data(3000, seed: 6)
        // Labels with no rule in them: the trees grow as deep as allowed, chasing noise.
        let y = (0..<train.rows).map { Float(($0 &* 2654435761) >> 7 & 1) }
        var p = TrainingParameters()
        p.rounds = 5
        p.maxDepth = 14
        p.minChildWeight = 0
        let model = try GradientBoostedModel.train(train, labels: y, parameters: p)
        #expect(!model.scoresWithCompiledTrees)
        let reference = try model.predictWithXGBoost(train)
        #expect(try model.predict(train) == reference)
        #expect(!model.explainsWithTables)
        #expect(try model.contributions(train) == (try model.contributionsWithXGBoost(train)))
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
