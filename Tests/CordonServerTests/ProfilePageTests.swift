import CordonCore
import CordonServer
import CordonStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

@Suite("Risk profiles and model versions in the pages")
struct ProfilePageTests {
    static let draft = """
        name: cigarettes-from-jebel-ali
        title: Cigarettes through Jebel Ali
        lane: red
        weight: 0.4
        author: ana
        status: active
        conditions:
          - field: hs_code
            prefix: ["2402"]
          - field: goods_description
            regex: "(?i)cigar"
        """

    @Test("an analyst writes a draft as YAML (never in force from the page), sees its versions and hit rate; officers see no profiles")
    func drafts() async throws {
        try await withSeededWorkspace { client, store in
            let olga = Browser(client)
            try await olga.post("/login", ["username": "olga", "password": "correct horse battery"])
            #expect(try await olga.get("/profiles").status == .forbidden)
            #expect(try await olga.get("/models").status == .forbidden)
            #expect(!String(buffer: try await olga.get("/queue").body).contains(#"href="/profiles""#))

            let ana = Browser(client)
            try await ana.post("/login", ["username": "ana", "password": "correct horse battery"])
            #expect(String(buffer: try await ana.get("/profiles").body).contains("No risk profiles yet."))
            let form = try await ana.get("/profiles/new")
            #expect(String(buffer: form.body).contains("name: new-profile-name"))
            let csrf = Browser.csrf(form)
            #expect(try await ana.post("/profiles", ["definition": ProfilePageTests.draft]).status == .forbidden)
            let saved = try await ana.post("/profiles", ["csrf": csrf, "definition": ProfilePageTests.draft])
            #expect(saved.status == .seeOther && saved.headers[.location] == "/profiles/cigarettes-from-jebel-ali", "\(String(buffer: saved.body).prefix(3000))")
            // Written "active", saved as a draft: the page never puts a profile in force.
            #expect(try await store.profileVersions("cigarettes-from-jebel-ali").map(\.profile.status) == [.draft])
            #expect(try await store.activeProfiles().isEmpty)
            let shown = String(buffer: try await ana.get("/profiles/cigarettes-from-jebel-ali").body)
            #expect(shown.contains("v1 · draft") && shown.contains("prefix:") && shown.contains("Edit the draft"))

            let bad = try await ana.post("/profiles", ["csrf": csrf, "definition": ProfilePageTests.draft.replacingOccurrences(of: "(?i)cigar", with: "(unclosed")])
            #expect(bad.status == .badRequest && String(buffer: bad.body).contains("(unclosed"))
            let unknownField = try await ana.post("/profiles", ["csrf": csrf, "definition": ProfilePageTests.draft.replacingOccurrences(of: "field: goods_description", with: "field: colour")])
            #expect(unknownField.status == .badRequest && String(buffer: unknownField.body).contains("colour"))
            let edited = try await ana.post("/profiles", ["csrf": csrf, "definition": ProfilePageTests.draft.replacingOccurrences(of: "0.4", with: "0.5")])
            #expect(edited.status == .seeOther)
            #expect(try await store.profileVersions("cigarettes-from-jebel-ali").map(\.profile.weight) == [0.4, 0.5])

            // A profile in force is not edited from the page (that could switch it off): it is copied into a new draft.
            var active = try #require(try await store.profileVersions("cigarettes-from-jebel-ali").last?.profile)
            active.status = .active
            _ = try await store.saveProfiles([active], by: "boris")
            #expect(try await ana.get("/profiles/cigarettes-from-jebel-ali/edit").status == .conflict)
            let refused = try await ana.post("/profiles", ["csrf": csrf, "definition": ProfilePageTests.draft])
            #expect(refused.status == .badRequest && String(buffer: refused.body).contains("in force or retired"))
            #expect(try await store.activeProfiles().map(\.profile.name) == ["cigarettes-from-jebel-ali"])
            let copy = String(buffer: try await ana.get("/profiles/new?copy=cigarettes-from-jebel-ali").body)
            #expect(copy.contains("name: cigarettes-from-jebel-ali-draft") && copy.contains("status: draft"))

            // Hits and what their controls found.
            let docs = try await store.consignments(for: try await store.unit("ALA"), on: CalendarDate(year: 2026, month: 11, day: 20)!)
            try await store.replaceTargets(unit: "ALA", day: CalendarDate(year: 2026, month: 11, day: 20)!, targets: [
                Target(consignmentID: docs[0].id, kind: .billOfLading, documentNumber: docs[0].consignment.documentNumber, rank: 1,
                       score: 0.9, lane: .red, selection: .mandatory, reasons: [], profiles: ["cigarettes-from-jebel-ali@3"]),
            ], modelVersion: nil)
            try await store.recordInspection(InspectionResult(kind: .billOfLading, documentNumber: docs[0].consignment.documentNumber,
                unit: "ALA", date: CalendarDate(year: 2026, month: 11, day: 20)!, outcome: .irregularity, method: .documentary, recordedBy: "olga"))
            let list = String(buffer: try await ana.get("/profiles").body)
            #expect(list.contains("cigarettes-from-jebel-ali") && list.contains("100%"))
            let withHits = String(buffer: try await ana.get("/profiles/cigarettes-from-jebel-ali").body)
            #expect(withHits.contains("2026-11") && withHits.contains("100% (1/1)") && withHits.contains("<svg"))
            #expect(String(buffer: try await ana.get("/models").body).contains("No model trained yet"))
            #expect(try await ana.get("/profiles/nope").status == .notFound)
        }
    }
}
