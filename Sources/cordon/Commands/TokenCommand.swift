import ArgumentParser
import CordonCore
import CordonServer
import CordonStore
import Foundation

/// `cordon token`: bearer tokens for the JSON API, per user or per system integration.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create, list and revoke API tokens.",
        discussion: """
            A token acts as its user: the same role, units and need-to-know as in the workspace. For a system \
            (a port community system, the declaration system) add a user with --role integration first.

            Example:
              cordon user add kaspi-pcs --name "Port community system" \\
                --role integration --agency customs --unit KZ-ALA-ACCU
              cordon token create kaspi-pcs --name "PCS feed" --days 365
            """,
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token for a user and print it, once: only its hash is stored.",
            discussion: """
                Example:
                  cordon token create olga --name "unit tablet" --days 90
                  curl -H "Authorization: Bearer TOKEN" http://localhost:8080/api/v1/me
                """)

        @Argument(help: "The user the token acts for.")
        var username: String

        @Option(help: "What the token is for, to recognise it in the list.")
        var name: String

        @Option(help: "Days until it expires (default: never; revoke it when it is no longer needed).")
        var days: Int?

        @OptionGroup var user: UserOption
        @OptionGroup var store: StoreOptions

        func validate() throws {
            if let days, !(1...3650).contains(days) { throw ValidationError("--days must be from 1 to 3650") }
            if name.isEmpty || name.count > 100 { throw ValidationError("--name must be 1 to 100 characters") }
        }

        func run() async throws {
            let issued = APITokens.issue()
            let expires = days.map { Date().addingTimeInterval(Double($0) * 86400) }
            let id = try await store.with("token create") { db in
                let id = try await db.createToken(username: username, name: name, tokenHash: issued.hash, expires: expires, by: user.name)
                try await user.audit(db, "create_token", subject: username, details: "token \(id) \(name)")
                return id
            }
            StandardError.write("token \(id) for \(username); it is shown once, keep it secret\n")
            StandardOutput.write(issued.token + "\n")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List tokens (never the tokens themselves): id, user, name, created, expires, last used, state.",
            discussion: "Example:\n  cordon token list --user-name olga")

        @Option(name: .customLong("user-name"), help: "Only this user's tokens.")
        var username: String?

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let tokens = try await store.with("token list") { db in try await db.tokens(username: username) }
            for t in tokens {
                StandardOutput.write("\(t.id)\t\(t.username)\t\(t.name)\t\(t.createdAt)\t\(t.expiresAt ?? "never")\t"
                                     + "\(t.lastUsedAt ?? "unused")\t\(t.revoked ? "revoked" : "live")\n")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a token by its id; requests with it are refused from then on.",
            discussion: "Example:\n  cordon token revoke 3")

        @Argument(help: "The token's id, from cordon token list.")
        var id: Int

        @OptionGroup var user: UserOption
        @OptionGroup var store: StoreOptions

        func run() async throws {
            guard try await store.with("token revoke", { db in
                let revoked = try await db.revokeToken(id: id)
                if revoked { try await user.audit(db, "revoke_token", subject: "token \(id)") }
                return revoked
            }) else {
                StandardError.write("cordon token revoke: no token \(id)\n")
                throw ExitCode(2)
            }
            StandardOutput.write("token \(id) revoked\n")
        }
    }
}
