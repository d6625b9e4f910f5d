import CordonCore
import CordonIngest
import Foundation
import Testing
import TestSupport

/// Runs a pipeline on a file and collects what it would store.
actor Collector {
    var batches: [IntakeBatch] = []
    func add(_ b: IntakeBatch) -> IntakeCounts {
        batches.append(b)
        var c = IntakeCounts()
        c.accepted = b.consignments.count + b.bayPlans.count
        c.rejected = b.rejects.count
        return c
    }
    var consignments: [Consignment] { batches.flatMap(\.consignments) }
    var rejects: [RejectedRecord] { batches.flatMap(\.rejects) }
    var warnings: [RejectedRecord] { batches.flatMap(\.warnings) }
}

func ingest(_ format: CargoFormat, _ path: String, mapping: ColumnMapping? = nil, batchSize: Int = 5000,
            mappers: Int = IngestPipeline.cores) async throws -> Collector {
    let collector = Collector()
    var pipeline = try IngestPipeline(format: format, mapping: mapping, batchSize: batchSize)
    pipeline.mappers = mappers
    _ = try await pipeline.run(file: path, commit: { try await collector.add($0) })
    return collector
}

/// Runs a pipeline on `text`, written to a file of its own for the run.
func ingest(_ format: CargoFormat, text: String, mapping: ColumnMapping? = nil, batchSize: Int = 5000,
            mappers: Int = IngestPipeline.cores) async throws -> Collector {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    FileManager.default.createFile(atPath: dir.file("in.csv"), contents: Data(text.utf8))
    return try await ingest(format, dir.file("in.csv"), mapping: mapping, batchSize: batchSize, mappers: mappers)
}

@Suite("CSV mappings")
struct MappingTests {
    @Test("batches are committed in file order however many are mapped at once")
    func mappersKeepOrder() async throws {
        var text = "sgd.id,sgd.date,importer.id,declarant.id,country,office.id,tariff.code,quantity,gross.weight,fob.value,cif.value,total.taxes,illicit,revenue\n"
        for i in 0..<3_000 {
            // Every 7th row is rejected (an HS code too short), so batches differ in what they carry.
            text += "SGD\(i),13-01-\(i % 28 + 1 < 10 ? "0" : "")\(i % 28 + 1),IMP\(i % 97),DEC\(i % 13),CNTRY\(i % 7),OFFICE1,"
                + (i % 7 == 0 ? "72" : "7208196032") + ",\(i),1.5,2.5,3.5,0.1,0,0\n"
        }
        var seen: [[[String]]] = []
        for mappers in [1, 2, 3] {
            let got = try await ingest(.bacuda, text: text, batchSize: 100, mappers: mappers)
            let batches = await got.batches
            seen.append(batches.map { (b: IntakeBatch) -> [String] in
                b.consignments.map(\.documentNumber) + b.rejects.map { (r: RejectedRecord) in "line \(r.line)" }
            })
        }
        let all: [String] = seen[0].flatMap { $0 }
        let accepted: [String] = (0..<3_000).filter { $0 % 7 != 0 }.map { "SGD\($0)" }
        #expect(seen[0].count == 30 && all.count == 3_000)
        #expect(all.filter { $0.hasPrefix("SGD") } == accepted)
        #expect(seen[1] == seen[0] && seen[2] == seen[0])
    }

    @Test("a Russian manifest with decimal comma, dd.MM.yyyy, BOM, CRLF and semicolons")
    func manifest() async throws {
        let mapping = try IngestPipeline.loadMapping(path: Fixtures.path("csv/manifest_ru.mapping.json"))
        let got = try await ingest(.manifest, Fixtures.path("csv/manifest_ru.csv"), mapping: mapping)
        let accepted = await got.consignments
        #expect(accepted.map(\.documentNumber) == ["MEDU0001", "MEDU0002", "MEDU0009"])
        let first = try #require(accepted.first)
        #expect(first.date == CalendarDate(year: 2026, month: 11, day: 20))
        #expect(first.goods[0].grossMassKg == 2400.5)
        #expect(first.goods[0].invoiceValue == Money(amount: 12000, currency: "USD"))
        #expect(first.goods[0].hsCode == "090230")
        #expect(first.goods[0].description == "Чай чёрный; \"Пекое\"\nв картонных коробках")
        #expect(first.party(.consignee)?.name == "ТОО Каспий Транс")
        #expect(first.containers == [Container(number: "MSCU1234566", seals: ["S1", "S2"])])
        #expect(first.route == Route(placeOfLoading: "CNSHA", transshipment: ["TRMER"], placeOfDischarge: "GEPTI"))
        #expect(accepted[1].containers[0].checkDigitValid == false)
        #expect(accepted[1].warnings.contains { $0.reason.contains("check digit is 3, expected 2") })
        #expect(accepted[2].warnings.contains { $0.field == "route.placeOfDischarge" && $0.reason.contains("KZZZZ") })

        let rejects = await got.rejects
        #expect(rejects.map(\.line) == [5, 6, 7, 8, 9, 10, 12])
        #expect(rejects.map(\.field) == ["Дата", "Контейнер", "ТН ВЭД", "Масса брутто", "Страна происхождения", "Погрузка", "(record)"])
        #expect(rejects[0].reason == "'32.11.2026' is not a date in the form dd.MM.yyyy")
        #expect(rejects[2].reason == "'9999': length is 4, expected 6 to 10 digits")
        #expect(rejects[4].reason.contains("and 1 more: Валюта: 'XYZ' is not an ISO 4217 currency code"))
        #expect(rejects[6].reason == "has 4 fields, the header has 15")
        #expect(rejects[6].raw.hasPrefix("MEDU0010;"))
    }

    @Test("the rows of one B/L are one document; a bad or contradicting row keeps the whole document aside")
    func multiRowDocuments() async throws {
        let mapping = try IngestPipeline.loadMapping(path: Fixtures.path("csv/manifest_multirow.mapping.json"))
        // A batch size of 2 would cut MEDU100 in the middle if documents were not kept whole.
        let got = try await ingest(.manifest, Fixtures.path("csv/manifest_multirow.csv"), mapping: mapping, batchSize: 2)
        let accepted = await got.consignments
        #expect(accepted.map(\.documentNumber) == ["MEDU100", "MEDU400"])
        let a = accepted[0]
        #expect(a.goods.map(\.hsCode) == ["830210", "830242", "732690"])
        #expect(a.goods.map(\.sequence) == [1, 2, 3])
        #expect(a.containers.map(\.number) == ["MSCU1234566", "TGHU9876542"])
        #expect(a.containers[0].seals == ["S1", "S2"])
        #expect(a.party(.consignee)?.name == "Tbilisi Build LLC")
        #expect(a.route.placeOfLoading == "CNSHA")
        let rejects = await got.rejects
        #expect(rejects.map(\.line) == [5, 6, 7, 8])
        #expect(rejects.map(\.field) == ["(document)", "HS", "(document)", "Date"])
        #expect(rejects[0].reason == "the document's row at line 6 is rejected: HS: '9999': length is 4, expected 6 to 10 digits")
        #expect(rejects[3].reason == "'2026-11-21' differs from '2026-11-20' in an earlier row of document MEDU300")

        var single = mapping
        single.groupRows = false
        let separate = try await ingest(.manifest, Fixtures.path("csv/manifest_multirow.csv"), mapping: single)
        // Each row on its own: continuation rows lack the document's date.
        #expect(await separate.rejects.filter { $0.field == "Date" && $0.reason == "is missing" }.map(\.line) == [3, 4, 6])
        #expect(await separate.consignments.map(\.documentNumber) == ["MEDU100", "MEDU200", "MEDU300", "MEDU300", "MEDU400"])
    }

    @Test("a continuation row naming another port contradicts its document")
    func contradictingPort() async throws {
        let text = "B/L,Date,Loading,HS\nD1,2026-11-20,CNSHA,090230\nD1,,CNNGB,090240\nD2,2026-11-20,CNSHA,090230\n"
        let mapping = ColumnMapping(columns: ["B/L": "documentNumber", "Date": "date", "Loading": "route.placeOfLoading",
                                              "HS": "goods.hsCode"])
        let got = try await ingest(.manifest, text: text, mapping: mapping)
        #expect(await got.consignments.map(\.documentNumber) == ["D2"])
        let rejects = await got.rejects
        #expect(rejects.map(\.field) == ["(document)", "Loading"])
        #expect(rejects.last?.reason == "'CNNGB' differs from 'CNSHA' in an earlier row of document D1")
    }

    @Test("numbers are read as strtod reads them: plain decimals (read without it) and every other form")
    func numbers() async throws {
        var values = ["0", "-0", "0.1", "0.30000000000000004", "00012.5000", "1.", ".5", "-.5", "+3", "1e5", "1E-3",
                      "123456789012345", "1234567890123456", "9007199254740993", "3.14159265358979323846",
                      "999999999999999", "0.000000000000001", "12345678901234.5", "inf", "nan", "-", ".", "12.3.4",
                      "1 5", "0x1A", "٣", "-12.5"]
        // Random plain decimals around the fast path's limit of 15 digits, with and without a point.
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3_000 {
            let digits = String((0..<Int.random(in: 1...18, using: &generator)).map { _ in
                Character(String(Int.random(in: 0...9, using: &generator)))
            })
            let point = Int.random(in: 0...digits.count, using: &generator)
            values.append(point == 0 || point == digits.count ? digits
                          : String(digits.prefix(point)) + "." + String(digits.dropFirst(point)))
        }
        // The same values once more written with a decimal comma (a point there is no number), for a mapping that says so.
        for decimalComma in [false, true] {
            var text = "D,Date,Q\n"
            for (i, v) in values.enumerated() {
                text += "D\(i),2026-11-20,\"\(decimalComma ? v.replacingOccurrences(of: ".", with: ",") : v)\"\n"
            }
            let mapping = ColumnMapping(decimalSeparator: decimalComma ? "," : ".",
                                        columns: ["D": "documentNumber", "Date": "date", "Q": "goods.quantity"])
            let got = try await ingest(.manifest, text: text, mapping: mapping)
            var quantities: [String: Double] = [:]
            for c in await got.consignments { quantities[c.documentNumber] = c.goods.first?.quantity }
            for (i, v) in values.enumerated() {
                // Accepted with strtod's value exactly, or rejected where strtod reads none (or the validator refuses it).
                if let expected = Double(v), expected.isFinite, !(expected < 0) {
                    #expect(quantities["D\(i)"]?.bitPattern == expected.bitPattern, "\(v)")
                } else {
                    #expect(quantities["D\(i)"] == nil, "\(v)")
                }
            }
        }
    }

    @Test("a row's parties are in the mapping's order whichever of their cells are empty")
    func partyOrder() async throws {
        // Columns in name order: A names the consignee, B the shipper, C the consignee's country. A row without a
        // consignee name meets the shipper first.
        let text = "A,B,C,D,Date\nCons,Ship,KZ,D1,2026-11-20\n,Ship,KZ,D2,2026-11-20\n,,KZ,D3,2026-11-20\nCons,,,D4,2026-11-20\n"
        let mapping = ColumnMapping(columns: ["A": "parties.consignee.name", "B": "parties.shipper.name",
                                              "C": "parties.consignee.country", "D": "documentNumber", "Date": "date"])
        let got = try await ingest(.manifest, text: text, mapping: mapping)
        let c = await got.consignments
        #expect(c.map { $0.parties.map(\.role) } == [[.consignee, .shipper], [.consignee, .shipper], [.consignee], [.consignee]])
        #expect(c[1].parties == [Party(role: .consignee, country: "KZ"), Party(role: .shipper, name: "Ship")])
    }

    @Test("bad mapping files are named with the place of the error")
    func badMappings() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        func load(_ json: String) -> String {
            FileManager.default.createFile(atPath: dir.file("m.json"), contents: Data(json.utf8))
            do { _ = try IngestPipeline.loadMapping(path: dir.file("m.json")); return "loaded" } catch {
                return String(describing: error)
            }
        }
        #expect(load(#"{"columns": {"A": "documentNumber", "B": "goods.colour"}}"#).contains("column 'B' maps to unknown field 'goods.colour'"))
        #expect(load(#"{"columns": {"A": "documentNumber"}, "decimalSeparator": ";"}"#).contains("decimalSeparator"))
        #expect(load(#"{"columns": 5}"#).contains("m.json: at columns"))
        #expect(load(#"{"kind": "bl"}"#).contains("missing \"columns\""))
        #expect(load(#"{"columns": {"#).contains("not valid JSON"))
        #expect(load(#"{"columns": {"A": "documentNumber", "D": "date"}, "dateFormat": "MM/dd"}"#).contains("dateFormat"))
        #expect(load(#"{"columns": {"A": "documentNumber", "D": "date", "X": "attributes.anything"}}"#) == "loaded")
    }

    @Test("a header without a required column stops the run, naming the column")
    func missingColumns() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        FileManager.default.createFile(atPath: dir.file("k.csv"), contents: Data("Declaration ID,Date\n1,2020-01-01\n".utf8))
        await #expect {
            _ = try await ingest(.kcs, dir.file("k.csv"))
        } throws: { error in
            (error as? IngestError)?.description.contains("HS6 Code") == true
        }
    }

    @Test("KCS declarations, including the critical-fraud class")
    func kcs() async throws {
        guard let shared = Fixtures.sharedData else {
            print("skipped: ../shared/data is absent"); return
        }
        let got = try await ingest(.kcs, shared + "/kcs/kcs_synthetic_import_declarations_valid_eng.csv")
        let accepted = await got.consignments
        let rejects = await got.rejects
        #expect(accepted.count + rejects.count == 8134)
        #expect(rejects.isEmpty, "\(rejects.prefix(3))")
        let critical = accepted.filter { $0.label?.critical == true }.count
        #expect(critical > 0 && critical < accepted.filter { $0.label?.illicit == true }.count)
        #expect(accepted.allSatisfy { $0.kind == .declaration && $0.goods.count == 1 })
    }

    @Test("BACUDA rich rows: pseudonymous codes, padded tariff codes, check-digit flags")
    func bacuda() async throws {
        let text = """
            sgd.id,sgd.date,importer.id,declarant.id,country,office.id,tariff.code,quantity,gross.weight,fob.value,cif.value,total.taxes,illicit,revenue,container.no,port.loading,port.transship,shipper.name,consignee.name,goods.description,payment.terms,mode
            SGD1,13-01-01,IMP1,DEC1,CNTRY605,OFFICE34,7208196032,38212,42121.0,21185.27,23510.09,1309.73,0,0.0,MSCU1234566,FEGDV,ILSFU,"Pioneer Aurora Co., Ltd",Phoenix Trident,FLAT-ROLLED IRON,LC,sea
            SGD2,13-01-02,IMP2,DEC2,CNTRY355,OFFICE59,803100000,13,15.4,122.29,136.76,87.98,1,512.5,TGHU9876543,GZJID,ILSFU/ TRMER,Riverside S.A.,Zhou FZE,FRESH BANANAS,CAD,land
            SGD3,13-13-02,IMP2,DEC2,CNTRY355,OFFICE59,803100000,13,15.4,122.29,136.76,87.98,1,512.5,,GZJID,,R,Z,BANANAS,CAD,air
            SGD4 ,13-01-03, IMP3,DEC3,CNTRY1,OFFICE1\t,7208196032,1,1.0,1.0,1.0,1.0,0,0.0, MSCU1234566 ,FEGDV,,"  Pioneer Aurora Co., Ltd ",Z,IRON,LC,sea

            """
        let got = try await ingest(.bacuda, text: text)
        let c = await got.consignments
        #expect(c.count == 3)
        // Spaces and tabs around a cell are not part of its value, quoted or not.
        #expect(c[2].documentNumber == "SGD4" && c[2].office == "OFFICE1" && c[2].party(.importer)?.identifier == "IMP3")
        #expect(c[2].containers.map(\.number) == ["MSCU1234566"] && c[2].party(.shipper)?.name == "Pioneer Aurora Co., Ltd")
        #expect(c[0].goods[0].countryOfOrigin == "CNTRY605")
        #expect(c[0].route == Route(placeOfLoading: "FEGDV", transshipment: ["ILSFU"]))
        #expect(c[0].party(.shipper)?.name == "Pioneer Aurora Co., Ltd")
        #expect(c[0].attributes["paymentTerms"] == "LC")
        // Parties in the order of the mapping's columns, every row the same; a list cell split, a single one not.
        #expect(c.allSatisfy { $0.parties.map(\.role) == [.consignee, .declarant, .importer, .shipper] })
        #expect(c[1].party(.importer)?.identifier == "IMP2" && c[1].party(.consignee)?.name == "Zhou FZE")
        #expect(c[1].route.transshipment == ["ILSFU", "TRMER"])
        #expect(c[1].containers.map(\.number) == ["TGHU9876543"])
        #expect(c[1].goods[0].hsCode == "0803100000")
        #expect(c[1].mode == .road)
        #expect(c[1].label == OutcomeLabel(illicit: true, revenue: 512.5))
        #expect(c[1].containers[0].checkDigitValid == false)
        let rejects = await got.rejects
        #expect(rejects.map(\.field) == ["sgd.date"])
        #expect(rejects.first?.line == 4)
    }
}
