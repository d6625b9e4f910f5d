import CordonCore
import CordonIngest
import CordonStore
import Foundation
import Testing
import TestSupport

/// Opens a fresh store of the kind, runs `body`, closes and cleans up.
func withStore(_ kind: TestDatabases.Kind, _ body: (Store, TemporaryDirectory) async throws -> Void) async throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let store = try await Store.open(try await TestDatabases.fresh(kind, in: dir))
    do {
        try await body(store, dir)
    } catch {
        await store.close()
        throw error
    }
    await store.close()
}

/// A second store on the same database, with its own connection, as a second `cordon serve` process would have.
func withSecondStore(_ store: Store, _ body: (Store) async throws -> Void) async throws {
    let other = try await Store.open(await store.location, migrate: false)
    do { try await body(other) } catch {
        await other.close()
        throw error
    }
    await other.close()
}

func declaration(_ number: String, hs: String = "090230", mass: Double = 100, containers: [String] = []) -> Consignment {
    Consignment(kind: .declaration, documentNumber: number, date: CalendarDate(year: 2026, month: 11, day: 20)!,
                office: "KZALA", route: Route(placeOfLoading: "CNSHA", placeOfDischarge: "KZALA"),
                parties: [Party(role: .importer, identifier: "IMP1", name: "ТОО Каспий Транс")],
                goods: [GoodsItem(sequence: 1, hsCode: hs, grossMassKg: mass)],
                containers: containers.map { Container(number: $0) }, label: OutcomeLabel(illicit: false))
}

let source = SourceFile(name: "t.csv", fingerprint: "f1", format: "kcs")

/// Sets the next id a store hands out, through the database's own client (as other records taking ids would).
func setNextID(_ id: Int, of location: DatabaseLocation) throws {
    let statement = "UPDATE id_blocks SET next_id = \(id) WHERE name = 'main'"
    let result: ProcessResult
    switch location {
    case .sqlite(let path): result = try run("/usr/bin/env", ["sqlite3", path, statement])
    case .postgres(let url): result = try run("/usr/bin/env", ["psql", "-X", "-q", url, "-c", statement])
    }
    guard result.status == 0 else { throw TestSetupError("could not set the next id: \(result.stderr)") }
}

/// A closed SQLite store file holding `documents`, for the tests that rewrite it as an earlier version left it.
func closedStore(with documents: [Consignment], in dir: TemporaryDirectory) async throws -> String {
    let path = dir.file("node.sqlite")
    let store = try await Store.open(.sqlite(path: path))
    _ = try await store.commit(IntakeBatch(source: source, consignments: documents))
    await store.close()
    return path
}

@Suite("Store")
struct StoreTests {
    @Test("migrations are versioned and applied once", arguments: TestDatabases.available)
    func migrations(kind: TestDatabases.Kind) async throws {
        try await withStore(kind) { store, _ in
            let version = try await store.schemaVersion()
            #expect(version >= 1)
            #expect(try await store.migrate().isEmpty)
            #expect(try await store.schemaVersion() == version)
        }
    }

    @Test("migration 17 numbers the party names of a store that kept them in every entry: its documents are found as before, new ones after")
    func partyNamesMigration() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try await closedStore(with: [declaration("A1"), declaration("A2")], in: dir)
        // The store as version 16 left it: every entry with its term, no names table.
        let downgrade = try run("/usr/bin/env", ["sqlite3", path, """
            CREATE TABLE consignment_party_terms (
                term TEXT NOT NULL, consignment_id BIGINT NOT NULL REFERENCES consignments (id), role TEXT NOT NULL,
                PRIMARY KEY (term, consignment_id, role)) WITHOUT ROWID;
            INSERT INTO consignment_party_terms SELECT n.term, p.consignment_id, p.role FROM consignment_parties p JOIN party_names n ON n.id = p.name_id;
            DROP TABLE consignment_parties; DROP TABLE party_names;
            DELETE FROM id_blocks WHERE name = 'party_names'; DELETE FROM schema_migrations WHERE version >= 17;
            SELECT COUNT(*) FROM consignment_party_terms;
            """])
        #expect(downgrade.status == 0 && downgrade.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "4", "\(downgrade.stderr)")
        let store = try await Store.open(.sqlite(path: path))
        #expect(try await store.schemaVersion() >= 17)
        func found(_ term: String) async throws -> Set<String> {
            Set(try await store.traderHistory(terms: [term], excluding: 0, units: nil).map(\.documentNumber))
        }
        #expect(try await found("IMP1") == ["A1", "A2"])
        // A later document's names get numbers after the migrated ones and share the existing ones.
        var other = declaration("A3")
        other.parties.append(Party(role: .consignee, name: "Kaspiy Trans LLP"))
        _ = try await store.commit(IntakeBatch(source: source, consignments: [other]))
        #expect(try await found("IMP1") == ["A1", "A2", "A3"])
        #expect(try await found("ТОО КАСПИЙ ТРАНС") == ["A1", "A2", "A3"])
        #expect(try await found("KASPIY TRANS LLP") == ["A3"])
        await store.close()
    }

    @Test("migrating container entries keeps them and drops their foreign key")
    func containerEntriesMigration() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try await closedStore(with: [
            declaration("C1", containers: ["MSCU1234566"]), declaration("C2", containers: ["MSCU1234566", "TGHU9876543"]),
        ], in: dir)
        // The store as version 17 left it: the entries' table with a foreign key to the documents.
        let downgrade = try run("/usr/bin/env", ["sqlite3", path, """
            CREATE TABLE old_entries (
                number TEXT NOT NULL, consignment_id BIGINT NOT NULL REFERENCES consignments (id),
                check_digit_valid INTEGER NOT NULL, PRIMARY KEY (number, consignment_id)) WITHOUT ROWID;
            INSERT INTO old_entries SELECT number, consignment_id, check_digit_valid FROM consignment_containers;
            DROP TABLE consignment_containers; ALTER TABLE old_entries RENAME TO consignment_containers;
            DELETE FROM schema_migrations WHERE version >= 18;
            SELECT COUNT(*) FROM pragma_foreign_key_list('consignment_containers');
            """])
        #expect(downgrade.status == 0 && downgrade.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "\(downgrade.stderr)")
        let store = try await Store.open(.sqlite(path: path))
        #expect(try await store.schemaVersion() >= 18)
        _ = try await store.commit(IntakeBatch(source: source, consignments: [declaration("C3", containers: ["TGHU9876543"])]))
        await store.close()
        let after = try run("/usr/bin/env", ["sqlite3", path, """
            SELECT COUNT(*) FROM pragma_foreign_key_list('consignment_containers');
            SELECT e.number || ' ' || c.document_number FROM consignment_containers e JOIN consignments c ON c.id = e.consignment_id
            ORDER BY 1;
            """])
        #expect(after.stdout.split(separator: "\n") == ["0", "MSCU1234566 C1", "MSCU1234566 C2", "TGHU9876543 C2", "TGHU9876543 C3"],
                "\(after.stderr)")
    }

    @Test("documents whose search entries lie in blocks far apart are found by parties and containers, and purged entry by entry",
          arguments: TestDatabases.available)
    func entryBlocks(kind: TestDatabases.Kind) async throws {
        try await withStore(kind) { store, _ in
            let day = try #require(CalendarDate(year: 2026, month: 11, day: 20))
            let old = try #require(CalendarDate(year: 2024, month: 1, day: 10))
            func doc(_ number: String, _ container: String, consignee: String, on date: CalendarDate = day) -> Consignment {
                var c = declaration(number, containers: [container])
                c.date = date
                c.parties.append(Party(role: .consignee, name: consignee))
                return c
            }
            // Ids jump between batches, as when other records take ids in between, so that the documents fall in the
            // blocks 0, 2 and 3 (one batch across their border) and 7 of 4,096 documents.
            func commit(_ docs: [Consignment], nextID: Int?) async throws {
                if let nextID { try await setNextID(nextID, of: await store.location) }
                _ = try await store.commit(IntakeBatch(source: source, consignments: docs))
            }
            try await commit([doc("B0", "MSCU1234566", consignee: "Alpha LLC")], nextID: nil)
            // B2 alone names a shipper, Beta; its consignee Gamma is B7's too.
            var b2 = doc("B2", "TGHU9876543", consignee: "Gamma LLC", on: old)
            b2.parties.append(Party(role: .shipper, name: "Beta LLC"))
            try await commit([b2, doc("B3", "MSCU1234566", consignee: "Alpha LLC")], nextID: 3 * 4096 - 1)
            try await commit([doc("B7", "TGHU9876543", consignee: "Gamma LLC")], nextID: 7 * 4096 + 5)
            try await store.saveUnit(ControlUnit(code: "U1", name: "Unit", kind: .pcu, country: "KZ", locations: ["KZALA"], capacity: .count(5)))
            let docs = try await store.consignments(for: try await store.unit("U1"), on: day)
            let ids = Dictionary(uniqueKeysWithValues: docs.map { ($0.consignment.documentNumber, $0.id) })
            #expect(ids.count == 3 && ids["B3"].map { $0 / 4096 } == 3 && ids["B7"].map { $0 / 4096 } == 7)

            func history(_ term: String) async throws -> Set<String> {
                Set(try await store.traderHistory(terms: [term], excluding: 0, units: nil).map(\.documentNumber))
            }
            #expect(try await history("IMP1") == ["B0", "B2", "B3", "B7"])
            #expect(try await history("ALPHA LLC") == ["B0", "B3"])
            try await store.replaceTargets(unit: "U1", day: day, targets: docs.enumerated().map { i, d in
                Target(consignmentID: d.id, kind: .declaration, documentNumber: d.consignment.documentNumber, rank: i + 1,
                       score: 0.5, lane: .green, selection: .released, reasons: [], profiles: [])
            }, modelVersion: nil)
            func search(_ text: String) async throws -> Set<String> {
                var q = QueueQuery(unit: "U1", day: day)
                q.includeReleased = true
                q.search = text
                return Set(try await store.queue(q).targets.map(\.documentNumber))
            }
            #expect(try await search("gamma") == ["B7"])
            #expect(try await search("alpha") == ["B0", "B3"])
            #expect(try await search("tghu98") == ["B7"])
            // An alert on a container carried in two blocks matches both documents, and finds the day scored without it.
            _ = try await store.receiveMessage(id: "a1", sender: "kz-node", signature: "s", kind: "alert", json: "{}",
                                               message: MessageRecord(id: "a1", thread: "a1", inReplyTo: nil, kind: "alert", priority: "urgent",
                                                                      language: "en", senderNode: "uz-node", senderUnit: "TAS", sentBy: nil,
                                                                      channel: "{}", channelLabel: "unit uz-node/TAS", subject: "watch",
                                                                      content: "{}", created: "2026-11-19T08:00:00Z"),
                                               boxes: ["U1"],
                                               watches: [AlertWatch(messageID: "a1", unit: "U1", container: "MSCU1234566",
                                                                    from: day.adding(days: -7), until: day.adding(days: 7))], effect: nil)
            let matches = try await store.alertMatches(unit: "U1", day: day, consignmentIDs: docs.map(\.id))
            #expect(Set(matches.keys) == Set([ids["B0"], ids["B3"]].compactMap { $0 }))
            #expect(try await store.daysWithUnflaggedAlerts(unit: "U1") == [day])

            // The purge takes B2 (block 2) with its entries and the name only it gave (Beta, not Gamma, which B7 in
            // block 7 gives too); the others are found as before.
            #expect(try await store.totals().partyNames == 5)
            #expect(try await store.purgeCargo(before: try #require(CalendarDate(iso: "2025-01-01"))).consignments == 1)
            let totals = try await store.totals()
            #expect(totals.consignments == 3 && totals.containers == 3 && totals.partyNames == 4)
            #expect(try await history("IMP1") == ["B0", "B3", "B7"])
            #expect(try await history("GAMMA LLC") == ["B7"])
            #expect(try await search("gamma") == ["B7"])
            #expect(try await search("beta").isEmpty)
            #expect(try await search("tghu98") == ["B7"])
        }
    }

    @Test("a store closed from a cancelled task (a server shutting down) still closes its SQLite file")
    func closeWhenCancelled() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("node.sqlite")
        let store = try await Store.open(.sqlite(path: path))
        #expect(FileManager.default.fileExists(atPath: path + "-wal"))
        let closing = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            await store.close()
        }
        await closing.value
        // SQLite removes the write-ahead log when the last connection closes: the file was really closed.
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
    }

    @Test("same document again is a duplicate; a changed one is a new version and the old is kept",
          arguments: TestDatabases.available)
    func idempotency(kind: TestDatabases.Kind) async throws {
        try await withStore(kind) { store, _ in
            let first = try await store.commit(IntakeBatch(source: source, consignments: [
                declaration("D1", containers: ["MSCU1234566"]), declaration("D2"),
            ]))
            #expect(first.accepted == 2 && first.duplicates == 0 && first.containers == 1)
            let again = try await store.commit(IntakeBatch(source: source, consignments: [declaration("D1", containers: ["MSCU1234566"])]))
            #expect(again.accepted == 0 && again.duplicates == 1)
            let changed = try await store.commit(IntakeBatch(source: source, consignments: [declaration("D1", mass: 250)]))
            #expect(changed.accepted == 1 && changed.newVersions == 1)
            let versions = try await store.versions(of: "D1", kind: .declaration)
            #expect(versions.map { $0.goods[0].grossMassKg } == [100, 250])
            #expect(try await store.consignment("D1", kind: .declaration)?.goods[0].grossMassKg == 250)
            // Two versions of one document in the same batch: both kept, the later current.
            let both = try await store.commit(IntakeBatch(source: source, consignments: [declaration("D3", mass: 1), declaration("D3", mass: 2)]))
            #expect(both.accepted == 2)
            #expect(try await store.consignment("D3", kind: .declaration)?.goods[0].grossMassKg == 2)
            // A batch of a duplicate and a new document writes the new one's search entries only.
            let mixed = try await store.commit(IntakeBatch(source: source, consignments: [
                declaration("D2"), declaration("D4", containers: ["TGHU9876543", "MSCU1234566"]),
            ]))
            #expect(mixed.accepted == 1 && mixed.duplicates == 1)
            let totals = try await store.totals()
            #expect(totals.consignments == 6 && totals.currentConsignments == 4)
            #expect(totals.containers == 3 && totals.partyNames == 2)
            // Cyrillic survives the round trip.
            #expect(versions[0].parties[0].name == "ТОО Каспий Транс")
        }
    }

    @Test("quarantine keeps each record once, even when the file is read again", arguments: TestDatabases.available)
    func quarantine(kind: TestDatabases.Kind) async throws {
        try await withStore(kind) { store, _ in
            let rejects = [RejectedRecord(file: "t.csv", line: 5, field: "Date", reason: "bad date", raw: "x;32.11.2026"),
                           RejectedRecord(file: "t.csv", line: 5, field: "Date", reason: "and more", raw: "x;32.11.2026"),
                           RejectedRecord(file: "t.csv", line: 9, field: "HS", reason: "bad HS", raw: "y")]
            let warning = RejectedRecord(file: "t.csv", line: 12, unit: "segment", field: "UNT", reason: "count", raw: "")
            let batch = IntakeBatch(source: source, rejects: rejects, warnings: [warning])
            let first = try await store.commit(batch)
            #expect(first.rejected == 3 && first.warnings == 1)
            _ = try await store.commit(batch)
            let entries = try await store.quarantine()
            #expect(entries.map(\.record.line) == [5, 9])
            #expect(entries[0].record.reason == "bad date; and more")
            #expect(entries[0].record.raw == "x;32.11.2026")
            #expect(try await store.quarantine(includeWarnings: true).count == 3)
        }
    }

    @Test("a bay plan is stored once per content", arguments: TestDatabases.available)
    func bayPlans(kind: TestDatabases.Kind) async throws {
        try await withStore(kind) { store, _ in
            let plan = BayPlan(reference: "BP1", vesselIdentifier: "9811000", voyage: "042E", containers: [
                StowedContainer(container: Container(number: "MSCU1234566"), position: "0100082", portOfLoading: "CNSHA"),
            ])
            let a = try await store.commit(IntakeBatch(source: source, bayPlans: [plan]))
            let b = try await store.commit(IntakeBatch(source: source, bayPlans: [plan]))
            var changed = plan
            changed.containers[0].position = "0100084"
            let c = try await store.commit(IntakeBatch(source: source, bayPlans: [changed]))
            #expect(a.accepted == 1 && a.containers == 1 && b.duplicates == 1 && c.newVersions == 1)
            let totals = try await store.totals()
            #expect(totals.bayPlans == 2 && totals.bayPlanContainers == 2)
        }
    }

    @Test("concurrent commits do not interleave inside each other's transactions", arguments: TestDatabases.available)
    func concurrentCommits(kind: TestDatabases.Kind) async throws {
        try await withStore(kind) { store, _ in
            try await withThrowingTaskGroup(of: IntakeCounts.self) { group in
                for g in 0..<8 {
                    group.addTask {
                        try await store.commit(IntakeBatch(source: source, consignments: (0..<50).map { declaration("C\(g)-\($0)") }))
                    }
                }
                var accepted = 0
                for try await c in group { accepted += c.accepted }
                #expect(accepted == 400)
            }
            #expect(try await store.totals().consignments == 400)
        }
    }

    @Test("two writers (two processes' connections) storing the same documents at once: each stored once",
          arguments: TestDatabases.available)
    func twoWriters(kind: TestDatabases.Kind) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let location = try await TestDatabases.fresh(kind, in: dir)
        let a = try await Store.open(location)
        let b = try await Store.open(location)
        let docs = (0..<300).map { declaration("W\($0)") }
        let outcome = await capture {
            try await withThrowingTaskGroup(of: IntakeCounts.self) { group in
                for (store, slice) in [(a, docs[0..<200]), (b, docs[100..<300]), (a, docs[150..<300]), (b, docs[0..<120])] {
                    group.addTask { try await store.commit(IntakeBatch(source: source, consignments: Array(slice))) }
                }
                var all: [IntakeCounts] = []
                for try await r in group { all.append(r) }
                return all
            }
        }
        let totals = try await a.totals()
        await a.close()
        await b.close()
        if case .failure(let error) = outcome { Issue.record("\(String(reflecting: error))") }
        let results = try outcome.get()
        #expect(totals.consignments == 300 && totals.currentConsignments == 300)
        let accepted = results.reduce(0) { $0 + $1.accepted }
        let duplicates = results.reduce(0) { $0 + $1.duplicates }
        #expect(accepted == 300)
        #expect(duplicates == 370)   // 670 offered, 300 stored
    }

    @Test("a whole file through the pipeline, then again: all duplicates", arguments: TestDatabases.available)
    func pipelineRerun(kind: TestDatabases.Kind) async throws {
        try await withStore(kind) { store, _ in
            let mapping = try IngestPipeline.loadMapping(path: Fixtures.path("csv/manifest_ru.mapping.json"))
            let pipeline = try IngestPipeline(format: .manifest, mapping: mapping, batchSize: 2)
            let path = Fixtures.path("csv/manifest_ru.csv")
            let first = try await pipeline.run(file: path, commit: { try await store.commit($0) })
            #expect(first.accepted == 3 && first.rejected == 7 && first.containers == 3)
            let second = try await pipeline.run(file: path, commit: { try await store.commit($0) })
            #expect(second.accepted == 0 && second.duplicates == 3 && second.rejected == 7)
            let entries = try await store.quarantine()
            #expect(entries.count == 7)
            #expect(entries.first?.record.field == "Дата")
        }
    }

    @Test("SQLite: a committed batch is copied from the write-ahead log into the database file beside the writer")
    func backgroundCheckpoint() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("node.sqlite")
        let store = try await Store.open(.sqlite(path: path))
        func size(_ file: String) -> Int { ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int) ?? 0 }
        let before = size(path)
        // A new database has pages of 8 KB: the page size is bytes 16-17 of the file's header, big-endian.
        let header = try #require(FileManager.default.contents(atPath: path)).prefix(18)
        #expect(header.count == 18 && Int(header[16]) << 8 | Int(header[17]) == 8192)
        // A few MB of log: below the writer's own automatic checkpoint, so only the checkpointer copies them.
        let batch = IntakeBatch(source: source, consignments: (1...1500).map { declaration("W\($0)", containers: ["MSCU1234566"]) })
        #expect(try await store.commit(batch).accepted == 1500)
        #expect(size(path + "-wal") > 1 << 20)
        var grown = false
        for _ in 0..<200 where !grown {
            grown = size(path) > before + (1 << 20)
            if !grown { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(grown, "the database file stayed at \(size(path)) bytes (\(before) before the batch)")
        // And the store still reads what it wrote, from the file and the log alike.
        #expect(try await store.totals().consignments == 1500)
        await store.close()
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
    }
}

@Suite("Database locations")
struct LocationTests {
    @Test func parsing() throws {
        #expect(try DatabaseLocation(parsing: "sqlite:cordon.sqlite") == .sqlite(path: "cordon.sqlite"))
        #expect(try DatabaseLocation(parsing: "sqlite:///var/lib/c.sqlite") == .sqlite(path: "/var/lib/c.sqlite"))
        #expect(throws: StoreError.self) { try DatabaseLocation(parsing: "mysql://x") }
        let pg = try DatabaseLocation(parsing: "postgres://cordon:s3cret@db:5432/cordon")
        #expect(!pg.description.contains("s3cret"))
    }
}
