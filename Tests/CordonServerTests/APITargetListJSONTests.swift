import CordonCore
import Foundation
import Testing
@testable import CordonServer

@Suite("The targets list's hand-written JSON")
struct APITargetListJSONTests {
    @Test("is byte for byte what JSONEncoder writes with the API's settings, for awkward texts and numbers too")
    func sameAsEncoder() throws {
        let awkward = "quote \" backslash \\ slash / newline \n tab \t return \r bell \u{7} \u{1F} form \u{0C} back \u{08} Кириллица 🚢 €"
        let scores = [0.0, 1.0, 0.5, 0.123456789012345, 1e-7, 2.5e-5, 99.99, 1.0 / 3.0, 123456789.0, 0.1 + 0.2]
        let list = APITargetList(unit: "KZ-AKT/PCU", date: try #require(CalendarDate(iso: "2026-02-28")), total: 12_345, targets: scores.enumerated().map { i, s in
            APITarget(consignmentId: 1000 + i, kind: i % 2 == 0 ? .billOfLading : .declaration, documentNumber: i == 3 ? awkward : "MEDU31995\(i)",
                      rank: i + 1, score: s, lane: [.red, .yellow, .green][i % 3], selection: .targeted,
                      reasons: i == 0 ? [] : [awkward, "model: \(i)% likely irregular"], profiles: i == 1 ? ["heroin@2", awkward] : [],
                      containers: i == 2 ? [] : ["CMAU3920049", "MSCU1234566"], route: ["PKKHI", "", "KZAKX"])
        } + [APITarget(consignmentId: 1, kind: .billOfLading, documentNumber: "", rank: 0, score: -0.25, lane: .green, selection: .control,
                       reasons: [], profiles: [], containers: [], route: [])])
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let expected = String(decoding: try encoder.encode(list), as: UTF8.self)
        #expect(String(decoding: list.json(), as: UTF8.self) == expected)
        let empty = APITargetList(unit: "X", date: .epoch, total: 0, targets: [])
        #expect(String(decoding: empty.json(), as: UTF8.self) == String(decoding: try encoder.encode(empty), as: UTF8.self))
    }
}
