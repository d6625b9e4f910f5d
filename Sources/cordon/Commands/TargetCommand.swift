import ArgumentParser
import CordonCore
import CordonRisk
import CordonServer
import CordonStore
import Foundation

/// `cordon target`: a unit's day scored, explained and selected within its capacity.
struct TargetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "target",
        abstract: "Score a unit's day and select its targets: ranked, with lanes and reasons.",
        discussion: """
            The day's documents for the unit's locations are scored by the active model, the active risk profiles \
            and, with --watchlist, screening of their parties. Red-lane profile hits are always selected; the rest \
            of the capacity goes to the highest scores, less a random control share. The result is stored as the \
            unit's queue for the day (running it again replaces it) and printed, selected targets first.

            Example:
              cordon target --unit KZ-ALA-ACCU --date 2026-11-23 --watchlist sdn.csv
            """)

    @Option(help: "The unit's code.")
    var unit: String

    @Option(help: "The day, YYYY-MM-DD (default today).")
    var date: String?

    @Option(help: ArgumentHelp("A watch list to screen the parties against (OFAC, UN, FollowTheMoney or CSV).", valueName: "FILE"))
    var watchlist: String?

    @Flag(help: "Print the released (not selected) documents too.")
    var all = false

    @Flag(help: "One JSON object per line.")
    var json = false

    @OptionGroup var user: UserOption
    @OptionGroup var store: StoreOptions

    func validate() throws {
        if let date, CalendarDate(iso: date) == nil { throw ValidationError("--date must be YYYY-MM-DD") }
    }

    func run() async throws {
        let day = date.flatMap { CalendarDate(iso: $0) } ?? .today
        var screening: NameMatcher?
        if let watchlist {
            do { screening = NameMatcher(list: try WatchList.load(path: watchlist)) } catch {
                StandardError.write("cordon target: \(error)\n")
                throw ExitCode(2)
            }
        }
        let scored = try await store.with("target") { [screening] db in
            let work = UnitWork(store: db, screening: screening)
            if try await db.activeModel() == nil { StandardError.write("no model trained yet: scoring with profiles and screening only\n") }
            let scored = try await work.target(unit: unit, day: day)
            try await user.audit(db, "score_day", subject: unit, details: "\(day): \(scored.targets.filter { $0.selection != .released }.count) selected")
            return scored
        }
        let (targets, documents) = (scored.targets, scored.documents)
        StandardError.write("\(scored.unit.code) \(day): \(documents.count) documents, \(targets.filter { $0.selection != .released }.count) selected (capacity \(scored.unit.capacity))\n")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for t in targets where all || t.selection != .released {
            let c = documents[t.consignmentID]
            let containers = c?.containers.map(\.number) ?? []
            let route = c?.route.places.joined(separator: " > ") ?? ""
            if json {
                let line = Line(rank: t.rank, document: t.documentNumber, kind: t.kind.rawValue, score: t.score, lane: t.lane.rawValue,
                                selection: t.selection.rawValue, containers: containers, route: route, reasons: t.reasons.map(\.english),
                                profiles: t.profiles)
                StandardOutput.write(String(decoding: try encoder.encode(line), as: UTF8.self) + "\n")
            } else {
                StandardOutput.write("\(t.rank)\t\(t.lane.rawValue.uppercased())\t\(String(format: "%.3f", t.score))\t\(t.selection.rawValue)\t\(t.documentNumber)\t\(containers.joined(separator: " "))\t\(route)\n")
                for r in t.reasons { StandardOutput.write("\t- \(r.english)\n") }
            }
        }
    }

    struct Line: Encodable {
        var rank: Int, document: String, kind: String, score: Double, lane: String, selection: String
        var containers: [String], route: String, reasons: [String], profiles: [String]
    }
}
