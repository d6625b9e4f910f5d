import CordonCore
@testable import CordonServer
import CordonStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// A JSON API client's part: a bearer token and JSON bodies.
struct APIClient {
    let client: any TestClientProtocol
    let token: String?

    struct Answer {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let json: Any?

        var object: [String: Any] { json as? [String: Any] ?? [:] }
        var errorCode: String? { (object["error"] as? [String: Any])?["code"] as? String }
        var errorField: String? { (object["error"] as? [String: Any])?["field"] as? String }
    }

    func call(_ method: HTTPRequest.Method, _ uri: String, _ body: Any? = nil, raw: String? = nil) async throws -> Answer {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        var buffer: ByteBuffer?
        if let body { buffer = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)) }
        if let raw { buffer = ByteBuffer(string: raw) }
        if buffer != nil { headers[.contentType] = "application/json" }
        let r = try await client.execute(uri: uri, method: method, headers: headers, body: buffer)
        let data = Data(buffer: r.body)
        return Answer(status: r.status, headers: r.headers, json: data.isEmpty ? nil : try? JSONSerialization.jsonObject(with: data))
    }
}

@Suite("The JSON API")
struct APITests {
    /// The seeded workspace with a token for each of its users and for an integration of Almaty's unit.
    func withAPI(_ kind: TestDatabases.Kind,
                 _ body: @Sendable (any TestClientProtocol, Store, [String: String]) async throws -> Void) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try await seededStore(kind, in: dir)
        _ = try await store.createUser(User(username: "pcs", displayName: "Port system", role: .integration, agency: "customs", units: ["ALA"]),
                                       passwordHash: fixturePasswordHash)
        var tokens: [String: String] = [:]
        for user in ["olga", "timur", "ana", "pcs"] {
            let issued = APITokens.issue()
            _ = try await store.createToken(username: user, name: "test", tokenHash: issued.hash, expires: nil, by: "admin")
            tokens[user] = issued.token
        }
        let app = try await NodeServer.application(store: store, settings: ServerSettings(port: 0))
        let issued = tokens
        do {
            try await app.test(.live) { client in try await body(client, store, issued) }
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    @Test("/openapi.json is OpenAPI 3.1 and matches the routes: every operation documented is served with a documented status and the required fields, and nothing else is served")
    func openAPI() async throws {
        try await withAPI(.sqlite) { client, store, tokens in
            let doc = try #require(try await APIClient(client: client, token: nil).call(.get, "/openapi.json").json as? [String: Any])
            #expect(doc["openapi"] as? String == "3.1.0")
            let paths = try #require(doc["paths"] as? [String: [String: Any]])
            let schemas = try #require((doc["components"] as? [String: Any])?["schemas"] as? [String: Any])
            let documented = Set(paths.flatMap { path, ops in ops.keys.map { "\($0.uppercased()) \(path)" } })
            let served = Set(APIRoutes(store: store, exchange: NodeExchange(store: store, identity: nil)).operations.map { "\($0.method.rawValue) \($0.path)" })
            #expect(documented == served)

            // Every documented operation, called as the analyst with plausible input.
            let ala = try await store.consignments(for: try await store.unit("ALA"), on: CalendarDate(year: 2026, month: 11, day: 20)!)
            let bodies: [String: Any] = [
                "POST /api/v1/consignments": ["consignments": [["kind": "bl", "document_number": "API-1", "date": "2026-11-21"]]],
                "POST /api/v1/results": ["document_number": "BL-ALA-2", "unit": "ALA", "outcome": "cleared", "method": "x-ray"],
            ]
            let api = APIClient(client: client, token: tokens["ana"])
            for op in documented.sorted() {
                let parts = op.split(separator: " ")
                let method = HTTPRequest.Method(rawValue: String(parts[0]))!
                let uri = String(parts[1]).replacingOccurrences(of: "{id}", with: "\(ala[0].id)")
                    + (op.hasSuffix("/targets") ? "?unit=ALA&date=2026-11-20" : "")
                let answer = try await api.call(method, uri, bodies[op])
                let responses = try #require((paths[String(parts[1])]?[String(parts[0]).lowercased()] as? [String: Any])?["responses"] as? [String: Any])
                #expect(responses[String(answer.status.code)] != nil, "\(op) answered \(answer.status.code): \(answer.object)")
                #expect(answer.errorCode != "no_such_route", "\(op)")
                // The required fields of the documented success schema are there.
                guard (200..<300).contains(answer.status.code),
                      let content = (responses[String(answer.status.code)] as? [String: Any])?["content"] as? [String: Any],
                      let ref = ((content["application/json"] as? [String: Any])?["schema"] as? [String: Any])?["$ref"] as? String,
                      let schema = schemas[String(ref.split(separator: "/").last!)] as? [String: Any] else { continue }
                let required = schema["required"] as? [String] ?? []
                #expect(required.allSatisfy { answer.object[$0] != nil }, "\(op): \(required) in \(answer.object.keys.sorted())")
            }
            // The analyst is not a unit's officer: recording a result was forbidden, as documented.
            let unknown = try await api.call(.get, "/api/v1/nope")
            #expect(unknown.status == .notFound && unknown.errorCode == "no_such_route")
        }
    }

    @Test("tokens: none, a wrong one or a revoked one is refused with the error shape; an integration cannot use the pages")
    func tokens() async throws {
        try await withAPI(.sqlite) { client, store, tokens in
            for token in [nil, "cdn_wrong", String(repeating: "x", count: 400)] {
                let r = try await APIClient(client: client, token: token).call(.get, "/api/v1/me")
                #expect(r.status == .unauthorized && r.errorCode == "unauthorized" && r.headers[.wwwAuthenticate] == #"Bearer realm="cordon""#)
                let error = try #require(r.object["error"] as? [String: Any])
                #expect(Set(error.keys) == ["code", "message", "field"] && error["field"] is NSNull)
            }
            let me = try await APIClient(client: client, token: tokens["olga"]).call(.get, "/api/v1/me")
            #expect(me.status == .ok && me.object["username"] as? String == "olga" && me.object["units"] as? [String] == ["ALA"])
            #expect(me.headers[.cacheControl] == "no-store")
            let listed = try await store.tokens(username: "olga")
            #expect(listed.count == 1 && listed[0].lastUsedAt != nil && !listed[0].revoked)
            #expect(try await store.revokeToken(id: listed[0].id))
            #expect(try await APIClient(client: client, token: tokens["olga"]).call(.get, "/api/v1/me").status == .unauthorized)
            // An expired token is refused.
            let old = APITokens.issue()
            _ = try await store.createToken(username: "ana", name: "old", tokenHash: old.hash, expires: Date().addingTimeInterval(-1), by: "admin")
            #expect(try await APIClient(client: client, token: old.token).call(.get, "/api/v1/me").status == .unauthorized)
            // A session cookie does not open the API, and an integration's password does not open the pages.
            let b = Browser(client)
            try await b.post("/login", ["username": "ana", "password": "correct horse battery"])
            var headers: HTTPFields = [.cookie: b.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")]
            headers[.accept] = "application/json"
            #expect(try await client.execute(uri: "/api/v1/me", method: .get, headers: headers).status == .unauthorized)
            #expect(try await Browser(client).post("/login", ["username": "pcs", "password": "correct horse battery"]).status == .unauthorized)
        }
    }

    @Test("authorisation: each role sees and records for its own units only; analysts see all; officers send no cargo",
          arguments: TestDatabases.available)
    func authorisation(kind: TestDatabases.Kind) async throws {
        try await withAPI(kind) { client, store, tokens in
            let olga = APIClient(client: client, token: tokens["olga"]), timur = APIClient(client: client, token: tokens["timur"])
            let ana = APIClient(client: client, token: tokens["ana"]), pcs = APIClient(client: client, token: tokens["pcs"])
            let day = CalendarDate(year: 2026, month: 11, day: 20)!
            let targets = try await olga.call(.get, "/api/v1/targets?unit=ALA")
            #expect(targets.status == .ok && targets.object["date"] as? String == "2026-11-20" && targets.object["total"] as? Int == 2)
            let first = try #require((targets.object["targets"] as? [[String: Any]])?.first)
            #expect(first["document_number"] as? String == "BL-ALA-1" && first["lane"] as? String == "red"
                    && first["containers"] as? [String] == ["MSCU0759544"] && first["route"] as? [String] == ["CNSHA", "AEJEA", "KZALA"])
            #expect(try await olga.call(.get, "/api/v1/targets?unit=ALA&include_released=true").object["total"] as? Int == 3)
            #expect(try await olga.call(.get, "/api/v1/targets?unit=ALA&limit=1&offset=1").object["targets"].map { ($0 as? [Any])?.count } == 1)
            let other = try await olga.call(.get, "/api/v1/targets?unit=TAS")
            #expect(other.status == .forbidden && other.errorField == "unit")
            #expect(try await olga.call(.get, "/api/v1/targets?unit=ALA&limit=0").errorField == "limit")
            #expect(try await olga.call(.get, "/api/v1/targets").errorField == "unit")
            #expect(try await ana.call(.get, "/api/v1/targets?unit=TAS").status == .ok)

            let tas = try await store.consignments(for: try await store.unit("TAS"), on: day)[0].id
            let alaID = try #require(first["consignment_id"] as? Int)
            #expect(try await olga.call(.get, "/api/v1/consignments/\(tas)").errorCode == "not_found")
            #expect(try await olga.call(.get, "/api/v1/consignments/999999").errorCode == "not_found")
            let detail = try await olga.call(.get, "/api/v1/consignments/\(alaID)")
            #expect((detail.object["consignment"] as? [String: Any])?["document_number"] as? String == "BL-ALA-1")
            #expect(try await ana.call(.get, "/api/v1/consignments/\(tas)").status == .ok)

            // Results: only for one's own unit's documents; a seizure says what was seized.
            var result: [String: Any] = ["document_number": "BL-ALA-1", "unit": "ALA", "outcome": "seizure", "method": "physical"]
            #expect(try await timur.call(.post, "/api/v1/results", result.merging(["unit": "TAS"]) { $1 }).errorCode == "not_found")
            #expect(try await timur.call(.post, "/api/v1/results", result).errorField == "unit")
            #expect(try await ana.call(.post, "/api/v1/results", result).status == .forbidden)
            #expect(try await olga.call(.post, "/api/v1/results", result).errorField == "seizures")
            result["seizures"] = [["category": "drugs", "goods": "heroin", "quantity": 0, "unit": "kg"]]
            #expect(try await olga.call(.post, "/api/v1/results", result).errorField == "seizures[0].quantity")
            result["seizures"] = [["category": "dugs", "goods": "heroin", "quantity": 2, "unit": "kg"]]
            let badCategory = try await olga.call(.post, "/api/v1/results", result)
            #expect(badCategory.status == .badRequest && badCategory.errorField == "seizures[0].category", "\(badCategory.object)")
            result["seizures"] = [["category": "drugs", "goods": "heroin", "quantity": 2.5, "unit": "kg", "estimated_value": 40000]]
            let created = try await pcs.call(.post, "/api/v1/results", result)
            #expect(created.status == .created && created.object["id"] is Int)
            #expect(try await store.inspections(of: "BL-ALA-1", kind: .billOfLading).first?.recordedBy == "pcs")
            let register = try await olga.call(.get, "/api/v1/seizures?category=drugs")
            let line = try #require((register.object["seizures"] as? [[String: Any]])?.first)
            #expect(register.object["total"] as? Int == 1 && line["goods"] as? String == "heroin" && line["quantity_unit"] as? String == "kg")
            #expect(try await timur.call(.get, "/api/v1/seizures").object["total"] as? Int == 0)
            #expect(try await timur.call(.get, "/api/v1/seizures?scope=ALA").errorField == "scope")
            #expect(try await ana.call(.get, "/api/v1/seizures?scope=country:KZ").object["total"] as? Int == 1)
            #expect(try await olga.call(.get, "/api/v1/seizures?from=2026-13-01").errorField == "from")

            #expect(try await olga.call(.post, "/api/v1/consignments", ["consignments": []]).status == .forbidden)
        }
    }

    @Test("consignments in: validated like a file, bad ones kept aside with the field and reason, the same batch again is duplicates",
          arguments: TestDatabases.available)
    func intake(kind: TestDatabases.Kind) async throws {
        try await withAPI(kind) { client, store, tokens in
            let pcs = APIClient(client: client, token: tokens["pcs"])
            let batch: [String: Any] = ["consignments": [
                ["kind": "bl", "document_number": "MSKU-77", "date": "2026-11-24", "mode": "sea",
                 "route": ["place_of_loading": "CNSHA", "transshipment": ["AEJEA"], "place_of_discharge": "KZALA"],
                 "parties": [["role": "consignee", "name": "ТОО Каспий Транс", "country": "KZ"]],
                 "goods": [["hs_code": "240220", "description": "Cigarettes", "gross_mass_kg": 1200, "customs_value": ["amount": 5000, "currency": "USD"]]],
                 "containers": [["number": "MSCU0759544", "size_type": "22G1", "seals": ["SL1"]]]],
                ["kind": "bl", "document_number": "BAD-1", "date": "2026-11-24", "containers": [["number": "NOT A CONTAINER"]]],
                ["kind": "bl", "document_number": "BAD-2"],
                ["kind": "ship", "document_number": "BAD-3", "date": "2026-11-24"],
            ]]
            let r = try await pcs.call(.post, "/api/v1/consignments", batch)
            #expect(r.status == .ok, "\(r.object)")
            #expect(r.object["accepted"] as? Int == 1 && r.object["rejected"] as? Int == 3 && r.object["containers"] as? Int == 1)
            let rejects = try #require(r.object["rejects"] as? [[String: Any]])
            #expect(rejects.map { $0["index"] as? Int } == [1, 2, 3])
            #expect(rejects[0]["field"] as? String == "containers[0].number")
            #expect(rejects[1]["field"] as? String == "date" && rejects[1]["reason"] as? String == "is required")
            #expect(rejects[2]["field"] as? String == "kind")
            let stored = try #require(try await store.consignment("MSKU-77", kind: .billOfLading))
            #expect(stored.parties.first?.name == "ТОО Каспий Транс" && stored.goods.first?.customsValue?.currency == "USD")
            #expect(stored.route.transshipment == ["AEJEA"])
            let kept = try await store.quarantine()
            #expect(kept.count == 3 && kept.allSatisfy { $0.record.unit == "item" } && kept.contains { $0.record.raw.contains("BAD-2") })

            let again = try await pcs.call(.post, "/api/v1/consignments", batch)
            #expect(again.object["accepted"] as? Int == 0 && again.object["duplicates"] as? Int == 1)
            let keptAgain = try await store.quarantine()
            #expect(keptAgain.count == 3, "\(keptAgain.map { "\($0.record.line) \($0.record.field) \($0.record.reason)" })")

            let notJSON = try await pcs.call(.post, "/api/v1/consignments", raw: "consignments=1")
            #expect(notJSON.status == .badRequest && notJSON.errorField == "consignments")
            let tooMany = try await pcs.call(.post, "/api/v1/consignments",
                                             ["consignments": Array(repeating: ["kind": "bl"], count: APIRoutes.maxBatchCount + 1)])
            #expect(tooMany.status == .badRequest && tooMany.errorField == "consignments")
        }
    }
}
