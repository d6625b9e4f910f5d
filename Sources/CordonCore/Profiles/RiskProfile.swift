import Foundation

/// The lane a consignment is put in: red (physical control), yellow (documentary), green (release).
public enum Lane: String, Codable, Sendable, CaseIterable, Comparable {
    case green, yellow, red

    var rank: Int {
        switch self {
        case .green: 0
        case .yellow: 1
        case .red: 2
        }
    }

    public static func < (a: Lane, b: Lane) -> Bool { a.rank < b.rank }
}

/// Where a risk profile is in its life: written, in force, or withdrawn.
public enum ProfileStatus: String, Codable, Sendable, CaseIterable {
    case draft, active, retired
}

/// A risk profile: an analyst's rule as data. When its conditions hold for a consignment during its validity,
/// the profile fires: it adds its weight to the score, puts the consignment at least in its lane, and is
/// named among the reasons.
public struct RiskProfile: Codable, Sendable, Hashable {
    /// Whether every condition must hold, or any one.
    public enum Match: String, Codable, Sendable {
        case all, any
    }

    /// Stable name across versions: lower-case letters, digits, `-`, `_` and `.`.
    public var name: String
    public var title: String
    public var description: String?
    public var lane: Lane
    /// How much a hit raises the score, 0 to 1 (combined as independent evidence: 1 − Π(1 − w)).
    public var weight: Double
    public var validFrom: CalendarDate?
    public var validUntil: CalendarDate?
    public var author: String
    public var status: ProfileStatus
    public var match: Match
    public var conditions: [ProfileCondition]

    public init(name: String, title: String, description: String? = nil, lane: Lane, weight: Double,
                validFrom: CalendarDate? = nil, validUntil: CalendarDate? = nil, author: String,
                status: ProfileStatus = .draft, match: Match = .all, conditions: [ProfileCondition]) {
        self.name = name
        self.title = title
        self.description = description
        self.lane = lane
        self.weight = weight
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.author = author
        self.status = status
        self.match = match
        self.conditions = conditions
    }

    enum CodingKeys: String, CodingKey {
        case name, title, description, lane, weight, author, status, match, conditions
        case validFrom = "valid_from", validUntil = "valid_until"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        guard !name.isEmpty, name.count <= 80,
              name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0) })
        else {
            throw DecodingError.dataCorruptedError(forKey: .name, in: c, debugDescription:
                "'\(name)' is not a profile name: use 1 to 80 lower-case letters, digits, '-', '_' or '.'")
        }
        title = try c.decode(String.self, forKey: .title)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        lane = try c.decode(Lane.self, forKey: .lane)
        weight = try c.decode(Double.self, forKey: .weight)
        guard weight >= 0 && weight <= 1 else {
            throw DecodingError.dataCorruptedError(forKey: .weight, in: c, debugDescription: "weight \(weight) must be between 0 and 1")
        }
        validFrom = try c.decodeIfPresent(CalendarDate.self, forKey: .validFrom)
        validUntil = try c.decodeIfPresent(CalendarDate.self, forKey: .validUntil)
        if let validFrom, let validUntil, validUntil < validFrom {
            throw DecodingError.dataCorruptedError(forKey: .validUntil, in: c,
                                                   debugDescription: "valid_until \(validUntil) is before valid_from \(validFrom)")
        }
        author = try c.decode(String.self, forKey: .author)
        status = try c.decodeIfPresent(ProfileStatus.self, forKey: .status) ?? .draft
        match = try c.decodeIfPresent(Match.self, forKey: .match) ?? .all
        conditions = try c.decode([ProfileCondition].self, forKey: .conditions)
        if conditions.isEmpty {
            throw DecodingError.dataCorruptedError(forKey: .conditions, in: c, debugDescription: "a profile needs at least one condition")
        }
    }

}

/// A stored profile version: the rule and the version number the store gave it.
public struct VersionedProfile: Sendable, Hashable {
    public var profile: RiskProfile
    public var version: Int

    public init(profile: RiskProfile, version: Int) {
        self.profile = profile
        self.version = version
    }
}

/// One condition of a risk profile: a consignment field and one test on it, optionally negated.
public struct ProfileCondition: Codable, Sendable, Hashable {
    /// The test applied to the field's values; the condition holds when any value passes.
    public enum Test: Sendable, Hashable {
        case equals(String)
        case oneOf([String])
        case range(min: Double?, max: Double?)
        case prefix([String])
        case regex(String)
        case contains(String)
        case onList([String])
    }

    public var field: ProfileField
    public var test: Test
    public var negate: Bool

    public init(field: ProfileField, test: Test, negate: Bool = false) {
        self.field = field
        self.test = test
        self.negate = negate
    }

    enum CodingKeys: String, CodingKey {
        case field, equals, `in`, range, prefix, regex, contains, onList = "on_list", negate
    }

    struct Bounds: Codable, Hashable {
        var min: Double?
        var max: Double?
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let fieldName = try c.decode(String.self, forKey: .field)
        guard let field = ProfileField(fieldName) else {
            throw DecodingError.dataCorruptedError(forKey: .field, in: c, debugDescription:
                "unknown field '\(fieldName)'; known fields: \(ProfileField.known.joined(separator: ", ")), attribute.NAME")
        }
        self.field = field
        negate = try c.decodeIfPresent(Bool.self, forKey: .negate) ?? false
        let given: [CodingKeys] = [.equals, .in, .range, .prefix, .regex, .contains, .onList].filter { c.contains($0) }
        guard given.count == 1, let key = given.first else {
            throw DecodingError.dataCorruptedError(forKey: .field, in: c, debugDescription:
                "a condition on '\(fieldName)' needs exactly one test of equals, in, range, prefix, regex, contains, on_list"
                + (given.isEmpty ? "" : " (found \(given.map(\.stringValue).joined(separator: ", ")))"))
        }
        func strings() throws -> [String] {
            let values = try c.decode([String].self, forKey: key)
            if values.isEmpty { throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "the list is empty") }
            return values
        }
        switch key {
        case .equals: test = .equals(try c.decode(String.self, forKey: key))
        case .in: test = .oneOf(try strings())
        case .prefix: test = .prefix(try strings())
        case .onList: test = .onList(try strings())
        case .contains: test = .contains(try c.decode(String.self, forKey: key))
        case .range:
            let b = try c.decode(Bounds.self, forKey: key)
            if b.min == nil && b.max == nil {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "a range needs min, max or both")
            }
            if let lo = b.min, let hi = b.max, hi < lo {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "range max \(hi) is below min \(lo)")
            }
            test = .range(min: b.min, max: b.max)
        case .regex:
            let pattern = try c.decode(String.self, forKey: key)
            do { _ = try NSRegularExpression(pattern: pattern) } catch {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "invalid regular expression '\(pattern)'")
            }
            test = .regex(pattern)
        default: preconditionFailure("every test key is handled above")
        }
        if let problem = field.kind.problem(with: test) {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "\(fieldName): \(problem)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(field.name, forKey: .field)
        switch test {
        case .equals(let v): try c.encode(v, forKey: .equals)
        case .oneOf(let v): try c.encode(v, forKey: .in)
        case .prefix(let v): try c.encode(v, forKey: .prefix)
        case .onList(let v): try c.encode(v, forKey: .onList)
        case .contains(let v): try c.encode(v, forKey: .contains)
        case .regex(let v): try c.encode(v, forKey: .regex)
        case .range(let lo, let hi): try c.encode(Bounds(min: lo, max: hi), forKey: .range)
        }
        if negate { try c.encode(true, forKey: .negate) }
    }
}

/// A consignment field a profile condition can test, by its name in profile files.
public struct ProfileField: Sendable, Hashable {
    /// What kind of values the field has, which decides the tests that make sense on it.
    public enum Kind: Sendable {
        case text, number, party

        func problem(with test: ProfileCondition.Test) -> String? {
            switch (self, test) {
            case (.number, .range), (.number, .equals): return nil
            case (.number, _): return "a number field takes range or equals"
            case (_, .range): return "range applies to number fields only"
            case (.text, .onList): return "on_list applies to party fields only"
            default: return nil
            }
        }
    }

    public let name: String
    public let kind: Kind

    static let fields: [String: Kind] = [
        "document_number": .text, "kind": .text, "mode": .text, "office": .text,
        "place_of_loading": .text, "transshipment": .text, "place_of_discharge": .text, "place_of_delivery": .text,
        "route": .text, "country_of_departure": .text, "country_of_destination": .text,
        "hs_code": .text, "goods_description": .text, "country_of_origin": .text, "package_type": .text,
        "container_number": .text, "container_type": .text, "vessel": .text, "voyage": .text,
        "gross_mass_kg": .number, "net_mass_kg": .number, "packages": .number, "value": .number,
        "unit_value": .number, "containers": .number, "goods_items": .number,
        "shipper": .party, "consignee": .party, "notify": .party, "declarant": .party, "importer": .party,
        "exporter": .party, "carrier": .party, "seller": .party, "buyer": .party, "forwarder": .party,
        "any_party": .party,
    ]

    /// The names of the fixed fields, sorted.
    public static var known: [String] { fields.keys.sorted() }

    /// A known field, or `attribute.NAME` for a source field without a typed home; nil otherwise.
    public init?(_ name: String) {
        if let kind = ProfileField.fields[name] {
            self.name = name
            self.kind = kind
        } else if name.hasPrefix("attribute."), name.count > "attribute.".count {
            self.name = name
            self.kind = .text
        } else {
            return nil
        }
    }
}
