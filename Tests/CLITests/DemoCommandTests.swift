import CordonCore
import CordonServer
import CordonStore
import Foundation
import Testing
import TestSupport

@Suite("cordon demo")
struct DemoCommandTests {
    @Test("a demo node: two units, users of every role who can sign in, cargo with history, a model that targets better than chance, today's queues")
    func demo() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = "sqlite:" + dir.file("demo.sqlite")
        let r = try cordon(["demo", "--setup-only", "--today", "2026-11-24"], database: db)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Aktau port PCU (KZ-AKT-PCU)") && r.stdout.contains("demo-officer-1"))
        let token = try #require(r.stdout.split(separator: "\n").last.map { $0.trimmingCharacters(in: .whitespaces) })

        let store = try await Store.open(try DatabaseLocation(parsing: db))
        #expect(try await store.units().map(\.code) == ["KZ-AKT-PCU", "KZ-ALA-ACCU"])
        // Every role, two agencies, and each demo password opens its account.
        var roles: Set<Role> = [], agencies: Set<String> = []
        for line in r.stdout.split(separator: "\n") where line.hasPrefix("  ") && line.contains("demo-") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            let account = try #require(try await store.account(String(parts[0])))
            #expect(Passwords.verify(String(parts[1]), hash: account.passwordHash), "\(parts[0])")
            roles.insert(account.user.role)
            agencies.insert(account.user.agency)
        }
        #expect(roles == Set(Role.allCases).subtracting([.integration]) && agencies == ["customs", "police"])
        #expect(try await store.tokenUser(tokenHash: APITokens.hash(token))?.role == .integration)

        #expect(try await store.activeModel() != nil)
        let today = CalendarDate(year: 2026, month: 11, day: 24)!
        #expect(try await store.targets(unit: "KZ-AKT-PCU", day: today).count == 8)
        #expect(try await store.targets(unit: "KZ-ALA-ACCU", day: today).count == 6)
        #expect(try await store.inspections(of: try await store.targets(unit: "KZ-AKT-PCU", day: today)[0].documentNumber,
                                            kind: .billOfLading).isEmpty)
        #expect(try await store.seizureCount(SeizureFilter()) > 10)
        // The week targeted with the model finds more than the random controls of the whole period.
        let week = try await store.activity(units: nil, from: today.adding(days: -7), until: today.adding(days: -1))
        let all = try await store.activity(units: nil, from: today.adding(days: -27), until: today.adding(days: -1))
        let targeted = week.targets.filter { $0.selection == .targeted }
        let controls = all.targets.filter { $0.selection == .control }
        let targetedRate = Double(targeted.reduce(0) { $0 + $1.positive }) / Double(max(1, targeted.reduce(0) { $0 + $1.inspected }))
        let controlRate = Double(controls.reduce(0) { $0 + $1.positive }) / Double(max(1, controls.reduce(0) { $0 + $1.inspected }))
        #expect(targetedRate > 2 * controlRate && targetedRate > 0.2, "targeted \(targetedRate), controls \(controlRate)")
        await store.close()

        // The command line scores the demo's days with the demo's watch list, written beside the database.
        #expect(r.stdout.contains(dir.file("demo-watchlist.csv")))
        let day = try cordon(["target", "--unit", "KZ-ALA-ACCU", "--date", "2026-11-24", "--watchlist", dir.file("demo-watchlist.csv")], database: db)
        #expect(day.status == 0 && day.stdout.split(separator: "\n").filter { !$0.hasPrefix("\t") }.count == 6, "\(day.stderr)")

        let again = try cordon(["demo", "--setup-only"], database: db)
        #expect(again.status == 2 && again.stderr.contains("already holds a node"))
    }

    @Test("a second demo node of another country, peered with the first: the containers crossing from Aktau to Termez today are in both")
    func pair() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let kz = "sqlite:" + dir.file("kz.sqlite"), uz = "sqlite:" + dir.file("uz.sqlite")
        let first = try cordon(["demo", "--setup-only", "--today", "2026-11-24", "--days", "10"], database: kz)
        #expect(first.status == 0, "\(first.stderr)")
        let refused = try cordon(["demo", "--setup-only", "--country", "UZ", "--port", "8081", "--pair-with", kz], database: uz)
        #expect(refused.status != 0 && refused.stderr.contains("--pair-with and --pair-url go together"))
        let second = try cordon(["demo", "--setup-only", "--country", "UZ", "--today", "2026-11-24", "--days", "10", "--port", "8081",
                                 "--pair-with", kz, "--pair-url", "http://127.0.0.1:8080"], database: uz)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("Termez border crossing unit (UZ-TER-BCU)") && second.stdout.contains("Peers: uz-demo and kz-demo"))
        #expect(FileManager.default.fileExists(atPath: dir.file("kz-demo.key")) && FileManager.default.fileExists(atPath: dir.file("uz-demo.key")))

        let kzStore = try await Store.open(try DatabaseLocation(parsing: kz))
        let uzStore = try await Store.open(try DatabaseLocation(parsing: uz))
        let outcome = await capture {
            let kzPeers = try await kzStore.peers(), uzPeers = try await uzStore.peers()
            #expect(kzPeers.map(\.name) == ["uz-demo"] && kzPeers.first?.baseURL == "http://127.0.0.1:8081")
            #expect(uzPeers.map(\.name) == ["kz-demo"] && uzPeers.first?.baseURL == "http://127.0.0.1:8080")
            #expect(kzPeers.first?.publicKey == (try await uzStore.nodeIdentity())?.publicKey)
            let day = CalendarDate(year: 2026, month: 11, day: 24)!
            let aktau = try await kzStore.consignments(for: try await kzStore.unit("KZ-AKT-PCU"), on: day).map(\.consignment)
            let termez = try await uzStore.consignments(for: try await uzStore.unit("UZ-TER-BCU"), on: day).map(\.consignment)
            let toUzbekistan = Set(aktau.filter { $0.route.countryOfDestination == "UZ" }.flatMap { $0.containers.map(\.number) })
            let fromAktau = Set(termez.filter { $0.route.placeOfLoading == "KZAAU" }.flatMap { $0.containers.map(\.number) })
            #expect(toUzbekistan.count == 4 && toUzbekistan == fromAktau)
            #expect(termez.allSatisfy { $0.kind == .railConsignmentNote })
            #expect(try await uzStore.targets(unit: "UZ-TER-BCU", day: day).count == 8)
        }
        await kzStore.close()
        await uzStore.close()
        try outcome.get()
    }
}
