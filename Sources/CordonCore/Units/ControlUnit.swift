import Foundation

/// How many controls a unit can make in a day: a number, or a percentage of the day's consignments.
public enum InspectionCapacity: Sendable, Hashable, CustomStringConvertible {
    case count(Int)
    case percent(Double)

    /// Reads `20` or `5%`.
    public init?(_ text: String) {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.hasSuffix("%") {
            guard let p = Double(t.dropLast()), p >= 0, p <= 100 else { return nil }
            self = .percent(p)
        } else {
            guard let n = Int(t), n >= 0 else { return nil }
            self = .count(n)
        }
    }

    public var description: String {
        switch self {
        case .count(let n): "\(n)"
        case .percent(let p): p == p.rounded() ? "\(Int(p))%" : "\(p)%"
        }
    }
}

/// What kind of place a unit controls.
public enum UnitKind: String, Codable, Sendable, CaseIterable {
    /// Port Control Unit (sea or dry port).
    case pcu
    /// Air Cargo Control Unit.
    case accu
    /// Land-border or rail crossing unit.
    case border
}

/// A control unit (PCU, ACCU, border unit): where it works and how much it can control.
public struct ControlUnit: Sendable, Hashable {
    /// Short code, unique in the node (e.g. `KZ-ALA-ACCU`).
    public var code: String
    public var name: String
    public var kind: UnitKind
    /// ISO 3166-1 alpha-2 country of the node that runs the unit.
    public var country: String
    /// Where it works: UN/LOCODEs, or the customs office codes cargo data names.
    public var locations: [String]
    public var capacity: InspectionCapacity
    /// Share of the capacity drawn at random among the rest, in percent.
    public var controlSharePercent: Double

    public init(code: String, name: String, kind: UnitKind, country: String, locations: [String],
                capacity: InspectionCapacity, controlSharePercent: Double = 5) {
        self.code = code
        self.name = name
        self.kind = kind
        self.country = country
        self.locations = locations
        self.capacity = capacity
        self.controlSharePercent = controlSharePercent
    }
}

/// Why a unit's definition cannot be saved; `field` names what to correct.
public struct UnitProblem: Error, CustomStringConvertible, Sendable, Hashable {
    public let field: String
    public let description: String
}

extension ControlUnit {
    /// A unit from what an administrator typed, checked: the same rules for the command line and the pages.
    public static func checked(code: String, name: String, kind: String, country: String, locations: [String], capacity: String,
                               controlSharePercent: Double) throws(UnitProblem) -> ControlUnit {
        guard !code.isEmpty, code.count <= 40, code.allSatisfy({ ($0.isLetter || $0.isNumber || "-_.".contains($0)) && $0.isASCII }) else {
            throw UnitProblem(field: "code", description: "the unit code must be 1 to 40 letters, digits, '-', '_' or '.'")
        }
        let name = name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 120 else { throw UnitProblem(field: "name", description: "the name must be 1 to 120 characters") }
        guard let kind = UnitKind(rawValue: kind) else { throw UnitProblem(field: "kind", description: "the kind must be pcu, accu or border") }
        guard case .valid(let country, _) = CountryCode.check(country) else {
            throw UnitProblem(field: "country", description: "'\(country)' is not an ISO 3166-1 country code")
        }
        let locations = locations.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !locations.isEmpty else { throw UnitProblem(field: "location", description: "name at least one location") }
        for l in locations where l.count > 17 || !l.allSatisfy({ ($0.isLetter || $0.isNumber) && $0.isASCII }) {
            throw UnitProblem(field: "location", description: "'\(l)' is neither a UN/LOCODE nor a customs office code")
        }
        guard let capacity = InspectionCapacity(capacity) else {
            throw UnitProblem(field: "capacity", description: "the capacity must be a number (20) or a percentage (5%)")
        }
        guard controlSharePercent >= 0 && controlSharePercent <= 100 else {
            throw UnitProblem(field: "control_share", description: "the control share must be between 0 and 100")
        }
        return ControlUnit(code: code, name: name, kind: kind, country: country, locations: locations, capacity: capacity,
                           controlSharePercent: controlSharePercent)
    }
}
