import CordonCore
import CordonExchange
import CordonRisk
import CordonStore
import Foundation

/// A unit's scored day: the ranked targets (released ones included), the documents they are about, the model used.
public struct TargetedDay: Sendable {
    public var unit: ControlUnit
    public var day: CalendarDate
    public var targets: [Target]
    public var documents: [Int: Consignment]
    public var modelVersion: Int?
}

/// The node's risk work over its store: targeting a unit's day and training the next model. One place for what
/// the CLI, the demo and the pages do, so that they cannot drift apart.
public struct UnitWork: Sendable {
    public let store: Store
    /// Parties screened against this list, when the node has one.
    public let screening: NameMatcher?

    public init(store: Store, screening: NameMatcher? = nil) {
        self.store = store
        self.screening = screening
    }

    /// Scores a unit's documents of a day with the active profiles and model and the watch list, selects within the
    /// unit's capacity plus its control share, and stores the queue (replacing an earlier run of the same day).
    public func target(unit code: String, day: CalendarDate) async throws -> TargetedDay {
        let unit = try await store.unit(code)
        let documents = try await store.consignments(for: unit, on: day)
        let profiles = try ProfileSet(try await store.activeProfiles())
        let stored = try await store.activeModel()
        let scorer = try stored.map { m throws(ModelError) in
            try FittedScorer(booster: m.booster, featureState: m.featureState, screening: screening, source: "model \(m.id)")
        }
        let policy = SelectionPolicy(capacity: unit.capacity, controlSharePercent: unit.controlSharePercent)
        let alerted = try await store.alertMatches(unit: unit.code, day: day, consignmentIDs: documents.map(\.id)).mapValues { m in
            Reason("alert", ["message": m.messageID, "unit": m.senderUnit, "node": m.senderNode, "container": m.container, "subject": m.subject])
        }
        // The checklists of the joint operations the unit takes part in that day.
        let node = try await store.nodeIdentity()?.name
        let operations = try await store.jointOperations()
            .filter { $0.isOpen(on: day) && $0.includes(node: node ?? "", unit: unit.code) }
        var boosted: [Int: Reason] = [:]
        for d in documents {
            if let op = operations.first(where: { $0.matches(d.consignment) }) {
                boosted[d.id] = Reason("operation", ["operation": op.id, "name": op.name])
            }
        }
        let targets = try DayTargeting(profiles: profiles, scorer: scorer, modelKinds: Set(stored?.documentKinds ?? []), screening: screening)
            .run(documents, policy: policy, seed: DayTargeting.seed(unit: unit.code, day: day), alerted: alerted, boosted: boosted)
        try await store.replaceTargets(unit: unit.code, day: day, targets: targets, modelVersion: stored?.id)
        WorkCounters.scored(unit: unit.code, documents: documents.count)
        return TargetedDay(unit: unit, day: day, targets: targets,
                           documents: Dictionary(documents.map { ($0.id, $0.consignment) }, uniquingKeysWith: { a, _ in a }),
                           modelVersion: stored?.id)
    }

    /// Trains a model on the labelled documents dated `from...until` (inspection results first, file labels
    /// otherwise), stores it as the active version and returns it with the count of labels from inspections.
    public func train(from: CalendarDate, until: CalendarDate, parameters: TrainingParameters, by user: String) async throws
        -> (version: ModelVersion, examples: Int, fromInspections: Int) {
        let records = try await store.labelledRecords(from: from, until: until)
        let examples = records.map { LabelledConsignment(consignment: $0.consignment, illicit: $0.illicit) }
        let screening = screening
        let trained = try await offThePool { try ModelTraining.train(examples, parameters: parameters, screening: screening) }
        var version = ModelVersion(trainedFrom: trained.from, trainedUntil: trained.until, examples: trained.examples,
                                   positives: trained.positives, documentKinds: trained.documentKinds.sorted { $0.rawValue < $1.rawValue },
                                   features: trained.scorer.features.names, evaluation: trained.evaluation,
                                   booster: try trained.scorer.model.serialized(), featureState: try trained.scorer.features.stateJSON(),
                                   trainedBy: user)
        version.id = try await store.saveModel(version)
        return (version, records.count, records.filter(\.fromInspection).count)
    }
}
