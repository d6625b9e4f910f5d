import CordonCore
import CordonStore
import Foundation
import Testing
import TestSupport

@Suite("cordon backup and restore")
struct BackupCommandTests {
    /// The number of consignments and the audit log's length in a database.
    static func contents(_ location: DatabaseLocation) async throws -> (consignments: Int, audit: AuditVerification) {
        let store = try await Store.open(location, migrate: false)
        let outcome = await capture {
            (try await store.totals().consignments, try await store.verifyAudit())
        }
        await store.close()
        return try outcome.get()
    }

    @Test("a backup taken while an ingest writes holds whole batches; restored, its audit chain verifies and nothing is lost",
          arguments: TestDatabases.available)
    func roundTrip(kind: TestDatabases.Kind) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let source = try await TestDatabases.fresh(kind, in: dir)
        let db = "\(source)"
        let url: String = switch source { case .sqlite(let path): "sqlite:" + path; case .postgres(let url): url }
        try plantedKCS(rows: 12000, seed: 5, startMonth: 1).write(toFile: dir.file("kcs.csv"), atomically: true, encoding: .utf8)
        #expect(try cordon(["agency", "save", "customs", "--name", "Customs service", "--user", "nurlan"], database: url).status == 0)

        // An ingest in 500-row batches goes on while the backup is taken.
        let ingest = Process()
        ingest.executableURL = URL(fileURLWithPath: Fixtures.cordonBinary)
        ingest.arguments = ["ingest", "--format", "kcs", "--batch-size", "500", dir.file("kcs.csv"), "--user", "feed"]
        ingest.environment = ProcessInfo.processInfo.environment.merging(["CORDON_DATABASE": url]) { $1 }
        ingest.standardOutput = FileHandle.nullDevice
        ingest.standardError = FileHandle.nullDevice
        try ingest.run()
        try await Task.sleep(for: .milliseconds(700))
        let backup = dir.file("backups/2026-12/node.backup")   // a folder that does not exist yet
        let made = try cordon(["backup", backup], database: url)
        ingest.waitUntilExit()
        #expect(ingest.terminationStatus == 0)
        #expect(made.status == 0 && made.stdout.hasPrefix("backup \(backup): schema ") && made.stdout.contains("audit log intact"),
                "\(made.stdout) \(made.stderr) (\(db))")
        let again = try cordon(["backup", backup], database: url)
        #expect(again.status == 2 && again.stderr.contains("exists already"))

        // Restored into a new database: the chain verifies, and it holds whole batches of the ingest.
        let restoredDir = try TemporaryDirectory()
        defer { restoredDir.remove() }
        let target = try await TestDatabases.fresh(kind, in: restoredDir)
        let targetURL: String = switch target { case .sqlite(let path): "sqlite:" + path; case .postgres(let url): url }
        let restored = try cordon(["restore", backup], database: targetURL)
        #expect(restored.status == 0 && restored.stdout.contains("audit log intact"), "\(restored.stdout) \(restored.stderr)")
        let (count, audit) = try await BackupCommandTests.contents(target)
        #expect(audit.isIntact && audit.checked >= 1)
        #expect(count % 500 == 0, "\(count) consignments: a batch was cut by the backup")
        #expect(try cordon(["audit", "verify"], database: targetURL).status == 0)
        let live = try await BackupCommandTests.contents(source)
        #expect(count <= live.consignments && live.consignments == 12000)

        if kind == .sqlite {
            // Nothing is overwritten, and a file that is not a Cordon database never becomes one.
            let onto = try cordon(["restore", backup], database: targetURL)
            #expect(onto.status == 2 && onto.stderr.contains("exists already"))
            try "not a database".write(toFile: dir.file("junk.backup"), atomically: true, encoding: .utf8)
            let junk = try cordon(["restore", dir.file("junk.backup")], database: "sqlite:" + restoredDir.file("other.sqlite"))
            #expect(junk.status == 2 && junk.stderr.contains("is not a Cordon backup"), "\(junk.stderr)")
            #expect(!FileManager.default.fileExists(atPath: restoredDir.file("other.sqlite")))
        }
    }
}
