import CordonCore
import CordonRisk
import CordonStore
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// One operation of the JSON API: its method, its path as /openapi.json writes it, and its handler.
/// The list below is what the router serves and what the OpenAPI test compares the document with.
struct APIOperation: Sendable {
    let method: HTTPRequest.Method
    let path: String
    let handler: @Sendable (Request, WebContext) async throws -> Response

    /// The path as the router writes it: `{id}` becomes `:id`.
    var routerPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? ":" + part.dropFirst().dropLast() : String(part)
        }.joined(separator: "/")
    }
}

/// The JSON API (/api/v1): consignments in, targets out, results in, seizures out; bearer tokens per user or
/// per system integration; the same need-to-know as the pages.
struct APIRoutes {
    let store: Store
    let exchange: NodeExchange
    /// Bodies of consignment batches; other bodies are small and limited by the context.
    static let maxBatchBytes = 16 << 20
    static let maxBatchCount = 10_000

    var operations: [APIOperation] {
        [
            APIOperation(method: .get, path: "/api/v1/me") { _, context in try me(context) },
            APIOperation(method: .post, path: "/api/v1/consignments") { request, context in try await intake(request, context) },
            APIOperation(method: .get, path: "/api/v1/consignments/{id}") { request, context in try await consignment(request, context) },
            APIOperation(method: .get, path: "/api/v1/targets") { request, context in try await targets(request, context) },
            APIOperation(method: .post, path: "/api/v1/results") { request, context in try await result(request, context) },
            APIOperation(method: .get, path: "/api/v1/seizures") { request, context in try await seizures(request, context) },
        ] + messageOperations + jointOperationOperations
    }

    func add(to router: Router<WebContext>) {
        for op in operations { router.on(RouterPath(op.routerPath), method: op.method, use: op.handler) }
        router.get("/openapi.json") { request, _ in try NodeServer.staticFile("openapi.json", type: "application/json", request: request) }
    }

    func user(_ context: WebContext) throws(APIError) -> User {
        guard let user = context.apiUser else { throw APIError.unauthorized }
        return user
    }

    func me(_ context: WebContext) throws -> Response {
        let u = try user(context)
        return try APIJSON.response(APIMe(username: u.username, displayName: u.displayName, role: u.role, agency: u.agency, units: u.units))
    }

    /// A query parameter as a whole number within `range`, or `fallback` when absent.
    func int(_ request: Request, _ name: String, _ fallback: Int, _ range: ClosedRange<Int>) throws(APIError) -> Int {
        guard let text = request.uri.queryParameters[Substring(name)] else { return fallback }
        guard let v = Int(String(text)), range.contains(v) else {
            throw APIError.invalid("must be a whole number from \(range.lowerBound) to \(range.upperBound)", field: name)
        }
        return v
    }

    func date(_ request: Request, _ name: String) throws(APIError) -> CalendarDate? {
        guard let text = request.uri.queryParameters[Substring(name)] else { return nil }
        guard let d = CalendarDate(iso: String(text)) else { throw APIError.invalid("must be a date, YYYY-MM-DD", field: name) }
        return d
    }

    /// Consignments in: validated like any cargo file; the bad ones are kept aside with their reason.
    func intake(_ request: Request, _ context: WebContext) async throws -> Response {
        let u = try user(context)
        guard u.role.sendsCargo else { throw APIError.forbidden("only integrations, analysts and administrators send cargo data") }
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: APIRoutes.maxBatchBytes) } catch {
            throw APIError(.contentTooLarge, "too_large", "a batch is limited to \(APIRoutes.maxBatchBytes >> 20) MB; send several")
        }
        let data = Data(buffer: body)
        guard let top = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let items = top["consignments"] as? [Any] else {
            throw APIError.invalid("the body must be an object with a list of consignments", field: "consignments")
        }
        guard items.count <= APIRoutes.maxBatchCount else {
            throw APIError.invalid("at most \(APIRoutes.maxBatchCount) consignments per request", field: "consignments")
        }
        // The batch is recognised by its content, whatever the order of its keys: sent again, it is duplicates.
        let canonical = (try? JSONSerialization.data(withJSONObject: items, options: [.sortedKeys])) ?? data
        let digest = SHA256.hash(data: canonical).hexString
        let source = SourceFile(name: "api/\(u.username)/\(CalendarDate.today)", fingerprint: "api:\(digest)", format: "json")
        var batch = IntakeBatch(source: source)
        var rejects: [APIIntakeSummary.Reject] = []
        let validator = ConsignmentValidator()
        for (i, item) in items.enumerated() {
            let raw = (try? JSONSerialization.data(withJSONObject: item, options: [.sortedKeys])) ?? Data()
            func reject(_ field: String, _ reason: String) {
                rejects.append(.init(index: i, field: field, reason: reason))
                batch.rejects.append(RejectedRecord(file: source.name, line: i + 1, unit: "item", field: field, reason: reason,
                                                    raw: String(decoding: raw, as: UTF8.self)))
            }
            let decoded: APIConsignment
            do { decoded = try APIJSON.decode(APIConsignment.self, from: raw) } catch {
                reject(error.field ?? "(item)", error.message)
                continue
            }
            switch validator.validate(decoded.domain) {
            case .accepted(let c): batch.consignments.append(c)
            case .rejected(let issues):
                let errors = issues.filter { $0.severity == .error }
                reject(errors.map(\.field).joined(separator: ", "), errors.map { "\($0.field): \($0.reason)" }.joined(separator: "; "))
            }
        }
        let (actor, origin, rejected) = (context.auditActor, context.origin, rejects.count)
        let counts = try await store.commit(batch) { counts in
            AuditEntry(actor: actor, action: "upload_cargo", subject: source.name,
                       details: "json: \(counts.accepted) accepted, \(rejected) rejected", origin: origin)
        }
        var counted = counts
        counted.rejected = rejected   // rejected before the batch, by the API's own checks
        WorkCounters.ingested(counted, channel: "api")
        context.logger.info("consignments received", metadata: ["user": "\(u.username)", "accepted": "\(counts.accepted)",
                                                               "rejected": "\(counts.rejected)"])
        if counts.accepted > 0 { await exchange.flagAlerted(units: try await store.units().map(\.code)) }
        return try APIJSON.response(APIIntakeSummary(accepted: counts.accepted, duplicates: counts.duplicates, rejected: rejects.count,
                                                     consignments: counts.consignments, containers: counts.containers, rejects: rejects))
    }

    func consignment(_ request: Request, _ context: WebContext) async throws -> Response {
        let u = try user(context)
        guard let id = context.parameters.get("id", as: Int.self) else { throw APIError.invalid("must be a whole number", field: "id") }
        // Not found and not yours answer alike: ids cannot be probed.
        guard let c = try await store.consignment(id: id), let targetings = try await Access.targetings(of: id, for: u, in: store) else {
            throw APIError.notFound("no consignment \(id) for your units")
        }
        try await context.audit(store, "view_consignment", subject: "\(id)", details: "\(c.kind.rawValue) \(c.documentNumber)")
        let results = try await store.inspections(of: c.documentNumber, kind: c.kind)
        return try APIJSON.response(APIConsignmentDetail(
            id: id, consignment: APIConsignment(c),
            targetings: targetings.map { APITargeting(unit: $0.unit, date: $0.day, rank: $0.target.rank, score: $0.target.score,
                                                      lane: $0.target.lane, selection: $0.target.selection, reasons: $0.target.reasons.map(\.english)) },
            results: results.map { $0.visible(to: u) }.map { r in
                APIResult(unit: r.unit, date: r.date, outcome: r.outcome, method: r.method, notes: r.notes, revenue: r.revenue,
                          recordedBy: r.recordedBy, seizures: r.seizures.map(APISeizureLine.init), restrictedTo: r.restrictedTo)
            }))
    }

    func targets(_ request: Request, _ context: WebContext) async throws -> Response {
        let u = try user(context)
        let query = request.uri.queryParameters
        let units = Access.units(of: u, among: try await store.units())
        guard let code = query["unit"].map(String.init) else { throw APIError.invalid("is required", field: "unit") }
        guard let unit = units.first(where: { $0.code == code }) else { throw APIError.forbidden("not one of your units", field: "unit") }
        let limit = try int(request, "limit", 100, 1...1000), offset = try int(request, "offset", 0, 0...Int(Int32.max))
        let lane: Lane?
        if let text = query["lane"] {
            guard let l = Lane(rawValue: String(text)) else { throw APIError.invalid("must be red, yellow or green", field: "lane") }
            lane = l
        } else { lane = nil }
        var asked = try date(request, "date")
        if asked == nil { asked = try await store.targetedDays(unit: unit.code, limit: 1).first }
        let day = asked ?? .today
        var q = QueueQuery(unit: unit.code, day: day)
        q.includeReleased = query["include_released"] == "true" || lane == .green
        q.lane = lane
        q.limit = limit
        q.offset = offset
        let page = try await store.queue(q)
        return APIJSON.response(bytes: APITargetList(unit: unit.code, date: day, total: page.total, targets: page.targets.map { t in
            APITarget(consignmentId: t.consignmentID, kind: t.kind, documentNumber: t.documentNumber, rank: t.rank, score: t.score, lane: t.lane,
                      selection: t.selection, reasons: t.reasons.map(\.english), profiles: t.profiles,
                      containers: page.documents[t.consignmentID]?.containers.map(\.number) ?? [],
                      route: page.documents[t.consignmentID]?.route.places ?? [])
        }).json())
    }

    func result(_ request: Request, _ context: WebContext) async throws -> Response {
        let u = try user(context)
        let body = try await request.body.collect(upTo: context.maxUploadSize)
        let input = try APIJSON.decode(APIResultInput.self, from: Data(buffer: body))
        guard u.role.recordsResults, u.units.contains(input.unit) else {
            throw APIError.forbidden("only officers, supervisors and integrations of the unit record its results", field: "unit")
        }
        let kind = input.kind ?? .billOfLading
        guard let id = try await store.currentConsignmentID(input.documentNumber, kind: kind),
              try await Access.targetings(of: id, for: u, in: store) != nil else {
            throw APIError.notFound("no \(kind.rawValue) '\(input.documentNumber)' for your units")
        }
        if let notes = input.notes, notes.count > 4000 { throw APIError.invalid("is limited to 4000 characters", field: "notes") }
        if let revenue = input.revenue, !(revenue >= 0) { throw APIError.invalid("must be zero or more", field: "revenue") }
        let result = InspectionResult(kind: kind, documentNumber: input.documentNumber, unit: input.unit, date: input.date ?? .today,
                                      outcome: input.outcome, method: input.method, notes: input.notes, revenue: input.revenue,
                                      recordedBy: u.username, seizures: (input.seizures ?? []).map(\.domain),
                                      restrictedTo: input.restricted == true ? u.agency : nil, operation: input.operation, arrests: input.arrests)
        if let problem = result.problem() { throw APIError.invalid(problem.description, field: APIRoutes.field(of: problem)) }
        if let arrests = input.arrests, !(0...10_000).contains(arrests) { throw APIError.invalid("must be from 0 to 10,000", field: "arrests") }
        if let op = input.operation, try await !exchange.runningOperations(for: [input.unit]).contains(where: { $0.id == op }) {
            throw APIError.invalid("no operation '\(op)' running for unit \(input.unit)", field: "operation")
        }
        let resultID = try await store.recordInspection(result)
        WorkCounters.result(result.outcome, unit: result.unit)
        try await context.audit(store, "record_result", subject: "\(id)", details: result.auditDetails)
        if let c = try await store.consignment(id: id) {
            await exchange.tell(about: result, resultID: resultID, consignmentID: id, consignment: c, by: u)
        }
        return try APIJSON.response(APICreated(id: resultID), status: .created)
    }

    /// The field of a result that a seizure problem is about, as the API names it.
    static func field(of problem: SeizureProblem, line: Int? = nil) -> String {
        let prefix = line.map { "seizures[\($0)]." } ?? ""
        switch problem {
        case .line(let n, let inner): return field(of: inner, line: n - 1)
        case .missingGoods: return prefix + "goods"
        case .tooLong(let f): return prefix + f
        case .badQuantity: return prefix + "quantity"
        case .badValue: return prefix + "estimated_value"
        case .badUnit: return prefix + "unit"
        case .seizureWithoutLines, .linesWithoutSeizure: return "seizures"
        }
    }

    func seizures(_ request: Request, _ context: WebContext) async throws -> Response {
        let u = try user(context)
        let query = request.uri.queryParameters
        let all = try await store.units()
        let scope = Scope(query["scope"].map(String.init), visible: Access.units(of: u, among: all), all: all, allLabel: "")
        if let asked = query["scope"], !asked.isEmpty, scope.value != String(asked) {
            throw APIError.forbidden("not one of your units or countries", field: "scope")
        }
        var category: CommodityCategory?
        if let text = query["category"] {
            guard let c = CommodityCategory(rawValue: String(text)) else {
                throw APIError.invalid("must be one of \(CommodityCategory.allCases.map(\.rawValue).joined(separator: ", "))", field: "category")
            }
            category = c
        }
        let filter = SeizureFilter(units: scope.units, from: try date(request, "from"), until: try date(request, "until"), category: category,
                                   readerAgency: SeizureFilter.agency(of: u))
        let limit = try int(request, "limit", 100, 1...1000), offset = try int(request, "offset", 0, 0...Int(Int32.max))
        try await context.audit(store, "view_seizures", subject: scope.value, details: SeizureRoutes.query(filter, scope))
        return try APIJSON.response(APISeizureList(total: try await store.seizureCount(filter),
                                                   seizures: try await store.seizures(filter, limit: limit, offset: offset).map(APISeizure.init)))
    }
}
