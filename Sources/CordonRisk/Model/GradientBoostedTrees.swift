import CXGBoost
import Foundation   // the XGBoost library needs libm's symbols, which Foundation links

/// A dense feature matrix, row-major, with NaN for a missing value.
public struct FeatureMatrix: Sendable {
    public let names: [String]
    public private(set) var values: [Float]
    public var rows: Int { names.isEmpty ? 0 : values.count / names.count }
    public var columns: Int { names.count }

    public init(names: [String], values: [Float] = []) {
        self.names = names
        self.values = values
    }

    /// Makes every value of the given columns missing, so that no tree can split on them.
    public mutating func blank(columns: [Int]) {
        guard !columns.isEmpty else { return }
        for r in 0..<rows { for c in columns { values[r * names.count + c] = .nan } }
    }

    /// Appends one row; its length must be the number of columns.
    public mutating func append(_ row: [Float]) {
        precondition(row.count == names.count, "row has \(row.count) values, the matrix \(names.count) columns")
        values.append(contentsOf: row)
    }
}

/// Why the model could not be trained, used, saved or loaded.
public enum ModelError: Error, CustomStringConvertible, Sendable {
    case xgboost(call: String, message: String)
    case emptyTrainingSet
    case oneClass(positives: Int, examples: Int)
    case labelCount(rows: Int, labels: Int)
    case featureMismatch(expected: [String], got: [String])
    case unreadable(path: String, reason: String)
    /// The learned state of the features stored with a model cannot be used.
    case featureState(String)

    public var description: String {
        switch self {
        case .xgboost(let call, let message): return "XGBoost \(call) failed: \(message)"
        case .emptyTrainingSet: return "there are no rows to train on"
        case .oneClass(let p, let n):
            return p == 0 ? "none of the \(n) examples is illicit: nothing to learn yet"
                          : "all \(n) examples are illicit: record negative results too"
        case .labelCount(let rows, let labels): return "\(rows) rows but \(labels) labels"
        case .featureMismatch(let expected, let got):
            return "the model was trained on features \(expected.joined(separator: ",")), not \(got.joined(separator: ","))"
        case .unreadable(let path, let reason): return "\(path): \(reason)"
        case .featureState(let why): return "model features: \(why)"
        }
    }
}

/// Settings of a training run.
public struct TrainingParameters: Sendable {
    public var rounds = 600
    public var learningRate = 0.1
    public var maxDepth = 6
    public var minChildWeight = 1.0
    public var subsample = 0.8
    public var columnSample = 0.8
    /// Stop when the validation metric has not improved for this many rounds.
    public var earlyStopping = 50
    public var threads = 1
    public var seed = 7
    /// Learn an amount (squared error; `predict` then gives amounts) instead of the probability of being illicit.
    public var regression = false
    /// Whether a fit with a validation set also tries the model without the traders' history and keeps the one
    /// that validates better (`StaticScoring.fit`).
    public var chooseTraderHistory = true
    public init() {}
}

/// A gradient-boosted tree ensemble (binary: probability that a consignment is illicit) over the XGBoost C
/// library. The booster's buffers are overwritten by its next call, so every call is serialised and copies
/// its output at once.
public final class GradientBoostedModel: @unchecked Sendable {
    // @unchecked: the handle and the layout are only touched under `lock`.
    private let handle: BoosterHandle
    private let lock = NSLock()
    public let featureNames: [String]
    /// Rounds kept (the best iteration on the validation set, plus one).
    public let rounds: Int
    /// The best validation score (area under the precision-recall curve) when trained with a validation set.
    public let validationScore: Double?
    /// The trees as read from the model's JSON, once, for the fast predictor and explainer; `.some(nil)` for a model
    /// of a shape they do not take. Guarded by `lock`, as are the two below.
    private var parsed: XGBoostTrees??
    /// The trees laid out for fast scoring, made at the first prediction (the probes of a training never predict,
    /// so they never pay for it).
    private var layout: CompiledTrees??
    /// The tables for fast contributions, made at the first explanation.
    private var tables: TreeContributions??

    private init(handle: BoosterHandle, featureNames: [String], rounds: Int, validationScore: Double? = nil) {
        self.handle = handle
        self.featureNames = featureNames
        self.rounds = rounds
        self.validationScore = validationScore
    }

    /// The model's trees read from its XGBoost JSON; the caller holds `lock`.
    private func trees() -> XGBoostTrees? {
        if let parsed { return parsed }
        var length: bst_ulong = 0
        var bytes: UnsafePointer<CChar>?
        var made: XGBoostTrees?
        if XGBoosterSaveModelToBuffer(handle, #"{"format": "json"}"#, &length, &bytes) == 0, let bytes {
            made = try? XGBoostTrees(json: Data(bytes: bytes, count: Int(length)), columns: featureNames.count)
        }
        parsed = .some(made)
        return made
    }

    /// The trees laid out for fast scoring; nil for a model of a shape they do not take, which XGBoost scores.
    var compiled: CompiledTrees? { made(\.layout) { try CompiledTrees($0) } }

    /// The tables for fast contributions; nil for a model of a shape they do not take, which XGBoost explains.
    var explainer: TreeContributions? { made(\.tables) { try TreeContributions($0) } }

    /// What `slot` keeps, made from the trees the first time it is asked for.
    private func made<T>(_ slot: ReferenceWritableKeyPath<GradientBoostedModel, T??>, _ make: (XGBoostTrees) throws -> T) -> T? {
        lock.lock()
        defer { lock.unlock() }
        if let kept = self[keyPath: slot] { return kept }
        let made = trees().flatMap { try? make($0) }
        self[keyPath: slot] = .some(made)
        return made
    }

    deinit { XGBoosterFree(handle) }

    static func check(_ code: Int32, _ call: String) throws(ModelError) {
        if code != 0 { throw .xgboost(call: call, message: String(cString: XGBGetLastError())) }
    }

    /// A DMatrix of the features (and labels), freed by the caller.
    static func matrix(_ m: FeatureMatrix, labels: [Float]? = nil) throws(ModelError) -> DMatrixHandle {
        var h: DMatrixHandle?
        let code = m.values.withUnsafeBufferPointer {
            XGDMatrixCreateFromMat($0.baseAddress, bst_ulong(m.rows), bst_ulong(m.columns), Float.nan, &h)
        }
        try check(code, "XGDMatrixCreateFromMat")
        guard let h else { throw .xgboost(call: "XGDMatrixCreateFromMat", message: "no matrix") }
        if let labels {
            let c = labels.withUnsafeBufferPointer { XGDMatrixSetFloatInfo(h, "label", $0.baseAddress, bst_ulong(labels.count)) }
            if c != 0 { XGDMatrixFree(h) }
            try check(c, "XGDMatrixSetFloatInfo")
        }
        return h
    }

    /// Trains on `train`, stopping early on `validation` (area under the precision-recall curve; for a regression,
    /// the root mean squared error) when given.
    public static func train(_ train: FeatureMatrix, labels: [Float], validation: (FeatureMatrix, [Float])? = nil,
                             parameters p: TrainingParameters = TrainingParameters()) throws(ModelError) -> GradientBoostedModel {
        guard train.rows > 0 else { throw .emptyTrainingSet }
        guard labels.count == train.rows else { throw .labelCount(rows: train.rows, labels: labels.count) }
        let dtrain = try matrix(train, labels: labels)
        defer { XGDMatrixFree(dtrain) }
        var dvalid: DMatrixHandle?
        if let (v, vl) = validation {
            guard vl.count == v.rows else { throw .labelCount(rows: v.rows, labels: vl.count) }
            dvalid = try matrix(v, labels: vl)
        }
        defer { if let dvalid { XGDMatrixFree(dvalid) } }
        var booster: BoosterHandle?
        var inputs: [DMatrixHandle?] = [dtrain]
        try check(XGBoosterCreate(&inputs, 1, &booster), "XGBoosterCreate")
        guard let booster else { throw .xgboost(call: "XGBoosterCreate", message: "no booster") }
        defer { XGBoosterFree(booster) }   // the returned model is a slice of it, with its own handle
        // The starting point: the share of illicit rows (at least one, so that the log-odds are finite), or the
        // mean amount.
        let total = Double(labels.reduce(0, +))
        let base = (p.regression ? total : max(1, total)) / Double(labels.count)
        let settings: [(String, String)] = [
            ("objective", p.regression ? "reg:squarederror" : "binary:logistic"),
            ("eval_metric", p.regression ? "rmse" : "aucpr"), ("tree_method", "hist"),
            ("eta", "\(p.learningRate)"), ("max_depth", "\(p.maxDepth)"), ("min_child_weight", "\(p.minChildWeight)"),
            ("subsample", "\(p.subsample)"), ("colsample_bytree", "\(p.columnSample)"), ("nthread", "\(p.threads)"),
            ("seed", "\(p.seed)"), ("base_score", "\(base)"), ("verbosity", "0"),
        ]
        for (k, v) in settings { try check(XGBoosterSetParam(booster, k, v), "XGBoosterSetParam(\(k))") }

        var best = (round: 0, score: -Double.infinity)
        for round in 0..<p.rounds {
            try check(XGBoosterUpdateOneIter(booster, Int32(round), dtrain), "XGBoosterUpdateOneIter")
            guard let dvalid else { best = (round, 0); continue }
            var evalSets: [DMatrixHandle?] = [dvalid]
            var names: [UnsafePointer<CChar>?] = []
            var out: UnsafePointer<CChar>?
            let code = "valid".withCString { name -> Int32 in
                names = [name]
                return XGBoosterEvalOneIter(booster, Int32(round), &evalSets, &names, 1, &out)
            }
            try check(code, "XGBoosterEvalOneIter")
            // "[12]\tvalid-aucpr:0.81234"; an error (rmse) is better when lower
            let text = out.map { String(cString: $0) } ?? ""
            let metric = text.split(separator: ":").last.flatMap { Double($0) } ?? 0
            let score = p.regression ? -metric : metric
            if score > best.score { best = (round, score) }
            else if round - best.round >= p.earlyStopping { break }
        }
        var sliced: BoosterHandle?
        try check(XGBoosterSlice(booster, 0, Int32(best.round + 1), 1, &sliced), "XGBoosterSlice")
        guard let sliced else { throw .xgboost(call: "XGBoosterSlice", message: "no booster") }
        return GradientBoostedModel(handle: sliced, featureNames: train.names, rounds: best.round + 1,
                                    validationScore: dvalid == nil ? nil : best.score)
    }

    private func predict(_ m: FeatureMatrix, type: Int) throws(ModelError) -> [Float] {
        guard m.names == featureNames else { throw .featureMismatch(expected: featureNames, got: m.names) }
        if m.rows == 0 { return [] }
        let d = try GradientBoostedModel.matrix(m)
        defer { XGDMatrixFree(d) }
        lock.lock()
        defer { lock.unlock() }
        var shape: UnsafePointer<bst_ulong>?
        var dim: bst_ulong = 0
        var result: UnsafePointer<Float>?
        let config = #"{"type": \#(type), "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false, "cache_id": 0}"#
        try GradientBoostedModel.check(XGBoosterPredictFromDMatrix(handle, d, config, &shape, &dim, &result),
                                       "XGBoosterPredictFromDMatrix")
        guard let shape, let result else { return [] }
        var count = 1
        for i in 0..<Int(dim) { count *= Int(shape[i]) }
        return Array(UnsafeBufferPointer(start: result, count: count))   // copied before the next call
    }

    /// Probability of each row being illicit.
    public func predict(_ m: FeatureMatrix) throws(ModelError) -> [Float] {
        guard let compiled else { return try predict(m, type: 0) }
        guard m.names == featureNames else { throw .featureMismatch(expected: featureNames, got: m.names) }
        return compiled.predict(m.values)
    }

    /// Whether scores come from the trees laid out for speed (false: from XGBoost's predictor).
    public var scoresWithCompiledTrees: Bool { compiled != nil }

    /// Probability of each row being illicit, from XGBoost's own predictor (the reference for the fast one).
    public func predictWithXGBoost(_ m: FeatureMatrix) throws(ModelError) -> [Float] {
        try predict(m, type: 0)
    }

    /// Per row, each feature's contribution to the score (log-odds), and the bias last: exact TreeSHAP values, from
    /// `TreeContributions` (XGBoost's own for a model of a shape it does not take).
    public func contributions(_ m: FeatureMatrix) throws(ModelError) -> [[Float]] {
        guard let explainer else { return try contributionsWithXGBoost(m) }
        guard m.names == featureNames else { throw .featureMismatch(expected: featureNames, got: m.names) }
        return GradientBoostedModel.rows(explainer.contributions(m.values), width: featureNames.count + 1)
    }

    /// Whether contributions come from the tables made for speed (false: from XGBoost).
    public var explainsWithTables: Bool { explainer != nil }

    /// Contributions from XGBoost's own TreeSHAP (the reference for the fast ones).
    public func contributionsWithXGBoost(_ m: FeatureMatrix) throws(ModelError) -> [[Float]] {
        GradientBoostedModel.rows(try predict(m, type: 2), width: featureNames.count + 1)
    }

    private static func rows(_ flat: [Float], width: Int) -> [[Float]] {
        stride(from: 0, to: flat.count, by: width).map { Array(flat[$0..<$0 + width]) }
    }

    /// The model as XGBoost JSON with the feature names, to store and load again.
    public func serialized() throws(ModelError) -> Data {
        lock.lock()
        defer { lock.unlock() }
        var length: bst_ulong = 0
        var bytes: UnsafePointer<CChar>?
        try GradientBoostedModel.check(XGBoosterSaveModelToBuffer(handle, #"{"format": "json"}"#, &length, &bytes),
                                       "XGBoosterSaveModelToBuffer")
        guard let bytes else { return Data() }
        let model = Data(bytes: bytes, count: Int(length))
        let wrapper: [String: Any] = ["features": featureNames, "rounds": rounds,
                                      "xgboost": String(decoding: model, as: UTF8.self)]
        return (try? JSONSerialization.data(withJSONObject: wrapper)) ?? Data()
    }

    /// Loads a model written by `serialized()`.
    public static func load(_ data: Data, source: String) throws(ModelError) -> GradientBoostedModel {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let features = object["features"] as? [String], let model = object["xgboost"] as? String else {
            throw .unreadable(path: source, reason: "not a Cordon model file (JSON with features and xgboost)")
        }
        var booster: BoosterHandle?
        try check(XGBoosterCreate(nil, 0, &booster), "XGBoosterCreate")
        guard let booster else { throw .xgboost(call: "XGBoosterCreate", message: "no booster") }
        let bytes = Array(model.utf8)
        let code = bytes.withUnsafeBufferPointer { XGBoosterLoadModelFromBuffer(booster, $0.baseAddress, bst_ulong(bytes.count)) }
        if code != 0 {
            let message = String(cString: XGBGetLastError())
            XGBoosterFree(booster)
            throw .unreadable(path: source, reason: "XGBoost cannot load it: \(message)")
        }
        return GradientBoostedModel(handle: booster, featureNames: features, rounds: object["rounds"] as? Int ?? 0)
    }
}
