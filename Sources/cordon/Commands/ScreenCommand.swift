import ArgumentParser
import CordonRisk
import Foundation

/// `cordon screen`: party names against a watch list.
struct ScreenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "screen",
        abstract: "Screen party names against a watch list (OFAC SDN, UN consolidated, FollowTheMoney, CSV).",
        discussion: """
            Names are compared across scripts (Cyrillic is transliterated), word order, case, punctuation and \
            legal forms (LLC, LTD, GmbH, ООО, ТОО, АО, ...), allowing small spelling differences. Writes \
            name,list_id,list_name,score for every match at or above the threshold, best first per name.

            Example:
              cordon screen --list sdn.csv --list-format ofac --names consignees.txt \\
                --out matches.csv
            """)

    @Option(help: ArgumentHelp("The watch list.", valueName: "FILE"))
    var list: String

    @Option(help: "Its format: ofac, un, ftm or csv (guessed from the file name when absent).")
    var listFormat: String?

    @Option(help: ArgumentHelp("Names to screen, one per line.", valueName: "FILE"))
    var names: String

    @Option(help: ArgumentHelp("Where to write the matches (CSV).", valueName: "FILE"))
    var out: String

    @Option(help: "Lowest score reported, 0 to 1.")
    var threshold = 0.85

    func validate() throws {
        if let listFormat, WatchListFormat(rawValue: listFormat) == nil {
            throw ValidationError("--list-format must be one of \(WatchListFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard threshold > 0 && threshold <= 1 else { throw ValidationError("--threshold must be in (0, 1]") }
    }

    func run() throws {
        let watchList: WatchList
        do { watchList = try WatchList.load(path: list, format: listFormat.flatMap(WatchListFormat.init(rawValue:))) } catch {
            StandardError.write("cordon screen: \(error)\n")
            throw ExitCode(2)
        }
        guard let data = FileManager.default.contents(atPath: names) else {
            StandardError.write("cordon screen: cannot read \(names)\n")
            throw ExitCode(2)
        }
        let matcher = NameMatcher(list: watchList, threshold: threshold)
        var text = "name,list_id,list_name,score\n"
        var screened = 0, matched = 0
        for line in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let name = line.trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { continue }
            screened += 1
            let found = matcher.matches(name)
            if !found.isEmpty { matched += 1 }
            for m in found {
                text += "\(csv(name)),\(csv(m.entry.id)),\(csv(m.matchedName)),\(String(format: "%.3f", m.score))\n"
            }
        }
        try text.write(toFile: out, atomically: true, encoding: .utf8)
        StandardError.write("screen: \(screened) names against \(watchList.entries.count) listed entries; \(matched) with matches\n")
    }

    func csv(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
