import CordonCore
import Foundation
import Testing
import TestSupport

@Suite("cordon profile, unit, target, result and model")
struct TargetingCommandTests {
    static let profiles = """
        - name: cheap-cigarettes
          title: Cigarettes at office 10
          lane: red
          weight: 0.4
          author: analyst
          status: active
          conditions:
            - {field: hs_code, prefix: ["2402"]}
            - {field: office, equals: "10"}
        - name: shoes-draft
          title: A draft does not fire
          lane: red
          weight: 0.9
          author: analyst
          conditions:
            - {field: office, equals: "10"}
        """

    @Test("an analyst loads profiles, a unit's day is targeted, results recorded, a model trained from them",
          arguments: TestDatabases.available)
    func endToEnd(kind: TestDatabases.Kind) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try await TestDatabases.fresh(kind, in: dir).urlString
        func ok(_ args: [String]) throws -> ProcessResult {
            let r = try run(Fixtures.cordonBinary, args, environment: ["CORDON_DATABASE": db, "CORDON_USER": "analyst1",
                                                                       "OMP_WAIT_POLICY": "PASSIVE"])
            #expect(r.status == 0, "cordon \(args.joined(separator: " ")): \(r.stderr)")
            return r
        }
        let data = plantedKCS(rows: 3000, seed: 31, startMonth: 1)
        try data.write(toFile: dir.file("kcs.csv"), atomically: true, encoding: .utf8)
        // The March day with the most cigarette declarations at office 10.
        var cigarettes: [String: Int] = [:]
        for line in data.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            if f[1].hasPrefix("2020-03"), f[2] == "10", f[12] == "240220" { cigarettes[String(f[1]), default: 0] += 1 }
        }
        let day = try #require(cigarettes.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }).key
        _ = try ok(["ingest", "--format", "kcs", dir.file("kcs.csv")])

        // A bad file among good ones: nothing is stored, and the message names the file and the place.
        try TargetingCommandTests.profiles.write(toFile: dir.file("good.yaml"), atomically: true, encoding: .utf8)
        let bad = try cordon(["profile", "load", dir.file("good.yaml"), Fixtures.path("profiles/bad_field.yaml")], database: db)
        #expect(bad.status == 2 && bad.stderr.contains("bad_field.yaml: conditions[1].field: unknown field 'colour_of_ship'"))
        #expect(try ok(["profile", "list", "--all"]).stdout.isEmpty)
        // Putting a profile in force takes two people: loading asks, a second analyst approves (cordon approval).
        let unreasoned = try cordon(["profile", "load", dir.file("good.yaml")], database: db)
        #expect(unreasoned.status == 2 && unreasoned.stderr.contains("needs --reason"))
        _ = try ok(["agency", "save", "customs", "--name", "Customs service"])
        for name in ["analyst1", "analyst2"] {
            let r = try run(Fixtures.cordonBinary, ["user", "add", name, "--name", name, "--role", "analyst", "--agency", "customs",
                                                    "--password-file", "-"],
                            environment: ["CORDON_DATABASE": db], stdin: "long enough passphrase 7\n")
            #expect(r.status == 0, "\(r.stderr)")
        }
        let reason = ["--reason", "cheap cigarettes seized at office 10 in February"]
        #expect(try ok(["profile", "load", dir.file("good.yaml")] + reason).stdout
                == "cheap-cigarettes\tv1\tactivation asked (approval 1)\nshoes-draft\tv1\tsaved\n")
        #expect(try ok(["approval", "list"]).stdout.hasPrefix("1\tactivate_profile\tcheap-cigarettes@1\tanalyst1\t"))
        let own = try cordon(["approval", "approve", "1", "--user", "analyst1"], database: db)
        #expect(own.status == 2 && own.stderr.contains("cannot approve their own request"), "\(own.stderr)")
        #expect(try ok(["approval", "approve", "1", "--user", "analyst2"]).stdout == "1\tactivate_profile\tcheap-cigarettes@1\tapproved\n")
        #expect(try ok(["profile", "load", dir.file("good.yaml")] + reason).stdout
                == "shoes-draft\tv1\tunchanged\ncheap-cigarettes\tv2\tin force\n")
        // A draft of a profile in force would switch it off: refused, nothing stored.
        try TargetingCommandTests.profiles.replacingOccurrences(of: "status: active", with: "status: draft")
            .write(toFile: dir.file("off.yaml"), atomically: true, encoding: .utf8)
        let off = try cordon(["profile", "load", dir.file("off.yaml")], database: db)
        #expect(off.status == 2 && off.stderr.contains("cheap-cigarettes is in force"), "\(off.stderr)")

        _ = try ok(["unit", "save", "U10", "--name", "Office 10 unit", "--kind", "pcu", "--country", "KR", "--location", "10",
                    "--capacity", "4", "--control-share", "25"])
        #expect(try ok(["unit", "list"]).stdout == "U10\tpcu\tKR\t4\t25.0%\t10\tOffice 10 unit\n")

        // Without a model: profiles only. Every cigarette declaration of office 10 that day is selected.
        let first = try ok(["target", "--unit", "U10", "--date", day, "--json", "--all"])
        #expect(first.stderr.contains("no model trained yet"))
        let lines = try first.stdout.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:] }
        #expect(lines.count > 4)
        let red = lines.filter { ($0["profiles"] as? [String]) == ["cheap-cigarettes@2"] }
        #expect(!red.isEmpty && red.allSatisfy { $0["selection"] as? String == "mandatory" && $0["lane"] as? String == "red" })
        let selected = lines.filter { $0["selection"] as? String != "released" }
        #expect(selected.count == max(4, red.count))

        // Results of the selected ones, negative results included; the profile's hit rate follows.
        for (i, t) in selected.enumerated() {
            let document = try #require(t["document"] as? String)
            _ = try ok(["result", "record", document, "--kind", "declaration", "--unit", "U10", "--date", day,
                        "--outcome", i == 0 ? "seizure" : "cleared", "--method", "physical"]
                       + (i == 0 ? ["--seizure", "category=tobacco; goods=cigarettes; quantity=12000; unit=sticks; concealment=false wall",
                                    "--seizure", "category=cash; goods=banknotes; quantity=9000; unit=usd; value=9000"] : []))
        }
        let seized = try ok(["result", "show", try #require(selected.first?["document"] as? String), "--kind", "declaration"])
        #expect(seized.stdout.contains("  seized\ttobacco\tcigarettes\t12000.0 sticks\tfalse wall\t\n"))
        #expect(seized.stdout.contains("  seized\tcash\tbanknotes\t9000.0 USD\t\t9000.0\n"))
        // A seizure says what was seized, in a known unit.
        let bare = try cordon(["result", "record", "X", "--kind", "declaration", "--unit", "U10", "--outcome", "seizure", "--method", "dog"],
                              database: db)
        #expect(bare.status != 0 && bare.stderr.contains("a seizure needs at least one line"))
        let badUnit = try cordon(["result", "record", "X", "--kind", "declaration", "--unit", "U10", "--outcome", "seizure", "--method", "dog",
                                  "--seizure", "category=drugs; goods=opium; quantity=1; unit=bags"], database: db)
        #expect(badUnit.status != 0 && badUnit.stderr.contains("'bags' is not a unit"))
        let unknown = try cordon(["result", "record", "NOPE", "--kind", "declaration", "--unit", "U10", "--outcome", "cleared",
                                  "--method", "dog"], database: db)
        #expect(unknown.status == 2 && unknown.stderr.contains("no declaration document 'NOPE'"))
        let show = try ok(["profile", "show", "cheap-cigarettes"])
        #expect(show.stdout.contains("2020-03\t\(red.count)\t\(red.count)\t\(red.count)\t"))
        #expect(show.stdout.contains("  v2\tactive\tanalyst1\t"))

        // A model from the labelled history (file labels and these results), then the day again with it.
        let trained = try ok(["model", "train", "--until", day, "--json"])
        #expect(trained.stderr.contains("(\(selected.count) from inspection results)"), "\(trained.stderr)")
        let model = try #require(try JSONSerialization.jsonObject(with: Data(trained.stdout.utf8)) as? [String: Any])
        #expect(model["version"] as? Int == 1 && (model["examples"] as? Int ?? 0) > 1000)
        let evaluation = try #require(model["evaluation"] as? [String: Double])
        #expect((evaluation["precision_at_10pct"] ?? 0) > 0.5, "\(evaluation)")
        let second = try ok(["target", "--unit", "U10", "--date", day, "--json"])
        #expect(!second.stderr.contains("no model"))
        let top = try #require(try JSONSerialization.jsonObject(with: Data(second.stdout.split(separator: "\n")[0].utf8)) as? [String: Any])
        #expect((top["reasons"] as? [String])?.contains { $0.hasPrefix("model: ") } == true)
        #expect(try ok(["model", "list"]).stdout.hasPrefix("model 1\tactive\t2020-01-01..\(day)\tdeclaration\t"))

        #expect(try ok(["profile", "retire", "cheap-cigarettes", "--reason", "the importers moved to another route"]).stdout
                == "cheap-cigarettes\tv2\tretirement asked (approval 2)\n")
        #expect(try ok(["target", "--unit", "U10", "--date", day, "--json", "--all"]).stdout.contains("cheap-cigarettes@2"))
        _ = try ok(["approval", "approve", "2", "--user", "analyst2"])
        let after = try ok(["target", "--unit", "U10", "--date", day, "--json", "--all"])
        #expect(!after.stdout.contains("cheap-cigarettes@"))
        #expect(try ok(["profile", "list"]).stdout.split(separator: "\n").map { $0.split(separator: "\t")[0] } == ["shoes-draft"])
        // What the command line changed is in the audit log, and the chain holds.
        let log = try ok(["audit", "list", "--limit", "1000"]).stdout
        for action in ["ingest", "add_user", "request_approval", "approve", "save_unit", "score_day", "record_result", "train_model"] {
            #expect(log.contains("\t\(action)\t"), "no \(action) in the audit log")
        }
        let verified = try cordon(["audit", "verify"], database: db)
        #expect(verified.status == 0 && verified.stdout.hasPrefix("ok\t"), "\(verified.stdout) \(verified.stderr)")
    }

    @Test("every new command explains itself with an example")
    func help() throws {
        for command in [["profile"], ["profile", "load"], ["profile", "show"], ["unit", "save"], ["target"], ["result", "record"],
                        ["model", "train"], ["model", "list"]] {
            let r = try cordon(command + ["--help"])
            #expect(r.status == 0 && r.stdout.contains("Example"), "\(command) --help has no example")
        }
    }
}
