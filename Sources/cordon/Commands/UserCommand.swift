import ArgumentParser
import CordonCore
import CordonServer
import CordonStore
import Foundation

/// `cordon user`: the people who sign in to the workspace.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Add users of the workspace (officers, supervisors, analysts, ...) and end their sessions.",
        discussion: """
            Example:
              printf '%s\\n' 'a long passphrase' | cordon user add olga \\
                --name "Olga Petrova" --role officer \\
                --agency customs --unit KZ-ALA-ACCU --password-file -
            """,
        subcommands: [Add.self, SignOut.self, RemoveSecondFactor.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a user with a role, an agency and units; the password is read from a file or stdin.",
            discussion: """
                The password is never taken on the command line (it would show in the process list and the shell \
                history). Passwords need 10 characters, 4 different ones, and must not contain the username; they \
                are stored as bcrypt hashes.

                Example:
                  cordon user add olga --name "Olga Petrova" --role officer \\
                    --agency customs --unit KZ-ALA-ACCU \\
                    --password-file secrets/olga.txt
                """)

        @Argument(help: "The username (letters, digits, '.', '-', '_').")
        var username: String

        @Option(help: "The name shown in the workspace.")
        var name: String

        @Option(help: "officer, supervisor, analyst, coordinator, auditor, admin, or integration (a system using the API).")
        var role: String

        @Option(help: "The user's agency (customs, police, drug control, border service, ...).")
        var agency: String

        @Option(help: ArgumentHelp("A unit the user works in (repeat for several).", valueName: "CODE"))
        var unit: [String] = []

        @Option(help: "en or ru.")
        var language = "en"

        @Option(help: ArgumentHelp("File with the password on its first line; - for stdin. Not for integrations, which use tokens.",
                                   valueName: "FILE"))
        var passwordFile: String?

        @OptionGroup var by: UserOption
        @OptionGroup var store: StoreOptions

        func validate() throws {
            guard User.isValidUsername(username) else {
                throw ValidationError("the username must be 1 to 64 ASCII letters, digits, '.', '-' or '_'")
            }
            guard Role(rawValue: role) != nil else { throw ValidationError("--role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))") }
            guard Language(rawValue: language) != nil else { throw ValidationError("--language must be en or ru") }
            if role == Role.integration.rawValue {
                if passwordFile != nil { throw ValidationError("an integration signs in with API tokens (cordon token create), not a password") }
            } else if passwordFile == nil {
                throw ValidationError("--password-file is required")
            }
        }

        /// Adds the account and says so in the audit log.
        static func create(_ user: User, hash: String, _ db: Store, by: UserOption) async throws -> Int {
            let id = try await db.createUser(user, passwordHash: hash)
            try await by.audit(db, "add_user", subject: user.username, details: "\(user.role.rawValue), \(user.agency), units \(user.units.joined(separator: " "))")
            return id
        }

        func run() async throws {
            guard let role = Role(rawValue: role), let language = Language(rawValue: language) else { throw ExitCode(2) }
            let user = User(username: username, displayName: name, role: role, agency: agency, units: unit, language: language)
            guard let passwordFile else {
                // An integration has no password: a hash of random bytes that no password matches.
                let id = try await store.with("user add") { db in try await Add.create(user, hash: Passwords.hash(APITokens.issue().token), db, by: by) }
                StandardOutput.write("user \(id)\t\(username)\t\(role.rawValue)\n")
                return
            }
            let text: String?
            if passwordFile == "-" { text = readLine(strippingNewline: true) } else {
                text = (try? String(contentsOfFile: passwordFile, encoding: .utf8))?.split(separator: "\n", omittingEmptySubsequences: false)
                    .first.map(String.init)
            }
            guard let password = text else {
                StandardError.write("cordon user add: no password in \(passwordFile)\n")
                throw ExitCode(2)
            }
            do { try Passwords.check(password, username: username) } catch {
                StandardError.write("cordon user add: \(error)\n")
                throw ExitCode(2)
            }
            let hash = Passwords.hash(password)
            let id = try await store.with("user add") { db in try await Add.create(user, hash: hash, db, by: by) }
            StandardOutput.write("user \(id)\t\(username)\t\(role.rawValue)\n")
        }
    }

    /// `cordon user sign-out`: ends every session of a user, for when a laptop is lost or an account is suspect.
    struct SignOut: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sign-out",
            abstract: "End every signed-in session of a user (the user must sign in again).",
            discussion: """
                Prints the number of sessions ended. To keep the user out, disable the account as well (administration page).

                Example:
                  cordon user sign-out olga --user admin
                """)

        @Argument(help: "The username.")
        var username: String

        @OptionGroup var by: UserOption
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let ended = try await store.with("user sign-out") { db in
                guard let account = try await db.account(username) else { throw AccountStoreError.unknownUser(username) }
                let ended = try await db.endSessions(userID: account.user.id)
                try await by.audit(db, "end_sessions", subject: username, details: "\(ended) ended from the command line")
                return ended
            }
            StandardOutput.write("\(username)\t\(ended) sessions ended\n")
        }
    }

    struct RemoveSecondFactor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove-second-factor",
            abstract: "Remove a user's second factor (a lost phone): they sign in with the password and may set up a new one.",
            discussion: """
                For the administrator who lost their own phone too; others use the user's administration page.

                Example:
                  cordon user remove-second-factor olga --user admin
                """)

        @Argument(help: "The username.")
        var username: String

        @OptionGroup var by: UserOption
        @OptionGroup var store: StoreOptions

        func run() async throws {
            try await store.with("user remove-second-factor") { db in
                guard let account = try await db.account(username) else { throw AccountStoreError.unknownUser(username) }
                try await db.setSecondFactor(userID: account.user.id, secret: nil)
                try await by.audit(db, "second_factor_off", subject: username, details: "removed from the command line")
            }
            StandardOutput.write("\(username)\tsecond factor removed\n")
        }
    }
}
