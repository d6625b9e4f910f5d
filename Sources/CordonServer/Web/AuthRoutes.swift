import CordonCore
import CordonStore
import Foundation
import HTTPTypes
import Hummingbird

/// Sign-in (with its second step when the user has a second factor), sign-out, the user's account page (password,
/// sessions, second factor) and the change of language.
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
        router.post("/login/code") { request, context in try await loginCode(request, context) }
        router.post("/second-factor") { request, context in try await enableSecondFactor(request, context) }
        router.post("/second-factor/off") { request, context in try await disableSecondFactor(request, context) }
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

    /// The answer while an address is over its sign-in limit.
    func limited(_ wait: Int, _ lang: Language, _ context: WebContext) -> Response {
        context.logger.notice("sign-in attempts limited", metadata: ["address": "\(context.origin)"])
        var response = pages.page("login", title: pages.localization.text("sign_in", lang),
                                  values: ["error": String(format: pages.localization.text("sign_in_limited", lang), wait)],
                                  language: lang, session: nil, status: .tooManyRequests)
        response.headers[.retryAfter] = "\(wait)"
        return response
    }

    func login(_ request: Request, _ context: WebContext) async throws -> Response {
        let lang = Pages.language(request, context)
        // Before the form is even read: a flood from one address costs no password hashing and no database work.
        if let wait = limiter.admit(context.origin) { return limited(wait, lang, context) }
        let form = try await request.decode(as: LoginForm.self, context: context)
        let account = try await store.account(form.username.trimmingCharacters(in: .whitespaces))
        // The same work whether or not the user exists.
        let valid = await Passwords.verified(form.password, hash: account?.passwordHash ?? Passwords.decoy)
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
        if try await store.secondFactorSecret(userID: account.user.id) != nil {
            // The password was right: the code comes next, on a page of its own, before any session exists.
            let token = SessionToken.random()
            try await store.createSignInChallenge(userID: account.user.id, tokenHash: SessionToken.hash(token),
                                                  expires: Date().addingTimeInterval(Double(Self.challengeSeconds)), origin: context.origin)
            var response = pages.page("login_code", title: pages.localization.text("sign_in", lang), values: [:], language: lang, session: nil)
            response.setCookie(challengeCookie(value: token, maxAge: Self.challengeSeconds))
            return response
        }
        return try await openSession(account.user, context)
    }

    /// How long the code may take after the password, and how many wrong codes a sign-in may have.
    static let challengeSeconds = 300
    static let challengeAttempts = 5
    static let challengeCookie = "cordon_challenge"

    func challengeCookie(value: String, maxAge: Int) -> Cookie {
        Cookie(name: Self.challengeCookie, value: value, maxAge: maxAge, path: "/login", secure: settings.secureCookies,
               httpOnly: true, sameSite: .strict)
    }

    struct CodeForm: Decodable {
        var code: String
    }

    /// The second step of a sign-in with a second factor: the code of the user's authenticator. A wrong code counts
    /// as a failed sign-in (towards the lock-out); a code is taken once, and the step expires after a few minutes.
    func loginCode(_ request: Request, _ context: WebContext) async throws -> Response {
        let lang = Pages.language(request, context)
        if let wait = limiter.admit(context.origin) { return limited(wait, lang, context) }
        let form = try await request.decode(as: CodeForm.self, context: context)
        let tokenHash = request.cookies[Self.challengeCookie].map { SessionToken.hash($0.value) } ?? ""
        func again(_ key: String) -> Response {
            var response = pages.page("login", title: pages.localization.text("sign_in", lang),
                                      values: ["error": pages.localization.text(key, lang)], language: lang, session: nil,
                                      status: .unauthorized)
            response.setCookie(challengeCookie(value: "", maxAge: 0))
            return response
        }
        guard let challenge = try await store.signInChallenge(tokenHash: tokenHash),
              let account = try await store.account(challenge.username),
              let secret = try await store.secondFactorSecret(userID: account.user.id).flatMap(Base32.decode) else {
            return again("code_expired")
        }
        guard !account.user.disabled, try await !store.isLocked(userID: account.user.id) else {
            try await store.endSignInChallenge(tokenHash: tokenHash)
            return again("code_expired")
        }
        let used = try await store.secondFactorLastStep(userID: account.user.id)
        if let step = TOTP.matchingStep(form.code, secret: secret, after: used),
           try await store.takeSecondFactorStep(userID: account.user.id, step: step) {
            try await store.endSignInChallenge(tokenHash: tokenHash)
            var response = try await openSession(account.user, context)
            response.setCookie(challengeCookie(value: "", maxAge: 0))
            return response
        }
        context.logger.notice("sign-in refused: wrong code", metadata: ["username": "\(account.user.username)"])
        try await context.audit(store, "sign_in_refused", subject: account.user.username, details: "wrong code", actor: "anonymous")
        if try await store.recordFailedSignIn(userID: account.user.id, limit: settings.signInAttempts,
                                              lockFor: Double(settings.lockMinutes) * 60) {
            context.logger.warning("account locked after repeated failed sign-ins", metadata: ["user": "\(account.user.username)"])
            try await store.endSignInChallenge(tokenHash: tokenHash)
            return again("code_too_many")
        }
        let left = try await store.failSignInChallenge(tokenHash: tokenHash, limit: Self.challengeAttempts)
        guard left > 0 else { return again("code_too_many") }
        return pages.page("login_code", title: pages.localization.text("sign_in", lang),
                          values: ["error": String(format: pages.localization.text("code_wrong", lang), left)],
                          language: lang, session: nil, status: .unauthorized)
    }

    /// Opens a session for a user whose sign-in is complete, and goes to the queue.
    func openSession(_ user: User, _ context: WebContext) async throws -> Response {
        try await store.recordSignIn(userID: user.id)
        let token = SessionToken.random()
        try await store.createSession(userID: user.id, tokenHash: SessionToken.hash(token), csrfToken: SessionToken.random(),
                                      expires: Date().addingTimeInterval(Double(settings.sessionHours) * 3600), origin: context.origin)
        context.logger.info("signed in", metadata: ["user": "\(user.username)"])
        try await context.audit(store, "sign_in", subject: user.username, actor: user.username)
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
              await Passwords.verified(form.current, hash: account.passwordHash) else {
            return try await fail(pages.localization.text("password_current_wrong", lang))
        }
        guard form.new == form.repeated else { return try await fail(pages.localization.text("password_mismatch", lang)) }
        do { try Passwords.check(form.new, username: session.user.username) } catch {
            return try await fail(error.description)
        }
        try await store.setPasswordHash(userID: session.user.id, await Passwords.hashed(form.new), keepingSession: context.tokenHash)
        try await context.audit(store, "change_password", subject: session.user.username)
        return try await accountPage(request, context, values: ["done": pages.localization.text("password_changed", lang)])
    }

    /// The user's own page: the password form and the live sessions, this one marked, the others with a sign-out.
    /// With the second factor off, a new secret to set it up (or the one being set up, after a wrong code).
    func accountPage(_ request: Request, _ context: WebContext, values: [String: Any], status: HTTPResponse.Status = .ok,
                     pendingSecret: [UInt8]? = nil) async throws -> Response {
        guard let session = context.session else { return .redirect(to: "/login") }
        let lang = Pages.language(request, context)
        var values = values
        if try await store.secondFactorSecret(userID: session.user.id) != nil {
            values["factor_on"] = true
        } else {
            let secret = pendingSecret ?? TOTP.newSecret()
            let text = Base32.encode(secret)
            values["factor_setup"] = [
                "secret": text,
                // In groups of four, as authenticator apps take it when typed.
                "grouped": stride(from: 0, to: text.count, by: 4).map { i in
                    String(text.dropFirst(i).prefix(4))
                }.joined(separator: " "),
                "uri": TOTP.uri(secret: secret, account: session.user.username, issuer: "Cordon"),
                "open": pendingSecret != nil,
            ] as [String: Any]
        }
        let current = context.tokenHash.map { String($0.prefix(Store.sessionIDLength)) }
        let sessions = try await store.liveSessions(userID: session.user.id)
        func minute(_ iso: String) -> String { String(iso.prefix(16)).replacingOccurrences(of: "T", with: " ") + " UTC" }
        values["sessions"] = sessions.map { s in
            ["id": s.id, "created": minute(s.created), "expires": minute(s.expires), "origin": s.origin,
             "current": s.id == current] as [String: Any]
        }
        values["other_sessions"] = sessions.contains { $0.id != current }
        return pages.page("password", title: pages.localization.text("my_account", lang), values: values, language: lang,
                          session: session, status: status)
    }

    struct SecondFactorForm: Decodable {
        var csrf: String?
        /// The base32 secret shown on the page, when turning on.
        var secret: String?
        var current: String
        var code: String
    }

    /// Turns the second factor on: the current password, and a code from the authenticator that shows it holds the
    /// secret. The user's other sessions, opened without it, are signed out.
    func enableSecondFactor(_ request: Request, _ context: WebContext) async throws -> Response {
        guard let session = context.session else { return .redirect(to: "/login") }
        let lang = Pages.language(request, context)
        let form = try await request.decode(as: SecondFactorForm.self, context: context)
        try CSRF.check(request: request, context: context, form: CSRF.Form(csrf: form.csrf))
        guard let secret = form.secret.flatMap(Base32.decode), secret.count == TOTP.secretBytes else {
            throw HTTPError(.badRequest, message: "the secret is missing or malformed; reload the page")
        }
        func fail(_ key: String) async throws -> Response {
            try await accountPage(request, context, values: ["factor_error": pages.localization.text(key, lang)], status: .badRequest,
                                  pendingSecret: secret)
        }
        guard try await store.secondFactorSecret(userID: session.user.id) == nil else { return try await fail("factor_already_on") }
        guard let account = try await store.account(session.user.username), await Passwords.verified(form.current, hash: account.passwordHash) else {
            return try await fail("password_current_wrong")
        }
        guard let step = TOTP.matchingStep(form.code, secret: secret) else { return try await fail("factor_code_wrong") }
        try await store.setSecondFactor(userID: session.user.id, secret: Base32.encode(secret), step: step, keepingSession: context.tokenHash)
        context.logger.info("second factor turned on", metadata: ["user": "\(session.user.username)"])
        try await context.audit(store, "second_factor_on", subject: session.user.username)
        return try await accountPage(request, context, values: ["factor_done": pages.localization.text("factor_turned_on", lang)])
    }

    /// Turns the second factor off: the current password and a current code (someone at an unlocked screen has neither).
    func disableSecondFactor(_ request: Request, _ context: WebContext) async throws -> Response {
        guard let session = context.session else { return .redirect(to: "/login") }
        let lang = Pages.language(request, context)
        let form = try await request.decode(as: SecondFactorForm.self, context: context)
        try CSRF.check(request: request, context: context, form: CSRF.Form(csrf: form.csrf))
        func fail(_ key: String) async throws -> Response {
            try await accountPage(request, context, values: ["factor_error": pages.localization.text(key, lang)], status: .badRequest)
        }
        guard let secret = try await store.secondFactorSecret(userID: session.user.id).flatMap(Base32.decode) else {
            return try await accountPage(request, context, values: [:])
        }
        guard let account = try await store.account(session.user.username), await Passwords.verified(form.current, hash: account.passwordHash) else {
            return try await fail("password_current_wrong")
        }
        let used = try await store.secondFactorLastStep(userID: session.user.id)
        guard let step = TOTP.matchingStep(form.code, secret: secret, after: used),
              try await store.takeSecondFactorStep(userID: session.user.id, step: step) else {
            return try await fail("factor_code_wrong")
        }
        try await store.setSecondFactor(userID: session.user.id, secret: nil)
        context.logger.info("second factor turned off", metadata: ["user": "\(session.user.username)"])
        try await context.audit(store, "second_factor_off", subject: session.user.username)
        return try await accountPage(request, context, values: ["factor_done": pages.localization.text("factor_turned_off", lang)])
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
        guard let expected = context.session?.csrfToken, let given = form.csrf, !given.isEmpty,
              constantTimeEqual(expected, given) else {
            throw HTTPError(.forbidden, message: "the form has expired; reload the page and try again")
        }
    }
}
