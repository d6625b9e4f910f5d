import CordonCore
import CordonStore
import Foundation
import HTTPTypes
import Hummingbird

/// The dashboard of a unit, a country or all the reader's units over a period: targets, controls, hit rates by
/// lane, by kind of selection and by profile, and seizures by commodity over time, as server-drawn SVG.
struct DashboardRoutes {
    let store: Store
    let pages: Pages

    func add(to router: Router<WebContext>) {
        router.get("/dashboard") { request, context in try await dashboard(request, context) }
    }

    func dashboard(_ request: Request, _ context: WebContext) async throws -> Response {
        guard let session = context.session else { return .redirect(to: "/login") }
        let lang = Pages.language(request, context)
        let t = pages.localization
        let query = request.uri.queryParameters
        let all = try await store.units()
        let scope = Scope(query["scope"].map(String.init), visible: Access.units(of: session.user, among: all), all: all,
                          allLabel: t.text("all_my_units", lang))
        // Default: the last 13 weeks up to today.
        var until = query["until"].flatMap { CalendarDate(iso: String($0)) } ?? .today
        var from = query["from"].flatMap { CalendarDate(iso: String($0)) } ?? until.adding(days: -90)
        if from > until { swap(&from, &until) }
        if until.daysSinceEpoch - from.daysSinceEpoch > 3660 { from = until.adding(days: -3660) }
        let activity = try await store.activity(units: scope.units, from: from, until: until)

        func rate(_ positive: Int, _ inspected: Int) -> String {
            inspected == 0 ? "–" : Localization.percent(Double(positive) / Double(inspected))
        }
        func n(_ v: Int) -> String { Localization.number(Double(v), lang) }
        func bar(_ label: String, _ positive: Int, _ inspected: Int, style: String) -> SVGChart.Bar {
            SVGChart.Bar(label: label, share: inspected == 0 ? 0 : Double(positive) / Double(inspected),
                         figure: "\(rate(positive, inspected)) (\(n(positive))/\(n(inspected)))", style: style)
        }
        func rows<K: Hashable>(_ key: (TargetActivity) -> K) -> [K: (targets: Int, inspected: Int, positive: Int)] {
            activity.targets.reduce(into: [:]) { acc, a in
                let old = acc[key(a)] ?? (0, 0, 0)
                acc[key(a)] = (old.targets + a.targets, old.inspected + a.inspected, old.positive + a.positive)
            }
        }
        let byLane = rows(\.lane), bySelection = rows(\.selection)
        let laneTable: [[String: Any]] = Lane.allCases.reversed().compactMap { lane in
            guard let r = byLane[lane] else { return nil }
            return ["label": t.text("lane_\(lane.rawValue)", lang), "lane": lane.rawValue, "targets": n(r.targets),
                    "inspected": n(r.inspected), "positive": n(r.positive), "rate": rate(r.positive, r.inspected)]
        }
        let selectionTable: [[String: Any]] = SelectionReason.allCases.compactMap { s in
            guard let r = bySelection[s] else { return nil }
            return ["label": t.text("selection_\(s.rawValue)", lang), "targets": n(r.targets), "inspected": n(r.inspected),
                    "positive": n(r.positive), "rate": rate(r.positive, r.inspected)]
        }
        let selected = activity.targets.filter { $0.selection != .released }
        let seizureCases = activity.seizures.reduce(0) { $0 + $1.cases }
        let seizureValue = activity.seizures.reduce(0) { $0 + $1.value }

        // Seizures over time: by week up to about four months, by month beyond.
        let weekly = until.daysSinceEpoch - from.daysSinceEpoch <= 126
        func bucket(_ d: CalendarDate) -> CalendarDate { weekly ? d.weekStart : CalendarDate(year: d.year, month: d.month, day: 1) ?? d }
        var buckets: [CalendarDate] = []
        var cursor = bucket(from)
        while cursor <= until {
            buckets.append(cursor)
            cursor = weekly ? cursor.adding(days: 7) : bucket(cursor.adding(days: 32))
        }
        var perBucket: [CalendarDate: [String: Double]] = [:]
        for s in activity.seizures { perBucket[bucket(s.date), default: [:]][s.category.rawValue, default: 0] += Double(s.cases) }
        let columns = buckets.map { b in
            SVGChart.Column(label: weekly ? Localization.shortDate(b, lang) : Localization.month(b, lang), values: perBucket[b] ?? [:])
        }
        let categoriesSeen = CommodityCategory.allCases.filter { c in activity.seizures.contains { $0.category == c } }
        var byCategory: [CommodityCategory: (cases: Int, value: Double)] = [:]
        for s in activity.seizures {
            let old = byCategory[s.category] ?? (0, 0)
            byCategory[s.category] = (old.cases + s.cases, old.value + s.value)
        }

        let values: [String: Any] = [
            "scopes": scope.choices, "from": from.description, "until": until.description,
            "period": "\(Localization.date(from, lang)) – \(Localization.date(until, lang))",
            "tiles": [
                ["label": t.text("targets_selected", lang), "value": n(selected.reduce(0) { $0 + $1.targets })],
                ["label": t.text("inspections", lang), "value": n(activity.inspections)],
                ["label": t.text("found_something", lang), "value": n(activity.positiveInspections)],
                ["label": t.text("hit_rate", lang), "value": rate(activity.positiveInspections, activity.inspections)],
                ["label": t.text("seizure_cases", lang), "value": n(seizureCases)],
                ["label": t.text("estimated_value", lang), "value": n(Int(seizureValue.rounded()))],
            ],
            "lane_chart": SVGChart.bars(Lane.allCases.reversed().compactMap { lane in
                byLane[lane].map { bar(t.text("lane_\(lane.rawValue)", lang), $0.positive, $0.inspected, style: "bar-\(lane.rawValue)") }
            }, title: t.text("hit_rate_by_lane", lang)),
            "lanes": laneTable, "selections": selectionTable,
            "selection_chart": SVGChart.bars(SelectionReason.allCases.compactMap { s in
                bySelection[s].map { bar(t.text("selection_\(s.rawValue)", lang), $0.positive, $0.inspected, style: "bar-plain") }
            }, title: t.text("hit_rate_by_selection", lang)),
            "has_targets": !activity.targets.isEmpty,
            "profiles": activity.profiles.map { p in
                ["name": p.name, "hits": n(p.hits), "selected": n(p.selected), "inspected": n(p.inspected), "positive": n(p.positive),
                 "rate": rate(p.positive, p.inspected)]
            },
            "has_profiles": !activity.profiles.isEmpty,
            "seizure_chart": SVGChart.stackedColumns(columns, series: CommodityCategory.allCases.map { ($0.rawValue, "cat-\($0.rawValue)") },
                                                     title: t.text(weekly ? "seizures_by_week" : "seizures_by_month", lang)),
            "seizure_chart_title": t.text(weekly ? "seizures_by_week" : "seizures_by_month", lang),
            "legend": categoriesSeen.map { c in
                ["key": c.rawValue, "label": t.text("category_\(c.rawValue)", lang), "cases": n(byCategory[c]?.cases ?? 0),
                 "value": n(Int((byCategory[c]?.value ?? 0).rounded()))]
            },
            "has_seizures": seizureCases > 0,
            "register": "/seizures?" + [scope.value.isEmpty ? nil : "scope=\(scope.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")",
                                        "from=\(from)", "until=\(until)"].compactMap { $0 }.joined(separator: "&"),
        ]
        return pages.page("dashboard", title: t.text("dashboard", lang), values: values, language: lang, session: session)
    }
}
