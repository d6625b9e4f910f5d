import CordonCore
import Foundation
import SQLKit

/// A trained model version as stored: its window, features, evaluation figures and the model itself.
public struct ModelVersion: Sendable {
    public var id: Int
    /// `active` for the one targeting uses, `archived` for earlier ones.
    public var status: String
    public var trainedFrom: CalendarDate
    public var trainedUntil: CalendarDate
    public var examples: Int
    public var positives: Int
    /// The kinds of document it learned from (`declaration`, `bl`, ...): it scores only those.
    public var documentKinds: [DocumentKind]
    public var features: [String]
    /// Figures measured on held-out examples (precision at 1/5/10%, AUC, ...), by name.
    public var evaluation: [String: Double]
    /// The tree ensemble, as XGBoost's JSON.
    public var booster: Data
    /// What the features learned from history (rates, codes, typical values), as JSON.
    public var featureState: Data
    public var trainedBy: String
    public var trainedAt: String

    public init(id: Int = 0, status: String = "active", trainedFrom: CalendarDate, trainedUntil: CalendarDate,
                examples: Int, positives: Int, documentKinds: [DocumentKind], features: [String], evaluation: [String: Double], booster: Data,
                featureState: Data, trainedBy: String, trainedAt: String = "") {
        self.id = id
        self.status = status
        self.trainedFrom = trainedFrom
        self.trainedUntil = trainedUntil
        self.examples = examples
        self.positives = positives
        self.documentKinds = documentKinds
        self.features = features
        self.evaluation = evaluation
        self.booster = booster
        self.featureState = featureState
        self.trainedBy = trainedBy
        self.trainedAt = trainedAt
    }
}

extension Store {
    /// Stores a new model version and makes it the active one (the previous one is archived); returns its id.
    public func saveModel(_ model: ModelVersion) async throws -> Int {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let features = String(decoding: try encoder.encode(model.features), as: UTF8.self)
        let kinds = model.documentKinds.map(\.rawValue).sorted().joined(separator: " ")
        let evaluation = String(decoding: try encoder.encode(model.evaluation), as: UTF8.self)
        return try await transaction {
            try await sql.update("model_versions").set("status", to: "archived").where("status", .equal, "active").run()
            let row = try await sql.insert(into: "model_versions")
                .columns("status", "trained_from", "trained_until", "examples", "positives", "document_kinds", "features", "evaluation",
                         "booster", "feature_state", "trained_by", "trained_at")
                .values(SQLBind("active"), SQLBind(model.trainedFrom.description), SQLBind(model.trainedUntil.description),
                        SQLBind(model.examples), SQLBind(model.positives), SQLBind(kinds), SQLBind(features), SQLBind(evaluation),
                        SQLBind(String(decoding: model.booster, as: UTF8.self)),
                        SQLBind(String(decoding: model.featureState, as: UTF8.self)),
                        SQLBind(model.trainedBy), SQLBind(Store.now()))
                .returning("id").first()
            return try row?.decode(column: "id", as: Int.self) ?? 0
        }
    }

    /// The model targeting uses, if one was trained.
    public func activeModel() async throws -> ModelVersion? {
        try await exclusive {
            try await readModels(sql.select().column("*").from("model_versions").where("status", .equal, "active"), full: true).first
        }
    }

    /// All model versions, newest first, without their trees and feature state.
    public func models() async throws -> [ModelVersion] {
        try await exclusive {
            try await readModels(sql.select().columns("id", "status", "trained_from", "trained_until", "examples", "positives",
                                                      "document_kinds", "features", "evaluation", "trained_by", "trained_at")
                .from("model_versions").orderBy("id", .descending), full: false)
        }
    }

    private func readModels(_ query: sending SQLSelectBuilder, full: Bool) async throws -> [ModelVersion] {
        let decoder = JSONDecoder()
        return try await query.all().map { r in
            let id = try r.decode(column: "id", as: Int.self)
            let from = try r.decode(column: "trained_from", as: String.self)
            let until = try r.decode(column: "trained_until", as: String.self)
            let kindText = try r.decode(column: "document_kinds", as: String.self)
            let kinds = kindText.split(separator: " ").compactMap { DocumentKind(rawValue: String($0)) }
            guard let f = CalendarDate(iso: from), let u = CalendarDate(iso: until),
                  kinds.count == kindText.split(separator: " ").count else {
                throw StoreError.query("model version \(id) is unreadable: window \(from)..\(until), kinds '\(kindText)'")
            }
            return ModelVersion(
                id: id, status: try r.decode(column: "status", as: String.self), trainedFrom: f, trainedUntil: u,
                examples: try r.decode(column: "examples", as: Int.self), positives: try r.decode(column: "positives", as: Int.self),
                documentKinds: kinds,
                features: try decoder.decode([String].self, from: Data(try r.decode(column: "features", as: String.self).utf8)),
                evaluation: try decoder.decode([String: Double].self, from: Data(try r.decode(column: "evaluation", as: String.self).utf8)),
                booster: full ? Data(try r.decode(column: "booster", as: String.self).utf8) : Data(),
                featureState: full ? Data(try r.decode(column: "feature_state", as: String.self).utf8) : Data(),
                trainedBy: try r.decode(column: "trained_by", as: String.self),
                trainedAt: try r.decode(column: "trained_at", as: String.self))
        }
    }
}
