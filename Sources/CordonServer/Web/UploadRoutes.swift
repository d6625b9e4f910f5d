import CordonCore
import CordonIngest
import CordonStore
import Foundation
import HTTPTypes
import Hummingbird
import MultipartKit
import NIOCore

/// Cargo files from the browser: a CSV manifest (with its mapping), KCS or BACUDA declarations, or a CUSCAR or
/// BAPLIE interchange, taken in exactly as `cordon ingest` takes them; the page shows what was stored and what
/// was kept aside, and why.
struct UploadRoutes {
    let store: Store
    let pages: Pages
    /// Alerted containers in the new cargo data flag the queues they land in.
    let exchange: NodeExchange
    /// Uploads larger than this go through `cordon ingest` on the node.
    static let maxBytes = 64 << 20

    /// The parts of a multipart form by field name, each with its headers and body.
    struct UploadForm {
        var parts: [String: MultipartPart] = [:]

        init(_ body: ByteBuffer, boundary: String) throws {
            let parser = MultipartParser(boundary: boundary)
            var headers = HTTPHeaders()
            var content = ByteBuffer()
            var parts: [String: MultipartPart] = [:]
            parser.onHeader = { name, value in headers.add(name: name, value: value) }
            parser.onBody = { chunk in content.writeBuffer(&chunk) }
            parser.onPartComplete = {
                let part = MultipartPart(headers: headers, body: content)
                if let name = UploadRoutes.parameter("name", of: part) { parts[name] = part }
                headers = HTTPHeaders()
                content = ByteBuffer()
            }
            try parser.execute(body)
            self.parts = parts
        }

        func text(_ name: String) -> String? { parts[name].map { String(buffer: $0.body) } }
    }

    /// The records kept aside by one upload, collected while its batches are committed.
    final class Rejects: @unchecked Sendable {
        // @unchecked: appended under the lock by the pipeline's commits, read after the run.
        private let lock = NSLock()
        private var records: [RejectedRecord] = []
        var all: [RejectedRecord] { lock.withLock { records } }
        func add(_ r: [RejectedRecord]) { lock.withLock { records.append(contentsOf: r) } }
    }

    func add(to router: Router<WebContext>) {
        router.get("/ingest") { request, context in try await page(request, context, values: [:]) }
        router.post("/ingest") { request, context in try await upload(request, context) }
    }

    func sender(_ context: WebContext) throws -> SessionRecord {
        guard let session = context.session else { throw HTTPError(.unauthorized) }
        guard session.user.role.sendsCargo else { throw HTTPError(.forbidden, message: "cargo files are sent by analysts and administrators") }
        return session
    }

    func page(_ request: Request, _ context: WebContext, values: [String: Any], status: HTTPResponse.Status = .ok) async throws -> Response {
        let session = try sender(context)
        let lang = Pages.language(request, context)
        let t = pages.localization
        var values = values
        let chosen = values["chosen"] as? String ?? CargoFormat.manifest.rawValue
        values["formats"] = CargoFormat.allCases.map { ["value": $0.rawValue, "label": t.text("format_\($0.rawValue)", lang), "selected": $0.rawValue == chosen] }
        values["csrf"] = session.csrfToken
        values["max_mb"] = UploadRoutes.maxBytes >> 20
        return pages.page("ingest", title: t.text("upload", lang), values: values, language: lang, session: session, status: status)
    }

    func upload(_ request: Request, _ context: WebContext) async throws -> Response {
        let session = try sender(context)
        let lang = Pages.language(request, context)
        let t = pages.localization
        guard let type = request.headers[.contentType], type.lowercased().hasPrefix("multipart/form-data"),
              let boundary = type.split(separator: ";").compactMap({ part -> String? in
                  let kv = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                  return kv.count == 2 && kv[0].lowercased() == "boundary" ? kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) : nil
              }).first else {
            throw HTTPError(.unsupportedMediaType, message: "send the form as multipart/form-data")
        }
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: UploadRoutes.maxBytes + 64 * 1024) } catch {
            return try await page(request, context, values: ["error": t.text("upload_too_large", lang)], status: .contentTooLarge)
        }
        let form: UploadForm
        do { form = try UploadForm(body, boundary: boundary) } catch {
            return try await page(request, context, values: ["error": t.text("upload_unreadable", lang)], status: .badRequest)
        }
        try CSRF.check(request: request, context: context, form: CSRF.Form(csrf: form.text("csrf")))
        guard let format = form.text("format").flatMap(CargoFormat.init(rawValue:)), let file = form.parts["file"] else {
            return try await page(request, context, values: ["error": t.text("upload_format", lang)], status: .badRequest)
        }
        func fail(_ message: String) async throws -> Response {
            try await page(request, context, values: ["error": message, "chosen": format.rawValue], status: .badRequest)
        }
        guard file.body.readableBytes > 0 else { return try await fail(t.text("upload_empty", lang)) }

        // The pipeline reads files: the upload goes to a private temporary folder under its own (cleaned) name,
        // which is the name the quarantine shows.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cordon-upload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: dir) }
        let name = UploadRoutes.safeName(UploadRoutes.parameter("filename", of: file) ?? "upload.\(format.isCSV ? "csv" : "edi")")
        let path = dir.appendingPathComponent(name).path
        try Data(buffer: file.body).write(to: URL(fileURLWithPath: path))
        var mapping: ColumnMapping?
        if let part = form.parts["mapping"], part.body.readableBytes > 0 {
            let mappingPath = dir.appendingPathComponent("mapping.json").path
            try Data(buffer: part.body).write(to: URL(fileURLWithPath: mappingPath))
            do { mapping = try IngestPipeline.loadMapping(path: mappingPath) } catch { return try await fail(error.description) }
        }
        let rejects = Rejects()
        let counts: IntakeCounts
        do {
            let pipeline = try IngestPipeline(format: format, mapping: mapping)
            counts = try await pipeline.run(file: path, commit: { batch in
                rejects.add(batch.rejects)
                return try await store.commit(try Store.prepare(batch))
            })
        } catch let error as IngestError {
            return try await fail(error.description)
        }
        WorkCounters.ingested(counts, channel: "upload")
        try await context.audit(store, "upload_cargo", subject: name, details: "\(format.rawValue): \(counts.accepted) accepted, \(counts.rejected) rejected")
        context.logger.info("cargo file uploaded", metadata: ["user": "\(session.user.username)", "file": "\(name)",
                                                              "accepted": "\(counts.accepted)", "rejected": "\(counts.rejected)"])
        if counts.accepted > 0 { await exchange.flagAlerted(units: try await store.units().map(\.code)) }
        let kept = rejects.all
        return try await page(request, context, values: [
            "chosen": format.rawValue, "done": true, "file": name,
            "summary": [
                ["label": t.text("accepted", lang), "value": counts.accepted], ["label": t.text("new_versions", lang), "value": counts.newVersions],
                ["label": t.text("duplicates", lang), "value": counts.duplicates], ["label": t.text("rejected", lang), "value": counts.rejected],
                ["label": t.text("warnings", lang), "value": counts.warnings], ["label": t.text("containers", lang), "value": counts.containers],
            ],
            "rejects": kept.prefix(500).map { r in
                ["place": "\(r.unit == "line" ? t.text("line", lang) : r.unit) \(r.line)", "field": r.field, "reason": r.reason,
                 "raw": String(r.raw.prefix(300))]
            },
            "has_rejects": !kept.isEmpty, "more_rejects": kept.count > 500,
        ])
    }

    /// A parameter of a part's Content-Disposition: its field `name`, or the `filename` a browser sent.
    static func parameter(_ key: String, of part: MultipartPart) -> String? {
        guard let disposition = part.headers.first(name: "Content-Disposition") else { return nil }
        for item in disposition.split(separator: ";").dropFirst() {
            let kv = item.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if kv.count == 2, kv[0] == key { return kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        }
        return nil
    }

    /// A file name safe in a folder: the last component, letters, digits, '.', '-', '_' only.
    static func safeName(_ raw: String) -> String {
        let last = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? "upload"
        let cleaned = String(last.map { ($0.isLetter || $0.isNumber) && $0.isASCII || ".-_".contains($0) ? $0 : "_" }.prefix(100))
        return cleaned.isEmpty || cleaned.hasPrefix(".") ? "upload" + cleaned : cleaned
    }
}
