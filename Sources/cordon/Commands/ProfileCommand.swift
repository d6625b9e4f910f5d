import ArgumentParser
import CordonCore
import CordonRisk
import CordonStore
import Foundation

/// `cordon profile`: risk profiles written by analysts, stored with every version.
struct ProfileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Load, list, show and retire risk profiles (rules as data, in YAML or JSON).",
        discussion: """
            A profile names conditions on consignment fields, a weight (0 to 1), a lane (red, yellow, green), \
            validity dates, an author and a status (draft, active, retired). See docs/profiles.md.

            Example:
              cordon profile load profiles/tobacco.yaml
            """,
        subcommands: [Load.self, List.self, Show.self, Retire.self])

    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store the profiles of YAML or JSON files; a changed profile becomes its next version.",
            discussion: """
                Every file is read and checked before anything is stored: an unknown field, a bad regular \
                expression or a missing value stops the command with the file and the place, and nothing changes. \
                A profile whose file says `status: active` is stored as a draft and its activation is asked for \
                (with --reason): a second analyst or a supervisor approves it (cordon approval). A profile in force \
                is never switched off by loading a draft of it: retire it, or load it as active.

                Example:
                  cordon profile load profiles/*.yaml --user a.karimov \\
                    --reason "new tobacco routes via Aktau"
                """)

        @Argument(help: "Profile files (.yaml, .yml or .json; one profile or a list per file).")
        var files: [String]

        @Option(help: "Why the active profiles should be put in force (needed when the files activate any).")
        var reason: String?

        @OptionGroup var user: UserOption
        @OptionGroup var store: StoreOptions

        func validate() throws {
            if files.isEmpty { throw ValidationError("name at least one profile file") }
        }

        func run() async throws {
            var profiles: [RiskProfile] = []
            var names = Set<String>()
            for file in files {
                do {
                    for p in try ProfileFile.load(path: file) {
                        guard names.insert(p.name).inserted else {
                            StandardError.write("cordon profile load: \(file): profile '\(p.name)' is also in another file\n")
                            throw ExitCode(2)
                        }
                        profiles.append(p)
                    }
                } catch let error as ProfileFileError {
                    StandardError.write("cordon profile load: \(error)\n")
                    throw ExitCode(2)
                }
            }
            let lines = try await store.with("profile load") { db in
                // Decide for every profile before storing any, so that a refusal leaves the store as it was.
                var drafts: [RiskProfile] = [], activations: [String] = [], retirements: [String] = [], inForce: [String: Int] = [:]
                for p in profiles {
                    let latest = try await db.profileVersions(p.name).last
                    switch p.status {
                    case .active:
                        if let latest, latest.profile == p { inForce[p.name] = latest.version; continue }
                        var draft = p
                        draft.status = .draft
                        drafts.append(draft)
                        activations.append(p.name)
                    case .retired:
                        if let latest, latest.profile.status != .retired {
                            var same = p
                            same.status = latest.profile.status
                            guard same == latest.profile else {
                                throw CLIRefusal("\(p.name): a retired profile's file must say what its latest version says")
                            }
                            retirements.append(p.name)
                        } else {
                            drafts.append(p)
                        }
                    case .draft:
                        if let latest, latest.profile.status == .active {
                            throw CLIRefusal("\(p.name) is in force: loading a draft would switch it off; retire it, or load it as active")
                        }
                        drafts.append(p)
                    }
                }
                var account: User?
                if !activations.isEmpty || !retirements.isEmpty {
                    guard let reason else { throw CLIRefusal("putting profiles in force or retiring them needs --reason and a second person's approval") }
                    let asking = try await user.account(in: db)
                    try FourEyes.checkRequest(.activateProfile(name: "", version: 0), by: asking, reason: reason)
                    account = asking
                }
                var lines: [String] = []
                for o in try await db.saveProfiles(drafts, by: user.name) {
                    if o.changed { try await user.audit(db, "save_profile_draft", subject: o.name, details: "version \(o.version)") }
                    if let account, let reason, activations.contains(o.name) {
                        let r = try await db.requestApproval(.activateProfile(name: o.name, version: o.version), reason: reason, by: account, origin: "cli")
                        lines.append("\(o.name)\tv\(o.version)\tactivation asked (approval \(r.id))")
                    } else {
                        lines.append("\(o.name)\tv\(o.version)\t\(o.changed ? "saved" : "unchanged")")
                    }
                }
                for name in retirements {
                    guard let account, let reason, let latest = try await db.profileVersions(name).last else { continue }
                    let r = try await db.requestApproval(.retireProfile(name: name, version: latest.version), reason: reason, by: account, origin: "cli")
                    lines.append("\(name)\tv\(latest.version)\tretirement asked (approval \(r.id))")
                }
                lines += inForce.sorted { $0.key < $1.key }.map { "\($0.key)\tv\($0.value)\tin force" }
                return lines
            }
            for line in lines { StandardOutput.write(line + "\n") }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the latest version of each profile.",
            discussion: "Example:\n  cordon profile list --all")

        @Flag(help: "Include retired profiles.")
        var all = false

        @Flag(help: "One JSON object per line.")
        var json = false

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let profiles = try await store.with("profile list") { db in
                return try await db.profiles(includeRetired: all)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            for s in profiles {
                let p = s.profile
                if json {
                    let line = ProfileLine(name: p.name, version: s.version, status: p.status.rawValue, lane: p.lane.rawValue,
                                           weight: p.weight, title: p.title, author: p.author,
                                           validFrom: p.validFrom?.description, validUntil: p.validUntil?.description)
                    StandardOutput.write(String(decoding: try encoder.encode(line), as: UTF8.self) + "\n")
                } else {
                    let validity = switch (p.validFrom, p.validUntil) {
                    case (nil, nil): "always"
                    case (let from?, nil): "from \(from)"
                    case (nil, let until?): "until \(until)"
                    case (let from?, let until?): "\(from)..\(until)"
                    }
                    StandardOutput.write("\(p.name)\tv\(s.version)\t\(p.status.rawValue)\t\(p.lane.rawValue)\t\(p.weight)\t\(validity)\t\(p.title)\n")
                }
            }
        }

        struct ProfileLine: Encodable {
            var name: String, version: Int, status: String, lane: String, weight: Double, title: String, author: String
            var validFrom: String?, validUntil: String?
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a profile (as JSON), every version, and its hits and hit rate by month.",
            discussion: "Example:\n  cordon profile show tobacco-undervalued")

        @Argument(help: "The profile's name.")
        var name: String

        @Option(help: "Show this version instead of the latest.")
        var version: Int?

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let (versions, months) = try await store.with("profile show") { db in
                return (try await db.profileVersions(name), try await db.profileStatistics(name))
            }
            guard let shown = version.map({ v in versions.first { $0.version == v } }) ?? versions.last else {
                StandardError.write("cordon profile show: no profile '\(name)'\(version.map { " version \($0)" } ?? "")\n")
                throw ExitCode(2)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            StandardOutput.write("# \(name) v\(shown.version), saved by \(shown.savedBy) at \(shown.savedAt)\n")
            StandardOutput.write(String(decoding: try encoder.encode(shown.profile), as: UTF8.self) + "\n")
            StandardOutput.write("\nversions:\n")
            for v in versions {
                StandardOutput.write("  v\(v.version)\t\(v.profile.status.rawValue)\t\(v.savedBy)\t\(v.savedAt)\n")
            }
            StandardOutput.write("\nhits by month (month, hits, selected, inspected, found something, hit rate):\n")
            if months.isEmpty { StandardOutput.write("  no hits yet\n") }
            for m in months {
                let rate = m.hitRate.map { String(format: "%.0f%%", $0 * 100) } ?? "–"
                StandardOutput.write("  \(m.month)\t\(m.hits)\t\(m.selected)\t\(m.inspected)\t\(m.positive)\t\(rate)\n")
            }
        }
    }

    struct Retire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask to retire a profile: once a second person approves, it stops firing; its versions and hits stay on record.",
            discussion: "Example:\n  cordon profile retire tobacco-undervalued --user a.karimov \\\n    --reason \"no hit in six months\"")

        @Argument(help: "The profile's name.")
        var name: String

        @Option(help: "Why (at least 10 characters).")
        var reason: String

        @OptionGroup var user: UserOption
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let (version, request) = try await store.with("profile retire") { db in
                guard let latest = try await db.profileVersions(name).last else { throw ProfileStoreError.unknown(name) }
                return (latest.version, try await db.requestApproval(.retireProfile(name: name, version: latest.version), reason: reason,
                                                                     by: try await user.account(in: db), origin: "cli"))
            }
            StandardOutput.write("\(name)\tv\(version)\tretirement asked (approval \(request.id))\n")
        }
    }
}
