import Foundation
import SQLKit

/// Why a backup or a restore did not happen.
public enum BackupError: Error, CustomStringConvertible, Sendable {
    case exists(String)
    case notFound(String)
    case tool(String, status: Int32, output: String)
    case notABackup(String, reason: String)

    public var description: String {
        switch self {
        case .exists(let path): "\(path) exists already: name a new file, or remove it first"
        case .notFound(let path): "no backup at \(path)"
        case .tool(let name, let status, let output): "\(name) failed (status \(status)): \(output.prefix(2000))"
        case .notABackup(let path, let reason): "\(path) is not a Cordon backup: \(reason)"
        }
    }
}

/// What a backup or restore holds: the schema version and the audit log as checked afterwards.
public struct BackupReport: Sendable {
    public var schemaVersion: Int
    public var audit: AuditVerification
}

/// Consistent copies of a node's database while it is in use, and their restore. SQLite is copied with
/// `VACUUM INTO` (one read transaction: a snapshot, whatever writers do meanwhile); PostgreSQL with pg_dump's
/// custom format (also a snapshot) and restored with pg_restore. Every copy is opened and its audit chain checked.
public enum Backup {
    /// Writes a backup of `location` to `file`, which must not exist.
    public static func make(of location: DatabaseLocation, to file: String) async throws -> BackupReport {
        guard !FileManager.default.fileExists(atPath: file) else { throw BackupError.exists(file) }
        try makeParent(of: file)
        switch location {
        case .sqlite:
            let store = try await Store.open(location, migrate: false)
            let outcome: Result<Void, any Error>
            do { try await store.vacuum(into: file); outcome = .success(()) } catch { outcome = .failure(error) }
            await store.close()
            try outcome.get()
            return try await check(.sqlite(path: file), named: file)
        case .postgres(let url):
            let (target, password) = split(url)
            try run("pg_dump", ["--format=custom", "--no-owner", "--file=\(file)", "--dbname=\(target)"], password: password)
            // A dump is checked by listing it; its audit chain is checked when it is restored.
            try run("pg_restore", ["--list", file], password: nil)
            let store = try await Store.open(location, migrate: false)
            let report = await Result { BackupReport(schemaVersion: try await store.schemaVersion(), audit: try await store.verifyAudit()) }
            await store.close()
            return try report.get()
        }
    }

    /// Restores `file` into `location`: an SQLite file is copied into place (the target must not exist); a PostgreSQL
    /// dump replaces the objects of the target database. The restored audit chain is checked.
    public static func restore(from file: String, into location: DatabaseLocation) async throws -> BackupReport {
        guard FileManager.default.fileExists(atPath: file) else { throw BackupError.notFound(file) }
        switch location {
        case .sqlite(let path):
            guard !FileManager.default.fileExists(atPath: path) else { throw BackupError.exists(path) }
            // Checked before it is put in place: a file that is not a Cordon database never becomes the node's.
            _ = try await check(.sqlite(path: file), named: file)
            try makeParent(of: path)
            try FileManager.default.copyItem(atPath: file, toPath: path)
            return try await check(location, named: path)
        case .postgres(let url):
            let (target, password) = split(url)
            try run("pg_restore", ["--clean", "--if-exists", "--no-owner", "--single-transaction", "--dbname=\(target)", file], password: password)
            return try await check(location, named: location.description)
        }
    }

    /// Creates the directory a file goes into (a dated backup folder, a fresh data directory) if it is missing.
    static func makeParent(of file: String) throws {
        let parent = URL(fileURLWithPath: file).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
    }

    /// Opens a copy without changing it and checks it: a Cordon schema, and its audit chain.
    static func check(_ location: DatabaseLocation, named name: String) async throws -> BackupReport {
        let store: Store
        do { store = try await Store.open(location, migrate: false) } catch {
            throw BackupError.notABackup(name, reason: "\(error)")
        }
        let report = await Result {
            let version = try await store.schemaVersion()
            guard version > 0 else { throw BackupError.notABackup(name, reason: "it has no Cordon schema") }
            return BackupReport(schemaVersion: version, audit: try await store.verifyAudit())
        }
        await store.close()
        return try report.get()
    }

    /// A PostgreSQL URL without its password, and the password: passed to the tools in their environment, never on
    /// a command line where other users of the machine could read it.
    static func split(_ url: String) -> (String, String?) {
        guard var c = URLComponents(string: url) else { return (url, nil) }
        let password = c.password
        c.password = nil
        return (c.string ?? url, password)
    }

    static func run(_ tool: String, _ arguments: [String], password: String?) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [tool] + arguments
        var environment = ProcessInfo.processInfo.environment
        if let password { environment["PGPASSWORD"] = password }
        p.environment = environment
        let errors = Pipe()
        p.standardError = errors
        p.standardOutput = FileHandle.nullDevice
        do { try p.run() } catch { throw BackupError.tool(tool, status: -1, output: "\(error)") }
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw BackupError.tool(tool, status: p.terminationStatus, output: String(decoding: output, as: UTF8.self))
        }
    }
}

extension Result where Failure == any Error {
    /// The outcome of an async body, so that a resource can be closed before it is rethrown.
    init(_ body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}

extension Store {
    /// SQLite: a consistent copy of the whole database into a new file, while others read and write.
    func vacuum(into file: String) async throws {
        try await exclusive { try await sql.raw("VACUUM INTO \(bind: file)").run() }
    }
}
