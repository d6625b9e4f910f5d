import ArgumentParser
import CordonCore
import CordonIngest
import CordonRisk
import Foundation

/// `cordon simulate`: the weekly online protocol over a labelled declarations file.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Replay a year of declarations week by week, selecting a share with only the labels revealed so far.",
        discussion: """
            Weeks are (date - first date) div 7. Weeks 0 and 1 are labelled history. In each later week the model, \
            retrained on every label revealed so far (fitted anew every --full-fit-every weeks, retrained with that \
            fit's choices between), selects floor(n * RATE / 100) declarations (EXPLORE percent \
            of them among the rest, at random or, with --explore-by revenue, by expected revenue), and their \
            labels are revealed. Writes week,id for every selection; prints each week's precision and revenue \
            recall, and their means, to stderr.

            Example:
              cordon simulate --format bacuda --data A_s1_rich.csv.gz --rate 5 \\
                --out selections.csv
              cordon simulate --format bacuda --data A_s1_rich.csv.gz --rate 1 \\
                --explore-by revenue --out selections.csv
            """)

    @Option(help: "Format of the file: bacuda or kcs.")
    var format = "bacuda"

    @Option(help: ArgumentHelp("Labelled declarations.", valueName: "FILE"))
    var data: String

    @Option(help: "Percentage of each week's declarations to select.")
    var rate: Double

    @Option(help: "Percentage of the selection spent on exploration (see --explore-by).")
    var explore: Double = 5

    @Option(help: "What the exploration share goes to: random (drawn at random, as a unit's control share is), or revenue (the highest expected revenue, probability times the revenue revealed frauds like it recovered, among the declarations the ranking left out).")
    var exploreBy = WeeklySimulation.Exploration.random

    @Option(help: "Fit the model anew (rounds and the use of traders' history chosen by validation) every this many weeks; retrain it with those choices in the weeks between.")
    var fullFitEvery = 4

    @Option(help: "What ranks the declarations: probability (of fraud), or hits-and-revenue (the probability times one plus the revenue that revealed frauds like it recovered, in units of their mean revenue).")
    var rankBy = "probability"

    @Option(help: "With --rank-by hits-and-revenue: what the revenue of a fraud of the mean revenue is worth against a hit (the score is the probability times one plus this weight times the expected revenue).")
    var revenueWeight = 1.0

    @Option(help: ArgumentHelp("Where to write week,id.", valueName: "FILE"))
    var out: String

    @OptionGroup var model: ModelOptions

    func validate() throws {
        guard format == "kcs" || format == "bacuda" else { throw ValidationError("--format must be bacuda or kcs") }
        guard rate > 0 && rate <= 100 else { throw ValidationError("--rate must be in (0, 100]") }
        guard explore >= 0 && explore <= 100 else { throw ValidationError("--explore must be in [0, 100]") }
        guard fullFitEvery >= 1 else { throw ValidationError("--full-fit-every must be at least 1") }
        guard rankBy == "probability" || rankBy == "hits-and-revenue" else {
            throw ValidationError("--rank-by must be probability or hits-and-revenue")
        }
        guard revenueWeight >= 0 && revenueWeight.isFinite else { throw ValidationError("--revenue-weight must be 0 or more") }
    }

    func run() throws {
        guard let cargo = CargoFormat(rawValue: format) else { throw ValidationError("unknown format '\(format)'") }
        var rows: [WeeklySimulation.Row] = []
        var skipped = 0
        for r in try RecordReader.read(path: data, format: cargo) {
            guard let c = r.consignment, let label = c.label else { skipped += 1; continue }
            rows.append(WeeklySimulation.Row(id: r.documentNumber, consignment: c, illicit: label.illicit,
                                             revenue: label.revenue ?? 0))
        }
        if skipped > 0 { StandardError.write("simulate: \(skipped) rows without a readable date or label are left out\n") }
        var simulation = WeeklySimulation(ratePercent: rate, explorePercent: explore, parameters: model.parameters)
        simulation.screening = try model.screening()
        simulation.weeksBetweenFullFits = fullFitEvery
        simulation.revenueWeight = rankBy == "hits-and-revenue" ? revenueWeight : 0
        simulation.exploreBy = exploreBy
        let weeks = try simulation.run(rows) { w in
            StandardError.write("week \(w.week): \(w.declarations) declarations, \(w.selected.count) selected, precision \(String(format: "%.3f", w.precision)), revenue recall \(String(format: "%.3f", w.revenueRecall))\n")
        }
        var text = "week,id\n"
        for w in weeks { for id in w.selected { text += "\(w.week),\(id)\n" } }
        try text.write(toFile: out, atomically: true, encoding: .utf8)
        let n = Double(max(1, weeks.count))
        StandardError.write(String(format: "mean precision %.4f, mean revenue recall %.4f over %d weeks\n",
                                   weeks.reduce(0) { $0 + $1.precision } / n, weeks.reduce(0) { $0 + $1.revenueRecall } / n, weeks.count))
    }
}

extension WeeklySimulation.Exploration: ExpressibleByArgument {}
