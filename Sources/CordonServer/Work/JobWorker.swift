import CordonCore
import CordonExchange
import CordonRisk
import CordonStore
import Foundation
import Logging
import ServiceLifecycle

/// The kinds of background work a node does.
public enum JobKind: String, Sendable, CaseIterable {
    /// Signs the head of the audit log with the node's key.
    case auditCheckpoint = "audit-checkpoint"
    /// Removes cargo data older than the retention period (never the audit log, never documents with a result).
    case retention
    /// Trains the next model on the labelled documents of a recent window and makes it the active one.
    case retrain
}

/// When the node's background jobs run. A period's job is enqueued by whichever process first sees the period begin,
/// under a key naming the period, so that it runs once however many processes share the database.
public struct JobSchedule: Sendable {
    /// How often the head of the audit log is signed (also when a server starts and stops).
    public var checkpointInterval: Duration = .seconds(3600)
    /// Cargo data older than this many days is purged daily; nil keeps everything.
    public var retentionDays: Int?
    /// A model is trained weekly (on Mondays, UTC) on this many days of labelled documents; nil: only by hand.
    public var retrainDays: Int?
    /// How many times a failing job is tried (1, 2, 4, ... minutes apart) before it is marked failed.
    public var attempts = 3

    public init(checkpointInterval: Duration = .seconds(3600), retentionDays: Int? = nil, retrainDays: Int? = nil) {
        self.checkpointInterval = checkpointInterval
        self.retentionDays = retentionDays
        self.retrainDays = retrainDays
    }

    /// The scheduled kinds: checkpoints only when the node has a key.
    func kinds(signing: Bool) -> [JobKind] {
        (signing ? [.auditCheckpoint] : []) + (retentionDays != nil ? [.retention] : []) + (retrainDays != nil ? [.retrain] : [])
    }

    /// The key of the period that `now` falls in, for a scheduled kind.
    func runKey(_ kind: JobKind, at now: Date) -> String {
        let day = CalendarDate(daysSinceEpoch: Int((now.timeIntervalSince1970 / 86400).rounded(.down)))
        switch kind {
        case .auditCheckpoint:
            let seconds = max(60, Double(checkpointInterval.components.seconds))
            let start = (now.timeIntervalSince1970 / seconds).rounded(.down) * seconds
            return "\(kind.rawValue):\(Timestamp.iso(Date(timeIntervalSince1970: start)))"
        case .retention:
            return "\(kind.rawValue):\(day)"
        case .retrain:
            // 1970-01-01 was a Thursday: the week's Monday is the day minus (days + 3) mod 7.
            let monday = CalendarDate(daysSinceEpoch: day.daysSinceEpoch - (day.daysSinceEpoch + 3) % 7)
            return "\(kind.rawValue):week of \(monday)"
        }
    }
}

/// Runs the node's background jobs: enqueues the scheduled ones as their periods begin, and claims and runs whatever
/// is due, one at a time, renewing its claim while it works. A failed attempt is tried again after a pause; a job
/// whose worker died is taken over when its claim runs out.
public actor JobWorker: Service {
    let store: Store
    let schedule: JobSchedule
    let identity: NodeIdentity?
    let screening: NameMatcher?
    let owner: String
    let logger: Logger
    let bell = Doorbell()
    /// How long a claim lasts, and how often it is renewed while a job runs.
    static let claim: Duration = .seconds(60), renewal: Duration = .seconds(20)
    /// Longest idle wait: new periods and jobs enqueued by other processes are seen at least this often.
    static let idle: Double = 30

    public init(store: Store, schedule: JobSchedule, identity: NodeIdentity?, screening: NameMatcher?,
                owner: String = WorkerName.current, logger: Logger) {
        self.store = store
        self.schedule = schedule
        self.identity = identity
        self.screening = screening
        self.owner = owner
        self.logger = logger
    }

    /// Asks for a round now (a job was just enqueued in this process).
    public nonisolated func nudge() {
        Task { await bell.ring() }
    }

    public func run() async throws {
        logger.info("job worker started", metadata: ["scheduled": "\(schedule.kinds(signing: identity != nil).map(\.rawValue).joined(separator: ","))"])
        await bell.rounds(logger: logger, failure: "jobs not readable") {
            try await self.enqueueScheduled(at: Date())
            if let job = try await self.store.claimJob(owner: self.owner, claim: JobWorker.claim) {
                await self.run(job)
                return 0
            }
            let next = try await self.store.nextJobTime()
            return next.map { max(0.05, min($0.timeIntervalSinceNow, JobWorker.idle)) } ?? JobWorker.idle
        }
        logger.info("job worker stopped")
    }

    /// Keys this process has enqueued, so that each period costs one insert per process.
    private var enqueued: [JobKind: String] = [:]

    func enqueueScheduled(at now: Date) async throws {
        for kind in schedule.kinds(signing: identity != nil) {
            let key = schedule.runKey(kind, at: now)
            if enqueued[kind] == key { continue }
            if try await store.enqueueJob(kind: kind.rawValue, runKey: key, maxAttempts: schedule.attempts, requestedBy: "scheduler") {
                logger.info("job scheduled", metadata: ["kind": "\(kind.rawValue)", "key": "\(key)"])
            }
            enqueued[kind] = key
        }
    }

    /// Runs a claimed job and records how it went.
    func run(_ job: JobRecord) async {
        var log = logger
        log[metadataKey: "job"] = "\(job.id)"
        log[metadataKey: "kind"] = "\(job.kind)"
        do {
            // Taken over from a worker that died during its last allowed attempt: not tried again.
            if job.attempts > job.maxAttempts {
                try await store.jobFailed(id: job.id, owner: owner, error: "the worker stopped during the last attempt", retryAt: nil)
                log.error("job failed: its worker stopped during the last attempt")
                WorkCounters.job(job.kind, outcome: "failed")
                return
            }
            guard let kind = JobKind(rawValue: job.kind) else {
                try await store.jobFailed(id: job.id, owner: owner, error: "unknown kind of job '\(job.kind)'", retryAt: nil)
                return
            }
            log.info("job started", metadata: ["attempt": "\(job.attempts)"])
            let result: Result<String, any Error> = await withTaskGroup(of: Result<String, any Error>?.self) { group in
                group.addTask {
                    do { return .success(try await self.perform(kind, job: job)) } catch { return .failure(error) }
                }
                // The claim is renewed while the job runs, so that no other process takes it over.
                group.addTask {
                    while (try? await Task.sleep(for: JobWorker.renewal)) != nil {
                        _ = try? await self.store.renewJobClaim(id: job.id, owner: self.owner, claim: JobWorker.claim)
                    }
                    return nil
                }
                let first = await group.next() ?? nil
                group.cancelAll()
                return first ?? .failure(CancellationError())
            }
            switch result {
            case .success(let summary):
                try await store.jobDone(id: job.id, owner: owner, result: summary)
                log.info("job done", metadata: ["result": "\(summary)"])
                WorkCounters.job(job.kind, outcome: "done")
            case .failure(let error):
                let retry = job.attempts < job.maxAttempts
                let delay = 60 * pow(2, Double(job.attempts - 1))
                try await store.jobFailed(id: job.id, owner: owner, error: "\(error)",
                                          retryAt: retry ? Date().addingTimeInterval(delay) : nil)
                if retry {
                    log.notice("job attempt failed, will retry", metadata: ["in": "\(Int(delay)) s", "error": "\(error)"])
                } else {
                    log.error("job failed", metadata: ["attempts": "\(job.attempts)", "error": "\(error)"])
                }
                WorkCounters.job(job.kind, outcome: retry ? "retry" : "failed")
            }
        } catch {
            log.error("job outcome not recorded", metadata: ["error": "\(error)"])
        }
    }

    /// Does the work of a job; returns what it did, in a line.
    func perform(_ kind: JobKind, job: JobRecord) async throws -> String {
        let today = CalendarDate.today
        switch kind {
        case .auditCheckpoint:
            guard let identity else { throw JobError.notConfigured("the node has no key to sign with") }
            if let c = try await store.checkpointAudit(signingWith: identity.privateKey) {
                return "audit log signed up to entry \(c.seq)"
            }
            return "no new audit entries since the last checkpoint"
        case .retention:
            guard let days = schedule.retentionDays else { throw JobError.notConfigured("no retention period is set") }
            let cutoff = today.adding(days: -days)
            let counts = try await store.purgeCargo(before: cutoff)
            let summary = "\(counts.summary) (dated before \(cutoff))"
            try await store.audit(AuditEntry(actor: job.requestedBy, action: "purge_cargo", subject: "before \(cutoff)",
                                             details: summary, origin: "job \(job.id)"))
            return summary
        case .retrain:
            let days = schedule.retrainDays ?? 365
            let from = today.adding(days: -days)
            let until = today.adding(days: -1)
            let trained = try await UnitWork(store: store, screening: screening)
                .train(from: from, until: until, parameters: TrainingParameters(), by: job.requestedBy)
            try await store.audit(AuditEntry(actor: job.requestedBy, action: "train_model", subject: "model \(trained.version.id)",
                                             details: "\(from)..\(until), \(trained.examples) examples", origin: "job \(job.id)"))
            return "model \(trained.version.id) trained on \(trained.examples) labelled documents (\(trained.fromInspections) from inspection results), \(from)..\(until)"
        }
    }
}

/// Why a job cannot run at all.
public enum JobError: Error, CustomStringConvertible {
    case notConfigured(String)

    public var description: String {
        switch self {
        case .notConfigured(let why): return why
        }
    }
}
