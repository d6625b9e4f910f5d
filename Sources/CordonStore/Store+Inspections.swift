import CordonCore
import Foundation
import SQLKit

/// Why an inspection result was refused.
public enum InspectionStoreError: Error, CustomStringConvertible, Sendable {
    case unknownDocument(kind: DocumentKind, number: String)
    case invalid(SeizureProblem)

    public var description: String {
        switch self {
        case .unknownDocument(let kind, let number): "no \(kind.rawValue) document '\(number)' in the store"
        case .invalid(let problem): "the result cannot be recorded: \(problem)"
        }
    }
}

/// A labelled example for training: a stored consignment and whether controlling it found something.
public struct LabelledRecord: Sendable {
    public var consignment: Consignment
    public var illicit: Bool
    /// Where the label came from: an inspection result of this node, or the label of a historical file.
    public var fromInspection: Bool
}

extension Store {
    /// Records the result of a control of the current version of a document; returns the result's id.
    @discardableResult
    public func recordInspection(_ result: InspectionResult) async throws -> Int {
        if let problem = result.problem() { throw InspectionStoreError.invalid(problem) }
        return try await transaction {
            guard let row = try await sql.select().column("id").from("consignments")
                .where("document_number", .equal, result.documentNumber).where("kind", .equal, result.kind.rawValue)
                .where("is_current", .equal, 1).first() else {
                throw InspectionStoreError.unknownDocument(kind: result.kind, number: result.documentNumber)
            }
            let consignmentID = try row.decode(column: "id", as: Int.self)
            let inserted = try await sql.insert(into: "inspection_results")
                .columns("consignment_id", "kind", "document_number", "unit_code", "inspected_on", "outcome", "method",
                         "notes", "revenue", "recorded_by", "recorded_at", "restricted_to", "operation_id", "arrests")
                .values(SQLBind(consignmentID), SQLBind(result.kind.rawValue), SQLBind(result.documentNumber),
                        SQLBind(result.unit), SQLBind(result.date.description), SQLBind(result.outcome.rawValue),
                        SQLBind(result.method.rawValue), SQLBind(result.notes), SQLBind(result.revenue),
                        SQLBind(result.recordedBy), SQLBind(Store.now()), SQLBind(result.restrictedTo), SQLBind(result.operation),
                        SQLBind(result.arrests))
                .returning("id").first()
            guard let resultID = try inserted?.decode(column: "id", as: Int.self) else {
                throw StoreError.query("the new inspection result of \(result.documentNumber) has no id")
            }
            try await insert(into: "seizure_lines", columns: [
                "result_id", "consignment_id", "line_no", "unit_code", "seized_on", "category", "goods", "quantity",
                "quantity_unit", "concealment", "estimated_value", "restricted_to"], rows: result.seizures.enumerated().map { i, line in
                    [.int(resultID), .int(consignmentID), .int(i + 1), .text(result.unit), .text(result.date.description),
                     .text(line.category.rawValue), .text(line.goods), .double(line.quantity), .text(line.unit),
                     SQLValue(line.concealment), SQLValue(line.estimatedValue), SQLValue(result.restrictedTo)]
                })
            return resultID
        }
    }

    /// The results recorded for a document, oldest first.
    public func inspections(of documentNumber: String, kind: DocumentKind) async throws -> [InspectionResult] {
        try await exclusive {
            let rows = try await sql.select().column("*").from("inspection_results")
                .where("document_number", .equal, documentNumber).where("kind", .equal, kind.rawValue)
                .orderBy("id").all()
            var lines: [Int: [SeizureLine]] = [:]
            let ids = try rows.map { try $0.decode(column: "id", as: Int.self) }
            if !ids.isEmpty {
                for r in try await sql.select().column("*").from("seizure_lines").where("result_id", .in, ids)
                    .orderBy("result_id").orderBy("line_no").all() {
                    lines[try r.decode(column: "result_id", as: Int.self), default: []].append(try Store.readSeizureLine(r))
                }
            }
            return try rows.map { r in
                    let date = try r.decode(column: "inspected_on", as: String.self)
                    let outcome = try r.decode(column: "outcome", as: String.self)
                    let method = try r.decode(column: "method", as: String.self)
                    guard let day = CalendarDate(iso: date), let o = InspectionOutcome(rawValue: outcome),
                          let m = InspectionMethod(rawValue: method) else {
                        throw StoreError.query("stored inspection result of \(documentNumber) is unreadable: \(date) \(outcome) \(method)")
                    }
                    return InspectionResult(kind: kind, documentNumber: documentNumber,
                                            unit: try r.decode(column: "unit_code", as: String.self), date: day,
                                            outcome: o, method: m, notes: try r.decode(column: "notes", as: String?.self),
                                            revenue: try r.decode(column: "revenue", as: Double?.self),
                                            recordedBy: try r.decode(column: "recorded_by", as: String.self),
                                            seizures: lines[try r.decode(column: "id", as: Int.self)] ?? [],
                                            restrictedTo: try r.decode(column: "restricted_to", as: String?.self),
                                            operation: try r.decode(column: "operation_id", as: String?.self),
                                            arrests: try r.decode(column: "arrests", as: Int?.self))
            }
        }
    }

    /// Current documents dated in `from...until` whose outcome is known: from this node's inspection results
    /// (something found = illicit), or else from the labels of historical files. Oldest first.
    public func labelledRecords(from: CalendarDate, until: CalendarDate) async throws -> [LabelledRecord] {
        try await exclusive {
            let rows = try await sql.raw("""
                SELECT c.payload, c.label_illicit, r.positive
                FROM consignments c
                LEFT JOIN (SELECT document_number, kind,
                                  MAX(CASE WHEN outcome IN ('irregularity', 'seizure') THEN 1 ELSE 0 END) AS positive
                           FROM inspection_results GROUP BY document_number, kind) r
                    ON r.document_number = c.document_number AND r.kind = c.kind
                WHERE c.is_current = 1 AND c.doc_date >= \(bind: from.description) AND c.doc_date <= \(bind: until.description)
                    AND (c.label_illicit IS NOT NULL OR r.positive IS NOT NULL)
                ORDER BY c.doc_date, c.id
                """).all()
            return try rows.map { r in
                let consignment = try Consignment(payload: try r.decode(column: "payload", as: String.self))
                if let positive = try r.decode(column: "positive", as: Int?.self) {
                    return LabelledRecord(consignment: consignment, illicit: positive == 1, fromInspection: true)
                }
                return LabelledRecord(consignment: consignment,
                                      illicit: (try r.decode(column: "label_illicit", as: Int?.self) ?? 0) == 1,
                                      fromInspection: false)
            }
        }
    }
}
