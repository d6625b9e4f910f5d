import ArgumentParser
import CordonExchange
import CordonRisk
import CordonServer
import CordonStore
import Foundation
import Hummingbird
import Logging

/// `cordon serve`: the node's web workspace.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the web workspace: sign-in, the targeting queue, consignments and inspection results.",
        discussion: """
            Listens on 127.0.0.1:8080 by default; put a TLS reverse proxy in front of it for other machines. \
            Stops cleanly on SIGTERM or SIGINT. /health answers while the process runs, /ready while its database \
            answers too, and /metrics gives Prometheus the request counts and latencies, ingest, scoring, results, \
            deliveries, controls waiting by unit, approvals pending and the outbox backlog. Set CORDON_LOG_LEVEL=info \
            to log every sign-in and change.

            Example:
              cordon serve --port 8080 --database sqlite:/var/lib/cordon/cordon.sqlite
            """)

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one and prints it).")
    var port = 8080

    @Flag(help: "Send the session cookie over plain HTTP too (only for a test network without TLS).")
    var insecureCookies = false

    @Option(help: ArgumentHelp("The node's watch list (OFAC, UN, FollowTheMoney or CSV), screened when a day is scored from the pages.",
                               valueName: "FILE"))
    var watchlist: String?

    @Option(help: ArgumentHelp("The node's private key, written by cordon node init; read when the node has an identity.",
                               valueName: "FILE"))
    var keyFile = "cordon-node.key"

    @Option(help: "Minutes between signed checkpoints of the audit log (also signed at start and shutdown; needs the key).")
    var checkpointMinutes = 60

    @Option(help: "Sign-in attempts a minute from one address (0: no limit; accounts still lock after 5 failures).")
    var signInRate = 20

    @Option(help: "API requests a minute with one token (0: no limit, for a proxy that limits or a load test).")
    var apiRate = 1200

    @Option(help: "Envelopes a minute from one peer address to the exchange inbox (0: no limit).")
    var exchangeRate = 600

    @Option(help: ArgumentHelp("The address of a reverse proxy in front of the node (repeat for several): from it, the client's address is read from X-Forwarded-For.",
                               valueName: "ADDRESS"))
    var trustedProxy: [String] = []

    @Option(help: "Log lines as text, or json (one object per line, for a log collector); env CORDON_LOG_FORMAT.")
    var logFormat: String?

    @Option(help: ArgumentHelp("A file holding the bearer token that /metrics requires (without it /metrics is open: keep it off the proxy).",
                               valueName: "FILE"))
    var metricsTokenFile: String?

    @OptionGroup var store: StoreOptions

    func validate() throws {
        if let logFormat, Log.Format(rawValue: logFormat) == nil { throw ValidationError("--log-format must be text or json") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard (1...10_080).contains(checkpointMinutes) else { throw ValidationError("--checkpoint-minutes must be between 1 and 10080") }
        for (name, value) in [("--sign-in-rate", signInRate), ("--api-rate", apiRate), ("--exchange-rate", exchangeRate)] where value < 0 {
            throw ValidationError("\(name) must be 0 (no limit) or more")
        }
    }

    func run() async throws {
        Log.bootstrap(format: logFormat.flatMap(Log.Format.init(rawValue:)))
        var metricsToken: String?
        if let metricsTokenFile {
            // Read as a secret: the file's first line, never logged.
            guard let text = try? String(contentsOfFile: metricsTokenFile, encoding: .utf8),
                  let token = text.split(whereSeparator: \.isNewline).first.map(String.init), token.count >= 16 else {
                StandardError.write("cordon serve: \(metricsTokenFile): cannot read a token of at least 16 characters\n")
                throw ExitCode(2)
            }
            metricsToken = token
        }
        var screening: NameMatcher?
        if let watchlist {
            do { screening = NameMatcher(list: try WatchList.load(path: watchlist)) } catch {
                StandardError.write("cordon serve: \(error)\n")
                throw ExitCode(2)
            }
        }
        let db = try await store.open()
        let identity: NodeIdentity?
        do { identity = try await ServeCommand.identity(of: db, keyFile: keyFile) } catch {
            await db.close()
            StandardError.write("cordon serve: \(error)\n")
            throw ExitCode(2)
        }
        var settings = ServerSettings(host: host, port: port, secureCookies: !insecureCookies, screening: screening, identity: identity)
        settings.checkpointInterval = .seconds(checkpointMinutes * 60)
        settings.signInLimit = RateLimit(signInRate, per: 60)
        settings.apiLimit = RateLimit(apiRate, per: 60)
        settings.exchangeLimit = RateLimit(exchangeRate, per: 60)
        settings.metricsToken = metricsToken
        settings.trustedProxies = Set(trustedProxy)
        let host = host
        try await ServeCommand.serve(db, settings: settings, command: "serve") { port in
            StandardError.write("cordon: serving on http://\(host):\(port)\n")
        }
    }

    /// The node's key when the node has an identity: read from `keyFile` and checked against the public key in the
    /// store, so that a node never signs with a key its peers do not know.
    static func identity(of db: Store, keyFile: String) async throws -> NodeIdentity? {
        guard let node = try await db.nodeIdentity() else { return nil }
        let identity = try NodeIdentity.load(from: keyFile)
        guard identity.publicKeyBase64 == node.publicKey else {
            throw NodeKeyError(description: "\(keyFile) is not the key of node \(node.name): its public key differs from the one recorded by cordon node init")
        }
        return identity
    }

    /// Serves the node over `db` until SIGTERM or SIGINT, then closes the store; a failure ends the command
    /// with exit code 2 and the reason on stderr.
    static func serve(_ db: Store, settings: ServerSettings, command: String,
                      onRunning: @escaping @Sendable (Int) async -> Void) async throws {
        var settings = settings
        settings.metrics = NodeMetrics.shared
        do {
            let app = try await NodeServer.application(store: db, settings: settings, onRunning: onRunning)
            try await app.runService()
        } catch {
            await db.close()
            StandardError.write("cordon \(command): \(error)\n")
            throw ExitCode(2)
        }
        await db.close()
    }
}
