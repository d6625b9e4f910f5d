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
