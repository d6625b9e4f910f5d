import ArgumentParser
import CordonCore
import CordonRisk
import CordonServer
import CordonStore
import Foundation

/// `cordon model`: the node's learned model, trained from inspection results, with every version kept.
struct ModelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Train the node's model from inspection results (and labelled history) and list its versions.",
        discussion: """
            Example:
              cordon model train --from 2025-01-01
            """,
        subcommands: [Train.self, List.self])

    struct Train: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a model version on the labelled documents of a period and make it the active one.",
            discussion: """
                Labels come from the node's inspection results (an irregularity or a seizure is a positive, a \
                cleared control a negative) and, for documents without a result, from the labels of historical \
                files (KCS, BACUDA). The figures are measured on the latest 20% by date with a model fitted on the \
                rest; the stored model then learns from all of them.

                Example:
                  cordon model train --from 2025-01-01 --until 2026-10-31 --watchlist sdn.csv
                """)

        @Option(help: "First document date to learn from (YYYY-MM-DD).")
        var from: String?

        @Option(help: "Last document date to learn from (YYYY-MM-DD).")
        var until: String?

        @Flag(help: "Print the stored version as one JSON object.")
        var json = false

        @OptionGroup var model: ModelOptions
        @OptionGroup var user: UserOption
        @OptionGroup var store: StoreOptions

        func validate() throws {
            if let from, CalendarDate(iso: from) == nil { throw ValidationError("--from must be YYYY-MM-DD") }
            if let until, CalendarDate(iso: until) == nil { throw ValidationError("--until must be YYYY-MM-DD") }
        }

        func run() async throws {
            let screening = try model.screening()
            let first = from.flatMap { CalendarDate(iso: $0) } ?? CalendarDate(year: 1, month: 1, day: 1) ?? .epoch
            let last = until.flatMap { CalendarDate(iso: $0) } ?? CalendarDate(year: 9999, month: 12, day: 31) ?? .epoch
            let parameters = model.parameters
            let version = try await store.with("model train") { db in
                let trained = try await UnitWork(store: db, screening: screening).train(from: first, until: last, parameters: parameters,
                                                                                        by: user.name)
                StandardError.write("trained on \(trained.examples) labelled documents (\(trained.fromInspections) from inspection results)\n")
                try await user.audit(db, "train_model", subject: "model \(trained.version)", details: "\(first)..\(last), \(trained.examples) examples")
                return trained.version
            }
            ModelCommand.print(version, json: json)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the model versions, newest first, with their window and figures.",
            discussion: "Example:\n  cordon model list")

        @Flag(help: "One JSON object per line.")
        var json = false

        @OptionGroup var store: StoreOptions

        func run() async throws {
            for m in try await store.with("model list", { db in try await db.models() }) { ModelCommand.print(m, json: json) }
        }
    }

    struct Line: Encodable {
        var version: Int, status: String, from: String, until: String, examples: Int, positives: Int, documentKinds: [String]
        var features: Int, evaluation: [String: Double], trainedBy: String
    }

    static func print(_ m: ModelVersion, json: Bool) {
        if json {
            let line = Line(version: m.id, status: m.status, from: m.trainedFrom.description, until: m.trainedUntil.description,
                            examples: m.examples, positives: m.positives, documentKinds: m.documentKinds.map(\.rawValue),
                            features: m.features.count, evaluation: m.evaluation,
                            trainedBy: m.trainedBy)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            StandardOutput.write(String(decoding: (try? encoder.encode(line)) ?? Data(), as: UTF8.self) + "\n")
            return
        }
        let figures = m.evaluation.keys.sorted().filter { $0.hasPrefix("precision") || $0 == "auc" }
            .map { "\($0)=\(String(format: "%.3f", m.evaluation[$0] ?? 0))" }.joined(separator: " ")
        StandardOutput.write("model \(m.id)\t\(m.status)\t\(m.trainedFrom)..\(m.trainedUntil)\t\(m.documentKinds.map(\.rawValue).joined(separator: ","))\t\(m.examples) examples, \(m.positives) positive\t\(figures.isEmpty ? "too few examples for a held-out evaluation" : figures)\n")
    }
}
