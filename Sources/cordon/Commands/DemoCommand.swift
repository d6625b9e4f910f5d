import ArgumentParser
import CordonCore
import CordonExchange
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
            The first demo country, Kazakhstan, has a sea PCU at Aktau port and an ACCU at Almaty airport, staffed \
            from customs and police; the second, Uzbekistan (--country UZ), a border unit at Termez and an ACCU at \
            Tashkent airport. Cargo is generated (the same every time): trade lanes, regular and new traders, names \
            on a watch list, and a few per cent of fraud. Earlier days were targeted and controlled, so there is \
            history, a trained model, seizures and dashboards; today's queues are waiting, with four containers that \
            cross from Aktau to Termez today. The users and their demo passwords are printed. The node gets its key \
            for the exchange (beside the database); --pair-with makes a second demo node and the first one peers. \
            The database must be new or empty: the demo never writes into a node that has cargo.

            Example:
              cordon demo --database sqlite:kz.sqlite --port 8080
              cordon demo --country UZ --database sqlite:uz.sqlite --port 8081 \\
                --pair-with sqlite:kz.sqlite --pair-url http://127.0.0.1:8080
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

    @Option(help: "The demo country: KZ (the first node) or UZ (a second one).")
    var country = "KZ"

    @Option(help: ArgumentHelp("Where to write the node's private key (default: NODE.key beside a SQLite database).", valueName: "FILE"))
    var keyFile: String?

    @Option(help: ArgumentHelp("The database of a demo node running on this machine, to make the two nodes peers.", valueName: "URL"))
    var pairWith: String?

    @Option(help: ArgumentHelp("Where that node serves (with --pair-with).", valueName: "URL"))
    var pairUrl: String?

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
        guard DemoCountry.named(country) != nil else { throw ValidationError("--country must be KZ or UZ") }
        if (pairWith == nil) != (pairUrl == nil) { throw ValidationError("--pair-with and --pair-url go together") }
        if pairWith != nil && port == 0 { throw ValidationError("a paired demo node needs a fixed --port: its peer must know where it is") }
    }

    /// A file beside the SQLite database, else in the current folder.
    func besideDatabase(_ name: String) throws -> String {
        if case .sqlite(let path) = try store.location {
            return ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(name)
        }
        return name
    }

    func run() async throws {
        let db = try await store.open()
        var nodeIdentity: NodeIdentity?
        do {
            guard try await db.totals().consignments == 0, try await db.units().isEmpty else {
                StandardError.write("cordon demo: the database already holds a node; give a new one with --database\n")
                throw ExitCode(2)
            }
            guard let demo = DemoCountry.named(country) else { throw ExitCode(2) }
            var node = DemoNode(store: db, country: demo, days: days, today: today.flatMap { CalendarDate(iso: $0) } ?? .today,
                                log: { StandardError.write("demo: \($0)\n") })
            node.perDay = perDay
            let token = try await node.build()
            // The model learned with the demo's watch list: the command line needs the same list to score with it.
            let listPath = try watchlistOut ?? besideDatabase("demo-watchlist.csv")
            try DemoNode.watchListCSV.write(toFile: listPath, atomically: true, encoding: .utf8)
            // The node's identity for the exchange, and its peer when it is the second demo node.
            let keyPath = try keyFile ?? besideDatabase("\(demo.node).key")
            let identity = try NodeIdentity.create(at: keyPath)
            try await db.setNodeIdentity(name: demo.node, country: demo.code, publicKey: identity.publicKeyBase64)
            nodeIdentity = identity
            var paired = ""
            if let pairWith, let pairUrl {
                paired = try await pair(db, demo: demo, identity: identity, with: pairWith, at: pairUrl)
            }
            let seized = try await db.seizureCount(SeizureFilter())
            StandardOutput.write("""
                Demo node \(demo.node) ready: \(demo.units.map { "\($0.name) (\($0.code))" }.joined(separator: ", ")).
                \(seized) seizure lines recorded in the past \(days - 1) days; today's queues are waiting.

                Users (demo passwords, never for a real node):

                """)
            for a in demo.accounts {
                let units = a.units.isEmpty ? "all units" : a.units.joined(separator: ", ")
                StandardOutput.write("  \(a.username.padding(toLength: 9, withPad: " ", startingAt: 0)) \(a.password.padding(toLength: 17, withPad: " ", startingAt: 0)) \(a.role.rawValue), \(a.agency), \(units), \(a.language.rawValue)\n")
            }
            StandardOutput.write("\nThe demo's watch list (cordon target --watchlist): \(listPath)\n")
            StandardOutput.write("\nThe node's key for the exchange: \(keyPath)\(paired)\n")
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
                                      screening: NameMatcher(list: DemoNode.watchList),
                                      identity: nodeIdentity)
        let host = host
        try await ServeCommand.serve(db, settings: settings, command: "demo") { port in
            StandardOutput.write("\nServing the demo at http://\(host == "0.0.0.0" ? "localhost" : host):\(port)/ (Ctrl-C stops it)\n")
        }
    }

    /// Makes this demo node and the one whose database is `other` peers of each other; says so in a line.
    func pair(_ db: Store, demo: DemoCountry, identity: NodeIdentity, with other: String, at url: String) async throws -> String {
        let peer = try await Store.open(try DatabaseLocation(parsing: other))
        let found: PeerRecord?
        do {
            found = try await peer.nodeIdentity()
            if let node = found {
                let here = "http://\(host == "0.0.0.0" ? "127.0.0.1" : host):\(port)"
                try await peer.savePeer(PeerRecord(name: demo.node, country: demo.code, baseURL: here, publicKey: identity.publicKeyBase64))
                try await db.savePeer(PeerRecord(name: node.name, country: node.country, baseURL: url, publicKey: node.publicKey))
            }
        } catch {
            await peer.close()
            throw error
        }
        await peer.close()
        guard let node = found else {
            StandardError.write("cordon demo: \(other) holds no demo node to pair with\n")
            throw ExitCode(2)
        }
        return "\nPeers: \(demo.node) and \(node.name) (\(node.country), \(url)) exchange alerts."
    }
}
