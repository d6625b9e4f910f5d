import CordonCore
import Foundation
import SQLKit

/// A seizure line with where, when and on what document it was made: one row of the seizures register.
public struct SeizureRecord: Sendable, Hashable {
    public var resultID: Int
    public var consignmentID: Int
    public var kind: DocumentKind
    public var documentNumber: String
    public var unit: String
    public var date: CalendarDate
    public var method: InspectionMethod
    public var line: SeizureLine
    public var placeOfLoading: String?
    public var hsCode: String?
    public var recordedBy: String
}

/// Which seizures to list: units (nil for all), a date range, a category, and the reader's agency: lines restricted
/// to another agency are left out (nil: every line, for auditors and the command line).
public struct SeizureFilter: Sendable, Hashable {
    public var units: [String]?
    public var from: CalendarDate?
    public var until: CalendarDate?
    public var category: CommodityCategory?
    public var readerAgency: String?

    public init(units: [String]? = nil, from: CalendarDate? = nil, until: CalendarDate? = nil, category: CommodityCategory? = nil,
                readerAgency: String? = nil) {
        self.units = units
        self.from = from
        self.until = until
        self.category = category
        self.readerAgency = readerAgency
    }

    /// The reader's agency for the filter: none for auditors, who read everything.
    public static func agency(of reader: User) -> String? {
        reader.role == .auditor ? nil : reader.agency
    }
}

extension Store {
    /// The seizures register: lines matching `filter`, newest first; `limit` nil for all of them (CSV export).
    public func seizures(_ filter: SeizureFilter, limit: Int? = nil, offset: Int = 0) async throws -> [SeizureRecord] {
        if filter.units?.isEmpty == true { return [] }
        return try await exclusive {
            let rows = try await sql.raw("""
                SELECT s.*, r.method, r.recorded_by, c.kind, c.document_number, c.place_of_loading, c.hs_code
                FROM seizure_lines s
                JOIN inspection_results r ON r.id = s.result_id
                JOIN consignments c ON c.id = s.consignment_id
                WHERE \(Store.seizureConditions(filter))
                ORDER BY s.seized_on DESC, s.result_id DESC, s.line_no
                LIMIT \(bind: limit ?? Int(Int32.max)) OFFSET \(bind: offset)
                """).all()
            return try rows.map { r in
                let kind = try r.decode(column: "kind", as: String.self)
                let day = try r.decode(column: "seized_on", as: String.self)
                let method = try r.decode(column: "method", as: String.self)
                guard let k = DocumentKind(rawValue: kind), let d = CalendarDate(iso: day), let m = InspectionMethod(rawValue: method) else {
                    throw StoreError.query("a stored seizure is unreadable: \(kind) \(day) \(method)")
                }
                return SeizureRecord(resultID: try r.decode(column: "result_id", as: Int.self),
                                     consignmentID: try r.decode(column: "consignment_id", as: Int.self), kind: k,
                                     documentNumber: try r.decode(column: "document_number", as: String.self),
                                     unit: try r.decode(column: "unit_code", as: String.self), date: d, method: m,
                                     line: try Store.readSeizureLine(r),
                                     placeOfLoading: try r.decode(column: "place_of_loading", as: String?.self),
                                     hsCode: try r.decode(column: "hs_code", as: String?.self),
                                     recordedBy: try r.decode(column: "recorded_by", as: String.self))
            }
        }
    }

    /// How many seizure lines match `filter`, for paging the register.
    public func seizureCount(_ filter: SeizureFilter) async throws -> Int {
        if filter.units?.isEmpty == true { return 0 }
        return try await exclusive {
            try await sql.raw("SELECT COUNT(*) AS n FROM seizure_lines s WHERE \(Store.seizureConditions(filter))")
                .first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    /// The WHERE clause of a seizure filter over `seizure_lines s`; every value is a bind parameter.
    static func seizureConditions(_ filter: SeizureFilter) -> SQLQueryString {
        var q: SQLQueryString = "1 = 1"
        if let units = filter.units { q = q + " AND s.unit_code IN (\(binds: units))" }
        if let from = filter.from { q = q + " AND s.seized_on >= \(bind: from.description)" }
        if let until = filter.until { q = q + " AND s.seized_on <= \(bind: until.description)" }
        if let category = filter.category { q = q + " AND s.category = \(bind: category.rawValue)" }
        if let agency = filter.readerAgency { q = q + " AND (s.restricted_to IS NULL OR s.restricted_to = \(bind: agency))" }
        return q
    }

    /// A seizure line from a row of `seizure_lines`.
    static func readSeizureLine(_ r: any SQLRow) throws -> SeizureLine {
        let category = try r.decode(column: "category", as: String.self)
        guard let c = CommodityCategory(rawValue: category) else {
            throw StoreError.query("a stored seizure line has an unknown category: \(category)")
        }
        return SeizureLine(category: c, goods: try r.decode(column: "goods", as: String.self),
                           quantity: try r.decode(column: "quantity", as: Double.self),
                           unit: try r.decode(column: "quantity_unit", as: String.self),
                           concealment: try r.decode(column: "concealment", as: String?.self),
                           estimatedValue: try r.decode(column: "estimated_value", as: Double?.self))
    }
}
