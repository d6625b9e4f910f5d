import CordonCore
import CordonRisk
import CordonServer
import CordonStore
import Foundation

/// A fresh demo node of one country (DemoCountry: Kazakhstan, or Uzbekistan for a second node): two agencies, a
/// port or border unit and an airport ACCU, users of every role, weeks of generated cargo whose earlier days were
/// targeted and controlled (so that there is history, a trained model and dashboards), and today's queues waiting.
struct DemoNode {
    /// The analysts' profiles of the demo, as an analyst would write them (docs/targeting.md has the format).
    static let profiles = """
        - name: heroin-route-cover-goods
          title: Stone or dried fruit from Karachi or Bandar Abbas (cover loads on the southern route)
          lane: red
          weight: 0.5
          author: marat
          status: active
          conditions:
            - field: route
              in: [PKKHI, IRBND]
            - field: hs_code
              prefix: ["6802", "0813"]
        - name: tobacco-as-paper
          title: Paper napkins from the Gulf or the southern route (cigarettes are declared as paper)
          lane: yellow
          weight: 0.35
          author: marat
          status: active
          conditions:
            - field: hs_code
              prefix: ["4818"]
            - field: route
              in: [AEDXB, IRBND, PKKHI]
        - name: solvents-precursor-cover
          title: Solvents in drums (acetic anhydride travels as solvent)
          lane: yellow
          weight: 0.3
          author: marat
          status: active
          conditions:
            - field: hs_code
              prefix: ["3814"]
        - name: undervalued-laptops
          title: Portable computers declared under 20 USD per kg
          lane: yellow
          weight: 0.3
          author: marat
          status: active
          conditions:
            - field: hs_code
              prefix: ["847130"]
            - field: unit_value
              range: {max: 20}
        """

    /// A watch list of the demo: names that appear, in other spellings, among the generated parties.
    static let watchList = WatchList(entries: [
        WatchListEntry(id: "DEMO-1", name: "KASPIY TRANS LLP"),
        WatchListEntry(id: "DEMO-2", name: "GOLDEN CRESCENT GENERAL TRADING FZE", aliases: ["GOLDEN CRESCENT TRADING"]),
        WatchListEntry(id: "DEMO-3", name: "DESERT FALCON CARGO"),
    ])

    /// The watch list as CSV, for the command line.
    static var watchListCSV: String {
        "id,name\n" + watchList.entries.flatMap { e in e.names.map { "\(e.id),\"\($0)\"" } }.joined(separator: "\n") + "\n"
    }

    let store: Store
    let country: DemoCountry
    let days: Int
    /// About how many consignments arrive a day, the port's and the airport's together.
    var perDay = 85
    let today: CalendarDate
    var log: @Sendable (String) -> Void

    /// Makes the node; the store must be empty. Returns a token of the demo's system integration.
    func build() async throws -> String {
        for unit in country.units { try await store.saveUnit(unit) }
        for agency in country.agencies { try await store.saveAgency(Agency(code: agency.code, name: agency.name)) }
        for a in country.accounts {
            _ = try await store.createUser(User(username: a.username, displayName: a.name, role: a.role, agency: a.agency, units: a.units,
                                                language: a.language), passwordHash: Passwords.hash(a.password))
        }
        _ = try await store.createUser(User(username: "port-system", displayName: "Port community system", role: .integration,
                                            agency: "customs", units: country.units.map(\.code)),
                                       passwordHash: Passwords.hash(APITokens.issue().token))
        let issued = APITokens.issue()
        _ = try await store.createToken(username: "port-system", name: "demo feed", tokenHash: issued.hash, expires: nil, by: "demo")
        // Profiles are put in force as on a real node: the analyst asks, the supervisor approves (four-eyes).
        let people = try await store.users().map(\.user)
        guard let analyst = people.first(where: { $0.role == .analyst }), let supervisor = people.first(where: { $0.role == .supervisor }) else {
            throw CLIRefusal("the demo country needs an analyst and a supervisor")
        }
        let profiles = try ProfileFile.parse(Data(DemoNode.profiles.replacingOccurrences(of: "author: marat", with: "author: \(analyst.username)").utf8),
                                             name: "demo profiles", json: false)
        for o in try await store.saveProfiles(profiles.map { var p = $0; p.status = .draft; return p }, by: analyst.username) {
            let asked = try await store.requestApproval(.activateProfile(name: o.name, version: o.version),
                                                        reason: "patterns of last quarter's seizures in the region", by: analyst, origin: "demo")
            _ = try await store.decideApproval(asked.id, approve: true, note: "checked against the unit's capacity", by: supervisor, origin: "demo")
        }
        // One request left for the administrator to decide in the pages.
        if let unit = country.units.first(where: { supervisor.units.contains($0.code) }) {
            _ = try await store.requestApproval(.changeCapacity(unit: unit.code, capacity: "12", controlSharePercent: 10),
                                                reason: "a second x-ray scanner is in service from Monday", by: supervisor, origin: "demo")
        }

        // Cargo for every day, with what a control would find.
        var cargo = DemoCargo(country: country)
        var truths: [String: DemoTruth] = [:]
        var serial = 0
        let first = today.adding(days: -(days - 1))
        for offset in 0..<days {
            let day = first.adding(days: offset)
            let sea = Int.random(in: perDay * 47 / 100...perDay * 65 / 100, using: &cargo.rng)
            let air = Int.random(in: perDay * 35 / 100...perDay * 50 / 100, using: &cargo.rng)
            let batch = cargo.day(day, sea: sea, air: air, serial: &serial)
            for (c, truth) in batch { truths[c.documentNumber] = truth }
            // Today's containers in transit from Aktau to Termez are in both demo countries' cargo.
            let transits = day == today ? DemoCargo.transits(on: day, for: country) : []
            _ = try await store.commit(IntakeBatch(source: SourceFile(name: "demo-manifest-\(day).json", fingerprint: "demo:\(day)", format: "json"),
                                                   consignments: batch.map(\.0) + transits))
        }
        log("cargo: \(serial) consignments over \(days) days")

        // The past: targeted with profiles and screening, controlled, and learned from.
        let work = UnitWork(store: store, screening: NameMatcher(list: DemoNode.watchList))
        let trainUntil = today.adding(days: -8)
        for offset in 0..<days {
            let day = first.adding(days: offset)
            if day == trainUntil.adding(days: 1) {
                var parameters = TrainingParameters()
                parameters.rounds = 200
                let trained = try await work.train(from: first, until: trainUntil, parameters: parameters, by: country.analyst)
                log("model \(trained.version.id): \(trained.examples) controlled consignments, \(trained.version.positives) with findings")
            }
            for unit in country.units {
                let scored = try await work.target(unit: unit.code, day: day)
                guard day < today else { continue }
                try await control(scored, truths: truths)
            }
        }
        return issued.token
    }

    /// Records what the controls of a day's selected targets found, as the unit's officer would.
    func control(_ scored: TargetedDay, truths: [String: DemoTruth]) async throws {
        let officer = country.accounts.first { $0.role == .officer && $0.units.contains(scored.unit.code) }?.username ?? "demo"
        for t in scored.targets where t.selection != .released {
            let (outcome, method, notes, lines): (InspectionOutcome, InspectionMethod, String?, [SeizureLine]) =
                switch truths[t.documentNumber] ?? .clean {
                case .clean: (.cleared, t.lane == .red ? .physical : .xray, nil, [])
                case .irregularity(let what): (.irregularity, .documentary, what, [])
                case .seizure(let found): (.seizure, .physical, nil, found)
                }
            try await store.recordInspection(InspectionResult(kind: t.kind, documentNumber: t.documentNumber, unit: scored.unit.code,
                                                              date: scored.day, outcome: outcome, method: method, notes: notes,
                                                              recordedBy: officer, seizures: lines))
        }
    }
}
