import CordonCore
import CordonStore
import Foundation
import HTTPTypes
import Hummingbird

/// Administration for the node's administrators: units (locations, daily capacity, control share), users (role,
/// agency, units, language, disabled, password reset, unlock), the agencies they belong to, and the peer nodes.
struct AdminRoutes {
    let store: Store
    let pages: Pages
    let peers: PeerAdminRoutes

    struct UnitForm: Decodable {
        var csrf: String?
        var code: String
        var name: String
        var kind: String
        var country: String
        var locations: String
        var capacity: String
        var controlShare: String
        /// Why the capacity or control share of an existing unit should change (four-eyes).
        var reason: String?

        enum CodingKeys: String, CodingKey {
            case csrf, code, name, kind, country, locations, capacity, reason
            case controlShare = "control_share"
        }
    }

    struct AgencyForm: Decodable {
        var csrf: String?
        var code: String
        var name: String
    }

    struct UserForm: Decodable {
        var csrf: String?
        var existing: String?
        var username: String
        var displayName: String
        var role: String
        var agency: String
        var language: String
        var units: [String]?
        var disabled: String?
        var password: String?
        var repeated: String?

        enum CodingKeys: String, CodingKey {
            case csrf, existing, username, role, agency, language, units, disabled, password, repeated
            case displayName = "display_name"
        }
    }

    func add(to router: Router<WebContext>) {
        router.get("/admin") { request, context in try await overview(request, context) }
        router.get("/admin/units/new") { request, context in try await unitForm(request, context, code: nil) }
        router.get("/admin/units/:code") { request, context in try await unitForm(request, context, code: try context.parameters.require("code")) }
        router.post("/admin/units") { request, context in try await saveUnit(request, context) }
        router.get("/admin/users/new") { request, context in try await userForm(request, context, username: nil) }
        router.get("/admin/users/:username") { request, context in
            try await userForm(request, context, username: try context.parameters.require("username"))
        }
        router.post("/admin/users") { request, context in try await saveUser(request, context) }
        router.post("/admin/users/:username/unlock") { request, context in try await unlock(request, context) }
        router.post("/admin/users/:username/sessions/end") { request, context in try await endSessions(request, context) }
        router.post("/admin/users/:username/second-factor/off") { request, context in try await removeSecondFactor(request, context) }
        router.post("/admin/agencies") { request, context in try await saveAgency(request, context) }
        peers.add(to: router)
    }

    func admin(_ context: WebContext) throws -> SessionRecord { try AdminRoutes.admin(context) }

    /// The session of an administrator, or a refusal.
    static func admin(_ context: WebContext) throws -> SessionRecord {
        guard let session = context.session else { throw HTTPError(.unauthorized) }
        guard session.user.role == .admin else { throw HTTPError(.forbidden, message: "administration is for the node's administrators") }
        return session
    }

    func overview(_ request: Request, _ context: WebContext) async throws -> Response {
        let session = try admin(context)
        let lang = Pages.language(request, context)
        let t = pages.localization
        let users = try await store.users()
        let members = Dictionary(grouping: users.map(\.user), by: \.agency).mapValues(\.count)
        let listed = try await store.agencies()
        // Listed agencies, and any name users carry from before the list.
        let agencies: [[String: Any]] = listed.map { ["code": $0.code, "name": $0.name, "users": members[$0.code] ?? 0] }
            + members.keys.filter { code in !listed.contains { $0.code == code } }.sorted().map { ["code": $0, "name": "", "users": members[$0] ?? 0] }
        var values: [String: Any] = [
            "units": try await store.units().map { u in
                ["code": u.code, "name": u.name, "kind": t.text("unit_kind_\(u.kind.rawValue)", lang), "country": u.country,
                 "locations": u.locations.joined(separator: ", "), "capacity": u.capacity.description,
                 "control_share": Localization.number(u.controlSharePercent, lang, upTo: 1) + "%"]
            },
            "users": users.map { entry in
                ["username": entry.user.username, "name": entry.user.displayName, "role": t.text("role_\(entry.user.role.rawValue)", lang),
                 "agency": entry.user.agency, "units": entry.user.units.joined(separator: ", "), "language": entry.user.language.rawValue,
                 "disabled": entry.user.disabled, "locked": entry.lockedUntil != nil]
            },
            "agencies": agencies, "csrf": session.csrfToken,
        ]
        values["exchange"] = try await peers.values(lang: lang, t: t)
        return pages.page("admin", title: t.text("administration", lang), values: values, language: lang, session: session)
    }

    func unitForm(_ request: Request, _ context: WebContext, code: String?, typed: UnitForm? = nil, error: String? = nil) async throws -> Response {
        let session = try admin(context)
        let lang = Pages.language(request, context)
        let t = pages.localization
        var unit: ControlUnit?
        if let code {
            guard let found = try await store.units().first(where: { $0.code == code }) else { throw HTTPError(.notFound) }
            unit = found
        }
        let kind = typed?.kind ?? unit?.kind.rawValue ?? UnitKind.pcu.rawValue
        var values: [String: Any] = [
            "editing": unit != nil, "csrf": session.csrfToken,
            "code": typed?.code ?? unit?.code ?? "", "name": typed?.name ?? unit?.name ?? "",
            "country": typed?.country ?? unit?.country ?? "", "locations": typed?.locations ?? unit?.locations.joined(separator: ", ") ?? "",
            "capacity": typed?.capacity ?? unit?.capacity.description ?? "", "control_share": typed?.controlShare ?? unit.map { "\($0.controlSharePercent)" } ?? "5",
            "kinds": UnitKind.allCases.map { ["value": $0.rawValue, "label": t.text("unit_kind_\($0.rawValue)", lang), "selected": $0.rawValue == kind] },
            "reason": typed?.reason ?? "",
        ]
        if let code, let pending = try await store.pendingApproval(kind: "change_capacity", subjectPrefix: code + " ") {
            values["pending"] = ["id": pending.id, "subject": pending.action.subject, "by": pending.requestedBy]
        }
        if let error { values["error"] = error }
        return pages.page("admin_unit", title: t.text("unit", lang), values: values, language: lang, session: session,
                          status: error == nil ? .ok : .badRequest)
    }

    func saveUnit(_ request: Request, _ context: WebContext) async throws -> Response {
        let session = try admin(context)
        let form = try await request.decode(as: UnitForm.self, context: context)
        try CSRF.check(request: request, context: context, form: CSRF.Form(csrf: form.csrf))
        let unit: ControlUnit
        switch AdminRoutes.unit(from: form) {
        case .success(let checked): unit = checked
        case .failure(let problem): return try await unitForm(request, context, code: nil, typed: form, error: problem.description)
        }
        let asked: ApprovalRequest?
        do {
            asked = try await store.saveUnit(unit, reason: form.reason?.trimmingCharacters(in: .whitespacesAndNewlines), by: session.user,
                                               origin: context.origin)
        } catch let refusal as ApprovalStoreError {
            return try await unitForm(request, context, code: form.code, typed: form, error: refusal.description)
        }
        context.logger.info("unit saved", metadata: ["user": "\(session.user.username)", "unit": "\(unit.code)", "capacity": "\(unit.capacity)"])
        try await context.audit(store, "save_unit", subject: unit.code, details: "capacity \(unit.capacity), control share \(unit.controlSharePercent)%, \(unit.locations.joined(separator: " "))")
        return .redirect(to: asked == nil ? "/admin" : "/approvals", type: .normal)
    }

    /// The unit a form describes, checked like on the command line.
    static func unit(from form: UnitForm) -> Result<ControlUnit, UnitProblem> {
        // Not a number is out of range, and refused as such.
        let share = Double(form.controlShare.replacingOccurrences(of: ",", with: ".").trimmingCharacters(in: .whitespaces)) ?? -1
        return Result { () throws(UnitProblem) -> ControlUnit in
            try ControlUnit.checked(code: form.code.trimmingCharacters(in: .whitespaces), name: form.name, kind: form.kind, country: form.country,
                                    locations: form.locations.split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init),
                                    capacity: form.capacity, controlSharePercent: share)
        }
    }

    func userForm(_ request: Request, _ context: WebContext, username: String?, typed: UserForm? = nil, error: String? = nil) async throws -> Response {
        let session = try admin(context)
        let lang = Pages.language(request, context)
        let t = pages.localization
        let users = try await store.users()
        var user: User?
        if let username {
            guard let found = users.first(where: { $0.user.username == username })?.user else { throw HTTPError(.notFound) }
            user = found
        }
        let role = typed?.role ?? user?.role.rawValue ?? Role.officer.rawValue
        let language = typed?.language ?? user?.language.rawValue ?? Language.en.rawValue
        let units = Set(typed?.units ?? user?.units ?? [])
        var values: [String: Any] = [
            "editing": user != nil, "csrf": session.csrfToken,
            "username": typed?.username ?? user?.username ?? "", "display_name": typed?.displayName ?? user?.displayName ?? "",
            "agency": typed?.agency ?? user?.agency ?? "", "disabled": typed.map { $0.disabled != nil } ?? user?.disabled ?? false,
            "roles": Role.allCases.map { ["value": $0.rawValue, "label": t.text("role_\($0.rawValue)", lang), "selected": $0.rawValue == role] },
            "languages": Language.allCases.map { ["value": $0.rawValue, "selected": $0.rawValue == language] },
            "unit_choices": try await store.units().map { ["code": $0.code, "name": $0.name, "checked": units.contains($0.code)] },
            "agencies": try await agencyChoices(selected: typed?.agency ?? user?.agency, users: users.map(\.user)),
            "listed_agencies": try await !store.agencies().isEmpty,
        ]
        if let user {
            values["live_sessions"] = try await store.liveSessions(userID: user.id).count
            values["factor_on"] = try await store.secondFactorSecret(userID: user.id) != nil
        }
        if let error { values["error"] = error }
        return pages.page("admin_user", title: t.text("user", lang), values: values, language: lang, session: session,
                          status: error == nil ? .ok : .badRequest)
    }

    func saveUser(_ request: Request, _ context: WebContext) async throws -> Response {
        let session = try admin(context)
        let lang = Pages.language(request, context)
        let t = pages.localization
        let form = try await request.decode(as: UserForm.self, context: context)
        try CSRF.check(request: request, context: context, form: CSRF.Form(csrf: form.csrf))
        let editing = form.existing.flatMap { $0.isEmpty ? nil : $0 }
        func fail(_ message: String) async throws -> Response {
            try await userForm(request, context, username: editing, typed: form, error: message)
        }
        let username = editing ?? form.username.trimmingCharacters(in: .whitespaces)
        guard User.isValidUsername(username) else { return try await fail(t.text("username_invalid", lang)) }
        guard let role = Role(rawValue: form.role), let language = Language(rawValue: form.language) else {
            return try await fail(t.text("role_invalid", lang))
        }
        let name = form.displayName.trimmingCharacters(in: .whitespaces), agency = form.agency.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 120, !agency.isEmpty, agency.count <= 60 else { return try await fail(t.text("name_agency_required", lang)) }
        let user = User(username: username, displayName: name, role: role, agency: agency, units: form.units ?? [], language: language,
                        disabled: form.disabled != nil)
        // An administrator cannot lock themselves out: that would need another administrator's repair.
        if username == session.user.username && (user.disabled || role != .admin) { return try await fail(t.text("admin_self", lang)) }
        let password = form.password ?? ""
        if !password.isEmpty || editing == nil && role.usesPages {
            guard password == form.repeated else { return try await fail(t.text("password_mismatch", lang)) }
            do { try Passwords.check(password, username: username) } catch { return try await fail(error.description) }
        }
        do {
            if editing != nil {
                try await store.updateUser(user)
                if !password.isEmpty, let account = try await store.account(username) {
                    try await store.setPasswordHash(userID: account.user.id, await Passwords.hashed(password))
                }
            } else {
                _ = try await store.createUser(user, passwordHash: await Passwords.hashed(role.usesPages ? password : APITokens.issue().token))
            }
        } catch let error as AccountStoreError {
            return try await fail(error.description)
        }
        context.logger.info("user saved", metadata: ["by": "\(session.user.username)", "user": "\(username)", "role": "\(role.rawValue)",
                                                     "disabled": "\(user.disabled)"])
        // Never the password: only that it was set.
        try await context.audit(store, "save_user", subject: username,
                                details: "\(role.rawValue), \(user.agency), units \(user.units.joined(separator: " "))\(user.disabled ? ", disabled" : "")\((form.password ?? "").isEmpty ? "" : ", password set")")
        return .redirect(to: "/admin", type: .normal)
    }

    /// The agencies a user may be given: the node's list, or the names in use while there is no list.
    func agencyChoices(selected: String?, users: [User]) async throws -> [[String: Any]] {
        let listed = try await store.agencies()
        let choices = listed.isEmpty ? Set(users.map(\.agency)).sorted().map { Agency(code: $0, name: $0) } : listed
        return choices.map { ["code": $0.code, "name": $0.name, "selected": $0.code == selected] }
    }

    func saveAgency(_ request: Request, _ context: WebContext) async throws -> Response {
        let session = try admin(context)
        let form = try await request.decode(as: AgencyForm.self, context: context)
        try CSRF.check(request: request, context: context, form: CSRF.Form(csrf: form.csrf))
        let code = form.code.trimmingCharacters(in: .whitespaces), name = form.name.trimmingCharacters(in: .whitespaces)
        guard User.isValidUsername(code), code.count <= 40, !name.isEmpty, name.count <= 120 else {
            throw HTTPError(.badRequest, message: "an agency needs a code (letters, digits, '.', '-', '_') and a name")
        }
        try await store.saveAgency(Agency(code: code, name: name))
        context.logger.info("agency saved", metadata: ["user": "\(session.user.username)", "agency": "\(code)"])
        try await context.audit(store, "save_agency", subject: code, details: name)
        return .redirect(to: "/admin", type: .normal)
    }

    /// The checks of an administrator's action on the user named in the path: the administrator's session, the form's
    /// token, and the user.
    func actionOnUser(_ request: Request, _ context: WebContext) async throws -> (admin: SessionRecord, user: User) {
        let session = try admin(context)
        try CSRF.check(request: request, context: context, form: try await request.decode(as: CSRF.Form.self, context: context))
        guard let account = try await store.account(try context.parameters.require("username")) else { throw HTTPError(.notFound) }
        return (session, account.user)
    }

    func unlock(_ request: Request, _ context: WebContext) async throws -> Response {
        let (session, user) = try await actionOnUser(request, context)
        let username = user.username
        try await store.unlock(userID: user.id)
        context.logger.info("user unlocked", metadata: ["by": "\(session.user.username)", "user": "\(username)"])
        try await context.audit(store, "unlock_user", subject: username)
        return .redirect(to: "/admin", type: .normal)
    }

    /// Removes a user's second factor (a lost phone): they sign in with the password and may set up a new one.
    func removeSecondFactor(_ request: Request, _ context: WebContext) async throws -> Response {
        let (session, user) = try await actionOnUser(request, context)
        let username = user.username
        try await store.setSecondFactor(userID: user.id, secret: nil)
        context.logger.info("second factor removed", metadata: ["by": "\(session.user.username)", "user": "\(username)"])
        try await context.audit(store, "second_factor_off", subject: username, details: "removed by an administrator")
        return .redirect(to: "/admin/users/\(username)", type: .normal)
    }

    /// Ends every session of a user at once: a lost laptop, a suspicion, a move to another post.
    func endSessions(_ request: Request, _ context: WebContext) async throws -> Response {
        let (session, user) = try await actionOnUser(request, context)
        let username = user.username
        // The administrator's own session stays: they end their others from their own page.
        let ended = try await store.endSessions(userID: user.id, keeping: context.tokenHash)
        context.logger.info("sessions ended", metadata: ["by": "\(session.user.username)", "user": "\(username)", "count": "\(ended)"])
        try await context.audit(store, "end_sessions", subject: username, details: "\(ended) ended by an administrator")
        return .redirect(to: "/admin/users/\(username)", type: .normal)
    }
}
