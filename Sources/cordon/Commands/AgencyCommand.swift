import ArgumentParser
import CordonCore
import CordonStore
import Foundation

/// `cordon agency`: the agencies that staff the node's units.
struct AgencyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agency",
        abstract: "Add, rename and list the agencies that staff the units (customs, police, drug control, ...).",
        discussion: """
            Once a node lists its agencies, every user added or changed belongs to one of them.

            Example:
              cordon agency save customs --name "State Revenue Committee, customs"
              cordon agency list
            """,
        subcommands: [Save.self, List.self])

    struct Save: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an agency, or rename it.",
            discussion: "Example:\n  cordon agency save police --name \"Ministry of Internal Affairs, police\"")

        @Argument(help: "Its code (letters, digits, '.', '-', '_'), as users name it.")
        var code: String

        @Option(help: "Its name.")
        var name: String

        @OptionGroup var user: UserOption
        @OptionGroup var store: StoreOptions

        func validate() throws {
            guard User.isValidUsername(code), code.count <= 40 else { throw ValidationError("the code must be 1 to 40 letters, digits, '.', '-' or '_'") }
            guard !name.isEmpty, name.count <= 120 else { throw ValidationError("--name must be 1 to 120 characters") }
        }

        func run() async throws {
            try await store.with("agency save") { db in
                try await db.saveAgency(Agency(code: code, name: name))
                try await user.audit(db, "save_agency", subject: code, details: name)
            }
            StandardOutput.write("\(code)\tsaved\n")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the agencies: code and name.", discussion: "Example:\n  cordon agency list")

        @OptionGroup var store: StoreOptions

        func run() async throws {
            for a in try await store.with("agency list", { db in try await db.agencies() }) { StandardOutput.write("\(a.code)\t\(a.name)\n") }
        }
    }
}
