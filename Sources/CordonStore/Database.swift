import Algorithms
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit

/// Where the store lives: an embedded SQLite file or a PostgreSQL database.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    /// Parses `sqlite:PATH` or `postgres://user:pw@host:port/db` (also `postgresql://`).
    public init(parsing text: String) throws(StoreError) {
        if text.hasPrefix("sqlite:") {
            var path = String(text.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            guard !path.isEmpty else { throw .badLocation("sqlite: needs a file path, e.g. sqlite:cordon.sqlite") }
            self = .sqlite(path: path)
        } else if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(url: text)
        } else {
            throw .badLocation("'\(text)' is neither sqlite:PATH nor postgres://user:password@host:port/database")
        }
    }

    /// The location without any password, for messages and logs.
    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite:\(path)"
        case .postgres(let url):
            guard var c = URLComponents(string: url) else { return "postgres://…" }
            if c.password != nil { c.password = "***" }
            return c.string ?? "postgres://…"
        }
    }
}

/// Why the store could not do what was asked.
public enum StoreError: Error, CustomStringConvertible, Sendable {
    case badLocation(String)
    case cannotOpen(String, reason: String)
    case migrationFailed(version: Int, reason: String)
    case newerSchema(database: Int, known: Int)
    case query(String)

    public var description: String {
        switch self {
        case .badLocation(let why): return "database: \(why)"
        case .cannotOpen(let location, let reason): return "cannot open \(location): \(reason)"
        case .migrationFailed(let v, let reason): return "migration \(v) failed: \(reason)"
        case .newerSchema(let db, let known):
            return "the database is at schema version \(db), this cordon knows up to \(known): upgrade cordon"
        case .query(let why): return "database query failed: \(why)"
        }
    }
}

/// The SQL flavour in use; the few dialect differences live here.
enum Flavor: Sendable {
    case sqlite, postgres

    /// Column type of 64-bit ids (in SQLite, INTEGER PRIMARY KEY is the fast rowid).
    var idType: String { self == .sqlite ? "INTEGER" : "BIGINT" }

    /// Table option storing rows in primary-key order (PostgreSQL has no such option; its tables are heaps).
    var clustered: String { self == .sqlite ? " WITHOUT ROWID" : "" }
}

/// A value for a bulk insert.
enum SQLValue: Sendable {
    case int(Int), double(Double), text(String), null

    init(_ v: Int?) { self = v.map { .int($0) } ?? .null }
    init(_ v: Double?) { self = v.map { .double($0) } ?? .null }
    init(_ v: String?) { self = v.map { .text($0) } ?? .null }

    var sqlite: SQLiteData {
        switch self {
        case .int(let v): return .integer(v)
        case .double(let v): return .float(v)
        case .text(let v): return .text(v)
        case .null: return .null
        }
    }

    var bind: any SQLExpression {
        switch self {
        case .int(let v): return SQLBind(v)
        case .double(let v): return SQLBind(v)
        case .text(let v): return SQLBind(v)
        case .null: return SQLLiteral.null
        }
    }
}

/// One connection to the database, used by one actor at a time: transactions need a single connection.
final class Connection: @unchecked Sendable {
    // @unchecked: the underlying connections are thread-safe; the Store actor serialises their use.
    let sql: any SQLDatabase
    let flavor: Flavor
    /// The SQLite connection itself, for bulk inserts that skip SQLKit's per-value encoding.
    private let sqlite: SQLiteConnection?
    private let closeHandler: @Sendable () async throws -> Void

    init(sql: any SQLDatabase, flavor: Flavor, sqlite: SQLiteConnection? = nil,
         close: @escaping @Sendable () async throws -> Void) {
        self.sql = sql
        self.flavor = flavor
        self.sqlite = sqlite
        self.closeHandler = close
    }

    /// Multi-row inserts in chunks that stay under the bind-parameter limits of both databases. Table and
    /// column names come from the code, never from input; every value is a bind parameter.
    func insert(into table: String, columns: [String], rows: [[SQLValue]]) async throws {
        guard !rows.isEmpty else { return }
        let perStatement = max(1, 30000 / columns.count)
        for chunk in rows.chunks(ofCount: perStatement) {
            if let sqlite {
                // Ingest spends most of its time here: SQLiteData binds avoid a dynamic cast per value.
                let tuple = "(" + Array(repeating: "?", count: columns.count).joined(separator: ",") + ")"
                let statement = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
                    + Array(repeating: tuple, count: chunk.count).joined(separator: ",")
                var binds: [SQLiteData] = []
                binds.reserveCapacity(chunk.count * columns.count)
                for row in chunk { for v in row { binds.append(v.sqlite) } }
                _ = try await sqlite.query(statement, binds)
            } else {
                var insert = sql.insert(into: table).columns(columns)
                for row in chunk { insert = insert.values(row.map(\.bind)) }
                try await insert.run()
            }
        }
    }

    static func open(_ location: DatabaseLocation, logger: Logger) async throws(StoreError) -> Connection {
        switch location {
        case .sqlite(let path):
            do {
                // A thread of its own: SQLite blocks its thread while it waits for another connection's write
                // lock, and on a shared pool such waits could occupy every thread, including the one the
                // lock holder needs to commit.
                let pool = NIOThreadPool(numberOfThreads: 1)
                pool.start()
                let conn: SQLiteConnection
                do {
                    conn = try await SQLiteConnection.open(storage: .file(path: path), threadPool: pool, logger: logger,
                                                           on: MultiThreadedEventLoopGroup.singleton.any()).get()
                } catch {
                    try? await pool.shutdownGracefully()
                    throw error
                }
                let close: @Sendable () async throws -> Void = {
                    try await conn.close()
                    try await pool.shutdownGracefully()
                }
                // No query logging: binds carry names of persons and companies, which never go to logs.
                let sql = conn.sql(queryLogLevel: nil)
                do {
                    // WAL lets readers work while a batch is written; FULL sync makes every committed batch durable.
                    for pragma in ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA busy_timeout=10000",
                                   "PRAGMA cache_size=-65536", "PRAGMA foreign_keys=ON"] {
                        try await sql.raw(SQLQueryString(pragma)).run()
                    }
                } catch {
                    try? await close()
                    throw error
                }
                return Connection(sql: sql, flavor: .sqlite, sqlite: conn, close: close)
            } catch {
                throw .cannotOpen(location.description, reason: String(describing: error))
            }
        case .postgres(let url):
            do {
                let config = try SQLPostgresConfiguration(url: url)
                let conn = try await PostgresConnection.connect(
                    on: MultiThreadedEventLoopGroup.singleton.any(), configuration: config.coreConfiguration,
                    id: 1, logger: logger).get()
                let sql = conn.sql(queryLogLevel: nil)
                try await sql.raw("SET client_min_messages TO WARNING").run()
                return Connection(sql: sql, flavor: .postgres, close: { try await conn.close() })
            } catch {
                throw .cannotOpen(location.description, reason: String(describing: error))
            }
        }
    }

    func close() async {
        try? await closeHandler()
    }
}

/// True when a transaction failed only because another writer got in its way (it stored the same key first,
/// or PostgreSQL broke a deadlock between the two): running it again is the remedy.
func isConflictWithConcurrentWriter(_ error: any Error) -> Bool {
    if let e = error as? SQLiteError { return e.reason == .constraintUniqueFailed || e.reason == .constraintPrimaryKeyFailed }
    if let e = error as? PSQLError {
        let state = e.serverInfo?[.sqlState]
        return state == PostgresError.Code.uniqueViolation.raw || state == PostgresError.Code.deadlockDetected.raw
            || state == PostgresError.Code.serializationFailure.raw
    }
    return false
}
