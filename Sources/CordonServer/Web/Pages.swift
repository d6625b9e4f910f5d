import CordonCore
import CordonStore
import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// Server-rendered pages: a Mustache template per page inside one layout, in the reader's language.
public struct Pages: Sendable {
    let library: MustacheLibrary
    public let localization: Localization

    public static func bundled() async throws -> Pages {
        guard let dir = Bundle.module.url(forResource: "templates", withExtension: nil) else {
            throw LocalizationError(description: "the page templates are not bundled")
        }
        return Pages(library: try await MustacheLibrary(directory: dir.path), localization: try Localization.bundled())
    }

    /// The language of a request: the signed-in user's, else the `lang` cookie, else English.
    static func language(_ request: Request, _ context: WebContext) -> Language {
        context.session?.user.language ?? request.cookies["lang"].flatMap { Language(rawValue: $0.value) } ?? .en
    }

    /// A whole page: `template` rendered with `values`, inside the layout with the navigation and the user.
    func page(_ template: String, title: String, values: [String: Any], language: Language, session: SessionRecord?,
              status: HTTPResponse.Status = .ok) -> Response {
        var values = values
        let t = localization.table(language)
        values["t"] = t
        let body = library.render(values, withTemplate: template) ?? ""
        var layout: [String: Any] = ["t": t, "title": title, "body": body, "lang": language.rawValue,
                                     "other_lang": language == .en ? "ru" : "en",
                                     "other_lang_name": language == .en ? "Русский" : "English"]
        if let session {
            layout["user"] = ["name": session.user.displayName, "role": t["role_\(session.user.role.rawValue)"] ?? session.user.role.rawValue,
                              "profiles": session.user.role.readsProfiles, "admin": session.user.role == .admin,
                              "sends_cargo": session.user.role.sendsCargo,
                              "messages": session.user.role.readsMessages, "auditor": session.user.role == .auditor,
                              "approvals": ApprovalRoutes.takesPart(session.user.role)]
            layout["csrf"] = session.csrfToken
        }
        let html = library.render(layout, withTemplate: "layout") ?? ""
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
