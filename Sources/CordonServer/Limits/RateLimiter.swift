import Foundation
import Synchronization

/// How many requests one client may make: a burst of `requests`, refilled at `requests` per `seconds`.
public struct RateLimit: Sendable, Equatable {
    public var requests: Int
    public var seconds: Double

    public init(_ requests: Int, per seconds: Double) {
        self.requests = requests
        self.seconds = seconds
    }

    /// No limit at all (a node behind a proxy that limits, or a load test).
    public static let none = RateLimit(0, per: 1)
    public var isLimited: Bool { requests > 0 && seconds > 0 }
}

/// Token buckets by client (an address, or a token's hash), kept in this process's memory: each request takes a
/// token, a client without one is told how long to wait. Several processes of one node each limit on their own,
/// so a client gets at most their sum; the per-account lock-out after failed sign-ins is in the database and shared.
final class RateLimiter: Sendable {
    let limit: RateLimit
    /// Beyond this many clients, those whose bucket has refilled are forgotten: a flood of new addresses costs memory
    /// only up to here plus the clients that are really being limited.
    let maxClients: Int

    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }
    private let buckets = Mutex<[String: Bucket]>([:])

    init(_ limit: RateLimit, maxClients: Int = 50_000) {
        self.limit = limit
        self.maxClients = maxClients
    }

    /// Takes a token for the client: nil when the request may go on, else the seconds to wait (at least 1).
    func admit(_ client: String, now: ContinuousClock.Instant = .now) -> Int? {
        guard limit.isLimited else { return nil }
        let capacity = Double(limit.requests), rate = Double(limit.requests) / limit.seconds
        return buckets.withLock { buckets in
            var bucket = buckets[client] ?? Bucket(tokens: capacity, updated: now)
            bucket.tokens = min(capacity, bucket.tokens + rate * Self.seconds(now - bucket.updated))
            bucket.updated = now
            defer {
                buckets[client] = bucket
                if buckets.count > maxClients { Self.forgetFull(&buckets, capacity: capacity, rate: rate, now: now) }
            }
            guard bucket.tokens >= 1 else { return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up))) }
            bucket.tokens -= 1
            return nil
        }
    }

    private static func forgetFull(_ buckets: inout [String: Bucket], capacity: Double, rate: Double, now: ContinuousClock.Instant) {
        buckets = buckets.filter { $0.value.tokens + rate * seconds(now - $0.value.updated) < capacity }
    }

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
