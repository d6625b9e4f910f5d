import ArgumentParser
import CordonCore
import CordonStore
import Foundation

/// `cordon unit`: the node's control units, where they work and how much they can control.
struct UnitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unit",
        abstract: "Add, change and list control units (PCU, ACCU, border units).",
        discussion: """
            Example:
              cordon unit save KZ-ALA-ACCU --name "Almaty ACCU" --kind accu \\
                --country KZ --location KZALA --capacity 20
            """,
        subcommands: [Save.self, List.self])

    struct Save: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a unit, or replace the settings of the unit with this code.",
            discussion: """
                A unit's day is the documents lodged that day whose place of discharge or customs office is one \
                of its locations. Capacity is a number of controls per day, or a percentage of the day's documents. \
                A new unit is saved as given. For an existing unit, a change of capacity or control share is asked \
                for (--reason, by a supervisor of the unit or an administrator) and takes effect when a second \
                person approves it (cordon approval); the other settings are saved at once.

                Example:
                  cordon unit save UZ-TAS-PCU --name "Tashkent dry port PCU" --kind pcu \\
                    --country UZ --location UZTAS --location 26001 \\
                    --capacity 5% --control-share 10
                """)

        @Argument(help: "The unit's code, unique in the node.")
        var code: String

        @Option(help: "Its name.")
        var name: String

        @Option(help: "pcu, accu or border.")
        var kind: String

        @Option(help: "ISO 3166-1 alpha-2 country.")
        var country: String

        @Option(help: ArgumentHelp("A UN/LOCODE or customs office code it works at (repeat for several).", valueName: "CODE"))
        var location: [String] = []

        @Option(help: "Controls per day: a number (20) or a percentage of the day's documents (5%).")
        var capacity: String

        @Option(help: "Share of the capacity drawn at random, in percent.")
        var controlShare = 5.0

        @Option(help: "Why the capacity or control share of an existing unit should change.")
        var reason: String?

        @OptionGroup var user: UserOption
        @OptionGroup var store: StoreOptions

        func unit() throws(UnitProblem) -> ControlUnit {
            try ControlUnit.checked(code: code, name: name, kind: kind, country: country, locations: location, capacity: capacity,
                                    controlSharePercent: controlShare)
        }

        func validate() throws {
            do { _ = try unit() } catch { throw ValidationError(error.description) }
        }

        func run() async throws {
            let unit = try unit()
            let request = try await store.with("unit save") { db in
                let account = reason == nil ? nil : try await user.account(in: db)
                let request = try await db.saveUnit(unit, reason: reason, by: account, origin: "cli")
                try await user.audit(db, "save_unit", subject: unit.code,
                                     details: "\(unit.name); \(unit.locations.joined(separator: ", ")); capacity \(unit.capacity)")
                return request
            }
            StandardOutput.write("\(code)\tsaved\(request.map { "\tcapacity change asked (approval \($0.id))" } ?? "")\n")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the units: code, kind, country, capacity, control share, locations, name.",
            discussion: "Example:\n  cordon unit list")

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let units = try await store.with("unit list") { db in try await db.units() }
            for u in units {
                StandardOutput.write("\(u.code)\t\(u.kind.rawValue)\t\(u.country)\t\(u.capacity)\t\(u.controlSharePercent)%\t\(u.locations.joined(separator: " "))\t\(u.name)\n")
            }
        }
    }
}
