import ArgumentParser
import CordonCore
import CordonExchange
import CordonStore
import Foundation

/// `cordon node`: this node's identity for the exchange with other nodes.
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Create and show this node's identity (name, country, Ed25519 key) for the exchange between nodes.",
        discussion: """
            The private key is written to a file readable by the node's account only; the database keeps the \
            public key, which peers add with `cordon peer add`.

            Example:
              cordon node init --name kz-node --country KZ --key-file /etc/cordon/node.key
              cordon node show
            """,
        subcommands: [Init.self, Show.self])

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the node's key pair and record its name and country.",
            discussion: "Example:\n  cordon node init --name kz-node --country KZ --key-file node.key")

        @Option(help: "The node's name, as its peers know it.")
        var name: String

        @Option(help: "ISO 3166-1 alpha-2 country of the node.")
        var country: String

        @Option(help: "Where to write the private key (mode 0600; never in the database).")
        var keyFile = "cordon-node.key"

        @OptionGroup var user: UserOption
        @OptionGroup var store: StoreOptions

        func validate() throws {
            guard User.isValidUsername(name) else { throw ValidationError("the node name must be 1 to 64 letters, digits, '.', '-' or '_'") }
            if case .invalid(let reason) = CountryCode.check(country) { throw ValidationError("--country: \(reason)") }
        }

        func run() async throws {
            guard case .valid(let country, _) = CountryCode.check(country) else { throw ExitCode(2) }
            let identity: NodeIdentity
            do { identity = try NodeIdentity.create(at: keyFile) } catch {
                StandardError.write("cordon node init: \(error)\n")
                throw ExitCode(2)
            }
            try await store.with("node init") { db in
                try await db.setNodeIdentity(name: name, country: country, publicKey: identity.publicKeyBase64)
                try await user.audit(db, "set_node_identity", subject: name, details: "\(country), key \(identity.publicKeyBase64)")
            }
            StandardError.write("node \(name) (\(country)): private key in \(keyFile); give peers the public key below\n")
            StandardOutput.write(identity.publicKeyBase64 + "\n")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the node's name, country and public key.",
                                                        discussion: "Example:\n  cordon node show")

        @OptionGroup var store: StoreOptions

        func run() async throws {
            guard let node = try await store.with("node show", { db in try await db.nodeIdentity() }) else {
                StandardError.write("cordon node show: no identity yet; run cordon node init\n")
                throw ExitCode(2)
            }
            StandardOutput.write("\(node.name)\t\(node.country)\t\(node.publicKey)\n")
        }
    }
}

/// `cordon peer`: the nodes this node exchanges with.
struct PeerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peer",
        abstract: "Add, list and remove peer nodes (name, country, inbox URL, public key).",
        discussion: """
            Envelopes are accepted only from peers, and only with a signature their key verifies.

            Example:
              cordon peer add uz-node --country UZ --url https://cordon.customs.uz \\
                --key BASE64KEY
              cordon peer list
            """,
        subcommands: [Add.self, List.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a peer, or replace what is known of it.",
            discussion: "Example:\n  cordon peer add uz-node --country UZ --url https://cordon.customs.uz \\\n    --key BASE64KEY")

        @Argument(help: "The peer's node name.")
        var name: String

        @Option(help: "Its ISO 3166-1 alpha-2 country.")
        var country: String

        @Option(help: "The base URL of its node (https://...).")
        var url: String

        @Option(help: "Its public key, as `cordon node show` prints it there.")
        var key: String

        @OptionGroup var user: UserOption
        @OptionGroup var store: StoreOptions

        func validate() throws {
            if case .failure(let problem) = Peer.checked(name: name, country: country, baseURL: url, publicKey: key) {
                throw ValidationError(problem.field == "name" ? "the peer name: \(problem.reason)" : "--\(problem.field): \(problem.reason)")
            }
        }

        func run() async throws {
            guard case .success(let peer) = Peer.checked(name: name, country: country, baseURL: url, publicKey: key) else { throw ExitCode(2) }
            try await store.with("peer add") { db in
                try await db.savePeer(PeerRecord(name: peer.name, country: peer.country, baseURL: peer.baseURL, publicKey: peer.publicKey))
                try await user.audit(db, "save_peer", subject: peer.name, details: "\(peer.country) \(peer.baseURL)")
            }
            StandardOutput.write("\(name)\tsaved\n")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the peers: name, country, URL, public key.",
                                                        discussion: "Example:\n  cordon peer list")

        @OptionGroup var store: StoreOptions

        func run() async throws {
            for p in try await store.with("peer list", { db in try await db.peers() }) {
                StandardOutput.write("\(p.name)\t\(p.country)\t\(p.baseURL)\t\(p.publicKey)\n")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a peer; what it sent stays.",
                                                        discussion: "Example:\n  cordon peer remove uz-node")

        @Argument(help: "The peer's node name.")
        var name: String

        @OptionGroup var user: UserOption
        @OptionGroup var store: StoreOptions

        func run() async throws {
            guard try await store.with("peer remove", { db in
                let removed = try await db.removePeer(name)
                if removed { try await user.audit(db, "remove_peer", subject: name) }
                return removed
            }) else {
                StandardError.write("cordon peer remove: no peer '\(name)'\n")
                throw ExitCode(2)
            }
            StandardOutput.write("\(name)\tremoved\n")
        }
    }
}
