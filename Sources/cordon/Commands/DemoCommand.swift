import ArgumentParser
import CordonCore
import CordonRisk
import CordonServer
import CordonStore
import Foundation
import Hummingbird

/// `cordon demo`: a fresh demo node with generated cargo, history, a model and users of every role, then served.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Create a demo node (units, users of every role, weeks of cargo, a model) and serve it.",
        discussion: """
            The demo country has a sea PCU at Aktau port and an ACCU at Almaty airport, staffed from customs and
            police. Its cargo is generated (the same every time): trade lanes, regular and new traders, names on a
            watch list, and a few per cent of fraud. Earlier days were targeted and controlled, so there is history,
            a trained model, seizures and dashboards; today's queues are waiting. The users and their demo passwords
            are printed. The database must be new or empty: the demo never writes into a node that has cargo.

            Example:
              cordon demo --database sqlite:demo.sqlite --port 8080
            """)

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one and prints it).")
    var port = 8080

    @Option(help: "Days of cargo, ending today.")
    var days = 28

    @Option(help: ArgumentHelp("The demo's today, YYYY-MM-DD (default: today), for a node that is the same on any day.",
                               valueName: "DATE"))
    var today: String?

    @Option(help: "About how many consignments arrive a day (a larger node for load tests).")
    var perDay = 85

    @Option(help: ArgumentHelp("Where to write the demo's watch list (CSV), for `cordon target --watchlist` on the demo node (default: demo-watchlist.csv beside a SQLite database, else in the current folder).",
                               valueName: "FILE"))
    var watchlistOut: String?

    @Flag(help: "Make the node and stop, without serving it.")
    var setupOnly = false

    @Flag(help: "Send the session cookie over plain HTTP too (only for a test network without TLS).")
    var insecureCookies = false

    @OptionGroup var store: StoreOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard (10...120).contains(days) else { throw ValidationError("--days must be from 10 to 120") }
        guard (20...20000).contains(perDay) else { throw ValidationError("--per-day must be from 20 to 20000") }
        if let today, CalendarDate(iso: today) == nil { throw ValidationError("--today must be YYYY-MM-DD") }
    }

    func run() async throws {
        let db = try await store.open()
        do {
            guard try await db.totals().consignments == 0, try await db.units().isEmpty else {
                StandardError.write("cordon demo: the database already holds a node; give a new one with --database\n")
                throw ExitCode(2)
            }
            var node = DemoNode(store: db, days: days, today: today.flatMap { CalendarDate(iso: $0) } ?? .today,
                                log: { StandardError.write("demo: \($0)\n") })
            node.perDay = perDay
            let token = try await node.build()
            // The model learned with the demo's watch list: the command line needs the same list to score with it.
            var listPath = watchlistOut ?? "demo-watchlist.csv"
            if watchlistOut == nil, case .sqlite(let path) = try store.location {
                listPath = ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent("demo-watchlist.csv")
            }
            try DemoNode.watchListCSV.write(toFile: listPath, atomically: true, encoding: .utf8)
            let seized = try await db.seizureCount(SeizureFilter())
            StandardOutput.write("""
                Demo node ready: \(DemoNode.units.map { "\($0.name) (\($0.code))" }.joined(separator: ", ")).
                \(seized) seizure lines recorded in the past \(days - 1) days; today's queues are waiting.

                Users (demo passwords, never for a real node):

                """)
            for a in DemoNode.accounts {
                let units = a.units.isEmpty ? "all units" : a.units.joined(separator: ", ")
                StandardOutput.write("  \(a.username.padding(toLength: 9, withPad: " ", startingAt: 0)) \(a.password.padding(toLength: 17, withPad: " ", startingAt: 0)) \(a.role.rawValue), \(a.agency), \(units), \(a.language.rawValue)\n")
            }
            StandardOutput.write("\nThe demo's watch list (cordon target --watchlist): \(listPath)\n")
            StandardOutput.write("\nAPI token of the port system (integration, both units):\n  \(token)\n")
        } catch let exit as ExitCode {
            await db.close()
            throw exit
        } catch {
            await db.close()
            StandardError.write("cordon demo: \(error)\n")
            throw ExitCode(2)
        }
        if setupOnly {
            await db.close()
            return
        }
        let settings = ServerSettings(host: host, port: port, secureCookies: !insecureCookies,
                                      screening: NameMatcher(list: DemoNode.watchList))
        let host = host
        try await ServeCommand.serve(db, settings: settings, command: "demo") { port in
            StandardOutput.write("\nServing the demo at http://\(host == "0.0.0.0" ? "localhost" : host):\(port)/ (Ctrl-C stops it)\n")
        }
    }
}
