import Logging
import NIOConcurrencyHelpers
import NIOPosix
import SQLiteNIO

/// Copies an SQLite database's write-ahead log back into the database file on a connection and a thread of its
/// own. Left to the writing connection, that copy (and its fsync of the database file) happened inside the
/// commit of every large batch, while the next batch waited; here it runs beside the writer, which SQLite's
/// passive checkpoints allow (they never block a writer or a reader, and a log they have copied whole is reused
/// from its start by the next write).
final class WALCheckpointer: Sendable {
    private struct State {
        var running: Task<Void, Never>?
        var again = false
        var closed = false
    }

    private let connection: SQLiteConnection
    private let pool: NIOThreadPool
    private let state = NIOLockedValueBox(State())
    private let logger: Logger

    private init(connection: SQLiteConnection, pool: NIOThreadPool, logger: Logger) {
        self.connection = connection
        self.pool = pool
        self.logger = logger
    }

    /// Opens a second connection to the database at `path`, which is in WAL mode already.
    static func open(path: String, logger: Logger) async throws -> WALCheckpointer {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        do {
            let conn = try await SQLiteConnection.open(storage: .file(path: path), threadPool: pool, logger: logger,
                                                       on: MultiThreadedEventLoopGroup.singleton.any()).get()
            // FULL: the database file is synced after each copy, as the writer's own checkpoints did.
            _ = try await conn.query("PRAGMA synchronous=FULL")
            return WALCheckpointer(connection: conn, pool: pool, logger: logger)
        } catch {
            try? await pool.shutdownGracefully()
            throw error
        }
    }

    /// Asks for the log to be copied: at once when no copy is running, else once more when the running one ends
    /// (it may have started before the latest commit).
    func request() {
        state.withLockedValue { s in
            guard !s.closed else { return }
            if s.running != nil { s.again = true; return }
            s.running = Task { await self.run() }
        }
    }

    private func run() async {
        while true {
            do {
                _ = try await connection.query("PRAGMA wal_checkpoint(PASSIVE)")
            } catch {
                // Harmless for the data: the writer's own automatic checkpoint copies the log later.
                logger.warning("background checkpoint failed", metadata: ["error": "\(error)"])
            }
            let more = state.withLockedValue { s in
                if s.again && !s.closed { s.again = false; return true }
                s.running = nil
                return false
            }
            if !more { return }
        }
    }

    /// Waits until no copy is running or asked for (tests and close).
    func idle() async {
        while let task = state.withLockedValue({ $0.running }) { await task.value }
    }

    /// Lets a running copy finish, then closes the connection; later requests are ignored.
    func close() async {
        state.withLockedValue { $0.closed = true }
        await idle()
        // In a task of its own, as the store's own connection is closed: a cancelled task's work is skipped by the pool.
        try? await Task {
            try await connection.close()
            try await pool.shutdownGracefully()
        }.value
    }
}
