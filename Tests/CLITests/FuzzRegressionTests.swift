import Foundation
import Testing
import TestSupport

/// Replays the fuzz seeds and every crash the fuzzers ever found through the parsers, built normally.
@Suite("fuzz regressions")
struct FuzzRegressionTests {
    /// `cordon-fuzz`, built next to `cordon`.
    static var replayer: String {
        URL(fileURLWithPath: Fixtures.cordonBinary).deletingLastPathComponent().appendingPathComponent("cordon-fuzz").path
    }

    /// The inputs kept for a target: its seeds and its crash fixtures.
    static func inputs(_ target: String) throws -> [String] {
        try ["seeds", "crashes"].flatMap { kind in
            let dir = Fixtures.path("fuzz/\(kind)/\(target)")
            return try FileManager.default.contentsOfDirectory(atPath: dir)
                .filter { !$0.hasPrefix(".") }.sorted().map { dir + "/" + $0 }
        }
    }

    @Test("every seed and every crash found so far is read without a crash", arguments: ["edifact", "csv", "envelope"])
    func replay(target: String) throws {
        let files = try Self.inputs(target)
        #expect(!files.isEmpty, "the seeds of \(target) are missing")
        let result = try run(Self.replayer, [target] + files)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n") == files.map { Substring("\(target)\t\($0)\tok") })
    }

    @Test("a target that does not exist is refused")
    func unknownTarget() throws {
        let result = try run(Self.replayer, ["xml", Fixtures.path("fuzz/seeds/csv")])
        #expect(result.status == 2)
        #expect(result.stderr.contains("usage: cordon-fuzz edifact|csv|envelope"))
    }
}
