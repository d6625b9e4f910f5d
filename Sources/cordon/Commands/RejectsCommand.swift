import ArgumentParser
import CordonStore
import Foundation

/// `cordon rejects`: list the quarantine.
struct RejectsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rejects",
        abstract: "List the quarantine: records kept aside, with file, line, field and reason.",
        discussion: """
            One record per line: FILE<TAB>LINE<TAB>FIELD<TAB>REASON (for EDIFACT, LINE is the segment number). \
            With --warnings, problems that did not stop records from loading (wrong control counts, unknown \
            segments, ISO 6346 check digits) are listed too, with a first column saying which is which.

            Example:
              cordon rejects --json | jq .reason
            """)

    @Flag(help: "One JSON object per line, with the raw record.")
    var json = false

    @Flag(help: "Include warnings.")
    var warnings = false

    @Option(help: "At most this many records.")
    var limit: Int?

    @OptionGroup var store: StoreOptions

    func run() async throws {
        let db = try await store.open()
        let entries = try await db.quarantine(includeWarnings: warnings, limit: limit)
        await db.close()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var out = ""
        for entry in entries {
            let e = entry.record
            if json {
                out += String(decoding: try encoder.encode(entry), as: UTF8.self) + "\n"
            } else {
                let place = e.unit == "line" ? "\(e.line)" : "segment \(e.line)"
                let prefix = warnings ? "\(entry.severity)\t" : ""
                out += "\(prefix)\(e.file)\t\(place)\t\(e.field)\t\(e.reason.replacingOccurrences(of: "\n", with: " "))\n"
            }
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}
