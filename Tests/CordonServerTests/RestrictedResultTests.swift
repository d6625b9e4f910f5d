import CordonCore
@testable import CordonServer
import CordonStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

@Suite("Results restricted to the recording agency")
struct RestrictedResultTests {
    @Test("a police officer's restricted seizure: the customs officer of the same unit sees that it happened and its outcome, not the notes or what was seized; the register, its CSV and the API leave it out for him; an auditor reads everything",
          arguments: TestDatabases.available)
    func restricted(kind: TestDatabases.Kind) async throws {
        let password = "correct horse battery"
        try await withSeededWorkspace(kind, prepare: { store in
            _ = try await store.createUser(User(username: "aslan", displayName: "Aslan", role: .officer, agency: "police", units: ["ALA"]),
                                           passwordHash: fixturePasswordHash)
            _ = try await store.createUser(User(username: "aud", displayName: "Auditor", role: .auditor, agency: "customs", units: []),
                                           passwordHash: fixturePasswordHash)
        }) { client, store in
            let id = try #require(try await store.currentConsignmentID("BL-ALA-1", kind: .billOfLading))
            let aslan = Browser(client)
            try await aslan.post("/login", ["username": "aslan", "password": password])
            let page = try await aslan.get("/consignments/\(id)")
            #expect(String(buffer: page.body).contains("Only my agency reads the notes and what was seized (police)"))
            let recorded = try await aslan.post("/consignments/\(id)/result", pairs: [
                ("csrf", Browser.csrf(page)), ("unit", "ALA"), ("outcome", "seizure"), ("method", "dog"), ("restricted", "1"),
                ("notes", "informant: second container next week"), ("s_category[]", "drugs"), ("s_goods[]", "heroin"),
                ("s_quantity[]", "12"), ("s_unit[]", "kg"), ("s_concealment[]", ""), ("s_value[]", ""),
            ])
            #expect(recorded.status == .seeOther)
            let stored = try #require(try await store.inspections(of: "BL-ALA-1", kind: .billOfLading).first)
            #expect(stored.restrictedTo == "police" && stored.seizures.count == 1)

            let own = String(buffer: try await aslan.get("/consignments/\(id)").body)
            #expect(own.contains("heroin") && own.contains("informant") && own.contains("details for police only"))
            #expect(String(buffer: try await aslan.get("/seizures").body).contains("heroin"))

            let olga = Browser(client)
            try await olga.post("/login", ["username": "olga", "password": password])
            let theirs = String(buffer: try await olga.get("/consignments/\(id)").body)
            #expect(theirs.contains("Seizure") && theirs.contains("details restricted to police"))
            #expect(!theirs.contains("heroin") && !theirs.contains("informant"))
            #expect(!String(buffer: try await olga.get("/seizures").body).contains("heroin"))
            #expect(!String(buffer: try await olga.get("/seizures.csv").body).contains("heroin"))

            let auditor = Browser(client)
            try await auditor.post("/login", ["username": "aud", "password": password])
            #expect(String(buffer: try await auditor.get("/seizures").body).contains("heroin"))
            #expect(String(buffer: try await auditor.get("/consignments/\(id)").body).contains("informant"))

            let issued = APITokens.issue()
            _ = try await store.createToken(username: "olga", name: "t", tokenHash: issued.hash, expires: nil, by: "admin")
            let api = APIClient(client: client, token: issued.token)
            let detail = try await api.call(.get, "/api/v1/consignments/\(id)")
            let result = try #require((detail.object["results"] as? [[String: Any]])?.first)
            #expect(result["outcome"] as? String == "seizure" && result["restricted_to"] as? String == "police")
            #expect((result["seizures"] as? [Any])?.isEmpty == true && result["notes"] == nil)
            #expect((try await api.call(.get, "/api/v1/seizures").object["total"] as? Int) == 0)
            // The command line (the node's operators) counts every line.
            #expect(try await store.seizureCount(SeizureFilter()) == 1)
        }
    }
}
