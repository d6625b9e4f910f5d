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

    // Optional: a flag not given leaves the setting to the configuration file, then to the default.
    @Option(help: "Address to listen on (default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on (default 8080; 0 picks a free one and prints it).")
    var port: Int?

    @Flag(help: "Send the session cookie over plain HTTP too (only for a test network without TLS).")
    var insecureCookies = false

    @Option(help: ArgumentHelp("The node's watch list (OFAC, UN, FollowTheMoney or CSV), screened when a day is scored from the pages.",
                               valueName: "FILE"))
    var watchlist: String?

    @Option(help: ArgumentHelp("The node's private key, written by cordon node init; read when the node has an identity (default cordon-node.key).",
                               valueName: "FILE"))
    var keyFile: String?

    @Option(help: "Minutes between signed checkpoints of the audit log (default 60; also signed at start and shutdown; needs the key).")
    var checkpointMinutes: Int?

    @Option(help: "Purge cargo data older than this many days, daily (at least 30; documents with a result and the audit log are kept; default: keep all).")
    var retentionDays: Int?

    @Option(help: "Train a model every Monday (UTC) on this many days of labelled documents (default: only by hand).")
    var retrainDays: Int?

    @Option(help: "Sign-in attempts a minute from one address (default 20; 0: no limit; accounts still lock after 5 failures).")
    var signInRate: Int?

    @Option(help: "API requests a minute with one token (default 1200; 0: no limit, for a proxy that limits or a load test).")
    var apiRate: Int?

    @Option(help: "Envelopes a minute from one peer address to the exchange inbox (default 600; 0: no limit).")
    var exchangeRate: Int?

    @Option(help: ArgumentHelp("The address of a reverse proxy in front of the node (repeat for several): from it, the client's address is read from X-Forwarded-For.",
                               valueName: "ADDRESS"))
    var trustedProxy: [String] = []

    @Option(help: "Log lines as text (default), or json (one object per line, for a log collector); env CORDON_LOG_FORMAT.")
    var logFormat: String?

    @Option(help: ArgumentHelp("A file holding the bearer token that /metrics requires (without it /metrics is open: keep it off the proxy).",
                               valueName: "FILE"))
    var metricsTokenFile: String?

    @OptionGroup var store: StoreOptions

    /// The settings in force: each flag, else the environment (logs), else the configuration file, else the default.
    struct Effective {
        var host: String, port: Int, insecureCookies: Bool, watchlist: String?, keyFile: String, checkpointMinutes: Int
        var signInRate: Int, apiRate: Int, exchangeRate: Int, trustedProxies: [String], logFormat: Log.Format?
        var metricsTokenFile: String?, retentionDays: Int?, retrainDays: Int?
    }

    /// Merges the flags with the configuration file and checks the result, naming the setting that is wrong.
    func effective(_ c: NodeConfig) throws(ConfigError) -> Effective {
        let env = ProcessInfo.processInfo.environment
        let format = logFormat ?? env["CORDON_LOG_FORMAT"] ?? c.logFormat
        if let format, Log.Format(rawValue: format) == nil { throw ConfigError(description: "log format '\(format)': must be text or json") }
        let e = Effective(host: host ?? c.host ?? "127.0.0.1", port: port ?? c.port ?? 8080,
                          insecureCookies: insecureCookies || c.insecureCookies == true, watchlist: watchlist ?? c.watchlist,
                          keyFile: keyFile ?? c.keyFile ?? "cordon-node.key", checkpointMinutes: checkpointMinutes ?? c.checkpointMinutes ?? 60,
                          signInRate: signInRate ?? c.signInRate ?? 20, apiRate: apiRate ?? c.apiRate ?? 1200,
                          exchangeRate: exchangeRate ?? c.exchangeRate ?? 600,
                          trustedProxies: trustedProxy.isEmpty ? c.trustedProxies ?? [] : trustedProxy,
                          logFormat: format.flatMap(Log.Format.init(rawValue:)), metricsTokenFile: metricsTokenFile ?? c.metricsTokenFile,
                          retentionDays: retentionDays ?? c.retentionDays, retrainDays: retrainDays ?? c.retrainDays)
        guard (0...65535).contains(e.port) else { throw ConfigError(description: "port \(e.port): must be between 0 and 65535") }
        guard (1...10_080).contains(e.checkpointMinutes) else {
            throw ConfigError(description: "checkpoint minutes \(e.checkpointMinutes): must be between 1 and 10080")
        }
        // A slip of the finger must not purge last month's cargo.
        if let days = e.retentionDays, days < 30 { throw ConfigError(description: "retention days \(days): must be 30 or more") }
        if let days = e.retrainDays, !(7...3650).contains(days) {
            throw ConfigError(description: "retrain days \(days): must be between 7 and 3650")
        }
        for (name, value) in [("sign-in rate", e.signInRate), ("API rate", e.apiRate), ("exchange rate", e.exchangeRate)] where value < 0 {
            throw ConfigError(description: "\(name) \(value): must be 0 (no limit) or more")
        }
        return e
    }

    func run() async throws {
        let config: NodeConfig, e: Effective
        do {
            config = try store.nodeConfig()
            e = try effective(config)
        } catch {
            StandardError.write("cordon serve: \(error)\n")
            throw ExitCode(2)
        }
        Log.bootstrap(format: e.logFormat, config: config)
        var metricsToken: String?
        if let file = e.metricsTokenFile {
            // Never logged.
            guard let token = NodeConfig.secret(inFile: file), token.count >= 16 else {
                StandardError.write("cordon serve: \(file): cannot read a token of at least 16 characters\n")
                throw ExitCode(2)
            }
            metricsToken = token
        }
        var screening: NameMatcher?
        if let watchlist = e.watchlist {
            do { screening = NameMatcher(list: try WatchList.load(path: watchlist)) } catch {
                StandardError.write("cordon serve: \(error)\n")
                throw ExitCode(2)
            }
        }
        let db: Store
        do { db = try await store.open() } catch {
            StandardError.write("cordon serve: \(error)\n")
            throw ExitCode(2)
        }
        let identity: NodeIdentity?
        do { identity = try await ServeCommand.identity(of: db, keyFile: e.keyFile) } catch {
            await db.close()
            StandardError.write("cordon serve: \(error)\n")
            throw ExitCode(2)
        }
        var settings = ServerSettings(host: e.host, port: e.port, secureCookies: !e.insecureCookies, screening: screening, identity: identity)
        settings.jobs = JobSchedule(checkpointInterval: .seconds(e.checkpointMinutes * 60), retentionDays: e.retentionDays,
                                    retrainDays: e.retrainDays)
        settings.signInLimit = RateLimit(e.signInRate, per: 60)
        settings.apiLimit = RateLimit(e.apiRate, per: 60)
        settings.exchangeLimit = RateLimit(e.exchangeRate, per: 60)
        settings.metricsToken = metricsToken
        settings.trustedProxies = Set(e.trustedProxies)
        let host = e.host
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
