import Synchronization

/// Values read from stored JSON texts, kept by the text: a stored text always reads the same, and a queue page
/// reads the same reasons and profile lists on every view. Bounded: forgotten all at once when full.
final class StoredTextMemo<Value: Sendable>: Sendable {
    private let entries = Mutex<[String: Value]>([:])
    private let limit: Int

    init(limit: Int) { self.limit = limit }

    /// The value of `text`: the one read before, or `read(text)` kept for next time.
    func value(of text: String, read: (String) throws -> Value) rethrows -> Value {
        if let known = entries.withLock({ $0[text] }) { return known }
        let value = try read(text)
        entries.withLock { entries in
            if entries.count >= limit { entries.removeAll(keepingCapacity: true) }
            entries[text] = value
        }
        return value
    }
}
