import Foundation

/// Runs long CPU work (bcrypt, model training) on a thread of its own: the threads that run the server's tasks are
/// as many as there are cores, and work that holds one for seconds holds up every request meanwhile.
func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global(qos: .userInitiated).async { continuation.resume(with: Result { try work() }) }
    }
}

/// `offThePool` for work that cannot fail.
func offThePool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        DispatchQueue.global(qos: .userInitiated).async { continuation.resume(returning: work()) }
    }
}
