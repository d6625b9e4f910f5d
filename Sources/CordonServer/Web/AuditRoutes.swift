import CordonCore
import CordonStore
import Foundation
import HTTPTypes
import Hummingbird

/// The audit log for auditors: entries filtered by user, action, subject and dates, paged, exported as CSV, and the
/// hash chain checked on request. Reading the log is logged too.
struct AuditRoutes {
    let store: Store
    let pages: Pages
    static let pageSize = 100

    func add(to router: Router<WebContext>) {
        router.get("/audit") { request, context in try await list(request, context) }
        router.get("/audit.csv") { request, context in try await export(request, context) }
    }

    func auditor(_ context: WebContext) throws -> SessionRecord {
        guard let session = context.session else { throw HTTPError(.unauthorized) }
        guard session.user.role == .auditor else { throw HTTPError(.forbidden, message: "the audit log is read by auditors") }
        return session
    }

    /// The filter of a request, and its query string for links.
    static func filter(_ request: Request) -> (AuditFilter, String) {
        let q = request.uri.queryParameters
        func text(_ name: String) -> String? {
            q[Substring(name)].map { String($0).trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : String($0.prefix(100)) }
        }
        let filter = AuditFilter(actor: text("actor"), action: text("action"), subject: text("subject"),
                                 from: text("from").flatMap { CalendarDate(iso: $0) }, until: text("until").flatMap { CalendarDate(iso: $0) })
        let query = [("actor", filter.actor), ("action", filter.action), ("subject", filter.subject),
                     ("from", filter.from?.description), ("until", filter.until?.description)]
            .compactMap { name, value in value.map { "\(name)=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" } }
            .joined(separator: "&")
        return (filter, query)
    }

    func list(_ request: Request, _ context: WebContext) async throws -> Response {
        let session = try auditor(context)
        let lang = Pages.language(request, context)
        let t = pages.localization
        let (filter, query) = AuditRoutes.filter(request)
        let page = max(1, request.uri.queryParameters["page"].flatMap { Int(String($0)) } ?? 1)
        try await context.audit(store, "view_audit", details: query)
        let entries = try await store.auditEntries(filter, limit: AuditRoutes.pageSize + 1, offset: (page - 1) * AuditRoutes.pageSize)
        var values: [String: Any] = [
            "actor": filter.actor ?? "", "action": filter.action ?? "", "subject": filter.subject ?? "",
            "from": filter.from?.description ?? "", "until": filter.until?.description ?? "",
            "rows": entries.prefix(AuditRoutes.pageSize).map { e in
                ["seq": e.seq, "at": MessageRoutes.time(e.at, lang), "actor": e.actor, "action": e.action, "subject": e.subject,
                 "details": e.details, "origin": e.origin] as [String: Any]
            },
            "empty": entries.isEmpty, "csv": "/audit.csv" + (query.isEmpty ? "" : "?" + query),
        ]
        if request.uri.queryParameters["verify"] == "1" {
            let v = try await store.verifyAudit()
            values["verified"] = v.isIntact ? t.text("audit_intact", lang, n: v.checked) : ""
            values["broken"] = v.problem ?? ""
        }
        values["verify_link"] = "/audit?" + (query.isEmpty ? "" : query + "&") + "verify=1"
        if page > 1 { values["previous"] = "/audit?" + (query.isEmpty ? "" : query + "&") + "page=\(page - 1)" }
        if entries.count > AuditRoutes.pageSize { values["next"] = "/audit?" + (query.isEmpty ? "" : query + "&") + "page=\(page + 1)" }
        return pages.page("audit", title: t.text("audit_log", lang), values: ConsignmentView.compact(values), language: lang, session: session)
    }

    func export(_ request: Request, _ context: WebContext) async throws -> Response {
        _ = try auditor(context)
        let (filter, query) = AuditRoutes.filter(request)
        try await context.audit(store, "export_audit", details: query)
        var csv = CSVExport.row(["seq", "at", "actor", "action", "subject", "details", "origin", "previous_hash", "hash"])
        for e in try await store.auditEntries(filter, limit: 1_000_000) {
            csv += CSVExport.row(["\(e.seq)", e.at, e.actor, e.action, e.subject, e.details, e.origin, e.previousHash, e.hash])
        }
        return CSVExport.response(csv, filename: "audit-\(CalendarDate.today).csv")
    }
}
