import CordonCore
import Foundation
import Testing
import TestSupport

@Suite("ISO 6346 container numbers")
struct ContainerNumberTests {
    @Test("reference vectors from python-stdnum and freightid")
    func referenceVectors() throws {
        let text = try String(contentsOfFile: Fixtures.path("iso6346/iso6346_reference_vectors.csv"), encoding: .utf8)
        var checked = 0
        for line in text.split(whereSeparator: \.isNewline).dropFirst() {
            let cols = line.split(separator: ",", omittingEmptySubsequences: false)
            let input = String(cols[0]), expected = String(cols[1])
            let result = ContainerNumber.check(input)
            #expect(result.isValid == expected.hasPrefix("valid"), "\(input): expected \(expected), got \(result)")
            checked += 1
        }
        #expect(checked >= 12)
    }

    @Test("a computed check digit of 10 is written 0")
    func checkDigitTen() {
        #expect(ContainerNumber.checkDigit(Array("MSKU000008".utf8)) == 0)
        #expect(ContainerNumber.check("MSKU0000080").isValid)
        #expect(ContainerNumber.check("MSKU0000081") == .invalid(reason: "check digit is 1, expected 0"))
    }

    @Test("precise reasons")
    func reasons() {
        #expect(ContainerNumber.check("CSQU305438") == .invalid(reason: "length is 10, expected 11 (4 letters, 6 digits, check digit)"))
        #expect(ContainerNumber.check("CSQA3054383") == .invalid(reason: "equipment category 'A' must be U, J or Z"))
        #expect(ContainerNumber.check("C5QU3054383") == .invalid(reason: "owner code must be 3 letters, position 2 is '5'"))
        #expect(ContainerNumber.check("CSQU3054Z83") == .invalid(reason: "serial number and check digit must be digits, position 9 is 'Z'"))
        #expect(ContainerNumber.check("CSQU3054384") == .invalid(reason: "check digit is 4, expected 3"))
        #expect(ContainerNumber.check("csqu 305438-3") == .valid(normalized: "CSQU3054383", warning: nil))
        #expect(ContainerNumber.check("TCNJ7200794").isValid == false)
    }
}

@Suite("UN/LOCODE, HS, ISO 3166, ISO 4217")
struct CodeListTests {
    @Test func locodes() {
        #expect(LOCODE.check("KZALA") == .valid(normalized: "KZALA", warning: nil))
        #expect(LOCODE.check("ge pti") == .valid(normalized: "GEPTI", warning: nil))
        #expect(LOCODE.check("PKKHI").isValid)
        #expect(LOCODE.check("GBQQQ") == .valid(normalized: "GBQQQ", warning: "not in the bundled UN/LOCODE list"))
        #expect(LOCODE.check("XXABC") == .invalid(reason: "country 'XX' is not an ISO 3166-1 code"))
        #expect(LOCODE.check("KZAL") == .invalid(reason: "length is 4, expected 5 (country code and 3-character location)"))
        #expect(LOCODE.check("KZA1A") == .invalid(reason: "location part 'A1A' must be letters or digits 2-9"))
    }

    @Test func hsCodes() {
        #expect(HSCode.check("090230") == .valid(normalized: "090230", warning: nil))
        #expect(HSCode.check("8703.23.19.00") == .valid(normalized: "8703231900", warning: nil))
        #expect(HSCode.check("0902") == .invalid(reason: "length is 4, expected 6 to 10 digits"))
        #expect(HSCode.check("770000") == .invalid(reason: "chapter 77 does not exist"))
        #expect(HSCode.check("011000") == .invalid(reason: "heading 0110 does not exist in chapter 01"))
        #expect(HSCode.check("09023X") == .invalid(reason: "must contain digits only"))
        #expect(HSCode.check("090299") == .valid(normalized: "090299", warning: "subheading 090299 not in the bundled HS edition"))
        #expect(HSCode.check("880330") == .valid(normalized: "880330", warning: "heading 8803 exists only up to HS 2017"))
    }

    @Test("the HS codes kept as bits are exactly the list's chapters, headings and subheadings")
    func hsCodeSet() {
        let lists = CodeLists.bundled
        func code(_ value: Int, _ digits: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: digits - text.count) + text
        }
        // Every chapter and heading there could be; the subheadings listed and those next to them.
        var candidates = (0..<100).map { ($0, 2) } + (0..<10_000).map { ($0, 4) }
        for key in lists.hs.keys where key.count == 6 {
            let value = Int(key) ?? 0
            candidates += (max(0, value - 2)...min(999_999, value + 2)).map { ($0, 6) }
        }
        var listed = 0
        for (value, digits) in candidates {
            let inList = lists.hs[code(value, digits)] != nil
            if inList { listed += 1 }
            if lists.hsCodes.contains(value, digits: digits) != inList {
                Issue.record("\(code(value, digits)) is \(inList ? "" : "not ")in the list")
                return
            }
        }
        #expect(listed > 5_000)
        #expect(!lists.hsCodes.contains(1, digits: 5) && !lists.hsCodes.contains(-1, digits: 2))
    }

    @Test func countriesAndCurrencies() {
        #expect(CountryCode.check("kz") == .valid(normalized: "KZ", warning: nil))
        #expect(CountryCode.check("GEO") == .valid(normalized: "GE", warning: nil))
        #expect(CountryCode.check("QQ").isValid == false)
        #expect(CurrencyCode.check("kzt") == .valid(normalized: "KZT", warning: nil))
        #expect(CurrencyCode.check("XYZ") == .invalid(reason: "'XYZ' is not an ISO 4217 currency code"))
    }

    @Test func calendarDates() throws {
        #expect(CalendarDate(iso: "2024-02-29") != nil)
        #expect(CalendarDate(iso: "2023-02-29") == nil)
        #expect(try #require(CalendarDate(iso: "1970-01-08")).daysSinceEpoch == 7)
        #expect(try #require(CalendarDate(iso: "2026-11-23")).daysSinceEpoch == 20780)
        // And back, across leap days and centuries; weeks start on Monday.
        for days in [-800_000, -1, 0, 59, 789, 11_016, 20_780, 2_932_896] {
            #expect(CalendarDate(daysSinceEpoch: days).daysSinceEpoch == days)
        }
        #expect(CalendarDate(daysSinceEpoch: 11_016).description == "2000-02-29")
        #expect(try #require(CalendarDate(iso: "2026-11-29")).weekStart.description == "2026-11-23")
        #expect(try #require(CalendarDate(iso: "2026-11-23")).weekStart.description == "2026-11-23")
        #expect(try #require(CalendarDate(iso: "2026-03-01")).adding(days: -1).description == "2026-02-28")
    }
}

@Suite("Consignment validation")
struct ConsignmentValidatorTests {
    func sample() -> Consignment {
        Consignment(kind: .billOfLading, documentNumber: " MEDU1 ", date: CalendarDate(year: 2026, month: 11, day: 20)!,
                    route: Route(placeOfLoading: "cnsha", transshipment: ["TRMER"], placeOfDischarge: "GEPTI"),
                    parties: [Party(role: .consignee, name: "ТОО Каспий Транс", country: "KAZ")],
                    goods: [GoodsItem(sequence: 1, hsCode: "0902.30", grossMassKg: 10,
                                      invoiceValue: Money(amount: 5, currency: "usd"))],
                    containers: [Container(number: "mscu 123456-6")])
    }

    @Test("normalises codes and accepts a good consignment")
    func accepts() throws {
        guard case .accepted(let c) = ConsignmentValidator().validate(sample()) else { Issue.record("rejected"); return }
        #expect(c.documentNumber == "MEDU1")
        #expect(c.route.placeOfLoading == "CNSHA")
        #expect(c.parties[0].country == "KZ")
        #expect(c.goods[0].hsCode == "090230")
        #expect(c.goods[0].invoiceValue?.currency == "USD")
        #expect(c.containers[0].number == "MSCU1234566")
        #expect(c.containers[0].checkDigitValid)
        #expect(c.warnings.isEmpty)
    }

    @Test("a wrong check digit is kept and flagged, a malformed number rejects")
    func containers() {
        var c = sample()
        c.containers = [Container(number: "TGHU9876543")]
        guard case .accepted(let ok) = ConsignmentValidator().validate(c) else { Issue.record("rejected"); return }
        #expect(ok.containers[0].checkDigitValid == false)
        #expect(ok.warnings.contains { $0.field == "containers[0].number" && $0.reason.contains("check digit is 3, expected 2") })
        c.containers = [Container(number: "ABC123")]
        guard case .rejected(let issues) = ConsignmentValidator().validate(c) else { Issue.record("accepted"); return }
        #expect(issues.map(\.field) == ["containers[0].number"])
    }

    @Test("every error is reported with its field")
    func errors() {
        var c = sample()
        c.route.placeOfDischarge = "G1PTI"
        c.goods[0].hsCode = "770000"
        c.goods[0].grossMassKg = -1
        c.goods[0].invoiceValue?.currency = "ZZZ"
        guard case .rejected(let issues) = ConsignmentValidator().validate(c) else { Issue.record("accepted"); return }
        #expect(Set(issues.map(\.field)) == ["route.placeOfDischarge", "goods[0].hsCode", "goods[0].grossMassKg",
                                             "goods[0].invoiceValue.currency"])
    }

    @Test("pseudonymous codes are kept as they are")
    func pseudonymous() {
        var c = sample()
        c.route.placeOfLoading = "FEGDV"
        c.goods[0].countryOfOrigin = "CNTRY605"
        guard case .rejected = ConsignmentValidator().validate(c) else { Issue.record("accepted"); return }
        guard case .accepted(let ok) = ConsignmentValidator(places: .pseudonymous).validate(c) else {
            Issue.record("rejected"); return
        }
        #expect(ok.goods[0].countryOfOrigin == "CNTRY605")
    }
}
