import Logging
import NIOConcurrencyHelpers
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
        /// Opened by the first copy: most stores (a command that only reads, say) never write a batch of intake.
        var file: SQLiteThread?
    }

    private let path: String
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    /// For the database at `path`, which its store's own connection has put in WAL mode.
    init(path: String, logger: Logger) {
        self.path = path
        self.logger = logger
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

    /// Copies until no more copies are asked for; one `run` at a time (see `request`).
    private func run() async {
        while true {
            do {
                _ = try await connection().query("PRAGMA wal_checkpoint(PASSIVE)")
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

    private func connection() async throws -> SQLiteConnection {
        if let file = state.withLockedValue({ $0.file }) { return file.connection }
        let file = try await SQLiteThread.open(path: path, logger: logger)
        do {
            // FULL: the database file is synced after each copy, as the writer's own checkpoints did.
            _ = try await file.connection.query("PRAGMA synchronous=FULL")
        } catch {
            try? await file.close()
            throw error
        }
        state.withLockedValue { $0.file = file }
        return file.connection
    }

    /// Waits until no copy is running or asked for.
    private func idle() async {
        while let task = state.withLockedValue({ $0.running }) { await task.value }
    }

    /// Lets a running copy finish, then closes the connection; later requests are ignored.
    func close() async {
        state.withLockedValue { $0.closed = true }
        await idle()
        try? await state.withLockedValue({ $0.file })?.close()
    }
}
