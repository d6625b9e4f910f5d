import CordonCore
import CordonRisk
import Foundation
import Testing
import TestSupport

@Suite("Risk profiles")
struct ProfileTests {
    /// A consignment every profile of all_tests.yaml is written against.
    static func consignment(date: CalendarDate = CalendarDate(year: 2026, month: 3, day: 2)!, description: String = "Black TEA in cartons",
                            consignee: String = "ТОО Каспий Транс") -> Consignment {
        Consignment(kind: .billOfLading, documentNumber: "BL1", date: date, office: "40",
                    route: Route(placeOfLoading: "INNSA", transshipment: ["AEJEA"], placeOfDischarge: "GEPTI"),
                    parties: [Party(role: .consignee, name: consignee), Party(role: .shipper, name: "Some Shipper")],
                    goods: [GoodsItem(sequence: 1, hsCode: "240220", description: description, grossMassKg: 2000,
                                      customsValue: Money(amount: 4000), countryOfOrigin: "AF")],
                    containers: [Container(number: "MSCU0759544", sizeType: "22G1")])
    }

    static func load(_ name: String) throws -> ProfileSet {
        let profiles = try ProfileFile.load(path: Fixtures.path("profiles/\(name)"))
        return try ProfileSet(profiles.map { VersionedProfile(profile: $0, version: 1) })
    }

    @Test("each kind of test fires on what it describes, and only then")
    func everyTest() throws {
        let set = try ProfileTests.load("all_tests.yaml")
        #expect(set.count == 8)
        let fired = Set(set.hits(ProfileTests.consignment()).map(\.name))
        #expect(fired == ["t-equals", "t-in", "t-range", "t-prefix-regex", "t-route", "t-list", "t-negate"])
        // Outside its validity the route profile stays silent; without "tea" the regex fails; a Latin
        // consignee that is not on the list does not match; drafts fire only when asked for.
        let later = ProfileTests.consignment(date: CalendarDate(year: 2026, month: 7, day: 1)!, description: "Cigarettes",
                                             consignee: "Kaspiy Shipping")
        let firedLater = Set(set.hits(later).map(\.name))
        #expect(!firedLater.contains("t-route") && !firedLater.contains("t-prefix-regex") && !firedLater.contains("t-list"))
        #expect(firedLater.contains("t-equals"))
        #expect(Set(set.hits(ProfileTests.consignment(), includeDrafts: true).map(\.name)).contains("t-draft"))
        // The Cyrillic regex alternative matches a Russian description.
        #expect(Set(set.hits(ProfileTests.consignment(description: "Чай чёрный")).map(\.name)).contains("t-prefix-regex"))
    }

    @Test("a hit names the profile, its version, lane and title")
    func reason() throws {
        let set = try ProfileTests.load("all_tests.yaml")
        let hit = try #require(set.hits(ProfileTests.consignment()).first { $0.name == "t-prefix-regex" })
        #expect(hit.reason.english == "profile t-prefix-regex v1 (red): Tobacco described as something else")
        #expect(hit.lane == .red && hit.weight == 0.5)
    }

    @Test("bad profiles are refused with the file and the place",
          arguments: [
              ("bad_field.yaml", "bad_field.yaml: conditions[1].field: unknown field 'colour_of_ship'"),
              ("bad_regex.json", "bad_regex.json: [1].conditions[0].regex: invalid regular expression '(cigar'"),
          ])
    func refused(file: String, message: String) throws {
        #expect {
            _ = try ProfileFile.load(path: Fixtures.path("profiles/\(file)"))
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test("tests that do not fit the field, empty lists and bad weights are refused")
    func wrongShapes() throws {
        func refuse(_ yaml: String, _ expected: String) {
            #expect(throws: ProfileFileError.self) { _ = try ProfileFile.parse(Data(yaml.utf8), name: "x.yaml", json: false) }
            do { _ = try ProfileFile.parse(Data(yaml.utf8), name: "x.yaml", json: false) } catch {
                #expect("\(error)".contains(expected), "\(error)")
            }
        }
        let head = "name: p\ntitle: t\nlane: red\nauthor: a\n"
        refuse(head + "weight: 0.5\nconditions:\n  - {field: office, range: {min: 1}}\n", "range applies to number fields only")
        refuse(head + "weight: 0.5\nconditions:\n  - {field: value, prefix: [\"1\"]}\n", "a number field takes range or equals")
        refuse(head + "weight: 0.5\nconditions:\n  - {field: office, in: []}\n", "conditions[0].in: the list is empty")
        refuse(head + "weight: 0.5\nconditions:\n  - {field: office, equals: a, prefix: [b]}\n", "exactly one test")
        refuse(head + "weight: 1.5\nconditions:\n  - {field: office, equals: a}\n", "weight 1.5 must be between 0 and 1")
        refuse(head + "weight: 0.5\nconditions: []\n", "at least one condition")
        refuse("name: Bad Name\ntitle: t\nlane: red\nauthor: a\nweight: 0.5\nconditions:\n  - {field: office, equals: a}\n", "not a profile name")
        refuse(head + "weight: 0.5\nconditions:\n  - {field: office, range: {min: 1}\n", "x.yaml:")
    }

    @Test("a profile written back as JSON reads the same")
    func roundTrip() throws {
        let profiles = try ProfileFile.load(path: Fixtures.path("profiles/all_tests.yaml"))
        let json = try JSONEncoder().encode(profiles)
        #expect(try ProfileFile.parse(json, name: "back.json", json: true) == profiles)
    }
}
