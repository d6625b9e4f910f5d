import CordonCore
import Foundation
import SQLKit

/// Why a unit could not be used.
public enum UnitStoreError: Error, CustomStringConvertible, Sendable {
    case unknown(String)
    case stored(code: String, reason: String)

    public var description: String {
        switch self {
        case .unknown(let code): "no unit with code '\(code)'"
        case .stored(let code, let reason): "unit '\(code)' as stored cannot be read: \(reason)"
        }
    }
}

extension Store {
    /// Adds a unit, or replaces the settings and locations of the unit with the same code.
    public func saveUnit(_ unit: ControlUnit) async throws {
        try await transaction(forgetting: \.units) {
            try await sql.delete(from: "unit_locations").where("unit_code", .equal, unit.code).run()
            // Updated in place: users, targets and results refer to the unit by its code.
            if try await sql.select().column("code").from("units").where("code", .equal, unit.code).first() != nil {
                try await sql.update("units").set("name", to: unit.name).set("kind", to: unit.kind.rawValue).set("country", to: unit.country)
                    .set("capacity", to: unit.capacity.description).set("control_share", to: unit.controlSharePercent)
                    .set("updated_at", to: Store.now()).where("code", .equal, unit.code).run()
            } else {
                try await sql.insert(into: "units")
                    .columns("code", "name", "kind", "country", "capacity", "control_share", "updated_at")
                    .values(SQLBind(unit.code), SQLBind(unit.name), SQLBind(unit.kind.rawValue), SQLBind(unit.country),
                            SQLBind(unit.capacity.description), SQLBind(unit.controlSharePercent), SQLBind(Store.now()))
                    .run()
            }
            for location in Set(unit.locations) {
                try await sql.insert(into: "unit_locations").columns("location", "unit_code")
                    .values(SQLBind(location), SQLBind(unit.code)).run()
            }
        }
    }

    /// All units, by code.
    public func units() async throws -> [ControlUnit] {
        try await cached(\.units) { try await exclusive { try await readUnits(code: nil) } }
    }

    /// One unit.
    public func unit(_ code: String) async throws -> ControlUnit {
        guard let unit = try await exclusive({ try await readUnits(code: code) }).first else { throw UnitStoreError.unknown(code) }
        return unit
    }

    private func readUnits(code: String?) async throws -> [ControlUnit] {
        var q = sql.select().column("*").from("units").orderBy("code")
        if let code { q = q.where("code", .equal, code) }
        let rows = try await q.all()
        var locations: [String: [String]] = [:]
        var lq = sql.select().columns("location", "unit_code").from("unit_locations").orderBy("location")
        if let code { lq = lq.where("unit_code", .equal, code) }
        for r in try await lq.all() {
            locations[try r.decode(column: "unit_code", as: String.self), default: []].append(try r.decode(column: "location", as: String.self))
        }
        return try rows.map { r in
            let code = try r.decode(column: "code", as: String.self)
            let capacityText = try r.decode(column: "capacity", as: String.self)
            let kindText = try r.decode(column: "kind", as: String.self)
            guard let capacity = InspectionCapacity(capacityText) else {
                throw UnitStoreError.stored(code: code, reason: "capacity '\(capacityText)'")
            }
            guard let kind = UnitKind(rawValue: kindText) else { throw UnitStoreError.stored(code: code, reason: "kind '\(kindText)'") }
            return ControlUnit(code: code, name: try r.decode(column: "name", as: String.self), kind: kind,
                               country: try r.decode(column: "country", as: String.self),
                               locations: locations[code] ?? [], capacity: capacity,
                               controlSharePercent: try r.decode(column: "control_share", as: Double.self))
        }
    }

    /// The current documents of a unit's day: lodged that day for one of its locations (place of discharge
    /// or customs office). Each comes with its store id.
    public func consignments(for unit: ControlUnit, on day: CalendarDate) async throws -> [(id: Int, consignment: Consignment)] {
        guard !unit.locations.isEmpty else { return [] }
        return try await exclusive {
            let locations: [any Encodable & Sendable] = unit.locations
            let rows = try await connection.rows("""
                SELECT id, payload FROM consignments WHERE is_current = 1 AND doc_date = \(bind: day.description)
                AND (place_of_discharge IN (\(binds: locations)) OR office IN (\(binds: locations))) ORDER BY id
                """, on: sql)
            return try consignments(rows: try rows.map { (try $0.int("id"), try $0.text("payload")) })
        }
    }
}
