import Foundation

/// Tells the open pages of a unit's users that its messages changed, so that the unread count updates without a
/// reload (server-sent events). Within one server process; a page that misses an event still shows the count on
/// its next load.
public actor MessageEvents {
    private var listeners: [UUID: (units: Set<String>, continuation: AsyncStream<Void>.Continuation)] = [:]

    public init() {}

    /// A stream that yields at once, then whenever a message of one of `units` arrives or changes, and at least every
    /// `heartbeat`; it ends when the reader goes, or when its continuation is finished.
    func listen(units: [String], heartbeat: Duration) -> (stream: AsyncStream<Void>, continuation: AsyncStream<Void>.Continuation) {
        let id = UUID()
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        listeners[id] = (Set(units), continuation)
        let beat = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: heartbeat)
                continuation.yield()
            }
        }
        continuation.onTermination = { _ in
            beat.cancel()
            Task { await self.remove(id) }
        }
        continuation.yield()
        return (stream, continuation)
    }

    private func remove(_ id: UUID) {
        listeners[id] = nil
    }

    /// How many pages listen now.
    var count: Int { listeners.count }

    func changed(units: [String]) {
        let changed = Set(units)
        for (_, l) in listeners where !l.units.isDisjoint(with: changed) {
            l.continuation.yield()
        }
    }
}
