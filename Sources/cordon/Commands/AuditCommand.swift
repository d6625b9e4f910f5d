import ArgumentParser
import CordonCore
import CordonStore
import Foundation

/// `cordon audit`: the node's tamper-evident audit log.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check the audit log's hash chain, and list its entries.",
        discussion: """
            Every sign-in, every view of a consignment, every result and every change to users, units, peers, \
            profiles and operations is appended to the audit log; each entry's hash covers the one before. \
            The head of the log is signed with the node's key (by `cordon serve` hourly, at start and at \
            shutdown, or by `cordon audit checkpoint`): a rewrite of the log before a checkpoint is found even \
            when every hash was recomputed.

            Example:
              cordon audit verify
              cordon audit list --actor aigerim --from 2026-12-01
            """,
        subcommands: [Verify.self, List.self, Checkpoint.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the whole chain: exit 0 and the number of entries, or 1 naming the first altered or missing entry.",
            discussion: """
                Checkpoints are checked against the node's recorded public key, or against --public-key: give the key \
                as you know it from outside the database (from cordon node init's output, or a peer's records), since \
                whoever can edit the database can replace the recorded key too.

                Example:
                  cordon audit verify --public-key 3q2+7w...=
                """)

        @Option(help: ArgumentHelp("The node's public key (base64) to check checkpoints against.", valueName: "KEY"))
        var publicKey: String?

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let result = try await store.with("audit verify") { db in try await db.verifyAudit(trustedKey: publicKey) }
            if let bad = result.firstBad {
                StandardOutput.write("bad\t\(bad)\t\(result.problem ?? "")\n")
                StandardError.write("cordon audit verify: \(result.checked) entries right, then \(result.problem ?? "entry \(bad)")\n")
                throw ExitCode(1)
            }
            StandardOutput.write("ok\t\(result.checked)\n")
            if let last = result.lastCheckpoint {
                StandardError.write("\(result.checkpoints) signed checkpoints right; the latest covers entries 1 to \(last) of \(result.checked)\n")
            } else {
                StandardError.write("no signed checkpoint yet (cordon serve with the node's key signs them, or cordon audit checkpoint)\n")
            }
        }
    }

    struct Checkpoint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign the head of the audit log with the node's key.",
            discussion: "Example:\n  cordon audit checkpoint --key-file /etc/cordon/node.key")

        @Option(help: "The node's private key file (written by cordon node init).")
        var keyFile = "cordon-node.key"

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let checkpoint = try await store.with("audit checkpoint") { db in
                guard let identity = try await ServeCommand.identity(of: db, keyFile: keyFile) else {
                    throw CLIRefusal("the node has no identity yet: cordon node init")
                }
                return try await db.checkpointAudit(signingWith: identity.privateKey)
            }
            if let checkpoint {
                StandardOutput.write("checkpoint\t\(checkpoint.seq)\t\(checkpoint.hash)\n")
            } else {
                StandardOutput.write("nothing new to sign\n")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List entries, newest first: sequence, time, actor, action, subject, details, origin.",
            discussion: "Example:\n  cordon audit list --action view_consignment --subject 1042")

        @Option(help: "Only this user's entries.") var actor: String?
        @Option(help: "Only this action (sign_in, view_consignment, record_result, ...).") var action: String?
        @Option(help: "Only entries about this (a consignment id, a username, a unit code, ...).") var subject: String?
        @Option(help: ArgumentHelp("First day, YYYY-MM-DD.", valueName: "DATE")) var from: String?
        @Option(help: ArgumentHelp("Last day, YYYY-MM-DD.", valueName: "DATE")) var until: String?
        @Option(help: "At most this many entries.") var limit = 200

        @OptionGroup var store: StoreOptions

        func validate() throws {
            for (name, value) in [("--from", from), ("--until", until)] {
                if let value, CalendarDate(iso: value) == nil { throw ValidationError("\(name) must be YYYY-MM-DD") }
            }
            guard (1...100_000).contains(limit) else { throw ValidationError("--limit must be from 1 to 100000") }
        }

        func run() async throws {
            let filter = AuditFilter(actor: actor, action: action, subject: subject, from: from.flatMap { CalendarDate(iso: $0) },
                                     until: until.flatMap { CalendarDate(iso: $0) })
            for e in try await store.with("audit list", { db in try await db.auditEntries(filter, limit: limit) }) {
                StandardOutput.write([String(e.seq), e.at, e.actor, e.action, e.subject, e.details, e.origin]
                    .map { $0.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ") }.joined(separator: "\t") + "\n")
            }
        }
    }
}
