import AsyncHTTPClient
import CordonExchange
import CordonStore
import Foundation
import Logging
import NIOCore
import ServiceLifecycle

/// Delivers the outbox to peer nodes: each envelope is posted to the peer's inbox until the peer returns a receipt
/// its key verifies. A peer that is down is tried again with exponential back-off; the outbox is in the store, so
/// nothing is lost when either node restarts. A peer that refuses an envelope for good (malformed, replayed,
/// too old, no such unit) is not tried again, and the reason is shown with the message.
public actor Courier: Service {
    let store: Store
    let client: HTTPClient
    let logger: Logger
    /// This process, as named in the claims it takes on deliveries.
    let owner: String
    let bell = Doorbell()
    /// Envelopes posted at the same time, to as many peers.
    static let parallel = 16
    /// The longest wait between two attempts, and the longest a peer call may take.
    static let maxBackoff: Double = 900, timeout: TimeAmount = .seconds(10)
    /// How long this process's claim on the deliveries of a round keeps other processes off them.
    static let claim: Duration = .seconds(30)
    /// Longest idle wait: due retries are looked for at least this often.
    static let idle: Double = 30

    public init(store: Store, client: HTTPClient = .shared, owner: String = WorkerName.current, logger: Logger) {
        self.store = store
        self.client = client
        self.owner = owner
        self.logger = logger
    }

    /// Asks for a delivery round now (a message was just sent).
    public nonisolated func nudge() {
        Task { await bell.ring() }
    }

    /// The delay before attempt `attempts + 1`: 1 s, 2 s, 4 s, ... up to 15 minutes, with ±20 % jitter so that a node
    /// coming back is not hit by every peer at the same second.
    static func backoff(afterAttempts attempts: Int) -> Double {
        let base = min(pow(2, Double(min(attempts, 20))), maxBackoff)
        return base * Double.random(in: 0.8...1.2)
    }

    public func run() async throws {
        logger.info("courier started")
        await bell.rounds(logger: logger, failure: "outbox not readable") {
            // As many as are posted at once, each within the peer call's timeout: a round ends well inside the claim,
            // and the claims of a process that died run out soon.
            let due = try await self.store.claimDueDeliveries(owner: self.owner, claim: Courier.claim, limit: Courier.parallel)
            if !due.isEmpty {
                await self.deliver(due)
                return 0
            }
            let next = try await self.store.nextDeliveryTime()
            return next.map { max(0.05, min($0.timeIntervalSinceNow, Courier.idle)) } ?? Courier.idle
        }
        logger.info("courier stopped")
    }

    /// Posts each due envelope to its peer, several at a time.
    func deliver(_ due: [Delivery]) async {
        let peers: [String: PeerRecord]
        do { peers = Dictionary(try await store.peers().map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a }) } catch {
            logger.error("peers not readable", metadata: ["error": "\(error)"])
            return
        }
        // Posted several at a time; the confirmed ones are then recorded together, in one transaction.
        let outcomes = await withTaskGroup(of: (Delivery, Outcome).self) { group in
            var outcomes: [(Delivery, Outcome)] = []
            var running = 0
            for d in due {
                if running == Courier.parallel, let finished = await group.next() {
                    outcomes.append(finished)
                    running -= 1
                }
                let peer = peers[d.peer]
                group.addTask { (d, await self.attempt(d, peer: peer)) }
                running += 1
            }
            for await finished in group { outcomes.append(finished) }
            return outcomes
        }
        var delivered: [Delivery] = []
        for (d, outcome) in outcomes {
            if case .delivered = outcome { delivered.append(d) } else { await record(d, outcome) }
            switch outcome {
            case .delivered: WorkCounters.delivery("delivered")
            case .retry: WorkCounters.delivery("retry")
            case .refused: WorkCounters.delivery("refused")
            }
        }
        do {
            try await store.deliveriesDone(delivered.map { ($0.envelopeID, $0.peer) })
            for d in delivered {
                logger.info("envelope delivered", metadata: ["id": "\(d.envelopeID)", "peer": "\(d.peer)", "attempt": "\(d.attempts + 1)"])
            }
        } catch {
            // Not recorded: they are posted again, and the peers answer "duplicate".
            logger.error("deliveries not recorded", metadata: ["count": "\(delivered.count)", "error": "\(error)"])
        }
    }

    /// What one attempt came to.
    enum Outcome: Sendable {
        case delivered
        case retry(String)
        case refused(String)
    }

    func attempt(_ d: Delivery, peer: PeerRecord?) async -> Outcome {
        guard let peer else { return .refused("peer \(d.peer) is no longer listed") }
        return await post(d, to: peer)
    }

    /// Records an attempt that did not deliver: retried after the back-off, or given up.
    func record(_ d: Delivery, _ outcome: Outcome) async {
        do {
            switch outcome {
            case .delivered: break
            case .retry(let why):
                let delay = Courier.backoff(afterAttempts: d.attempts)
                try await store.deliveryFailed(envelopeID: d.envelopeID, peer: d.peer, error: why, retryAt: Date().addingTimeInterval(delay))
                logger.notice("envelope not delivered, will retry", metadata: ["id": "\(d.envelopeID)", "peer": "\(d.peer)",
                                                                               "attempt": "\(d.attempts + 1)", "in": "\(Int(delay)) s",
                                                                               "reason": "\(why)"])
            case .refused(let why):
                try await store.deliveryFailed(envelopeID: d.envelopeID, peer: d.peer, error: why, retryAt: nil)
                logger.error("envelope refused by the peer", metadata: ["id": "\(d.envelopeID)", "peer": "\(d.peer)", "reason": "\(why)"])
            }
        } catch {
            logger.error("delivery not recorded", metadata: ["id": "\(d.envelopeID)", "peer": "\(d.peer)", "error": "\(error)"])
        }
    }

    /// The shape of the inbox's answers: a receipt, or an error body.
    struct Answer: Decodable {
        var receipt: DeliveryReceipt?
        var error: APIErrorBody?
        struct APIErrorBody: Decodable {
            var code: String
            var message: String
        }
    }

    func post(_ d: Delivery, to peer: PeerRecord) async -> Outcome {
        var request = HTTPClientRequest(url: peer.baseURL.trimmingSuffix("/") + "/exchange/inbox")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: d.envelope))
        do {
            let response = try await client.execute(request, timeout: Courier.timeout)
            let body = try await response.body.collect(upTo: 64 * 1024)
            let answer = try? JSONDecoder().decode(Answer.self, from: Data(buffer: body))
            switch response.status.code {
            case 200, 201:
                guard let receipt = answer?.receipt, receipt.verifies(id: d.envelopeID, from: peer.peer) else {
                    return .retry("the answer has no receipt signed by \(peer.name)")
                }
                return .delivered
            // Refusals that no retry can change: the envelope itself is wrong for that node.
            case 400, 409, 413, 422:
                return .refused("\(response.status.code) \(answer?.error.map { "\($0.code): \($0.message)" } ?? "refused")")
            default:
                return .retry("\(response.status.code) \(answer?.error?.message ?? "")")
            }
        } catch {
            return .retry("\(error)")
        }
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var s = self
        while s.hasSuffix(suffix) { s.removeLast(suffix.count) }
        return s
    }
}
