import CordonCore
import CordonStore
import Foundation
import Testing
import TestSupport

/// The paths every request takes: the queue page (prepared on PostgreSQL), and who a token speaks for.
@Suite("Store: the queue page and token users, as requests read them")
struct ReadPathTests {
    @Test("a large day: its documents decoded on the cores, each under its own id; its targets written on the cores, each with its reasons",
          arguments: TestDatabases.available)
    func largeDay(kind: TestDatabases.Kind) async throws {
        try await withStore(kind) { store, _ in
            let count = 1_200
            _ = try await store.commit(IntakeBatch(source: source, consignments: (1...count).map { declaration("L\($0)", mass: Double($0)) }))
            let day = try #require(CalendarDate(year: 2026, month: 11, day: 20))
            try await store.saveUnit(ControlUnit(code: "U1", name: "Unit", kind: .pcu, country: "KZ", locations: ["KZALA"], capacity: .count(5)))
            // A batch's documents get growing ids in their order, and the day is read in the order of the ids.
            let docs = try await store.consignments(for: try await store.unit("U1"), on: day)
            #expect(docs.map(\.id) == docs.map(\.id).sorted())
            #expect(docs.map(\.consignment.documentNumber) == (1...count).map { "L\($0)" })
            #expect(docs.allSatisfy { $0.consignment.goods.first?.grossMassKg == Double($0.consignment.documentNumber.dropFirst()) })
            try await store.replaceTargets(unit: "U1", day: day, targets: docs.enumerated().map { i, d in
                Target(consignmentID: d.id, kind: .declaration, documentNumber: d.consignment.documentNumber, rank: i + 1,
                       score: 0.5, lane: .green, selection: i < 5 ? .targeted : .released,
                       reasons: [Reason("model", ["percent": "\(i)"]), Reason.text(d.consignment.documentNumber)], profiles: [])
            }, modelVersion: nil)
            let stored = try await store.targets(unit: "U1", day: day, includeReleased: true)
            #expect(stored.count == count)
            #expect(stored.allSatisfy { t in
                t.reasons == [Reason("model", ["percent": "\(t.rank - 1)"]), Reason.text(t.documentNumber)]
            })
        }
    }

    @Test("queue pages: the whole day and the selected only, their counts, a page past the end, filters; the same asked many times at once",
          arguments: TestDatabases.available)
    func queuePages(kind: TestDatabases.Kind) async throws {
        try await withStore(kind) { store, _ in
            let numbers = (1...12).map { "Q\($0)" }
            _ = try await store.commit(IntakeBatch(source: source, consignments: numbers.enumerated().map { i, n in
                declaration(n, hs: i < 4 ? "240220" : "090230", containers: i == 5 ? ["MSCU1234566"] : [])
            }))
            let day = try #require(CalendarDate(year: 2026, month: 11, day: 20))
            try await store.saveUnit(ControlUnit(code: "U1", name: "Unit", kind: .pcu, country: "KZ", locations: ["KZALA"], capacity: .count(5)))
            let docs = try await store.consignments(for: try await store.unit("U1"), on: day)
                .sorted { Int($0.consignment.documentNumber.dropFirst()) ?? 0 < Int($1.consignment.documentNumber.dropFirst()) ?? 0 }
            #expect(docs.map(\.consignment.documentNumber) == numbers)
            _ = try await store.saveProfiles([officeProfile("p")], by: "ana")
            let reasons = [Reason("model", ["percent": "91"]), Reason.text("слово «в кавычках» \"and\" \\ more")]
            try await store.replaceTargets(unit: "U1", day: day, targets: docs.enumerated().map { i, d in
                Target(consignmentID: d.id, kind: .declaration, documentNumber: d.consignment.documentNumber, rank: i + 1,
                       score: 1 - Double(i) / 20, lane: i == 0 ? .red : i < 5 ? .yellow : .green,
                       selection: i < 5 ? .targeted : .released, reasons: i % 2 == 0 ? reasons : [], profiles: i == 0 ? ["p@1"] : [])
            }, modelVersion: nil)

            func page(_ change: (inout QueueQuery) -> Void) async throws -> QueuePage {
                var q = QueueQuery(unit: "U1", day: day)
                change(&q)
                return try await store.queue(q)
            }
            // Twice each: the second is asked through the prepared statement on PostgreSQL.
            for _ in 0..<2 {
                let selected = try await page { $0.limit = 3 }
                #expect(selected.total == 5 && selected.targets.map(\.documentNumber) == ["Q1", "Q2", "Q3"])
                #expect(selected.targets[0].reasons == reasons && selected.targets[0].profiles == ["p@1"] && selected.targets[1].reasons.isEmpty)
                #expect(selected.documents[selected.targets[0].consignmentID]?.goods.first?.hsCode == "240220")
                let all = try await page { $0.includeReleased = true; $0.limit = 5; $0.offset = 10 }
                #expect(all.total == 12 && all.targets.map(\.documentNumber) == ["Q11", "Q12"])
                let past = try await page { $0.includeReleased = true; $0.offset = 50 }
                #expect(past.total == 12 && past.targets.isEmpty)
                let none = try await page { $0.unit = "U2" }
                #expect(none.total == 0 && none.targets.isEmpty)
            }
            // Filters take the other way, with the same counts.
            let tobacco = try await page { $0.includeReleased = true; $0.hsChapter = "24" }
            #expect(tobacco.total == 4 && tobacco.targets.map(\.documentNumber) == ["Q1", "Q2", "Q3", "Q4"])
            let green = try await page { $0.lane = .green; $0.includeReleased = true; $0.limit = 2 }
            #expect(green.total == 7 && green.targets.map(\.documentNumber) == ["Q6", "Q7"])
            let found = try await page { $0.includeReleased = true; $0.search = "mscu123" }
            #expect(found.total == 1 && found.targets.map(\.documentNumber) == ["Q6"])
            // By part of a party's name, in any case (every document names the same importer).
            let byParty = try await page { $0.includeReleased = true; $0.search = "каспий" }
            #expect(byParty.total == 12)

            // Many requests at once (each on a connection of its own on PostgreSQL) read the same page.
            let pages = try await withThrowingTaskGroup(of: [String].self) { group in
                for i in 0..<24 {
                    group.addTask { try await page { $0.includeReleased = i % 2 == 0 }.targets.map(\.documentNumber) }
                }
                return try await group.reduce(into: [[String]]()) { $0.append($1) }
            }
            #expect(pages.count == 24 && pages.allSatisfy { $0 == Array(numbers.prefix(5)) || $0 == numbers })
        }
    }

    @Test("a token's user is kept for a moment: a change in the same process is seen at once, one by another process within two seconds",
          arguments: TestDatabases.available)
    func tokenUsers(kind: TestDatabases.Kind) async throws {
        try await withStore(kind) { store, _ in try await withSecondStore(store) { other in
            try await store.saveUnit(ControlUnit(code: "U1", name: "Unit", kind: .pcu, country: "KZ", locations: ["KZALA"], capacity: .count(5)))
            try await store.saveUnit(ControlUnit(code: "U2", name: "Other", kind: .pcu, country: "KZ", locations: ["KZAKX"], capacity: .count(5)))
            let pcs = User(id: 0, username: "pcs", displayName: "Port system", role: .integration, agency: "CUSTOMS", units: ["U1", "U2"])
            _ = try await store.createUser(pcs, passwordHash: "x")
            _ = try await store.createToken(username: "pcs", name: "a", tokenHash: "hash-a", expires: nil, by: "admin")
            _ = try await store.createToken(username: "pcs", name: "b", tokenHash: "hash-b", expires: Date().addingTimeInterval(3600), by: "admin")
            #expect(try await store.tokenUser(tokenHash: "hash-a")?.units == ["U1", "U2"])
            #expect(try await store.tokenUser(tokenHash: "nothing") == nil)
            // An expiry passes even for a kept user.
            #expect(try await store.tokenUser(tokenHash: "hash-b")?.username == "pcs")
            #expect(try await store.tokenUser(tokenHash: "hash-b", now: Date().addingTimeInterval(7200)) == nil)

            // Revoked by the same store: refused at once.
            let listed = try await store.tokens(username: "pcs")
            #expect(try await store.revokeToken(id: try #require(listed.first { $0.name == "a" }).id))
            #expect(try await store.tokenUser(tokenHash: "hash-a") == nil)

            // Changed by another process: seen within two seconds, read anew after that.
            #expect(try await store.tokenUser(tokenHash: "hash-b")?.units == ["U1", "U2"])
            var fewer = pcs
            fewer.units = ["U2"]
            try await other.updateUser(fewer)
            try await Task.sleep(for: .milliseconds(2100))
            #expect(try await store.tokenUser(tokenHash: "hash-b")?.units == ["U2"])
            fewer.disabled = true
            try await other.updateUser(fewer)
            try await Task.sleep(for: .milliseconds(2100))
            #expect(try await store.tokenUser(tokenHash: "hash-b") == nil)
        } }
    }
}
