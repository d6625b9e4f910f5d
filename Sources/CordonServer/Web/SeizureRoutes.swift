import CordonCore
import CordonStore
import Foundation
import HTTPTypes
import Hummingbird

/// How a seizure line reads on a page: "Drugs · heroin · 12,5 kg · false floor · 250 000".
enum SeizureView {
    static func line(_ l: SeizureLine, _ lang: Language, _ t: Localization) -> [String: Any] {
        ConsignmentView.compact([
            "category": t.text("category_\(l.category.rawValue)", lang), "category_key": l.category.rawValue, "goods": l.goods,
            "quantity": Localization.number(l.quantity, lang, upTo: 3) + " " + l.unit,
            "concealment": l.concealment ?? "", "value": l.estimatedValue.map { Localization.number($0, lang) } ?? "",
        ])
    }
}

/// The seizures register of the reader's units, with filters, paging and a CSV export of what is filtered.
struct SeizureRoutes {
    let store: Store
    let pages: Pages
    let settings: ServerSettings

    func add(to router: Router<WebContext>) {
        router.get("/seizures") { request, context in try await register(request, context) }
        router.get("/seizures.csv") { request, context in try await export(request, context) }
    }

    /// The filter of a request, within what the reader may see.
    func filter(_ request: Request, _ session: SessionRecord, _ lang: Language) async throws -> (SeizureFilter, Scope) {
        let query = request.uri.queryParameters
        let all = try await store.units()
        let scope = Scope(query["scope"].map(String.init), visible: Access.units(of: session.user, among: all), all: all,
                          allLabel: pages.localization.text("all_my_units", lang))
        let filter = SeizureFilter(units: scope.units, from: query["from"].flatMap { CalendarDate(iso: String($0)) },
                                   until: query["until"].flatMap { CalendarDate(iso: String($0)) },
                                   category: query["category"].flatMap { CommodityCategory(rawValue: String($0)) },
                                   readerAgency: SeizureFilter.agency(of: session.user))
        return (filter, scope)
    }

    static func query(_ filter: SeizureFilter, _ scope: Scope) -> String {
        var parts: [String] = []
        if !scope.value.isEmpty { parts.append("scope=\(scope.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")") }
        if let from = filter.from { parts.append("from=\(from)") }
        if let until = filter.until { parts.append("until=\(until)") }
        if let category = filter.category { parts.append("category=\(category.rawValue)") }
        return parts.joined(separator: "&")
    }

    func register(_ request: Request, _ context: WebContext) async throws -> Response {
        guard let session = context.session else { return .redirect(to: "/login") }
        let lang = Pages.language(request, context)
        let t = pages.localization
        let (filter, scope) = try await filter(request, session, lang)
        try await context.audit(store, "view_seizures", subject: scope.value, details: SeizureRoutes.query(filter, scope))
        let total = try await store.seizureCount(filter)
        let pageCount = max(1, (total + settings.pageSize - 1) / settings.pageSize)
        let page = min(pageCount, max(1, request.uri.queryParameters["page"].flatMap { Int(String($0)) } ?? 1))
        let records = try await store.seizures(filter, limit: settings.pageSize, offset: (page - 1) * settings.pageSize)
        let base = SeizureRoutes.query(filter, scope)
        func link(_ p: Int) -> String { "/seizures?" + (base.isEmpty ? "" : base + "&") + "page=\(p)" }
        let values: [String: Any] = [
            "scopes": scope.choices, "from": filter.from?.description ?? "", "until": filter.until?.description ?? "",
            "categories": CommodityCategory.allCases.map {
                ["value": $0.rawValue, "label": t.text("category_\($0.rawValue)", lang), "selected": $0 == filter.category]
            },
            "rows": records.map { r in
                SeizureView.line(r.line, lang, t).merging([
                    "date": Localization.date(r.date, lang), "unit": r.unit, "document": r.documentNumber,
                    "link": "/consignments/\(r.consignmentID)", "method": t.text("method_\(r.method.rawValue)", lang),
                    "loading": r.placeOfLoading ?? "", "by": r.recordedBy,
                ]) { a, _ in a }
            },
            "empty": records.isEmpty, "total": total, "page": page, "pages": pageCount,
            "previous": page > 1 ? link(page - 1) : false, "next": page < pageCount ? link(page + 1) : false,
            "csv": "/seizures.csv" + (base.isEmpty ? "" : "?" + base),
        ]
        return pages.page("seizures", title: t.text("seizures", lang), values: values, language: lang, session: session)
    }

    func export(_ request: Request, _ context: WebContext) async throws -> Response {
        guard let session = context.session else { return .redirect(to: "/login") }
        let lang = Pages.language(request, context)
        let (filter, scope) = try await filter(request, session, lang)
        var csv = CSVExport.row(["date", "unit", "document_kind", "document", "category", "goods", "quantity", "quantity_unit",
                                 "concealment", "estimated_value", "method", "place_of_loading", "hs_code", "recorded_by"])
        for r in try await store.seizures(filter) {
            csv += CSVExport.row([r.date.description, r.unit, r.kind.rawValue, r.documentNumber, r.line.category.rawValue,
                                  r.line.goods, CSVExport.number(r.line.quantity), r.line.unit, r.line.concealment ?? "",
                                  r.line.estimatedValue.map(CSVExport.number) ?? "", r.method.rawValue, r.placeOfLoading ?? "",
                                  r.hsCode ?? "", r.recordedBy])
        }
        context.logger.info("seizures exported", metadata: ["user": "\(session.user.username)"])
        try await context.audit(store, "export_seizures", subject: scope.value, details: SeizureRoutes.query(filter, scope))
        return CSVExport.response(csv, filename: "seizures-\(CalendarDate.today).csv")
    }
}

/// CSV for spreadsheets: RFC 4180 quoting, a byte-order mark so that spreadsheet programs read Cyrillic as
/// UTF-8, and no cell that a spreadsheet would run as a formula.
enum CSVExport {
    static func row(_ fields: [String]) -> String {
        fields.map { field in
            // A cell starting with = + - @ is a formula to a spreadsheet: written as text instead.
            var f = field
            if let first = f.first, "=+-@\t\r".contains(first), Double(f) == nil { f = "'" + f }
            return f.contains(where: { ",\"\n\r".contains($0) }) ? "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : f
        }.joined(separator: ",") + "\r\n"
    }

    /// A number with a dot and no grouping, as data.
    static func number(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v) }

    static func response(_ csv: String, filename: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8",
                                        .contentDisposition: "attachment; filename=\"\(filename)\""],
                 body: .init(byteBuffer: ByteBuffer(string: "\u{FEFF}" + csv)))
    }
}
