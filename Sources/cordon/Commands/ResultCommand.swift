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
              cordon result record MSKU1234565-BL7781 --kind bl --unit KZ-ALA-ACCU \\
                --outcome cleared --method x-ray
            """,
        subcommands: [Record.self, Show.self])

    struct Record: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record the result of a control of a document's current version.",
            discussion: """
                Negative results matter as much as seizures: they are what the model learns "clean" from and \
                what a profile's hit rate is measured against.

                Example:
                  cordon result record BL7781 --unit UZ-TAS-PCU --outcome seizure \\
                    --method physical --seizure "category=tobacco; goods=cigarettes; \\
                    quantity=120000; unit=sticks; concealment=false wall" \\
                    --notes "found behind a false wall" --date 2026-11-23

                A seizure has one --seizure per kind of goods: category (\(CommodityCategory.allCases.map(\.rawValue).joined(separator: ", "))), \
                goods, quantity, unit (\(SeizureLine.quantityUnits.joined(separator: ", ")), or the currency for cash), and optionally \
                concealment and value (estimated, in the node's currency).
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

        @Option(name: .customLong("seizure"), help: "What was seized: \"category=drugs; goods=heroin; quantity=12.5; unit=kg\" (repeatable).")
        var seizures: [String] = []

        @OptionGroup var user: UserOption
        @OptionGroup var store: StoreOptions

        /// A `--seizure` value: `key=value` pairs separated by semicolons.
        static func seizureLine(_ text: String) throws -> SeizureLine {
            var fields: [String: String] = [:]
            for pair in text.split(separator: ";") {
                let kv = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard kv.count == 2, ["category", "goods", "quantity", "unit", "concealment", "value"].contains(kv[0]) else {
                    throw ValidationError("--seizure '\(text)': '\(pair)' is not one of category=, goods=, quantity=, unit=, concealment=, value=")
                }
                fields[kv[0]] = kv[1]
            }
            guard let category = fields["category"].flatMap(CommodityCategory.init(rawValue:)) else {
                throw ValidationError("--seizure '\(text)': category must be one of \(CommodityCategory.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard let quantity = fields["quantity"].flatMap(Double.init) else {
                throw ValidationError("--seizure '\(text)': quantity must be a number")
            }
            var value: Double?
            if let v = fields["value"] {
                guard let parsed = Double(v) else { throw ValidationError("--seizure '\(text)': value must be a number") }
                value = parsed
            }
            return SeizureLine(category: category, goods: fields["goods"] ?? "", quantity: quantity,
                               unit: category == .cash ? (fields["unit"] ?? "").uppercased() : fields["unit"] ?? "",
                               concealment: fields["concealment"], estimatedValue: value)
        }

        func validate() throws {
            guard DocumentKind(rawValue: kind) != nil else { throw ValidationError("unknown --kind '\(kind)'") }
            guard InspectionOutcome(rawValue: outcome) != nil else { throw ValidationError("--outcome must be cleared, irregularity or seizure") }
            guard InspectionMethod(rawValue: method) != nil else { throw ValidationError("--method must be documentary, x-ray, physical or dog") }
            if let date, CalendarDate(iso: date) == nil { throw ValidationError("--date must be YYYY-MM-DD") }
            if let notes, notes.count > 4000 { throw ValidationError("--notes is limited to 4000 characters") }
            if let outcome = InspectionOutcome(rawValue: outcome), let kind = DocumentKind(rawValue: kind),
               let method = InspectionMethod(rawValue: method) {
                let result = InspectionResult(kind: kind, documentNumber: document, unit: unit, date: .today, outcome: outcome,
                                              method: method, recordedBy: "", seizures: try seizures.map(Record.seizureLine))
                if let problem = result.problem() { throw ValidationError(problem.description) }
            }
        }

        func run() async throws {
            guard let kind = DocumentKind(rawValue: kind), let outcome = InspectionOutcome(rawValue: outcome),
                  let method = InspectionMethod(rawValue: method) else { throw ExitCode(2) }
            let day = date.flatMap { CalendarDate(iso: $0) } ?? CalendarDate.today
            let result = InspectionResult(kind: kind, documentNumber: document, unit: unit, date: day, outcome: outcome,
                                          method: method, notes: notes, revenue: revenue, recordedBy: user.name,
                                          seizures: try seizures.map(Record.seizureLine))
            let id = try await store.with("result record") { db in
                _ = try await db.unit(unit)
                let id = try await db.recordInspection(result)
                try await user.audit(db, "record_result", subject: "result \(id)", details: "\(kind.rawValue) \(document) at \(unit): \(outcome.rawValue)")
                return id
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
                for l in r.seizures {
                    StandardOutput.write("  seized\t\(l.category.rawValue)\t\(l.goods)\t\(l.quantity) \(l.unit)\t\(l.concealment ?? "")\t\(l.estimatedValue.map { String($0) } ?? "")\n")
                }
            }
        }
    }
}
