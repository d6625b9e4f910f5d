import CordonCore
import CordonStore
import Foundation
import HTTPTypes
import Hummingbird

/// Sign-in, sign-out, change of password and of language.
struct AuthRoutes {
    let store: Store
    let pages: Pages
    let settings: ServerSettings
    /// Sign-in attempts by address, shared by the copies of these routes.
    let limiter: RateLimiter

    init(store: Store, pages: Pages, settings: ServerSettings) {
        self.store = store
        self.pages = pages
        self.settings = settings
        limiter = RateLimiter(settings.signInLimit)
    }

    struct LoginForm: Decodable {
        var username: String
        var password: String
    }

    struct PasswordForm: Decodable {
        var csrf: String?
        var current: String
        var new: String
        var repeated: String
    }

    struct LanguageForm: Decodable {
        var csrf: String?
        var lang: String
        var back: String?
    }

    func add(to router: Router<WebContext>) {
        router.get("/login") { request, context in
            let lang = Pages.language(request, context)
            return pages.page("login", title: pages.localization.text("sign_in", lang), values: [:], language: lang, session: nil)
        }
        router.post("/login") { request, context in try await login(request, context) }
        router.post("/logout") { request, context in
            try CSRF.check(request: request, context: context, form: try await request.decode(as: CSRF.Form.self, context: context))
            if let hash = context.tokenHash { try await store.revokeSession(tokenHash: hash) }
            var response = Response.redirect(to: "/login", type: .normal)
            response.setCookie(sessionCookie(value: "", maxAge: 0))
            return response
        }
        router.get("/password") { request, context in try await accountPage(request, context, values: [:]) }
        router.post("/password") { request, context in try await changePassword(request, context) }
        router.post("/sessions/end") { request, context in try await endSessions(request, context) }
        router.post("/language") { request, context in
            let form = try await request.decode(as: LanguageForm.self, context: context)
            guard let lang = Language(rawValue: form.lang) else { throw HTTPError(.badRequest, message: "unknown language") }
            if let session = context.session {
                try CSRF.check(request: request, context: context, form: CSRF.Form(csrf: form.csrf))
                try await store.setLanguage(userID: session.user.id, lang)
            }
            // Only a path of this node: never an address elsewhere.
            // Back to the page the switch was pressed on: the form's `back`, else the referring page of this node.
            let referred = request.headers[.referer].flatMap { URLComponents(string: $0) }.map { c in
                c.percentEncodedPath + (c.percentEncodedQuery.map { "?" + $0 } ?? "")
            }
            let back = (form.back ?? referred).flatMap { $0.hasPrefix("/") && !$0.hasPrefix("//") ? $0 : nil } ?? "/"
            var response = Response.redirect(to: back, type: .normal)
            response.setCookie(Cookie(name: "lang", value: lang.rawValue, maxAge: 365 * 86400, path: "/",
                                      secure: settings.secureCookies, httpOnly: true, sameSite: .strict))
            return response
        }
    }

    func sessionCookie(value: String, maxAge: Int) -> Cookie {
        Cookie(name: SessionToken.cookie, value: value, maxAge: maxAge, path: "/", secure: settings.secureCookies,
               httpOnly: true, sameSite: .strict)
    }

    func login(_ request: Request, _ context: WebContext) async throws -> Response {
        let lang = Pages.language(request, context)
        if let wait = limiter.admit(context.origin) {
            // Before the form is even read: a flood from one address costs no password hashing and no database work.
            context.logger.notice("sign-in attempts limited", metadata: ["address": "\(context.origin)"])
            var response = pages.page("login", title: pages.localization.text("sign_in", lang),
                                      values: ["error": String(format: pages.localization.text("sign_in_limited", lang), wait)],
                                      language: lang, session: nil, status: .tooManyRequests)
            response.headers[.retryAfter] = "\(wait)"
            return response
        }
        let form = try await request.decode(as: LoginForm.self, context: context)
        let account = try await store.account(form.username.trimmingCharacters(in: .whitespaces))
        // The same work whether or not the user exists.
        let valid = Passwords.verify(form.password, hash: account?.passwordHash ?? Passwords.decoy)
        var locked = false
        if let account { locked = try await store.isLocked(userID: account.user.id) }
        guard valid, !locked, let account, !account.user.disabled, account.user.role.usesPages else {
            context.logger.notice("sign-in refused", metadata: ["username": "\(form.username.prefix(64))", "locked": "\(locked)"])
            try await context.audit(store, "sign_in_refused", subject: String(form.username.prefix(64)), details: locked ? "locked" : "",
                                    actor: "anonymous")
            if let account, !locked, !valid,
               try await store.recordFailedSignIn(userID: account.user.id, limit: settings.signInAttempts,
                                                  lockFor: Double(settings.lockMinutes) * 60) {
                context.logger.warning("account locked after repeated failed sign-ins", metadata: ["user": "\(account.user.username)"])
            }
            // The same answer for a wrong password, an unknown user and a locked account: nothing to learn by guessing.
            let message = String(format: pages.localization.text("sign_in_failed", lang), settings.signInAttempts, settings.lockMinutes)
            return pages.page("login", title: pages.localization.text("sign_in", lang),
                              values: ["error": message, "username": form.username],
                              language: lang, session: nil, status: .unauthorized)
        }
        try await store.recordSignIn(userID: account.user.id)
        let token = SessionToken.random()
        try await store.createSession(userID: account.user.id, tokenHash: SessionToken.hash(token), csrfToken: SessionToken.random(),
                                      expires: Date().addingTimeInterval(Double(settings.sessionHours) * 3600), origin: context.origin)
        context.logger.info("signed in", metadata: ["user": "\(account.user.username)"])
        try await context.audit(store, "sign_in", subject: account.user.username, actor: account.user.username)
        var response = Response.redirect(to: "/queue", type: .normal)
        response.setCookie(sessionCookie(value: token, maxAge: settings.sessionHours * 3600))
        return response
    }

    func changePassword(_ request: Request, _ context: WebContext) async throws -> Response {
        guard let session = context.session else { return .redirect(to: "/login") }
        let lang = Pages.language(request, context)
        let form = try await request.decode(as: PasswordForm.self, context: context)
        try CSRF.check(request: request, context: context, form: CSRF.Form(csrf: form.csrf))
        func fail(_ message: String) async throws -> Response {
            try await accountPage(request, context, values: ["error": message], status: .badRequest)
        }
        guard let account = try await store.account(session.user.username),
              Passwords.verify(form.current, hash: account.passwordHash) else {
            return try await fail(pages.localization.text("password_current_wrong", lang))
        }
        guard form.new == form.repeated else { return try await fail(pages.localization.text("password_mismatch", lang)) }
        do { try Passwords.check(form.new, username: session.user.username) } catch {
            return try await fail(error.description)
        }
        try await store.setPasswordHash(userID: session.user.id, Passwords.hash(form.new), keepingSession: context.tokenHash)
        try await context.audit(store, "change_password", subject: session.user.username)
        return try await accountPage(request, context, values: ["done": pages.localization.text("password_changed", lang)])
    }

    /// The user's own page: the password form and the live sessions, this one marked, the others with a sign-out.
    func accountPage(_ request: Request, _ context: WebContext, values: [String: Any], status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let session = context.session else { return .redirect(to: "/login") }
        let lang = Pages.language(request, context)
        let current = context.tokenHash.map { String($0.prefix(Store.sessionIDLength)) }
        let sessions = try await store.liveSessions(userID: session.user.id)
        func minute(_ iso: String) -> String { String(iso.prefix(16)).replacingOccurrences(of: "T", with: " ") + " UTC" }
        var values = values
        values["sessions"] = sessions.map { s in
            ["id": s.id, "created": minute(s.created), "expires": minute(s.expires), "origin": s.origin,
             "current": s.id == current] as [String: Any]
        }
        values["other_sessions"] = sessions.contains { $0.id != current }
        return pages.page("password", title: pages.localization.text("change_password", lang), values: values, language: lang,
                          session: session, status: status)
    }

    struct EndSessionsForm: Decodable {
        var csrf: String?
        var id: String?
    }

    /// Signs out one of the user's other sessions (a browser left signed in elsewhere), or all of them.
    func endSessions(_ request: Request, _ context: WebContext) async throws -> Response {
        guard let session = context.session else { return .redirect(to: "/login") }
        let form = try await request.decode(as: EndSessionsForm.self, context: context)
        try CSRF.check(request: request, context: context, form: CSRF.Form(csrf: form.csrf))
        let id = form.id.flatMap { $0.isEmpty ? nil : $0 }
        let ended = try await store.endSessions(userID: session.user.id, id: id, keeping: context.tokenHash)
        try await context.audit(store, "end_sessions", subject: session.user.username,
                                details: "\(ended) ended by the user" + (id.map { ", session \($0)" } ?? ", all others"))
        let lang = Pages.language(request, context)
        return try await accountPage(request, context, values: ["done": String(format: pages.localization.text("sessions_ended", lang), ended)])
    }
}

/// Cross-site request forgery protection: every form that changes something carries the session's token.
enum CSRF {
    struct Form: Decodable {
        var csrf: String?
    }

    static func check(request: Request, context: WebContext, form: Form) throws {
        // Compared in constant time: the token is a secret.
        guard let expected = context.session?.csrfToken, let given = form.csrf, !given.isEmpty,
              expected.utf8.count == given.utf8.count,
              zip(expected.utf8, given.utf8).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0 else {
            throw HTTPError(.forbidden, message: "the form has expired; reload the page and try again")
        }
    }
}
