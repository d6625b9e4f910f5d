import CordonExchange
import CordonStore
import Logging
import ServiceLifecycle

/// Signs the head of the audit log with the node's key at start, every `interval` and at shutdown, so that a
/// rewrite of the log after a checkpoint is found by `cordon audit verify` even when every hash was recomputed.
public struct AuditCheckpoints: Service {
    let store: Store
    let identity: NodeIdentity
    let interval: Duration
    let logger: Logger

    public init(store: Store, identity: NodeIdentity, interval: Duration = .seconds(3600), logger: Logger) {
        self.store = store
        self.identity = identity
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await sign()
        // Sleeping ends early on shutdown (the task is cancelled); the last checkpoint is then taken.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                guard (try? await Task.sleep(for: interval)) != nil else { break }
                await sign()
            }
        }
        await sign()
    }

    func sign() async {
        do {
            if let c = try await store.checkpointAudit(signingWith: identity.privateKey) {
                logger.info("audit checkpoint signed", metadata: ["seq": "\(c.seq)"])
            }
        } catch {
            logger.error("audit checkpoint failed", metadata: ["error": "\(error)"])
        }
    }
}
