@testable import CordonCore
import Foundation
import Testing

@Suite("Stored payload JSON")
struct PayloadTests {
    static let full = Consignment(
        kind: .billOfLading, documentNumber: "MEDU\"1\"\\", date: CalendarDate(year: 2026, month: 1, day: 2)!, mode: .sea,
        office: "KZALA", route: Route(placeOfLoading: "CNSHA", transshipment: ["TRMER", "GEPTI"], placeOfDischarge: "GEPTI",
                                      placeOfDelivery: "KZALA", countryOfDeparture: "CN", countryOfDestination: "KZ"),
        parties: [Party(role: .consignee, identifier: "KZ1", name: "ТОО «Каспий Транс»\n", address: "Abay\t10", country: "KZ"),
                  Party(role: .notifyParty)],
        goods: [GoodsItem(sequence: 1, hsCode: "090230", description: "Tea \u{1}", packages: 120, packageType: "CT", quantity: 0.1,
                          quantityUnit: "KGM", grossMassKg: 2400.5, netMassKg: 1e-7, invoiceValue: Money(amount: 12000, currency: "USD"),
                          customsValue: Money(amount: 1.5e20), countryOfOrigin: "CN", containerNumbers: ["MSCU1234566"],
                          dangerousGoods: ["3077"])],
        containers: [Container(number: "MSCU1234566", sizeType: "45G1", seals: ["S1"], empty: false, grossMassKg: 21000,
                               checkDigitValid: false, equipmentQualifier: "CN")],
        conveyance: Conveyance(name: "MSC ALMATY", identifier: "9811000", voyage: "V1"),
        arrival: CalendarDate(year: 2026, month: 1, day: 9), attributes: ["b": "2", "a": "1", "Z": "0", "é": "x"],
        label: OutcomeLabel(illicit: true, critical: false, revenue: 512.25),
        warnings: [.warning("containers[0].number", "check digit")])

    @Test("decodes back to the same value with JSONDecoder")
    func roundTrip() throws {
        let decoded = try JSONDecoder().decode(Consignment.self, from: Data(PayloadTests.full.payloadJSON))
        #expect(decoded == PayloadTests.full)
        let minimal = Consignment(kind: .declaration, documentNumber: "1", date: CalendarDate(year: 2020, month: 1, day: 1)!)
        #expect(try JSONDecoder().decode(Consignment.self, from: Data(minimal.payloadJSON)) == minimal)
    }

    /// The fast reader's own answer, nil when it gives up (without the JSONDecoder fallback).
    static func read(_ json: String) -> Consignment? { PayloadReader.consignment(of: json) }

    @Test("the fast reader gives what JSONDecoder gives: our payloads, JSONEncoder's (escaped slashes, any key order), odd numbers")
    func fastReader() throws {
        let minimal = Consignment(kind: .declaration, documentNumber: "1", date: CalendarDate(year: 2020, month: 1, day: 1)!)
        var slashes = PayloadTests.full
        slashes.documentNumber = "A/B 😀 \u{7f}"
        slashes.goods[0].grossMassKg = 0.1 + 0.2          // 17 significant digits: the full parse
        slashes.goods[0].netMassKg = -123456.789012345
        slashes.goods[0].quantity = 1e-30
        for c in [PayloadTests.full, minimal, slashes] {
            let ours = String(decoding: c.payloadJSON, as: UTF8.self)
            #expect(PayloadTests.read(ours) == c)
            #expect(try Consignment(payload: ours) == c)
            // JSONEncoder's own output, slashes escaped and keys in declaration order, reads the same.
            let foundation = String(decoding: try JSONEncoder().encode(c), as: UTF8.self)
            #expect(PayloadTests.read(foundation) == c)
        }
        // White space, unknown keys, nulls for absent values, escapes of every kind, exponents.
        let odd = #"""
         { "kind" : "declaration", "documentNumber": "N\u00e9\ud83d\ude00\/\b\f", "date": "2026-01-02",
           "extra": {"a": [1, 2.5e3, true, null, {"b": "c"}]}, "mode": null, "office": null,
           "route": {"transshipment": [], "placeOfLoading": null}, "parties": [], "containers": [],
           "goods": [{"sequence": 1, "containerNumbers": [], "dangerousGoods": [], "grossMassKg": 2.5E+2,
                      "netMassKg": -0.0, "quantity": 12345678901234567890}],
           "attributes": {}, "warnings": [], "label": {"illicit": false, "revenue": 1e2} }

        """#
        let reference = try JSONDecoder().decode(Consignment.self, from: Data(odd.utf8))
        #expect(PayloadTests.read(odd) == reference)
        #expect(reference.documentNumber == "Né😀/\u{8}\u{c}")
        // What JSONDecoder refuses, the reader gives up on, and Consignment(payload:) throws JSONDecoder's error.
        let bad = [
            #"{"kind": "ship", "documentNumber": "1", "date": "2020-01-01", "route": {"transshipment": []}, "parties": [], "goods": [], "containers": [], "attributes": {}, "warnings": []}"#,
            #"{"kind": "declaration", "date": "2020-01-01", "route": {"transshipment": []}, "parties": [], "goods": [], "containers": [], "attributes": {}, "warnings": []}"#,
            #"{"kind": "declaration", "documentNumber": "1", "date": "2020-13-01", "route": {"transshipment": []}, "parties": [], "goods": [], "containers": [], "attributes": {}, "warnings": []}"#,
            #"{"kind": "declaration", "documentNumber": "\#u{1}", "date": "2020-01-01", "route": {"transshipment": []}, "parties": [], "goods": [], "containers": [], "attributes": {}, "warnings": []}"#,
            String(decoding: minimal.payloadJSON, as: UTF8.self) + " x",
            String(decoding: minimal.payloadJSON.dropLast(), as: UTF8.self),
        ]
        for json in bad {
            #expect(PayloadTests.read(json) == nil)
            #expect(throws: (any Error).self) { try Consignment(payload: json) }
        }
        // Deeply nested unknown values are left to JSONDecoder, which reads the document all the same.
        let deep = String(decoding: minimal.payloadJSON.dropLast(), as: UTF8.self)
            + #","extra":"# + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + "}"
        #expect(PayloadTests.read(deep) == nil)
        #expect(try Consignment(payload: deep) == minimal)
        // Numbers outside JSON's grammar are not the reader's to accept.
        for number in ["007", "1.", ".5", "+1", "1e", "--1"] {
            let json = String(decoding: minimal.payloadJSON, as: UTF8.self)
                .replacingOccurrences(of: #""goods":[]"#, with: #""goods":[{"sequence":1,"containerNumbers":[],"dangerousGoods":[],"quantity":\#(number)}]"#)
            #expect(PayloadTests.read(json) == nil, "\(number)")
        }
    }

    @Test("reasons and profile names, as targets store them, read back with JSONDecoder; the same reasons are the same text")
    func reasons() throws {
        let reasons = [Reason("past_rate", ["party": "importer", "rate": "0.34", "Ä": "\"/\n"]), .text("ТОО «Каспий»"), Reason("model")]
        #expect(try JSONDecoder().decode([Reason].self, from: Data(reasons.payloadJSON)) == reasons)
        #expect(reasons.payloadJSON == reasons.map { $0 }.payloadJSON)
        #expect(String(decoding: [Reason("x", ["b": "2", "a": "1"])].payloadJSON, as: UTF8.self)
                == #"[{"code":"x","values":{"a":"1","b":"2"}}]"#)
        let profiles = ["cigarettes@2", "a/b"]
        #expect(try JSONDecoder().decode([String].self, from: Data(profiles.payloadJSON)) == profiles)
    }

    @Test("is byte for byte what JSONEncoder with sorted keys writes")
    func sameAsFoundation() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var sample = PayloadTests.full
        sample.goods[0].description = "Tea"         // control characters are escaped differently
        sample.goods[0].customsValue = Money(amount: 15)
        sample.goods[0].netMassKg = 0.25
        // Maps of two entries or fewer are put in order without a sort: both orders, one entry, none.
        for attributes in [sample.attributes, ["b": "2", "a": "1"], ["é": "x", "Z": "0"], ["a": "1"], [:]] {
            sample.attributes = attributes
            let foundation = String(decoding: try encoder.encode(sample), as: UTF8.self)
            let ours = String(decoding: sample.payloadJSON, as: UTF8.self)
            #expect(ours == foundation)
        }
    }
}

@Suite("Digests in hexadecimal")
struct HexStringTests {
    @Test("every nibble, lower case, two digits a byte")
    func nibbles() {
        #expect([UInt8]([0x00, 0x0f, 0x10, 0x9a, 0xa5, 0xff]).hexString == "000f109aa5ff")
        #expect((0...255).map(UInt8.init).hexString == (0...255).map { String(format: "%02x", $0) }.joined())
        #expect([UInt8]().hexString == "")
    }
}

@Suite("Seizure lines")
struct SeizureLineTests {
    @Test("a line names the goods, a positive quantity in a known unit, cash in its currency")
    func problems() {
        func line(_ c: CommodityCategory = .drugs, goods: String = "heroin", quantity: Double = 1, unit: String = "kg",
                  value: Double? = nil) -> SeizureLine {
            SeizureLine(category: c, goods: goods, quantity: quantity, unit: unit, estimatedValue: value)
        }
        #expect(line().problem() == nil)
        #expect(line(.cash, unit: "USD").problem() == nil)
        #expect(line(.cash, unit: "kg").problem() == .badUnit("kg", cash: true))
        #expect(line(unit: "USD").problem() == .badUnit("USD", cash: false))
        #expect(line(goods: "  ").problem() == .missingGoods)
        #expect(line(quantity: 0).problem() == .badQuantity)
        #expect(line(quantity: .nan).problem() == .badQuantity)
        #expect(line(value: -1).problem() == .badValue)
        #expect(line(goods: String(repeating: "x", count: 201)).problem() == .tooLong("goods"))
        let result = InspectionResult(kind: .billOfLading, documentNumber: "B", unit: "U", date: .epoch, outcome: .seizure,
                                      method: .physical, recordedBy: "o", seizures: [line(), line(quantity: -2)])
        #expect(result.problem() == .line(2, .badQuantity))
        #expect(result.problem()?.description == "seizure line 2: the quantity must be a number above zero")
    }
}
