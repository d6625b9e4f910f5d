import CordonCore
import CordonStore
import Foundation
import HTTPTypes
import Hummingbird

/// The node's background jobs for its administrators: what runs when, how the latest runs went (attempts, errors,
/// results), and a button to run a job now.
struct JobRoutes {
    let store: Store
    let pages: Pages
    let worker: JobWorker
    let schedule: JobSchedule
    /// Whether the server holds the node's key (audit checkpoints need it).
    let signing: Bool

    struct RunForm: Decodable {
        var csrf: String?
        var kind: String
    }

    func add(to router: Router<WebContext>) {
        router.get("/admin/jobs") { request, context in try await list(request, context) }
        router.post("/admin/jobs/run") { request, context in try await run(request, context) }
    }

    /// The kinds an administrator may start now: each needs what it works with.
    var runnable: [JobKind] {
        JobKind.allCases.filter { kind in
            switch kind {
            case .auditCheckpoint: return signing
            case .retention: return schedule.retentionDays != nil
            case .retrain: return true
            }
        }
    }

    func list(_ request: Request, _ context: WebContext) async throws -> Response {
        let session = try AdminRoutes.admin(context)
        let lang = Pages.language(request, context)
        let t = pages.localization
        let scheduled = Set(schedule.kinds(signing: signing))
        let last = try await store.lastFinishedJobs()
        let kinds: [[String: Any]] = JobKind.allCases.map { kind in
            let when = switch kind {
            case _ where !scheduled.contains(kind): t.text("job_not_scheduled", lang)
            case .auditCheckpoint: t.text("job_every_minutes", lang, n: Int(schedule.checkpointInterval.components.seconds / 60))
            case .retention: t.text("job_retention_when", lang, n: schedule.retentionDays ?? 0)
            case .retrain: t.text("job_retrain_when", lang, n: schedule.retrainDays ?? 0)
            }
            var row: [String: Any] = ["kind": kind.rawValue, "label": t.text("job_\(kind.rawValue)", lang), "when": when,
                                      "runnable": runnable.contains(kind)]
            if let job = last[kind.rawValue] {
                row["last"] = ["status": t.text("job_status_\(job.status.rawValue)", lang), "failed": job.status == .failed,
                               "at": job.finishedAt ?? "", "result": job.result ?? job.lastError ?? ""]
            }
            return row
        }
        let jobs: [[String: Any]] = try await store.jobs(limit: 100).map { job in
            ["id": job.id, "kind": t.text("job_\(job.kind)", lang), "key": job.runKey,
             "status": t.text("job_status_\(job.status.rawValue)", lang), "failed": job.status == .failed,
             "attempts": "\(job.attempts)/\(job.maxAttempts)", "run_at": job.runAt, "started": job.startedAt ?? "",
             "finished": job.finishedAt ?? "", "by": job.requestedBy, "worker": job.claimedBy ?? "",
             "result": job.result ?? "", "error": job.lastError ?? ""]
        }
        return pages.page("jobs", title: t.text("jobs", lang), values: ["kinds": kinds, "jobs": jobs, "csrf": session.csrfToken],
                          language: lang, session: session)
    }

    func run(_ request: Request, _ context: WebContext) async throws -> Response {
        let session = try AdminRoutes.admin(context)
        let form = try await request.decode(as: RunForm.self, context: context)
        try CSRF.check(request: request, context: context, form: CSRF.Form(csrf: form.csrf))
        guard let kind = JobKind(rawValue: form.kind), runnable.contains(kind) else {
            throw HTTPError(.badRequest, message: "no such job to run: \(form.kind)")
        }
        try await store.enqueueJob(kind: kind.rawValue, runKey: "\(kind.rawValue):asked \(UUID().uuidString.lowercased())",
                                   maxAttempts: schedule.attempts, requestedBy: session.user.username)
        context.logger.info("job requested", metadata: ["user": "\(session.user.username)", "kind": "\(kind.rawValue)"])
        try await context.audit(store, "run_job", subject: kind.rawValue)
        worker.nudge()
        return .redirect(to: "/admin/jobs", type: .normal)
    }
}
