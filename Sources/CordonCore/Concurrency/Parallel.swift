import Foundation

/// Work on many independent items shared among the processor's cores, results in the items' order.
public enum Parallel {
    /// `transform` over `0..<count` in consecutive ranges, one range per core at most and none smaller than
    /// `minimumPart` (below that, the hand-over costs more than it saves), results joined in order. The first error
    /// thrown by any range is rethrown once all ranges have finished.
    public static func map<T: Sendable, E: Error>(_ count: Int, minimumPart: Int = 256,
                                                  _ transform: @Sendable (Range<Int>) throws(E) -> [T]) throws(E) -> [T] {
        let parts = max(1, min(ProcessInfo.processInfo.activeProcessorCount, count / max(1, minimumPart)))
        if parts == 1 { return try transform(0..<count) }
        let results = Results<T, E>(parts)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let range = count * part / parts ..< count * (part + 1) / parts
            do throws(E) { results.set(part, .success(try transform(range))) } catch { results.set(part, .failure(error)) }
        }
        var out: [T] = []
        out.reserveCapacity(count)
        for result in results.take() { out += try result.get() }
        return out
    }

    /// The ranges' results, each written once by its own worker.
    private final class Results<T, E: Error>: @unchecked Sendable {
        // @unchecked: every slot is written by one worker under `lock` and read after all workers have finished.
        private var slots: [Result<[T], E>?]
        private let lock = NSLock()

        init(_ parts: Int) { slots = Array(repeating: nil, count: parts) }

        func set(_ part: Int, _ result: Result<[T], E>) { lock.withLock { slots[part] = result } }

        func take() -> [Result<[T], E>] { lock.withLock { slots.compactMap { $0 } } }
    }
}
