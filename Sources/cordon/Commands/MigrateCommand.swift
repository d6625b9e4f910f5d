import ArgumentParser
import Foundation

/// `cordon migrate`: bring the database schema up to date.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the schema migrations the database lacks.",
        discussion: """
            Migrations are versioned and append-only; each runs in its own transaction. Other commands apply \
            them too when they open the database, so this is for upgrades you want to run on their own.

            Example:
              cordon migrate --database postgres://cordon:secret@localhost:5432/cordon
            """)

    @OptionGroup var store: StoreOptions

    func run() async throws {
        let db = try await store.open(migrate: false)
        let applied = try await db.migrate()
        let version = try await db.schemaVersion()
        await db.close()
        for m in applied { print("applied \(m)") }
        print("schema version \(version)")
    }
}
