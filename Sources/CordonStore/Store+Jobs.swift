import CordonCore
import Foundation
import SQLKit

/// A piece of background work as the jobs table holds it.
public struct JobRecord: Sendable, Hashable {
    public var id: Int
    public var kind: String
    /// Unique per job: a scheduled job's kind and period, or a requested run's own key.
    public var runKey: String
    public var status: JobStatus
    public var runAt: String
    public var attempts: Int
    public var maxAttempts: Int
    public var claimedBy: String?
    public var startedAt: String?
    public var finishedAt: String?
    /// What the job did, in a line (done), or why its last attempt failed.
    public var result: String?
    public var lastError: String?
    /// `scheduler`, or the user who asked for the run.
    public var requestedBy: String
    public var createdAt: String
}

/// Where a job stands.
public enum JobStatus: String, Sendable, Hashable, CaseIterable {
    /// Waiting for its time, or for a worker (again, after a failed attempt).
    case queued
    /// Claimed by a worker, which renews its claim while it works.
    case running
    case done
    /// Every attempt failed; the last error says why.
    case failed
}

extension Store {
    /// Adds a job unless one with `runKey` exists (any process of the node may enqueue a scheduled job; the first
    /// one counts). Returns whether this call added it.
    @discardableResult
    public func enqueueJob(kind: String, runKey: String, runAt: Date = Date(), maxAttempts: Int = 3, requestedBy: String) async throws -> Bool {
        try await exclusive {
            let rows = try await sql.raw("""
                INSERT INTO jobs (kind, run_key, status, run_at, attempts, max_attempts, requested_by, created_at)
                VALUES (\(bind: kind), \(bind: runKey), \(bind: JobStatus.queued.rawValue), \(bind: Timestamp.iso(runAt)), 0,
                        \(bind: maxAttempts), \(bind: requestedBy), \(bind: Store.now(milliseconds: true)))
                ON CONFLICT (run_key) DO NOTHING RETURNING id
                """).all()
            return !rows.isEmpty
        }
    }

    /// Claims the job that has waited longest among those due, for `owner` until `claim` has passed; a running job whose
    /// claim ran out (its worker died) is taken over, and that counts as another attempt. Nil when nothing is due.
    public func claimJob(owner: String, claim: Duration = .seconds(60), now: Date = Date()) async throws -> JobRecord? {
        let at = Timestamp.iso(now), until = Timestamp.iso(now.addingTimeInterval(Double(claim.components.seconds)))
        let skipLocked = connection.flavor == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        return try await exclusive {
            // A scalar subquery, evaluated once (an IN list would be evaluated again per row on PostgreSQL, each time
            // skipping the rows this statement had just locked, and claim more than one). The condition is repeated
            // outside so that a job claimed meanwhile by another process is left alone.
            try await sql.raw("""
                UPDATE jobs SET status = 'running', claimed_by = \(bind: owner), claimed_until = \(bind: until),
                    started_at = \(bind: at), attempts = attempts + 1
                WHERE ((status = 'queued' AND run_at <= \(bind: at)) OR (status = 'running' AND claimed_until <= \(bind: at)))
                  AND id = (
                    SELECT id FROM jobs
                    WHERE (status = 'queued' AND run_at <= \(bind: at)) OR (status = 'running' AND claimed_until <= \(bind: at))
                    ORDER BY run_at, id LIMIT 1\(unsafeRaw: skipLocked))
                RETURNING *
                """).first().map(Store.readJob)
        }
    }

    /// Keeps a claim alive while its job runs; false when the claim was lost (taken over after it ran out).
    public func renewJobClaim(id: Int, owner: String, claim: Duration = .seconds(60)) async throws -> Bool {
        let until = Timestamp.iso(Date().addingTimeInterval(Double(claim.components.seconds)))
        return try await exclusive {
            !(try await sql.raw("""
                UPDATE jobs SET claimed_until = \(bind: until)
                WHERE id = \(bind: id) AND claimed_by = \(bind: owner) AND status = 'running' RETURNING id
                """).all()).isEmpty
        }
    }

    /// Records a finished job (only by the worker that holds it).
    public func jobDone(id: Int, owner: String, result: String) async throws {
        try await exclusive {
            try await sql.update("jobs").set("status", to: SQLBind(JobStatus.done.rawValue)).set("finished_at", to: SQLBind(Store.now()))
                .set("result", to: SQLBind(String(result.prefix(500)))).set("claimed_until", to: SQLLiteral.null)
                .where("id", .equal, id).where("claimed_by", .equal, owner).run()
        }
    }

    /// Records a failed attempt: queued again for `retryAt`, or failed for good when nil.
    public func jobFailed(id: Int, owner: String, error: String, retryAt: Date?) async throws {
        try await exclusive {
            var update = sql.update("jobs").set("last_error", to: SQLBind(String(error.prefix(500)))).set("claimed_until", to: SQLLiteral.null)
            if let retryAt {
                update = update.set("status", to: SQLBind(JobStatus.queued.rawValue)).set("run_at", to: SQLBind(Timestamp.iso(retryAt)))
            } else {
                update = update.set("status", to: SQLBind(JobStatus.failed.rawValue)).set("finished_at", to: SQLBind(Store.now()))
            }
            try await update.where("id", .equal, id).where("claimed_by", .equal, owner).run()
        }
    }

    /// When the next queued job falls due, or a running one's claim runs out.
    public func nextJobTime() async throws -> Date? {
        try await exclusive {
            try await sql.raw("""
                SELECT MIN(CASE WHEN status = 'queued' THEN run_at ELSE claimed_until END) AS t FROM jobs
                WHERE status IN ('queued', 'running')
                """).first()?.decode(column: "t", as: String?.self).flatMap { Timestamp.date($0) }
        }
    }

    /// The latest jobs, newest first.
    public func jobs(limit: Int = 100) async throws -> [JobRecord] {
        try await exclusive {
            try await sql.select().column("*").from("jobs").orderBy("id", .descending).limit(limit).all().map(Store.readJob)
        }
    }

    /// The most recent job of each kind that has finished (done or failed), by kind.
    public func lastFinishedJobs() async throws -> [String: JobRecord] {
        try await exclusive {
            let rows = try await sql.raw("""
                SELECT * FROM jobs j WHERE j.id IN (SELECT MAX(id) FROM jobs WHERE status IN ('done', 'failed') GROUP BY kind)
                """).all()
            return Dictionary(try rows.map(Store.readJob).map { ($0.kind, $0) }, uniquingKeysWith: { a, _ in a })
        }
    }

    static func readJob(_ r: any SQLRow) throws -> JobRecord {
        let status = try r.decode(column: "status", as: String.self)
        guard let s = JobStatus(rawValue: status) else { throw StoreError.query("a stored job status is unreadable: \(status)") }
        return JobRecord(id: try r.decode(column: "id", as: Int.self), kind: try r.decode(column: "kind", as: String.self),
                         runKey: try r.decode(column: "run_key", as: String.self), status: s,
                         runAt: try r.decode(column: "run_at", as: String.self), attempts: try r.decode(column: "attempts", as: Int.self),
                         maxAttempts: try r.decode(column: "max_attempts", as: Int.self),
                         claimedBy: try r.decode(column: "claimed_by", as: String?.self),
                         startedAt: try r.decode(column: "started_at", as: String?.self),
                         finishedAt: try r.decode(column: "finished_at", as: String?.self),
                         result: try r.decode(column: "result", as: String?.self), lastError: try r.decode(column: "last_error", as: String?.self),
                         requestedBy: try r.decode(column: "requested_by", as: String.self),
                         createdAt: try r.decode(column: "created_at", as: String.self))
    }
}
