import CordonCore
import CordonServer
import CordonStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

@Suite("Authorisation: each role against its own and another unit, reading and writing")
struct AuthorisationTests {
    /// Users of every role; the unit-scoped ones of Almaty (ALA) or Tashkent (TAS).
    static let people: [(String, Role, [String])] = [
        ("sup-ala", .supervisor, ["ALA"]), ("sup-tas", .supervisor, ["TAS"]), ("cora", .coordinator, []),
        ("audi", .auditor, []), ("root", .admin, []),
    ]

    @Test("every page and form answers each role as the security model says", arguments: TestDatabases.available)
    func matrix(kind: TestDatabases.Kind) async throws {
        try await withSeededWorkspace(kind, prepare: { store in
            for (name, role, units) in AuthorisationTests.people {
                _ = try await store.createUser(User(username: name, displayName: name, role: role, agency: "customs", units: units),
                                               passwordHash: fixturePasswordHash)
            }
        }) { client, store in
            let ala = try #require(try await store.currentConsignmentID("BL-ALA-1", kind: .billOfLading))
            // (user, reads ALA's consignment, records ALA's results, reads profiles, writes profiles, administers, uploads, scores ALA's day)
            let expected: [(String, Bool, Bool, Bool, Bool, Bool, Bool, Bool)] = [
                ("olga", true, true, false, false, false, false, false),
                ("timur", false, false, false, false, false, false, false),
                ("sup-ala", true, true, true, false, false, false, true),
                ("sup-tas", false, false, true, false, false, false, false),
                ("ana", true, false, true, true, false, true, true),
                ("cora", true, false, false, false, false, false, false),
                ("audi", true, false, true, false, false, false, false),
                ("root", true, false, true, false, true, true, false),
            ]
            for (user, readsALA, recordsALA, readsProfiles, writesProfiles, administers, uploads, scoresALA) in expected {
                let b = Browser(client)
                #expect(try await b.post("/login", ["username": user, "password": "correct horse battery"]).status == .seeOther, "\(user)")
                let page = try await b.get("/consignments/\(ala)")
                #expect(page.status == (readsALA ? .ok : .notFound), "\(user) reads ALA's consignment")
                let csrf = Browser.csrf(try await b.get("/dashboard"))
                let result = try await b.post("/consignments/\(ala)/result", ["csrf": csrf, "unit": "ALA", "outcome": "cleared", "method": "x-ray"])
                #expect((result.status == .seeOther) == recordsALA, "\(user) records ALA's result: \(result.status)")
                // Without the form's token nothing is written, whoever asks.
                #expect(try await b.post("/consignments/\(ala)/result", ["unit": "ALA", "outcome": "cleared", "method": "x-ray"]).status == .forbidden)
                #expect((try await b.get("/profiles").status == .ok) == readsProfiles, "\(user) reads profiles")
                #expect((try await b.get("/models").status == .ok) == readsProfiles, "\(user) reads models")
                #expect((try await b.get("/profiles/new").status == .ok) == writesProfiles, "\(user) writes profiles")
                #expect((try await b.get("/admin").status == .ok) == administers, "\(user) administers")
                #expect((try await b.post("/admin/units", ["csrf": csrf, "code": "X", "name": "X", "kind": "pcu", "country": "KZ",
                                                           "locations": "KZALA", "capacity": "1", "control_share": "5"]).status == .seeOther) == administers)
                #expect((try await b.get("/ingest").status == .ok) == uploads, "\(user) uploads")
                let score = try await b.post("/queue/score", ["csrf": csrf, "unit": "ALA", "date": "2026-11-20"])
                #expect((score.status == .seeOther) == scoresALA, "\(user) scores ALA's day: \(score.status)")
                // Every reader has a dashboard and a register, of their own units at most.
                #expect(try await b.get("/dashboard").status == .ok)
                let csv = String(buffer: try await b.get("/seizures.csv").body)
                #expect(csv.hasPrefix("\u{FEFF}date,unit"))
                // Other units' queues are never shown to unit-scoped readers.
                let tas = String(buffer: try await b.get("/queue?unit=TAS&date=2026-11-20&all=1").body)
                #expect(tas.contains("BL-TAS-1") == ["timur", "sup-tas", "ana", "cora", "audi", "root"].contains(user), "\(user) sees TAS's queue")
            }
            let results = try await store.inspections(of: "BL-ALA-1", kind: .billOfLading)
            #expect(results.map(\.recordedBy) == ["olga", "sup-ala"])
            // An integration's account never opens the pages.
            _ = try await store.createUser(User(username: "pcs", displayName: "pcs", role: .integration, agency: "customs", units: ["ALA"]),
                                           passwordHash: fixturePasswordHash)
            #expect(try await Browser(client).post("/login", ["username": "pcs", "password": "correct horse battery"]).status == .unauthorized)
        }
    }
}
