import CordonCore
import CordonStore
import Foundation
import Testing
import TestSupport

/// Runs the built `cordon` with a database.
func cordon(_ args: [String], database: String? = nil, stdin: String? = nil) throws -> ProcessResult {
    try run(Fixtures.cordonBinary, args, environment: database.map { ["CORDON_DATABASE": $0] } ?? [:], stdin: stdin)
}

@Suite("cordon check")
struct CheckCommandTests {
    @Test("one line per value, exit status 1 when any is invalid")
    func values() throws {
        let ok = try cordon(["check", "container", "CSQU3054383", "MSKU0000080"])
        #expect(ok.status == 0)
        #expect(ok.stdout == "CSQU3054383\tvalid\nMSKU0000080\tvalid\n")
        let bad = try cordon(["check", "locode", "KZALA", "XXABC", "GBQQQ"])
        #expect(bad.status == 1)
        #expect(bad.stdout == "KZALA\tvalid\nXXABC\tinvalid\tcountry 'XX' is not an ISO 3166-1 code\nGBQQQ\tvalid\twarning: not in the bundled UN/LOCODE list\n")
        let hs = try cordon(["check", "hs", "090230", "0902"])
        #expect(hs.stdout == "090230\tvalid\n0902\tinvalid\tlength is 4, expected 6 to 10 digits\n")
    }

    @Test("--file with 100,000 values, and stdin")
    func file() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var lines: [String] = []
        for i in 0..<100_000 {
            let first = String(format: "MSKU%06d", i)
            let digit = ContainerNumber.checkDigit(Array(first.utf8))!
            lines.append(i == 77_777 ? first + "\((digit + 1) % 10)" : first + "\(digit)")
        }
        try lines.joined(separator: "\n").write(toFile: dir.file("c.txt"), atomically: true, encoding: .utf8)
        let r = try cordon(["check", "container", "--file", dir.file("c.txt")])
        #expect(r.status == 1)
        let out = r.stdout.split(separator: "\n")
        #expect(out.count == 100_000)
        #expect(out.filter { $0.contains("\tinvalid\t") } == [Substring("\(lines[77_777])\tinvalid\tcheck digit is \(lines[77_777].last!), expected \(ContainerNumber.checkDigit(Array(lines[77_777].utf8.prefix(10)))!)")])
        let piped = try cordon(["check", "hs", "--file", "-"], stdin: "090230\r\n870323\r\n")
        #expect(piped.status == 0 && piped.stdout == "090230\tvalid\n870323\tvalid\n")
    }

    @Test("every command and subcommand explains itself with an example that reads in an 80-column terminal")
    func help() throws {
        // Walks the whole tree from `cordon --help`, so that a new command is checked without listing it here.
        func subcommands(_ help: String) -> [String] {
            guard let start = help.range(of: "SUBCOMMANDS:\n") else { return [] }
            return help[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false)
                .prefix { !$0.isEmpty }
                .compactMap { line in line.hasPrefix("  ") && !line.hasPrefix("   ") ? line.split(separator: " ").first.map(String.init) : nil }
                .filter { $0 != "help" }
        }
        var queue = subcommands(try cordon(["--help"]).stdout).map { [$0] }
        #expect(queue.count > 20)
        while let command = queue.popLast() {
            let r = try cordon(command + ["--help"])
            #expect(r.status == 0)
            let children = subcommands(r.stdout)
            queue += children.map { command + [$0] }
            guard children.isEmpty else { continue }
            #expect(r.stdout.contains("Example"), "\(command) --help has no example")
            // An example line cut by the 80-column wrap would be copied into a shell broken.
            let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            for (line, next) in zip(lines, lines.dropFirst()) where line.hasPrefix("  ") && !line.hasPrefix("  -")
                && ["cordon", "printf", "--"].contains(where: { line.drop { $0 == " " }.hasPrefix($0) }) {
                #expect(next.isEmpty || next.first == " " || next.hasPrefix("USAGE") || next.hasPrefix("OPTIONS")
                        || next.hasPrefix("ARGUMENTS") || next.hasPrefix("SUBCOMMANDS"), "\(command): '\(line)' wraps onto '\(next)'")
            }
        }
    }
}

@Suite("cordon ingest and rejects")
struct IngestCommandTests {
    @Test("--json summary, then the quarantine listed with file, line, field and reason",
          arguments: TestDatabases.available)
    func summaryAndRejects(kind: TestDatabases.Kind) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try await TestDatabases.fresh(kind, in: dir).urlString
        let r = try cordon(["ingest", "--format", "manifest", "--mapping", Fixtures.path("csv/manifest_ru.mapping.json"),
                            Fixtures.path("csv/manifest_ru.csv"), "--json"], database: db)
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Int])
        #expect(json["accepted"] == 3 && json["duplicates"] == 0 && json["rejected"] == 7)
        #expect(json["consignments"] == 3 && json["containers"] == 3)
        let e = try cordon(["ingest", "--format", "cuscar", Fixtures.path("edifact/cuscar_errors.edi")], database: db)
        #expect(e.status == 0)
        let rejects = try cordon(["rejects"], database: db)
        let lines = rejects.stdout.split(separator: "\n")
        #expect(lines.count == 8)
        #expect(lines.first == "manifest_ru.csv\t5\tДата\t'32.11.2026' is not a date in the form dd.MM.yyyy")
        #expect(lines.last?.hasPrefix("cuscar_errors.edi\tsegment 10\tcontainers[0].number\t'ABC123' is not an ISO 6346") == true)
        let warnings = try cordon(["rejects", "--warnings"], database: db)
        #expect(warnings.stdout.contains("warning\tcuscar_errors.edi\tsegment 20\tXYZ\t"))
    }

    @Test("--dry-run validates and counts as a real run would, and stores nothing")
    func dryRun() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = "sqlite:" + dir.file("c.sqlite")
        let args = ["ingest", "--format", "manifest", "--mapping", Fixtures.path("csv/manifest_ru.mapping.json"),
                    Fixtures.path("csv/manifest_ru.csv"), "--json"]
        let dry = try cordon(args + ["--dry-run"], database: db)
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("c.sqlite")))
        let real = try cordon(args, database: db)
        #expect(dry.stdout == real.stdout)
    }

    @Test("a run that cannot run exits non-zero with the reason")
    func failures() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = "sqlite:" + dir.file("c.sqlite")
        let noMapping = try cordon(["ingest", "--format", "manifest", Fixtures.path("csv/manifest_ru.csv")], database: db)
        #expect(noMapping.status != 0 && noMapping.stderr.contains("--mapping"))
        let missing = try cordon(["ingest", "--format", "kcs", dir.file("nope.csv")], database: db)
        #expect(missing.status != 0 && missing.stderr.contains("nope.csv"))
        let format = try cordon(["ingest", "--format", "xml", dir.file("nope.csv")], database: db)
        #expect(format.status != 0 && format.stderr.contains("unknown format 'xml'"))
    }

    @Test("killed in the middle of a file: whole batches or nothing, and a re-run completes without duplicates",
          arguments: TestDatabases.available)
    func killDuringIngest(kind: TestDatabases.Kind) async throws {
        let batch = 1_000
        // A run may, on a busy machine, end before the watcher sees its first batches: then once more with a file
        // twice as large (a store that never showed a committed batch would miss every time, and fail).
        var killed: KilledIngest?
        for attempt in 0..<3 where killed == nil {
            killed = try await killedIngest(kind, rows: 100_000 << attempt, batch: batch)
        }
        guard let killed else {
            Issue.record("the run finished before it could be killed, three times; make the file larger")
            return
        }
        let (dir, location, rows, afterKill) = (killed.dir, killed.location, killed.rows, killed.afterKill)
        defer { dir.remove() }
        #expect(afterKill > 0 && afterKill < rows)
        #expect(afterKill % batch == 0, "a partial batch was committed: \(afterKill) rows")

        let rerun = try cordon(["ingest", "--format", "bacuda", "--batch-size", "\(batch)", dir.file("big.csv"), "--json"],
                               database: location.urlString)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(rerun.stdout.utf8)) as? [String: Int])
        #expect(json["duplicates"] == afterKill)
        #expect(json["accepted"] == rows - afterKill)
        let final = try await Store.open(location, migrate: false)
        let totals = try await final.totals()
        await final.close()
        #expect(totals.consignments == rows && totals.currentConsignments == rows)
    }

    /// A store whose intake was killed: where it is, the rows of its file, and the documents it held after the kill.
    struct KilledIngest {
        let dir: TemporaryDirectory
        let location: DatabaseLocation
        let rows: Int
        let afterKill: Int
    }

    /// Ingests a file of `rows` BACUDA rows in a child process and kills it once the watcher sees two batches
    /// stored; nil (the store removed) when the run ended first.
    func killedIngest(_ kind: TestDatabases.Kind, rows: Int, batch: Int) async throws -> KilledIngest? {
        let dir = try TemporaryDirectory()
        var kept = false
        defer { if !kept { dir.remove() } }
        let location = try await TestDatabases.fresh(kind, in: dir)
        var text = "sgd.id,sgd.date,importer.id,declarant.id,country,office.id,tariff.code,quantity,gross.weight,fob.value,cif.value,total.taxes,illicit,revenue\n"
        for i in 0..<rows {
            text += "SGD\(i),13-01-\(String(format: "%02d", i % 28 + 1)),IMP\(i % 97),DEC\(i % 13),CNTRY\(i % 7),OFFICE1,7208196032,\(i),1.5,2.5,3.5,0.1,0,0\n"
        }
        try text.write(toFile: dir.file("big.csv"), atomically: true, encoding: .utf8)
        let child = Process()
        child.executableURL = URL(fileURLWithPath: Fixtures.cordonBinary)
        child.arguments = ["ingest", "--format", "bacuda", "--batch-size", "\(batch)", dir.file("big.csv")]
        child.environment = ProcessInfo.processInfo.environment.merging(["CORDON_DATABASE": location.urlString]) { _, n in n }
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        // One reader connection, opened before the writer starts: in WAL mode its reads never wait for the writer,
        // so it sees each batch as it is committed (opening a connection mid-run can wait on the writer's lock).
        let watcher = try await Store.open(location)
        try child.run()
        // Kill it as soon as some batches are in, well before the end.
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline && child.isRunning {
            try await Task.sleep(for: .milliseconds(10))
            if let stored = try? await watcher.totals().consignments, stored >= 2 * batch { break }
        }
        let interrupted = child.isRunning
        if interrupted { kill(child.processIdentifier, SIGKILL) }
        child.waitUntilExit()
        await watcher.close()
        guard interrupted else { return nil }
        let store = try await Store.open(location, migrate: false)
        let afterKill = try await store.totals().consignments
        await store.close()
        kept = true
        return KilledIngest(dir: dir, location: location, rows: rows, afterKill: afterKill)
    }

    @Test("the KCS and BACUDA files and the EDIFACT samples of ../shared/data")
    func sharedData() async throws {
        guard let shared = Fixtures.sharedData else { print("skipped: ../shared/data is absent"); return }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = "sqlite:" + dir.file("c.sqlite")
        let kcs = try cordon(["ingest", "--format", "kcs", "--json", shared + "/kcs/kcs_synthetic_import_declarations_train_eng.csv",
                              shared + "/kcs/kcs_synthetic_import_declarations_valid_eng.csv"], database: db)
        let k = try #require(try JSONSerialization.jsonObject(with: Data(kcs.stdout.utf8)) as? [String: Int])
        #expect(k["accepted"] == 45_519 && k["rejected"] == 0)
        let edi = try cordon(["ingest", "--format", "baplie", "--json", shared + "/edifact/reference/php-edifact_D95BBAPLIE.edi",
                              shared + "/edifact/reference/edifabric_Bayplan_baplie_d13b_smdg31.edi"], database: db)
        let e = try #require(try JSONSerialization.jsonObject(with: Data(edi.stdout.utf8)) as? [String: Int])
        #expect(e["accepted"] == 2 && e["containers"] == 4)
    }
}

extension DatabaseLocation {
    /// The location as `--database` takes it.
    var urlString: String {
        switch self {
        case .sqlite(let path): return "sqlite:" + path
        case .postgres(let url): return url
        }
    }
}
