import ArgumentParser
import CordonStore
import Foundation
import Logging

/// The `cordon` command: the contract for scripts, CI and operators (see DESIGN.md, "Interfaces").
@main
struct Cordon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cordon",
        abstract: "Cargo targeting and information exchange for port and air cargo control units.",
        discussion: """
            Machine-readable output goes to stdout; progress and logs go to stderr. \
            The database is chosen with --database or CORDON_DATABASE (default sqlite:cordon.sqlite).

            Example:
              cordon ingest --format kcs declarations.csv --json
            """,
        subcommands: [IngestCommand.self, RejectsCommand.self, CheckCommand.self, UnitCommand.self, ProfileCommand.self,
                      TargetCommand.self, ResultCommand.self, ApprovalCommand.self, ModelCommand.self, AgencyCommand.self, UserCommand.self, TokenCommand.self, NodeCommand.self, PeerCommand.self, ServeCommand.self, DemoCommand.self,
                      ScoreCommand.self, SimulateCommand.self,
                      ScreenCommand.self, MigrateCommand.self, AuditCommand.self, BackupCommand.self, RestoreCommand.self])
}

/// Options every command that touches the store shares.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Database: sqlite:PATH or postgres://user:password@host:port/db (env CORDON_DATABASE).",
        valueName: "URL"))
    var database: String?

    @Option(name: .long, help: ArgumentHelp(
        "The node's configuration file (YAML, env CORDON_CONFIG): the database and the server's settings.",
        valueName: "FILE"))
    var config: String?

    /// The configuration file's settings (none without a file).
    func nodeConfig() throws(ConfigError) -> NodeConfig { try NodeConfig.load(config) }

    /// The database: --database, else CORDON_DATABASE, else the configuration file's, else sqlite:cordon.sqlite.
    var location: DatabaseLocation {
        get throws {
            let text = try database ?? ProcessInfo.processInfo.environment["CORDON_DATABASE"] ?? nodeConfig().databaseURL()
                ?? "sqlite:cordon.sqlite"
            do { return try DatabaseLocation(parsing: text) } catch {
                throw ValidationError(error.description)
            }
        }
    }

    func open(migrate: Bool = true) async throws -> Store {
        Log.bootstrap(config: try nodeConfig())
        return try await Store.open(try location, migrate: migrate, logger: Logger(label: "cordon.store"))
    }

    /// Opens the store, runs `body` and closes the store, also when `body` throws; a failure is written to
    /// stderr as "cordon COMMAND: what went wrong" and ends the command with exit code 2.
    func with<T: Sendable>(_ command: String, _ body: (Store) async throws -> T) async throws -> T {
        let db: Store
        do { db = try await open() } catch {
            StandardError.write("cordon \(command): \(error)\n")
            throw ExitCode(2)
        }
        do {
            let result = try await body(db)
            await db.close()
            return result
        } catch let exit as ExitCode {
            await db.close()
            throw exit
        } catch {
            await db.close()
            StandardError.write("cordon \(command): \(error)\n")
            throw ExitCode(2)
        }
    }
}
