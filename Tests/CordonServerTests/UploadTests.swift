import CordonCore
import CordonServer
import CordonStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

@Suite("Cargo files from the browser")
struct UploadTests {
    /// A multipart/form-data body as a browser builds it.
    static func multipart(_ fields: [(name: String, filename: String?, content: [UInt8])], boundary: String) -> ByteBuffer {
        var b = ByteBuffer()
        for f in fields {
            b.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(f.name)\"")
            if let filename = f.filename { b.writeString("; filename=\"\(filename)\"\r\nContent-Type: application/octet-stream") }
            b.writeString("\r\n\r\n")
            b.writeBytes(f.content)
            b.writeString("\r\n")
        }
        b.writeString("--\(boundary)--\r\n")
        return b
    }

    @Test("an analyst uploads a CUSCAR file and a CSV manifest with its mapping: stored like cordon ingest, rejects shown with their reason; officers cannot upload",
          arguments: TestDatabases.available)
    func upload(kind: TestDatabases.Kind) async throws {
        try await withSeededWorkspace(kind) { client, store in
            let olga = Browser(client)
            try await olga.post("/login", ["username": "olga", "password": "correct horse battery"])
            #expect(try await olga.get("/ingest").status == .forbidden)

            let ana = Browser(client)
            try await ana.post("/login", ["username": "ana", "password": "correct horse battery"])
            let form = try await ana.get("/ingest")
            #expect(form.status == .ok && String(buffer: form.body).contains(#"enctype="multipart/form-data""#))
            let csrf = Browser.csrf(form)
            func send(_ fields: [(name: String, filename: String?, content: [UInt8])]) async throws -> TestResponse {
                let boundary = "----cordon\(UUID().uuidString)"
                return try await client.execute(uri: "/ingest", method: .post, headers: [
                    .cookie: ana.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "),
                    .contentType: "multipart/form-data; boundary=\(boundary)",
                ], body: UploadTests.multipart(fields, boundary: boundary))
            }
            let before = try await store.totals().currentConsignments
            let cuscar = try await send([("csrf", nil, Array(csrf.utf8)), ("format", nil, Array("cuscar".utf8)),
                                         ("file", "../../etc/cuscar errors.edi", Fixtures.bytes("edifact/cuscar_errors.edi"))])
            let html = String(buffer: cuscar.body)
            #expect(cuscar.status == .ok, "\(html.suffix(2000))")
            #expect(html.contains("cuscar_errors.edi") && html.contains("Records kept aside") && html.contains("segment"))
            let stored = try await store.totals().currentConsignments
            #expect(stored > before)
            #expect(try await store.quarantine().allSatisfy { $0.record.file == "cuscar_errors.edi" })
            // The same file again changes nothing.
            let again = String(buffer: try await send([("csrf", nil, Array(csrf.utf8)), ("format", nil, Array("cuscar".utf8)),
                                                       ("file", "cuscar_errors.edi", Fixtures.bytes("edifact/cuscar_errors.edi"))]).body)
            #expect(again.contains(#"<span class="tile-value">0</span> <span class="tile-label">Accepted"#))
            #expect(try await store.totals().currentConsignments == stored)

            let manifest = try await send([("csrf", nil, Array(csrf.utf8)), ("format", nil, Array("manifest".utf8)),
                                           ("file", "manifest_ru.csv", Fixtures.bytes("csv/manifest_ru.csv")),
                                           ("mapping", "manifest_ru.mapping.json", Fixtures.bytes("csv/manifest_ru.mapping.json"))])
            #expect(manifest.status == .ok && String(buffer: manifest.body).contains("manifest_ru.csv"))
            #expect(try await store.totals().currentConsignments > stored)

            let noMapping = try await send([("csrf", nil, Array(csrf.utf8)), ("format", nil, Array("manifest".utf8)),
                                            ("file", "m.csv", Fixtures.bytes("csv/manifest_ru.csv"))])
            #expect(noMapping.status == .badRequest && String(buffer: noMapping.body).contains("mapping"))
            let badMapping = try await send([("csrf", nil, Array(csrf.utf8)), ("format", nil, Array("manifest".utf8)),
                                             ("file", "m.csv", Fixtures.bytes("csv/manifest_ru.csv")), ("mapping", "m.json", Array("{".utf8))])
            #expect(badMapping.status == .badRequest && String(buffer: badMapping.body).contains("not valid JSON"))
            let forged = try await send([("csrf", nil, Array("forged".utf8)), ("format", nil, Array("cuscar".utf8)),
                                         ("file", "x.edi", Fixtures.bytes("edifact/cuscar_errors.edi"))])
            #expect(forged.status == .forbidden)
        }
    }
}
