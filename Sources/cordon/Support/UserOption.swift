import ArgumentParser
import CordonCore
import CordonStore
import Foundation

/// Who runs a command that changes shared data, for the record (saved-by, recorded-by).
struct UserOption: ParsableArguments {
    @Option(name: .customLong("user"), help: ArgumentHelp("Who does this, for the record (env CORDON_USER, else the login name).",
                                                         valueName: "NAME"))
    var explicit: String?

    var name: String {
        let env = ProcessInfo.processInfo.environment
        return explicit ?? env["CORDON_USER"] ?? env["USER"] ?? env["LOGNAME"] ?? "unknown"
    }

    /// The user's account: four-eyes steps need a role, so the name must be an enabled account of the node.
    func account(in db: Store) async throws -> User {
        guard let user = try await db.account(name)?.user else {
            throw CLIRefusal("'\(name)' is not a user of this node: four-eyes steps are taken by accounts (cordon user add)")
        }
        guard !user.disabled else { throw CLIRefusal("the account '\(name)' is disabled") }
        return user
    }

    /// Appends what the command changed to the audit log, as done from the command line by this user.
    func audit(_ db: Store, _ action: String, subject: String = "", details: String = "") async throws {
        try await db.audit(AuditEntry(actor: name, action: action, subject: subject, details: details, origin: "cli"))
    }
}

/// Why a command refuses to go on, in words for the person at the terminal.
struct CLIRefusal: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
