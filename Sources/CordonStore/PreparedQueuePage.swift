import Logging
import PostgresKit
import SQLKit
import Synchronization

/// A queue page without filters (the targets API's and the queue's first view, the node's busiest query) as a
/// statement prepared once per PostgreSQL connection: parsing and planning it anew took PostgreSQL almost as long as
/// running it (its statement log during scripts/bench http). Two of them: the whole day, and the selected only.
///
/// The text is the one `Store.queue` builds, taken from the first such page a process asks for; a page whose text
/// differs is asked the usual way.
protocol PreparedQueuePage: PostgresPreparedStatement where Row == PostgresRow {
    /// The prepared text, once known.
    static var text: Mutex<String?> { get }
    var bindings: PostgresBindings { get }
    init(bindings: PostgresBindings)
}

extension PreparedQueuePage {
    static var sql: String { text.withLock { $0 } ?? "" }

    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }

    /// The rows of `query` through the prepared statement on the leased connection; nil when its text is not the
    /// prepared one, or one of its values is neither a text nor a number.
    static func rows(of query: SQLQueryString, lease: Store.Lease, logger: Logger) async throws -> [any SQLRow]? {
        let (sql, binds) = lease.sql.serialize(query)
        let known = text.withLock { text in
            if text == nil { text = sql }
            return text == sql
        }
        guard known else { return nil }
        var bindings = PostgresBindings(capacity: binds.count)
        for value in binds {
            if let v = value as? String { bindings.append(v) } else if let v = value as? Int { bindings.append(v) } else { return nil }
        }
        var rows: [any SQLRow] = []
        for try await row in try await lease.postgres.execute(Self(bindings: bindings), logger: logger) {
            rows.append(row.sql())
        }
        return rows
    }
}

/// A page of a unit's whole day (released ones too).
struct DayQueuePage: PreparedQueuePage {
    static let text = Mutex<String?>(nil)
    static var name: String { "cordon_queue_day" }
    let bindings: PostgresBindings
}

/// A page of the ones to control.
struct SelectedQueuePage: PreparedQueuePage {
    static let text = Mutex<String?>(nil)
    static var name: String { "cordon_queue_selected" }
    let bindings: PostgresBindings
}
