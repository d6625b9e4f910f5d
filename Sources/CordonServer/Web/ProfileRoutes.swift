import CordonCore
import CordonRisk
import CordonStore
import Foundation
import HTTPTypes
import Hummingbird

/// Risk profiles in the pages: the list with hit rates, one profile with its versions and monthly figures, and
/// drafts written or edited as YAML by analysts. The pages save drafts only; an analyst asks for a draft to be put
/// in force (or a profile in force to be retired) and a second person approves (four-eyes, /approvals). Editing
/// never switches a profile off.
struct ProfileRoutes {
    let store: Store
    let pages: Pages

    struct DraftForm: Decodable {
        var csrf: String?
        var definition: String
    }

    struct AskForm: Decodable {
        var csrf: String?
        var reason: String
    }

    func add(to router: Router<WebContext>) {
        router.get("/profiles") { request, context in try await list(request, context) }
        router.get("/profiles/new") { request, context in try await form(request, context, name: nil) }
        router.get("/profiles/:name") { request, context in try await show(request, context) }
        router.get("/profiles/:name/edit") { request, context in
            try await form(request, context, name: try context.parameters.require("name"))
        }
        router.post("/profiles") { request, context in try await save(request, context) }
        router.post("/profiles/:name/activation") { request, context in try await ask(request, context, activate: true) }
        router.post("/profiles/:name/retirement") { request, context in try await ask(request, context, activate: false) }
        router.get("/models") { request, context in try await models(request, context) }
    }

    func reader(_ context: WebContext) throws -> SessionRecord {
        guard let session = context.session else { throw HTTPError(.unauthorized) }
        guard session.user.role.readsProfiles else { throw HTTPError(.forbidden, message: "risk profiles are for analysts and supervisors") }
        return session
    }

    func rate(_ positive: Int, _ inspected: Int) -> String {
        inspected == 0 ? "–" : Localization.percent(Double(positive) / Double(inspected))
    }

    func list(_ request: Request, _ context: WebContext) async throws -> Response {
        let session = try reader(context)
        let lang = Pages.language(request, context)
        let t = pages.localization
        let all = request.uri.queryParameters["all"] == "1"
        var rows: [[String: Any]] = []
        for p in try await store.profiles(includeRetired: all) {
            let months = try await store.profileStatistics(p.profile.name)
            let hits = months.reduce(0) { $0 + $1.hits }, inspected = months.reduce(0) { $0 + $1.inspected }
            let positive = months.reduce(0) { $0 + $1.positive }
            rows.append(["name": p.profile.name, "title": p.profile.title, "version": p.version,
                         "status": p.profile.status.rawValue, "status_name": t.text("status_\(p.profile.status.rawValue)", lang),
                         "lane": p.profile.lane.rawValue, "lane_name": t.text("lane_\(p.profile.lane.rawValue)", lang),
                         "weight": Localization.number(p.profile.weight, lang, decimals: 2), "author": p.profile.author,
                         "hits": Localization.number(Double(hits), lang), "inspected": Localization.number(Double(inspected), lang),
                         "positive": Localization.number(Double(positive), lang), "rate": rate(positive, inspected)])
        }
        return pages.page("profiles", title: t.text("profiles", lang),
                          values: ["rows": rows, "empty": rows.isEmpty, "all": all, "can_write": session.user.role.writesProfiles],
                          language: lang, session: session)
    }

    func show(_ request: Request, _ context: WebContext, error: String? = nil) async throws -> Response {
        let session = try reader(context)
        let lang = Pages.language(request, context)
        let t = pages.localization
        let name = try context.parameters.require("name")
        let versions = try await store.profileVersions(name)
        guard let latest = versions.last else {
            return pages.page("error", title: t.text("not_found", lang), values: ["message": t.text("not_found", lang)],
                              language: lang, session: session, status: .notFound)
        }
        let months = try await store.profileStatistics(name)
        var pending = try await store.pendingApproval(kind: "activate_profile", subjectPrefix: name + "@")
        if pending == nil { pending = try await store.pendingApproval(kind: "retire_profile", subjectPrefix: name + "@") }
        let asks = session.user.role.writesProfiles && pending == nil
        var values: [String: Any] = [
            "name": name, "title": latest.profile.title, "description": latest.profile.description ?? "",
            "status_name": t.text("status_\(latest.profile.status.rawValue)", lang), "lane": latest.profile.lane.rawValue,
            "lane_name": t.text("lane_\(latest.profile.lane.rawValue)", lang), "version": latest.version,
            "definition": try ProfileFile.yaml(latest.profile),
            "versions": versions.reversed().map { v in
                ["version": v.version, "status_name": t.text("status_\(v.profile.status.rawValue)", lang), "by": v.savedBy,
                 "at": String(v.savedAt.prefix(16)).replacingOccurrences(of: "T", with: " "),
                 "weight": Localization.number(v.profile.weight, lang, decimals: 2)]
            },
            "months": months.reversed().map { m in
                ["month": m.month, "hits": m.hits, "selected": m.selected, "inspected": m.inspected, "positive": m.positive,
                 "rate": rate(m.positive, m.inspected)]
            },
            "has_months": !months.isEmpty,
            "chart": SVGChart.bars(months.suffix(12).map { m in
                SVGChart.Bar(label: m.month, share: m.inspected == 0 ? 0 : Double(m.positive) / Double(m.inspected),
                             figure: "\(rate(m.positive, m.inspected)) (\(m.positive)/\(m.inspected))", style: "bar-plain")
            }, title: t.text("hit_rate", lang)),
            "can_edit": session.user.role.writesProfiles && latest.profile.status == .draft,
            "can_copy": session.user.role.writesProfiles && latest.profile.status != .draft,
            "can_ask_activation": asks && latest.profile.status == .draft, "can_ask_retirement": asks && latest.profile.status == .active,
            "csrf": session.csrfToken,
        ]
        if let pending {
            values["pending"] = ["id": pending.id, "kind": t.text("approval_\(pending.action.kind)", lang), "by": pending.requestedBy,
                                 "reason": pending.reason]
        }
        if let error { values["error"] = error }
        return pages.page("profile", title: "\(t.text("profile", lang)) \(name)", values: values, language: lang, session: session,
                          status: error == nil ? .ok : .badRequest)
    }

    /// An analyst asks for the latest version to be put in force, or for the profile to be retired.
    func ask(_ request: Request, _ context: WebContext, activate: Bool) async throws -> Response {
        let session = try reader(context)
        let form = try await request.decode(as: AskForm.self, context: context)
        try CSRF.check(request: request, context: context, form: CSRF.Form(csrf: form.csrf))
        let name = try context.parameters.require("name")
        guard let latest = try await store.profileVersions(name).last else { throw HTTPError(.notFound) }
        let action: ApprovalAction = activate ? .activateProfile(name: name, version: latest.version) : .retireProfile(name: name, version: latest.version)
        do {
            _ = try await store.requestApproval(action, reason: form.reason, by: session.user, origin: context.origin)
        } catch let refusal as ApprovalStoreError {
            return try await show(request, context, error: refusal.description)
        } catch let refusal as ProfileStoreError {
            return try await show(request, context, error: refusal.description)
        }
        return .redirect(to: "/profiles/\(name)", type: .normal)
    }

    /// The draft form: a new profile (from a template, or a copy of `copy`), or the latest draft of `name`.
    func form(_ request: Request, _ context: WebContext, name: String?, typed: String? = nil, error: String? = nil) async throws -> Response {
        let session = try reader(context)
        guard session.user.role.writesProfiles else { throw HTTPError(.forbidden, message: "only analysts write risk profiles") }
        let lang = Pages.language(request, context)
        let t = pages.localization
        var definition = typed
        if definition == nil, let name {
            guard let latest = try await store.profileVersions(name).last, latest.profile.status == .draft else {
                throw HTTPError(.conflict, message: "only a draft is edited; copy an active or retired profile into a new draft")
            }
            definition = try ProfileFile.yaml(latest.profile)
        }
        if definition == nil, let copy = request.uri.queryParameters["copy"].map(String.init),
           var profile = try await store.profileVersions(copy).last?.profile {
            profile.name = String((profile.name + "-draft").prefix(80))
            profile.status = .draft
            profile.author = session.user.username
            definition = try ProfileFile.yaml(profile)
        }
        let template = """
            name: new-profile-name
            title: What the profile looks for, in one line
            description: Why, and what the control should check.
            lane: yellow
            weight: 0.3
            author: \(session.user.username)
            status: draft
            match: all
            conditions:
              - field: hs_code
                prefix: ["2402"]
              - field: route
                in: [AEJEA]
            """
        var values: [String: Any] = ["definition": definition ?? template, "csrf": session.csrfToken, "editing": name ?? ""]
        if let error { values["error"] = error }
        return pages.page("profile_form", title: t.text(name == nil ? "new_profile" : "edit_profile", lang), values: values,
                          language: lang, session: session, status: error == nil ? .ok : .badRequest)
    }

    func save(_ request: Request, _ context: WebContext) async throws -> Response {
        let session = try reader(context)
        guard session.user.role.writesProfiles else { throw HTTPError(.forbidden, message: "only analysts write risk profiles") }
        let lang = Pages.language(request, context)
        let t = pages.localization
        let form = try await request.decode(as: DraftForm.self, context: context)
        try CSRF.check(request: request, context: context, form: CSRF.Form(csrf: form.csrf))
        guard form.definition.utf8.count <= 64 * 1024 else {
            return try await self.form(request, context, name: nil, typed: String(form.definition.prefix(65536)), error: t.text("profile_too_long", lang))
        }
        let profiles: [RiskProfile]
        do { profiles = try ProfileFile.parse(Data(form.definition.utf8), name: "profile", json: false) } catch {
            return try await self.form(request, context, name: nil, typed: form.definition, error: error.description)
        }
        guard profiles.count == 1, var profile = profiles.first else {
            return try await self.form(request, context, name: nil, typed: form.definition, error: t.text("profile_one_only", lang))
        }
        // A regular expression that does not compile is refused like in a file.
        do { _ = try ProfileSet([VersionedProfile(profile: profile, version: 1)]) } catch {
            return try await self.form(request, context, name: nil, typed: form.definition, error: "\(error)")
        }
        // Saved from the pages as a draft: never put in force from here, and never a quiet switch-off of one in force.
        if let latest = try await store.profileVersions(profile.name).last, latest.profile.status != .draft {
            return try await self.form(request, context, name: nil, typed: form.definition,
                                       error: t.text("profile_not_draft", lang).replacingOccurrences(of: "{name}", with: profile.name))
        }
        profile.status = .draft
        _ = try await store.saveProfiles([profile], by: session.user.username)
        context.logger.info("profile draft saved", metadata: ["user": "\(session.user.username)", "profile": "\(profile.name)"])
        try await context.audit(store, "save_profile_draft", subject: profile.name)
        return .redirect(to: "/profiles/\(profile.name)", type: .normal)
    }

    func models(_ request: Request, _ context: WebContext) async throws -> Response {
        let session = try reader(context)
        let lang = Pages.language(request, context)
        let t = pages.localization
        let rows: [[String: Any]] = try await store.models().map { m in
            ["id": m.id, "status": m.status, "from": Localization.date(m.trainedFrom, lang), "until": Localization.date(m.trainedUntil, lang),
             "kinds": m.documentKinds.map { t.text("kind_\($0.rawValue)", lang) }.joined(separator: ", "),
             "examples": Localization.number(Double(m.examples), lang), "positives": Localization.number(Double(m.positives), lang),
             "features": m.features.count, "by": m.trainedBy,
             "figures": ["auc", "precision_at_1pct", "precision_at_5pct", "precision_at_10pct"].map { key in
                 ["value": m.evaluation[key].map { Localization.number($0, lang, decimals: 3) } ?? "–"]
             }]
        }
        return pages.page("models", title: t.text("models", lang), values: ["rows": rows, "empty": rows.isEmpty],
                          language: lang, session: session)
    }
}
