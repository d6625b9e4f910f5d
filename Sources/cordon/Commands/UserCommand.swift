import ArgumentParser
import CordonCore
import CordonServer
import CordonStore
import Foundation

/// `cordon user`: the people who sign in to the workspace.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Add users of the workspace (officers, supervisors, analysts, ...).",
        discussion: """
            Example:
              printf '%s\\n' 'a long passphrase' | cordon user add olga --name "Olga Petrova" --role officer \\
                --agency customs --unit KZ-ALA-ACCU --password-file -
            """,
        subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a user with a role, an agency and units; the password is read from a file or stdin.",
            discussion: """
                The password is never taken on the command line (it would show in the process list and the shell
                history). Passwords need 10 characters, 4 different ones, and must not contain the username; they
                are stored as bcrypt hashes.

                Example:
                  cordon user add olga --name "Olga Petrova" --role officer --agency customs --unit KZ-ALA-ACCU \\
                    --password-file secrets/olga.txt
                """)

        @Argument(help: "The username (letters, digits, '.', '-', '_').")
        var username: String

        @Option(help: "The name shown in the workspace.")
        var name: String

        @Option(help: "officer, supervisor, analyst, coordinator, auditor or admin.")
        var role: String

        @Option(help: "The user's agency (customs, police, drug control, border service, ...).")
        var agency: String

        @Option(help: ArgumentHelp("A unit the user works in (repeat for several).", valueName: "CODE"))
        var unit: [String] = []

        @Option(help: "en or ru.")
        var language = "en"

        @Option(help: ArgumentHelp("File with the password on its first line; - for stdin.", valueName: "FILE"))
        var passwordFile: String

        @OptionGroup var store: StoreOptions

        func validate() throws {
            guard !username.isEmpty, username.count <= 64,
                  username.allSatisfy({ ($0.isLetter || $0.isNumber || ".-_".contains($0)) && $0.isASCII }) else {
                throw ValidationError("the username must be 1 to 64 ASCII letters, digits, '.', '-' or '_'")
            }
            guard Role(rawValue: role) != nil else { throw ValidationError("--role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))") }
            guard Language(rawValue: language) != nil else { throw ValidationError("--language must be en or ru") }
        }

        func run() async throws {
            guard let role = Role(rawValue: role), let language = Language(rawValue: language) else { throw ExitCode(2) }
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
            let user = User(username: username, displayName: name, role: role, agency: agency, units: unit, language: language)
            let hash = Passwords.hash(password)
            let id = try await store.with("user add") { db in try await db.createUser(user, passwordHash: hash) }
            StandardOutput.write("user \(id)\t\(username)\t\(role.rawValue)\n")
        }
    }
}
