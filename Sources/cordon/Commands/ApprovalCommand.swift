import ArgumentParser
import CordonCore
import CordonStore
import Foundation

/// `cordon approval`: four-eyes requests (profiles put in force or retired, red-lane releases, capacity changes).
struct ApprovalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approval",
        abstract: "List, approve, refuse or withdraw four-eyes requests.",
        discussion: """
            Putting a risk profile in force or retiring it, releasing a red-lane target without a control and changing \
            a unit's capacity are asked for by one user and decided by a second user of the right role; the person \
            who asked never decides. Requests and decisions are in the audit log. Steps are taken by user accounts.

            Example:
              cordon approval list
              cordon approval approve 12 --user b.saidov \\
                --note "rule checked against last month's seizures"
            """,
        subcommands: [List.self, Approve.self, Refuse.self, Withdraw.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List pending requests (id, kind, subject, asked by, when, reason); --all for decided ones too.",
            discussion: "Example:\n  cordon approval list --all")

        @Flag(help: "Decided and withdrawn requests too.")
        var all = false

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let requests = try await store.with("approval list") { db in try await db.approvals(status: all ? nil : .pending) }
            for r in requests {
                let decision = r.status == .pending ? "" : "\t\(r.status.rawValue) by \(r.decidedBy ?? "?")\(r.note.map { ": \($0)" } ?? "")"
                StandardOutput.write("\(r.id)\t\(r.action.kind)\t\(r.action.subject)\t\(r.requestedBy)\t\(r.requestedAt)\t\(r.reason)\(decision)\n")
            }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve a request and carry it out: you must not be the one who asked.",
            discussion: "Example:\n  cordon approval approve 12 --user b.saidov")

        @Argument(help: "The request's number.")
        var id: Int

        @Option(help: "A note for the record.")
        var note = ""

        @OptionGroup var user: UserOption
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let r = try await store.with("approval approve") { db in
                try await db.decideApproval(id, approve: true, note: note, by: try await user.account(in: db), origin: "cli")
            }
            StandardOutput.write("\(r.id)\t\(r.action.kind)\t\(r.action.subject)\tapproved\n")
        }
    }

    struct Refuse: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Refuse a request, saying why.",
            discussion: "Example:\n  cordon approval refuse 12 --user b.saidov \\\n    --note \"the rule would select every tea import\"")

        @Argument(help: "The request's number.")
        var id: Int

        @Option(help: "Why (at least 10 characters).")
        var note: String

        @OptionGroup var user: UserOption
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let r = try await store.with("approval refuse") { db in
                try await db.decideApproval(id, approve: false, note: note, by: try await user.account(in: db), origin: "cli")
            }
            StandardOutput.write("\(r.id)\t\(r.action.kind)\t\(r.action.subject)\trefused\n")
        }
    }

    struct Withdraw: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Withdraw a request you made and that waits for a decision.",
            discussion: "Example:\n  cordon approval withdraw 12 --user a.karimov")

        @Argument(help: "The request's number.")
        var id: Int

        @OptionGroup var user: UserOption
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let r = try await store.with("approval withdraw") { db in
                try await db.withdrawApproval(id, by: try await user.account(in: db), origin: "cli")
            }
            StandardOutput.write("\(r.id)\t\(r.action.kind)\t\(r.action.subject)\twithdrawn\n")
        }
    }
}
