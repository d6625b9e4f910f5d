import CordonCore
import CordonIngest
import Foundation
import Testing
import TestSupport

@Suite("UN/EDIFACT lexer")
struct EDIFACTLexerTests {
    @Test("UNA with other service characters and the release character")
    func serviceStringAdvice() {
        let x = EDIFACTLexer.parse(Fixtures.bytes("edifact/cuscar_una_release.edi"))
        #expect(x.service.component == UInt8(ascii: "|"))
        #expect(x.service.element == UInt8(ascii: "*"))
        #expect(x.service.release == UInt8(ascii: "!"))
        #expect(x.service.segment == UInt8(ascii: "~"))
        #expect(x.syntax == "UNOB")
        #expect(x.issues.isEmpty, "\(x.issues)")
        let m = x.messages[0]
        #expect(m.type == "CUSCAR" && m.release == "95B" && m.complete)
        let nad = m.segments.first { $0.tag == "NAD" }
        #expect(nad?[3, 0] == "O*BRIEN~SONS LTD")
        let ftx = m.segments.first { $0.tag == "FTX" }
        #expect(ftx?.elements[3] == ["SPARE PARTS* 50% OFF|SALE!"])
    }

    @Test("default separators, segments on one line, several messages (reference edge cases)")
    func defaults() {
        let text = "UNB+UNOA:2+A+B+940101:0950+1'UNH+1+PAORES:93:1:IA'IFT+3+NO MORE ?' FLIGHTS?+?:'UNT+3+1'UNH+2+PAORES:93:1:IA'UNT+2+2'UNZ+2+1'"
        let x = EDIFACTLexer.parse(Array(text.utf8))
        #expect(x.messages.count == 2)
        #expect(x.issues.isEmpty, "\(x.issues)")
        #expect(x.messages[0].segments[1][1, 0] == "NO MORE ' FLIGHTS+:")
        #expect(x.date == CalendarDate(year: 1994, month: 1, day: 1))
    }

    @Test("UTF-8 (UNOW), CRLF, a segment wrapped over two lines")
    func utf8() {
        let x = EDIFACTLexer.parse(Fixtures.bytes("edifact/cuscar_utf8_wrapped.edi"))
        #expect(x.issues.isEmpty, "\(x.issues)")
        let m = x.messages[0]
        #expect(m.segments.first { $0.tag == "BGM" }?[1, 0] == "УТФ-1")
        let ftx = m.segments.first { $0.tag == "FTX" }
        #expect(ftx?[3, 0] == "Запасные части к тракторам, ДЛИННОЕ ОПИСАНИЕ")
    }

    @Test("ISO 8859-5 (UNOE) Cyrillic")
    func cyrillic8859() {
        let x = EDIFACTLexer.parse(Fixtures.bytes("edifact/cuscar_iso8859_5.edi"))
        #expect(x.syntax == "UNOE")
        #expect(x.messages[0].segments.first { $0.tag == "NAD" }?[3, 0] == "ТОО Каспий Транс")
        #expect(x.messages[0].segments.first { $0.tag == "FTX" }?[3, 0] == "Чай")
    }

    @Test("wrong control counts and references in UNT, UNE and UNZ are reported by segment")
    func controlCounts() {
        let x = EDIFACTLexer.parse(Fixtures.bytes("edifact/cuscar_errors.edi"))
        let byField = Dictionary(grouping: x.issues, by: \.field)
        #expect(byField["UNT"]?.first?.reason == "segment count is 99, message M2 has 19 segments (UNH to UNT)")
        #expect(byField["UNT"]?.first?.segment == 21)
        #expect(byField["UNE"]?.first?.reason == "control count is 2, the group has 1 message(s)")
        #expect(byField["UNZ"] == nil)
        #expect(x.messages[0].group == "G1")
    }

    @Test("a wrong UNZ count and reference, UNOY (UTF-8) and segments after UNZ")
    func interchangeTrailer() {
        let text = "UNB+UNOY:4+A+B+20261123:1000+REF1'UNH+1+CUSCAR:D:95B:UN'NAD+CN+++Ташкент Савдо'UNT+3+1'UNZ+2+REF9'UNH+2+X:D:95B:UN'"
        let x = EDIFACTLexer.parse(Array(text.utf8))
        #expect(x.syntax == "UNOY" && x.syntaxVersion == "4")
        #expect(x.date == CalendarDate(year: 2026, month: 11, day: 23))
        #expect(x.messages.count == 1)
        #expect(x.messages[0].segments[1][3, 0] == "Ташкент Савдо")
        let reasons = x.issues.map(\.reason)
        #expect(reasons.contains("control count is 2, the interchange has 1 message(s)"))
        #expect(reasons.contains("reference REF9 does not match UNB reference REF1"))
        #expect(reasons.contains("1 segment(s) after UNZ are ignored"))
    }

    @Test("a truncated interchange: the cut message and the missing UNZ are found")
    func truncated() {
        let x = EDIFACTLexer.parse(Fixtures.bytes("edifact/cuscar_truncated.edi"))
        #expect(x.messages.count == 2)
        #expect(x.messages[0].complete)
        #expect(!x.messages[1].complete)
        #expect(x.issues.contains { $0.field == "UNZ" && $0.reason.contains("truncated") })
        #expect(x.issues.contains { $0.reason.contains("not terminated") })
    }
}

@Suite("CUSCAR and BAPLIE mappers")
struct MessageMapperTests {
    @Test("CUSCAR: consignments, parties, goods, equipment, seals and places")
    func cuscar() async throws {
        let got = try await ingest(.cuscar, Fixtures.path("edifact/cuscar_d95b_two_consignments.edi"))
        let c = await got.consignments
        #expect(await got.rejects.isEmpty)
        #expect(c.map(\.documentNumber) == ["MEDUXX0001", "MEDUXX0002"])
        let a = c[0]
        #expect(a.kind == .billOfLading && a.mode == .sea)
        #expect(a.date == CalendarDate(year: 2026, month: 11, day: 20))
        #expect(a.arrival == CalendarDate(year: 2026, month: 11, day: 24))
        #expect(a.conveyance == Conveyance(name: "MSC ALMATY", identifier: "9811000", voyage: "V123"))
        #expect(a.route == Route(placeOfLoading: "CNSHA", transshipment: ["TRMER"], placeOfDischarge: "GEPTI", placeOfDelivery: "KZALA"))
        #expect(a.party(.shipper) == Party(role: .shipper, identifier: "SH01", name: "SHANGHAI BRIGHT TRADING CO., LTD",
                                           address: "12 PUDONG RD, SHANGHAI, 200120", country: "CN"))
        #expect(a.party(.consignee)?.country == "KZ")
        #expect(a.goods.map(\.description) == ["BLACK TEA IN CARTONS", "TEA ACCESSORIES"])
        #expect(a.goods[0].packages == 120 && a.goods[0].packageType == "CT" && a.goods[0].grossMassKg == 2400)
        #expect(a.goods[1].dangerousGoods == ["3077"])
        #expect(a.containers == [Container(number: "MSCU1234566", sizeType: "45G1", seals: ["SEAL001"], empty: false, grossMassKg: 21000)])
        #expect(c[1].containers.map(\.number) == ["TGHU9876542", "GESU5550005"])
        #expect(c[1].containers[0].seals == ["SEAL002", "SEAL003"])
        #expect(c[1].containers[1].checkDigitValid == false)
    }

    @Test("CUSCAR errors: bad container rejects its consignment, the rest loads; unknown segment and counts warned")
    func cuscarErrors() async throws {
        let got = try await ingest(.cuscar, Fixtures.path("edifact/cuscar_errors.edi"))
        let c = await got.consignments
        #expect(c.map(\.documentNumber) == ["CHECKDIG001"])
        #expect(c[0].containers.first?.checkDigitValid == false)
        let rejects = await got.rejects
        #expect(rejects.count == 1)
        #expect(rejects[0].line == 10 && rejects[0].unit == "segment")
        #expect(rejects[0].reason.contains("'ABC123' is not an ISO 6346 container number"))
        let warnings = await got.warnings
        #expect(warnings.contains { $0.field == "XYZ" && $0.line == 20 && $0.reason == "segment XYZ is not part of CUSCAR 95B; ignored" })
        #expect(warnings.contains { $0.field == "UNT" && $0.line == 21 })
        #expect(warnings.contains { $0.field == "UNE" })
    }

    @Test("a truncated message is kept aside whole, the complete one loads")
    func truncated() async throws {
        let got = try await ingest(.cuscar, Fixtures.path("edifact/cuscar_truncated.edi"))
        #expect(await got.consignments.map(\.documentNumber) == ["TRUNC0001"])
        let rejects = await got.rejects
        #expect(rejects.count == 1)
        #expect(rejects[0].field == "UNT" && rejects[0].line == 9)
        #expect(rejects[0].raw.contains("TRUNC0002"))
    }

    @Test("a message of another type is kept aside with the reason")
    func wrongType() async throws {
        let got = try await ingest(.baplie, Fixtures.path("edifact/cuscar_una_release.edi"))
        #expect(await got.rejects.map(\.reason) == ["message U1 is CUSCAR, not BAPLIE"])
    }

    @Test("BAPLIE D.95B (SMDG 2.0): positions, weights, ports, reefer, dangerous goods, empties")
    func baplie2() async throws {
        let got = try await ingest(.baplie, Fixtures.path("edifact/baplie_d95b_smdg20.edi"))
        let batch = try #require(await got.batches.first)
        let plan = try #require(batch.bayPlans.first)
        #expect(plan.reference == "BP-2026-11")
        #expect(plan.vesselName == "MSC ALMATY" && plan.vesselIdentifier == "9811000" && plan.voyage == "042E")
        #expect(plan.portOfDeparture == "CNSHA" && plan.nextPortOfCall == "GEPTI")
        #expect(plan.departure == CalendarDate(year: 2026, month: 11, day: 15))
        #expect(plan.containers.map(\.container.number) == ["MSCU1234566", "TGHU9876542", "MSKU0000080"])
        let reefer = plan.containers[0]
        #expect(reefer.position == "0100082" && reefer.temperatureC == -18.5 && reefer.container.grossMassKg == 24000)
        #expect(reefer.portOfLoading == "CNSHA" && reefer.portOfDischarge == "GEPTI" && reefer.operatorCode == "MSC")
        #expect(plan.containers[1].dangerousGoods == [DangerousGoods(imdgClass: "3", unNumber: "1263"),
                                                       DangerousGoods(imdgClass: "8", unNumber: "1760")])
        #expect(plan.containers[2].full == false && plan.containers[2].container.empty == true)
        #expect(batch.rejects.count == 1)
        #expect(batch.rejects[0].line == 32 && batch.rejects[0].reason.contains("NOTACONTAINER"))
    }

    @Test("BAPLIE 3.1 (D.13B): EQD after the cell, verified gross mass, a lost position warned")
    func baplie3() async throws {
        let got = try await ingest(.baplie, Fixtures.path("edifact/baplie_d13b_smdg31.edi"))
        let batch = try #require(await got.batches.first)
        let plan = try #require(batch.bayPlans.first)
        #expect(plan.containers.count == 1)
        let c = plan.containers[0]
        #expect(c.container.number == "GESU5550004" && c.container.sizeType == "42G1" && c.container.grossMassKg == 22600)
        #expect(c.portOfLoading == "GEPTI" && c.portOfDischarge == "TRIST" && c.position == "0200688")
        #expect(batch.warnings.map(\.field) == ["EQD"])
        #expect(batch.warnings[0].reason == "stowage cell 0200690 refers to equipment GESU555000 but has no EQD")
    }

    @Test("the reference samples of ../shared/data load with their known faults reported")
    func referenceSamples() async throws {
        guard let shared = Fixtures.sharedData else { print("skipped: ../shared/data is absent"); return }
        let cuscar = try await ingest(.cuscar, shared + "/edifact/reference/edifact-cuscar-tools_simple_cuscar_d95b.edi")
        #expect(await cuscar.consignments.map(\.documentNumber) == ["DOCV373MOB909999"])
        #expect(await cuscar.warnings.contains { $0.field == "UNT" && $0.reason.hasPrefix("segment count is 313") })
        let baplie = try await ingest(.baplie, shared + "/edifact/reference/php-edifact_D95BBAPLIE.edi")
        #expect(await baplie.batches.first?.bayPlans.first?.containers.count == 3)
    }
}
