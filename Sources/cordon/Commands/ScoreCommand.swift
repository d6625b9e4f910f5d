import ArgumentParser
import CordonCore
import CordonIngest
import CordonRisk
import Foundation

/// `cordon score`: the static protocol over declaration files.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Learn from labelled declarations and score unseen ones (static protocol).",
        discussion: """
            Trains a gradient-boosted tree model on the labelled rows of --train (and --valid, which also \
            decides when to stop adding trees), then writes `id,score` for every row of --test, in file order. \
            Features are the smoothed past fraud rates and counts of importers, declarants, sellers, HS codes, \
            origins, offices, routes and their pairs, learned from the labelled rows only, plus value, mass and \
            tax ratios. Nothing is stored in the database. With --reasons, a second file says for each row \
            what raised its score most ("importer IMP123: past fraud rate 64%").

            Example:
              cordon score --format kcs --train kcs_train.csv --valid kcs_valid.csv \\
                --test kcs_test.csv --out scores.csv
            """)

    @Option(help: "Format of the files: kcs or bacuda.")
    var format: String

    @Option(help: ArgumentHelp("Labelled training declarations.", valueName: "FILE"))
    var train: String

    @Option(help: ArgumentHelp("Labelled validation declarations (optional).", valueName: "FILE"))
    var valid: String?

    @Option(help: ArgumentHelp("Declarations to score.", valueName: "FILE"))
    var test: String

    @Option(help: ArgumentHelp("Where to write id,score.", valueName: "FILE"))
    var out: String

    @Option(help: ArgumentHelp("Also write id,score,reasons: what raised each score most, in words.", valueName: "FILE"))
    var reasons: String?

    @Flag(help: "Print to stderr how long reading, training, building features and the model's predictions took.")
    var timings = false

    @OptionGroup var model: ModelOptions

    func validate() throws {
        guard format == "kcs" || format == "bacuda" else { throw ValidationError("--format must be kcs or bacuda") }
    }

    func run() throws {
        guard let cargo = CargoFormat(rawValue: format) else { throw ValidationError("unknown format '\(format)'") }
        func labelled(_ path: String) throws -> [LabelledConsignment] {
            let rows = try RecordReader.read(path: path, format: cargo)
            var out: [LabelledConsignment] = []
            var skipped = 0
            for r in rows {
                guard let c = r.consignment, let label = c.label else { skipped += 1; continue }
                out.append(LabelledConsignment(consignment: c, illicit: label.illicit))
            }
            if skipped > 0 { StandardError.write("score: \(path): \(skipped) rows without a readable label are not learnt from\n") }
            return out
        }
        let clock = ContinuousClock()
        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
        let started = clock.now
        let trainRows = try labelled(train)
        let validRows = try valid.map(labelled)
        let testRows = try RecordReader.read(path: test, format: cargo)
        let unreadable = testRows.filter { $0.consignment == nil }
        for r in unreadable.prefix(5) {
            StandardError.write("score: \(test) line \(r.line): \(r.problem ?? "unreadable"); scored as unknown\n")
        }
        // Unreadable rows are scored from an empty consignment: the model's view of "nothing known".
        let blank = Consignment(kind: .declaration, documentNumber: "", date: CalendarDate.epoch)
        let screening = try model.screening()
        let read = clock.now
        let scorer = try StaticScoring.fit(train: trainRows, validation: validRows, parameters: model.parameters,
                                           screening: screening)
        let fitted = clock.now
        let test = testRows.map { $0.consignment ?? blank }
        if timings {
            // The model part alone and the features alone, each timed on the whole test set.
            let f0 = clock.now
            let matrix = scorer.features.matrix(test)
            let f1 = clock.now
            _ = try scorer.model.predict(matrix)
            let p1 = clock.now
            _ = try scorer.model.predictWithXGBoost(matrix)
            let x1 = clock.now
            // The weekly retrain: the same rows, the fit's choices kept (`StaticScoring.refit`).
            _ = try StaticScoring.refit(scorer, train: trainRows + (validRows ?? []), parameters: model.parameters,
                                        screening: screening)
            let r1 = clock.now
            let n = Double(test.count)
            StandardError.write("""
                timing read_seconds \(seconds(read - started))
                timing train_rows \(trainRows.count + (validRows?.count ?? 0))
                timing train_seconds \(seconds(fitted - read))
                timing retrain_seconds \(seconds(r1 - x1))
                timing test_rows \(test.count)
                timing features_rows_per_second \(Int(n / max(1e-9, seconds(f1 - f0))))
                timing trees \(scorer.model.rounds)
                timing trader_history \(scorer.features.traderHistory)
                timing predict_rows_per_second \(Int(n / max(1e-9, seconds(p1 - f1))))
                timing predict_xgboost_rows_per_second \(Int(n / max(1e-9, seconds(x1 - p1))))

                """)
        }
        // Reasons (feature contributions) cost a second pass of the model; features are built once either way.
        let (scores, why) = reasons == nil ? (try scorer.score(test), []) : try scorer.scoresAndReasons(test)
        var text = "id,score\n"
        for (r, s) in zip(testRows, scores) { text += "\(r.documentNumber),\(s)\n" }
        try text.write(toFile: out, atomically: true, encoding: .utf8)
        if let reasons {
            var explained = "id,score,reasons\n"
            for ((r, s), why) in zip(zip(testRows, scores), why) {
                let quoted = "\"" + why.map(\.english).joined(separator: "; ").replacingOccurrences(of: "\"", with: "\"\"") + "\""
                explained += "\(r.documentNumber),\(s),\(quoted)\n"
            }
            try explained.write(toFile: reasons, atomically: true, encoding: .utf8)
        }
        StandardError.write("score: \(testRows.count) rows scored into \(out)\n")
    }
}
