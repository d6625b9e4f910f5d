import Logging
import ServiceLifecycle

/// Wakes a waiting loop early: rung when there is work, closed when the loop should end.
actor Doorbell {
    private var waiter: (id: Int, continuation: CheckedContinuation<Void, Never>)?
    /// The wait's timer, cancelled when the bell rings first.
    private var timer: Task<Void, Never>?
    private var rung = false
    private var next = 0
    private(set) var isClosed = false

    func ring() {
        if let w = waiter {
            waiter = nil
            timer?.cancel()
            w.continuation.resume()
        } else {
            rung = true
        }
    }

    func close() {
        isClosed = true
        ring()
    }

    /// Returns when rung (or if it was rung since the last wait), closed, or after `seconds`.
    func wait(upTo seconds: Double) async {
        if rung || isClosed {
            rung = false
            return
        }
        next += 1
        let id = next
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            waiter = (id, c)
            timer = Task {
                // Cancelled: the bell rang, and the wait is over already.
                guard (try? await Task.sleep(for: .seconds(seconds))) != nil else { return }
                self.timeOut(id)
            }
        }
    }

    private func timeOut(_ id: Int) {
        guard let w = waiter, w.id == id else { return }
        waiter = nil
        w.continuation.resume()
    }
}

extension Doorbell {
    /// Runs `round` again and again until the server shuts down (gracefully, or by cancellation: either closes the
    /// bell, which ends the wait in progress). A round returns how many seconds to wait before the next one, cut short
    /// when the bell rings; a round that throws is logged and followed by a 5-second pause.
    nonisolated func rounds(logger: Logger, failure: String, _ round: @escaping @Sendable () async throws -> Double) async {
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                while !(await isClosed) {
                    do {
                        let wait = try await round()
                        if wait > 0 { await self.wait(upTo: wait) }
                    } catch {
                        logger.error("\(failure)", metadata: ["error": "\(error)"])
                        await self.wait(upTo: 5)
                    }
                }
            } onGracefulShutdown: {
                Task { await self.close() }
            }
        } onCancel: {
            Task { await self.close() }
        }
    }
}
