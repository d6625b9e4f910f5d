import ArgumentParser
import CordonCore
import CordonStore
import Foundation

/// `cordon result`: what a control found, negative results included; the labels the next model learns from.
struct ResultCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "result",
        abstract: "Record and show inspection results (cleared, irregularity, seizure).",
        discussion: """
            Example:
              cordon result record MSKU1234565-BL7781 --kind bl --unit KZ-ALA-ACCU --outcome cleared --method x-ray
            """,
        subcommands: [Record.self, Show.self])

    struct Record: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record the result of a control of a document's current version.",
            discussion: """
                Negative results matter as much as seizures: they are what the model learns "clean" from and
                what a profile's hit rate is measured against.

                Example:
                  cordon result record BL7781 --unit UZ-TAS-PCU --outcome seizure --method physical \\
                    --notes "cigarettes behind a false wall" --date 2026-11-23
                """)

        @Argument(help: "The document number (B/L, AWB, declaration).")
        var document: String

        @Option(help: "Document kind: \(DocumentKind.allCases.map(\.rawValue).joined(separator: ", ")).")
        var kind = DocumentKind.billOfLading.rawValue

        @Option(help: "The unit that controlled it.")
        var unit: String

        @Option(help: "cleared, irregularity or seizure.")
        var outcome: String

        @Option(help: "documentary, x-ray, physical or dog.")
        var method: String

        @Option(help: "Date of the control, YYYY-MM-DD (default today).")
        var date: String?

        @Option(help: "What was found or done.")
        var notes: String?

        @Option(help: "Duties and fines recovered, in the node's currency.")
        var revenue: Double?

        @OptionGroup var user: UserOption
        @OptionGroup var store: StoreOptions

        func validate() throws {
            guard DocumentKind(rawValue: kind) != nil else { throw ValidationError("unknown --kind '\(kind)'") }
            guard InspectionOutcome(rawValue: outcome) != nil else { throw ValidationError("--outcome must be cleared, irregularity or seizure") }
            guard InspectionMethod(rawValue: method) != nil else { throw ValidationError("--method must be documentary, x-ray, physical or dog") }
            if let date, CalendarDate(iso: date) == nil { throw ValidationError("--date must be YYYY-MM-DD") }
            if let notes, notes.count > 4000 { throw ValidationError("--notes is limited to 4000 characters") }
        }

        func run() async throws {
            guard let kind = DocumentKind(rawValue: kind), let outcome = InspectionOutcome(rawValue: outcome),
                  let method = InspectionMethod(rawValue: method) else { throw ExitCode(2) }
            let day = date.flatMap { CalendarDate(iso: $0) } ?? CalendarDate.today
            let result = InspectionResult(kind: kind, documentNumber: document, unit: unit, date: day, outcome: outcome,
                                          method: method, notes: notes, revenue: revenue, recordedBy: user.name)
            let id = try await store.with("result record") { db in
                _ = try await db.unit(unit)
                return try await db.recordInspection(result)
            }
            StandardOutput.write("result \(id)\t\(document)\t\(outcome.rawValue)\n")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the results recorded for a document.",
            discussion: "Example:\n  cordon result show BL7781")

        @Argument(help: "The document number.")
        var document: String

        @Option(help: "Document kind.")
        var kind = DocumentKind.billOfLading.rawValue

        @OptionGroup var store: StoreOptions

        func run() async throws {
            guard let kind = DocumentKind(rawValue: kind) else { throw ValidationError("unknown --kind '\(kind)'") }
            let results = try await store.with("result show") { db in try await db.inspections(of: document, kind: kind) }
            for r in results {
                StandardOutput.write("\(r.date)\t\(r.unit)\t\(r.outcome.rawValue)\t\(r.method.rawValue)\t\(r.recordedBy)\t\(r.notes ?? "")\n")
            }
        }
    }
}
