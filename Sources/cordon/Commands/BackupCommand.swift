import ArgumentParser
import CordonStore
import Foundation

/// `cordon backup`: a consistent copy of the node's database while it runs.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write a consistent backup of the database, in use or not, and check the copy's audit log.",
        discussion: """
            SQLite: a copy of the whole database as one snapshot (VACUUM INTO), taken while the server and ingests go \
            on. PostgreSQL: pg_dump's custom format (the password goes to pg_dump in its environment, never on its \
            command line). The copy is checked: a Cordon schema and an intact audit chain; exit 1 when the chain is \
            broken (the copy is kept: it is evidence).

            Example:
              cordon backup /var/backups/cordon/cordon-2026-12-01.sqlite
            """)

    @Argument(help: "The backup file to write (it must not exist).")
    var file: String

    @OptionGroup var store: StoreOptions

    func run() async throws {
        let report: BackupReport
        do { report = try await Backup.make(of: try store.location, to: file) } catch {
            StandardError.write("cordon backup: \(error)\n")
            throw ExitCode(2)
        }
        try BackupCommand.print(report, "backup \(file)")
    }

    /// One line about the copy; exit 1 when its audit chain is broken.
    static func print(_ report: BackupReport, _ what: String) throws {
        let a = report.audit
        if a.isIntact {
            StandardOutput.write("\(what): schema \(report.schemaVersion), audit log intact (\(a.checked) entries, \(a.checkpoints) signed checkpoints)\n")
        } else {
            StandardOutput.write("\(what): schema \(report.schemaVersion), audit log BROKEN at entry \(a.firstBad ?? 0): \(a.problem ?? "")\n")
            throw ExitCode(1)
        }
    }
}

/// `cordon restore`: a backup put back as the node's database.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup into the database, then check its audit log.",
        discussion: """
            SQLite: the backup is checked, then copied to the database path, which must not exist (move the old file \
            aside first: nothing is overwritten). PostgreSQL: pg_restore in one transaction, replacing the objects of \
            the target database. Stop the server first. Exit 1 when the restored audit chain is broken.

            Example:
              cordon restore /var/backups/cordon/cordon-2026-12-01.sqlite \\
                --database sqlite:/var/lib/cordon/cordon.sqlite
            """)

    @Argument(help: "The backup file.")
    var file: String

    @OptionGroup var store: StoreOptions

    func run() async throws {
        let report: BackupReport
        do { report = try await Backup.restore(from: file, into: try store.location) } catch {
            StandardError.write("cordon restore: \(error)\n")
            throw ExitCode(2)
        }
        try BackupCommand.print(report, "restored \(file) into \(try store.location)")
    }
}
