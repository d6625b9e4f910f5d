import CordonRisk
import Foundation
import Testing
import TestSupport

@Suite("Screening")
struct ScreeningTests {
    @Test("names are reduced to comparable tokens across scripts and legal forms")
    func normalisation() {
        #expect(NameNormalizer.tokens("ТОО Каспий Транс") == ["kaspiy", "trans"])
        #expect(NameNormalizer.tokens("Kaspiy Trans, LLP.") == ["kaspiy", "trans"])
        #expect(NameNormalizer.tokens("Société Générale S.A.") == ["societe", "generale"])
        #expect(NameNormalizer.tokens("ООО «Ромашка»") == ["romashka"])
        #expect(NameNormalizer.tokens("Қазақ Тағам АҚ") == ["kazak", "tagam", "ak"])
        #expect(NameNormalizer.tokens("Хенгам Петрочемикал Компаний") == ["khengam", "petrochemikal"])
        #expect(NameNormalizer.phonetic("commerce") == NameNormalizer.phonetic("kommers"))
        #expect(NameNormalizer.phonetic("kaspiy") == NameNormalizer.phonetic("kaspij"))
        #expect(NameNormalizer.phonetic("dzhoint") == NameNormalizer.phonetic("joint"))
    }

    @Test("the four list formats load with their aliases")
    func loaders() throws {
        let ofac = try WatchList.load(path: Fixtures.path("watchlists/sdn_sample.csv"), format: .ofac)
        #expect(ofac.entries.map(\.id) == ["ofac-36", "ofac-306", "ofac-9001"])
        #expect(ofac.entries[1].names == ["BANCO NACIONAL DE CUBA", "BNC", "NATIONAL BANK OF CUBA"])
        let un = try WatchList.load(path: Fixtures.path("watchlists/un_sample.xml"))
        #expect(un.entries.map(\.id) == ["un-XXi.001", "un-XXe.002"])
        #expect(un.entries[0].names == ["IVAN PETROVICH SIDOROV", "Ivan Sidorov", "Иван Петрович Сидоров"])
        #expect(un.entries[1].names == ["TASHKENT SAVDO GROUP", "TSG Trading"])
        let ftm = try WatchList.load(path: Fixtures.path("watchlists/ftm_sample.json"))
        #expect(ftm.entries.count == 2 && ftm.entries[0].names.contains("InterTob"))
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try "watch.id,name\nW1,\"Lotus Olga General Trading LLC\"\n".write(toFile: dir.file("w.csv"), atomically: true, encoding: .utf8)
        #expect(try WatchList.load(path: dir.file("w.csv")).entries == [WatchListEntry(id: "W1", name: "Lotus Olga General Trading LLC")])
        // The wrong format says so, naming the file and the place.
        #expect(throws: WatchListError.self) { try WatchList.load(path: Fixtures.path("watchlists/un_sample.xml"), format: .ofac) }
        try "<CONSOLIDATED_LIST>\n<INDIVIDUAL><FIRST_NAME>A</FIRST_NAME>\n</ENTITY>".write(toFile: dir.file("bad.xml"), atomically: true, encoding: .utf8)
        do { _ = try WatchList.load(path: dir.file("bad.xml")); Issue.record("loaded") } catch {
            #expect(error.description.contains("bad.xml: line 3"))
        }
    }

    @Test("transliterated, re-ordered and misspelt variants find the listed names; unrelated names do not")
    func matching() throws {
        let list = try WatchList.load(path: Fixtures.path("watchlists/sdn_sample.csv"), format: .ofac)
        let un = try WatchList.load(path: Fixtures.path("watchlists/un_sample.xml"))
        let matcher = NameMatcher(list: WatchList(entries: list.entries + un.entries))
        func best(_ name: String) -> String? { matcher.matches(name).first?.entry.id }
        #expect(best("ТОО Каспий Транс") == "ofac-9001")
        #expect(best("Trans Kaspiy") == "ofac-9001")
        #expect(best("Kaspii Trans Ltd") == "ofac-9001")
        #expect(best("Сидоров Иван Петрович") == "un-XXi.001")
        #expect(best("SIDOROV, Ivan") == "un-XXi.001")
        #expect(best("Aerocaribean Airlines") == "ofac-36")
        #expect(best("Aerocaribbean Airlnies") == "ofac-36")   // two letters swapped
        #expect(best("Kapsiy Trans") == "ofac-9001")           // a typo among the first letters
        #expect(best("National Bank of Cuba") == "ofac-306")
        #expect(best("Kaspiy Foods LLP") == nil)
        #expect(best("Almaty Trans Logistics") == nil)
        #expect(best("Tashkent Fruit Group") == nil)
        let scored = matcher.matches("Kasbiy Trans Ltd")
        #expect(scored.count == 1 && scored[0].score > 0.85 && scored[0].score < 1)
    }

    @Test("a listed name whose words are common on the list is still found")
    func commonWords() {
        // 300 listed groups make "group" too common to look up on its own.
        var entries = (0..<300).map { WatchListEntry(id: "g\($0)", name: "Group Number \($0) Holding") }
        entries.append(WatchListEntry(id: "target", name: "ABU SAYYAF GROUP"))
        let matcher = NameMatcher(list: WatchList(entries: entries))
        #expect(matcher.matches("Abu Sayyaf Group").map(\.entry.id) == ["target"])
    }

    @Test("cordon screen writes name,list_id,list_name,score for every match at or above the threshold")
    func command() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try "ТОО Каспий Транс\nSomeone Else\n\nBanco Nacional de Cuba\n".write(toFile: dir.file("names.txt"), atomically: true, encoding: .utf8)
        let r = try run(Fixtures.cordonBinary, ["screen", "--list", Fixtures.path("watchlists/sdn_sample.csv"), "--list-format", "ofac",
                                                 "--names", dir.file("names.txt"), "--out", dir.file("m.csv")])
        #expect(r.status == 0, "\(r.stderr)")
        let out = try String(contentsOfFile: dir.file("m.csv"), encoding: .utf8)
        #expect(out == "name,list_id,list_name,score\nТОО Каспий Транс,ofac-9001,KASPIY TRANS LLP,1.000\nBanco Nacional de Cuba,ofac-306,BANCO NACIONAL DE CUBA,1.000\n")
        let bad = try run(Fixtures.cordonBinary, ["screen", "--list", Fixtures.path("watchlists/un_sample.xml"), "--list-format", "ofac",
                                                   "--names", dir.file("names.txt"), "--out", dir.file("m.csv")])
        #expect(bad.status != 0 && bad.stderr.contains("un_sample.xml"))
    }
}
