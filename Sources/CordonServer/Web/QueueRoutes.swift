import CordonCore
import CordonRisk
import CordonStore
import Foundation
import HTTPTypes
import Hummingbird

/// Who may see which units' work: officers, supervisors and integrations their own units; national roles every unit.
enum Access {
    static func units(of user: User, among all: [ControlUnit]) -> [ControlUnit] {
        user.role.isUnitScoped ? all.filter { user.units.contains($0.code) } : all
    }

    /// Where a consignment was targeted, as far as the user may see; nil when the user may not see it at all.
    /// Need-to-know: a unit-scoped user sees a consignment only through a queue of one of their units.
    static func targetings(of id: Int, for user: User, in store: Store) async throws -> [(unit: String, day: CalendarDate, target: Target)]? {
        let national = !user.role.isUnitScoped
        let targetings = try await store.targetings(of: id, units: national ? nil : user.units)
        return national || !targetings.isEmpty ? targetings : nil
    }
}

/// The targeting queue of the user's units for a day: ranked targets with lane, score, reasons, filters, paging.
struct QueueRoutes {
    let store: Store
    let pages: Pages
    let settings: ServerSettings

    func add(to router: Router<WebContext>) {
        router.get("/") { _, _ in Response.redirect(to: "/queue", type: .normal) }
        router.get("/queue") { request, context in try await queue(request, context) }
        router.post("/queue/score") { request, context in try await score(request, context) }
    }

    struct ScoreForm: Decodable {
        var csrf: String?
        var unit: String
        var date: String
    }

    /// Whether the user may score a unit's day: its supervisors, and analysts for any unit.
    static func mayScore(_ user: User, unit: String) -> Bool {
        user.role == .analyst || user.role == .supervisor && user.units.contains(unit)
    }

    /// Scores a unit's day again with the profiles and model in force now (after new cargo data, a new model or
    /// a changed profile); results already recorded stay with their documents.
    func score(_ request: Request, _ context: WebContext) async throws -> Response {
        guard let session = context.session else { return .redirect(to: "/login") }
        let form = try await request.decode(as: ScoreForm.self, context: context)
        try CSRF.check(request: request, context: context, form: CSRF.Form(csrf: form.csrf))
        guard QueueRoutes.mayScore(session.user, unit: form.unit) else {
            throw HTTPError(.forbidden, message: "a day is scored by the unit's supervisors and by analysts")
        }
        guard let day = CalendarDate(iso: form.date), try await store.units().contains(where: { $0.code == form.unit }) else {
            throw HTTPError(.badRequest, message: "unknown unit or date")
        }
        let scored = try await UnitWork(store: store, screening: settings.screening).target(unit: form.unit, day: day)
        try await context.audit(store, "score_day", subject: form.unit, details: "\(day): \(scored.targets.filter { $0.selection != .released }.count) selected")
        context.logger.info("day scored", metadata: ["user": "\(session.user.username)", "unit": "\(form.unit)", "day": "\(day)",
                                                     "documents": "\(scored.documents.count)", "model": "\(scored.modelVersion.map(String.init) ?? "none")"])
        return .redirect(to: "/queue?unit=\(form.unit)&date=\(day)", type: .normal)
    }

    func queue(_ request: Request, _ context: WebContext) async throws -> Response {
        guard let session = context.session else { return .redirect(to: "/login") }
        let lang = Pages.language(request, context)
        let t = pages.localization
        let query = request.uri.queryParameters
        let units = Access.units(of: session.user, among: try await store.units())
        guard let unit = query["unit"].flatMap({ code in units.first { $0.code == String(code) } }) ?? units.first else {
            return pages.page("queue", title: t.text("queue", lang), values: ["no_units": true], language: lang, session: session)
        }
        let days = try await store.targetedDays(unit: unit.code)
        let day = query["date"].flatMap { CalendarDate(iso: String($0)) } ?? days.first ?? .today
        let lane = query["lane"].flatMap { Lane(rawValue: String($0)) }
        let search = query["q"].map { String($0).trimmingCharacters(in: .whitespaces).prefix(100).uppercased() } ?? ""
        let chapter = query["hs"].map { String($0).trimmingCharacters(in: .whitespaces) }.flatMap { $0.count == 2 && $0.allSatisfy(\.isNumber) ? $0 : nil }
        let loadedIn = query["from"].map { String($0).trimmingCharacters(in: .whitespaces).uppercased() }
            .flatMap { $0.count == 2 && $0.allSatisfy { $0.isLetter && $0.isASCII } ? $0 : nil }
        let showReleased = query["all"] == "1"
        let page = max(1, query["page"].flatMap { Int(String($0)) } ?? 1)

        var q = QueueQuery(unit: unit.code, day: day)
        q.includeReleased = showReleased || lane == .green
        q.lane = lane
        q.hsChapter = chapter
        q.loadedIn = loadedIn
        q.search = search.isEmpty ? nil : search
        q.limit = settings.pageSize
        q.offset = (page - 1) * settings.pageSize
        var result = try await store.queue(q)
        let pageCount = max(1, (result.total + settings.pageSize - 1) / settings.pageSize)
        if page > pageCount {
            q.offset = (pageCount - 1) * settings.pageSize
            result = try await store.queue(q)
        }
        let total = result.total
        let rows: [[String: Any]] = result.targets.map { target in
            let c = result.documents[target.consignmentID]
            return [
                "id": target.consignmentID, "rank": target.rank, "document": target.documentNumber,
                "lane": target.lane.rawValue, "lane_name": t.text("lane_\(target.lane.rawValue)", lang),
                "score": Localization.percent(target.score),
                "selection": target.override.map { t.text("override_\($0.action.rawValue)", lang) } ?? t.text("selection_\(target.selection.rawValue)", lang),
                "containers": c?.containers.map(\.number).joined(separator: " ") ?? "",
                "route": c.map { ConsignmentView.route($0) } ?? "",
                "parties": c?.parties.compactMap { $0.name }.prefix(2).joined(separator: "; ") ?? "",
                "reasons": target.reasons.prefix(3).map { $0.text(lang) },
                "link": "/consignments/\(target.consignmentID)?unit=\(unit.code)&date=\(day)",
            ]
        }
        func link(page: Int) -> String {
            var parts = ["unit=\(unit.code)", "date=\(day)", "page=\(page)"]
            if let lane { parts.append("lane=\(lane.rawValue)") }
            if !search.isEmpty, let q = search.addingPercentEncoding(withAllowedCharacters: .alphanumerics) { parts.append("q=\(q)") }
            if let chapter { parts.append("hs=\(chapter)") }
            if let loadedIn { parts.append("from=\(loadedIn)") }
            if showReleased { parts.append("all=1") }
            return "/queue?" + parts.joined(separator: "&")
        }
        let shownPage = min(page, pageCount)
        let values: [String: Any] = [
            "units": units.map { ["code": $0.code, "name": $0.name, "selected": $0.code == unit.code] },
            "unit": ["code": unit.code, "name": unit.name, "capacity": unit.capacity.description],
            "date": day.description, "date_shown": Localization.date(day, lang),
            "days": days.prefix(14).map { ["value": $0.description, "label": Localization.date($0, lang), "selected": $0 == day] },
            "lanes": Lane.allCases.reversed().map { ["value": $0.rawValue, "label": t.text("lane_\($0.rawValue)", lang), "selected": $0 == lane] },
            "can_score": QueueRoutes.mayScore(session.user, unit: unit.code), "csrf": session.csrfToken,
            "q": search, "show_released": showReleased, "hs": chapter ?? "", "from": loadedIn ?? "",
            "rows": rows, "empty": rows.isEmpty, "total": total,
            "page": shownPage, "pages": pageCount,
            "previous": shownPage > 1 ? link(page: shownPage - 1) : false, "next": shownPage < pageCount ? link(page: shownPage + 1) : false,
        ]
        return pages.page("queue", title: "\(t.text("queue", lang)) · \(unit.name)", values: values, language: lang, session: session)
    }
}
