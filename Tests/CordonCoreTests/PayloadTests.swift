import CordonCore
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

    @Test("is byte for byte what JSONEncoder with sorted keys writes")
    func sameAsFoundation() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var sample = PayloadTests.full
        sample.goods[0].description = "Tea"         // control characters are escaped differently
        sample.goods[0].customsValue = Money(amount: 15)
        sample.goods[0].netMassKg = 0.25
        let foundation = String(decoding: try encoder.encode(sample), as: UTF8.self)
        let ours = String(decoding: sample.payloadJSON, as: UTF8.self)
        #expect(ours == foundation)
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
