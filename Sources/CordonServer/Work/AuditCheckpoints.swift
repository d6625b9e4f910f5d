import CordonExchange
import CordonStore
import Logging
import ServiceLifecycle

/// Signs the head of the audit log with the node's key when a server starts and when it stops, so that a rewrite of
/// the log after a checkpoint is found by `cordon audit verify` even when every hash was recomputed. In between, the
/// `audit-checkpoint` job signs it on the node's schedule, once for all the processes.
public struct AuditCheckpoints: Service {
    let store: Store
    let identity: NodeIdentity
    let logger: Logger

    public init(store: Store, identity: NodeIdentity, logger: Logger) {
        self.store = store
        self.identity = identity
        self.logger = logger
    }

    public func run() async throws {
        await sign()
        // Returns on graceful shutdown, or throws when the service is cancelled; the last checkpoint is taken either way.
        try? await gracefulShutdown()
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
