import CordonStore
import Foundation

/// Paths and resources the tests share.
public enum Fixtures {
    /// The package root, found from this file's location.
    public static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// A file under Tests/Fixtures.
    public static func path(_ relative: String) -> String {
        root.appendingPathComponent("Tests/Fixtures").appendingPathComponent(relative).path
    }

    public static func bytes(_ relative: String) -> [UInt8] {
        Array(FileManager.default.contents(atPath: path(relative)) ?? Data())
    }

    /// ../shared/data, when present (tests that need it skip with a message otherwise).
    public static var sharedData: String? {
        let p = root.deletingLastPathComponent().appendingPathComponent("shared/data").path
        return FileManager.default.fileExists(atPath: p) ? p : nil
    }

    /// The built `cordon` executable (CORDON_BINARY, else the debug build).
    public static var cordonBinary: String {
        ProcessInfo.processInfo.environment["CORDON_BINARY"] ?? root.appendingPathComponent(".build/debug/cordon").path
    }
}

/// A fresh temporary directory, removed by `remove()`.
public struct TemporaryDirectory: Sendable {
    public let path: String

    public init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("cordon-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// The databases every store test runs against: a SQLite file, and PostgreSQL when `CORDON_TEST_POSTGRES`
/// names a server (scripts/test starts a throwaway one; under CI its absence is a failure, not a skip).
public enum TestDatabases {
    public enum Kind: String, Sendable, CaseIterable, CustomStringConvertible {
        case sqlite, postgres
        public var description: String { rawValue }
    }

    public static var postgresURL: String? { ProcessInfo.processInfo.environment["CORDON_TEST_POSTGRES"] }

    public static var available: [Kind] {
        if postgresURL != nil { return [.sqlite, .postgres] }
        if ProcessInfo.processInfo.environment["CI"] == "true" { return [.sqlite, .postgres] }
        FileHandle.standardError.write(Data("note: CORDON_TEST_POSTGRES is not set; store tests run on SQLite only (scripts/test runs both)\n".utf8))
        return [.sqlite]
    }

    /// A fresh, empty database of the kind; the PostgreSQL one is a new database on the test server.
    public static func fresh(_ kind: Kind, in dir: TemporaryDirectory) async throws -> DatabaseLocation {
        switch kind {
        case .sqlite:
            return .sqlite(path: dir.file("test.sqlite"))
        case .postgres:
            guard let base = postgresURL else {
                throw TestSetupError("CORDON_TEST_POSTGRES is not set: run the tests with scripts/test")
            }
            let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(20).lowercased()
            try await Store.createPostgresDatabase(named: String(name), serverURL: base)
            var c = URLComponents(string: base)!
            c.path = "/" + name
            return .postgres(url: c.string!)
        }
    }
}

/// A test could not be set up.
public struct TestSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Runs a program and collects its output.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

public func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                stdin: String? = nil) throws -> ProcessResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    if let stdin {
        let input = Pipe()
        p.standardInput = input
        try p.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
    } else {
        try p.run()
    }
    // Read both pipes concurrently so that neither fills up and blocks the child.
    let group = DispatchGroup()
    nonisolated(unsafe) var errData = Data()
    group.enter()
    DispatchQueue.global().async {
        errData = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    p.waitUntilExit()
    return ProcessResult(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
}

/// Runs `body` and keeps its error, so that a test can clean up before it reports the failure.
public func capture<T: Sendable>(_ body: () async throws -> T) async -> Result<T, any Error> {
    do { return .success(try await body()) } catch { return .failure(error) }
}
