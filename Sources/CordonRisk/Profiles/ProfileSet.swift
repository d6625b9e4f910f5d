import CordonCore
import Foundation

/// A risk profile that fired on a consignment.
public struct ProfileHit: Sendable, Hashable, Codable {
    public var name: String
    public var version: Int
    public var title: String
    public var lane: Lane
    public var weight: Double

    /// The hit as a reason.
    public var reason: Reason { Reason("profile", ["name": name, "version": "\(version)", "lane": lane.rawValue, "title": title]) }
}

/// Profiles compiled for evaluation: regular expressions built once, party lists turned into name matchers.
public struct ProfileSet: Sendable {
    struct Compiled: Sendable {
        let profile: VersionedProfile
        let tests: [CompiledCondition]
    }

    struct CompiledCondition: Sendable {
        let condition: ProfileCondition
        let regex: Pattern?
        let list: NameMatcher?
        let lowered: [String]
    }

    /// A compiled regular expression; NSRegularExpression is immutable and documented as thread-safe.
    final class Pattern: @unchecked Sendable {
        let regex: NSRegularExpression
        init(_ regex: NSRegularExpression) { self.regex = regex }
    }

    let profiles: [Compiled]

    /// Compiles the profiles; patterns were checked when the profiles were read, so a failure here means a
    /// profile was built in code with a bad pattern, which is reported rather than ignored.
    public init(_ profiles: [VersionedProfile]) throws {
        self.profiles = try profiles.map { p in
            Compiled(profile: p, tests: try p.profile.conditions.map { c in
                var regex: Pattern?
                var list: NameMatcher?
                var lowered: [String] = []
                switch c.test {
                case .regex(let pattern): regex = Pattern(try NSRegularExpression(pattern: pattern))
                case .onList(let names):
                    list = NameMatcher(list: WatchList(entries: names.enumerated().map {
                        WatchListEntry(id: "\(p.profile.name)#\($0.offset + 1)", name: $0.element)
                    }), threshold: 0.9)
                case .equals(let v), .contains(let v): lowered = [v.lowercased()]
                case .oneOf(let v), .prefix(let v): lowered = v.map { $0.lowercased() }
                case .range: break
                }
                return CompiledCondition(condition: c, regex: regex, list: list, lowered: lowered)
            })
        }
    }

    public var count: Int { profiles.count }

    /// The profiles in force on the consignment's date (its arrival when known) whose conditions hold.
    /// `includeDrafts` lets an analyst try draft profiles before they are activated.
    public func hits(_ c: Consignment, includeDrafts: Bool = false) -> [ProfileHit] {
        let day = c.arrival ?? c.date
        var out: [ProfileHit] = []
        for p in profiles {
            let rule = p.profile.profile
            guard rule.status == .active || (includeDrafts && rule.status == .draft),
                  rule.validFrom.map({ $0 <= day }) ?? true, rule.validUntil.map({ day <= $0 }) ?? true else { continue }
            let fired = rule.match == .all ? p.tests.allSatisfy { holds($0, c) } : p.tests.contains { holds($0, c) }
            if fired {
                out.append(ProfileHit(name: rule.name, version: p.profile.version, title: rule.title,
                                      lane: rule.lane, weight: rule.weight))
            }
        }
        return out
    }

    func holds(_ t: CompiledCondition, _ c: Consignment) -> Bool {
        let result: Bool
        switch t.condition.field.kind {
        case .number:
            result = ProfileSet.number(t.condition.field.name, c).map { v in
                switch t.condition.test {
                case .range(let lo, let hi): return (lo.map { v >= $0 } ?? true) && (hi.map { v <= $0 } ?? true)
                case .equals(let s): return Double(s).map { abs($0 - v) < 1e-9 } ?? false
                default: return false
                }
            } ?? false
        case .party:
            let parties = ProfileSet.parties(t.condition.field.name, c)
            if let list = t.list {
                result = parties.contains { p in
                    (p.name.map { !list.matches($0).isEmpty } ?? false)
                        || (p.identifier.map { id in list.list.entries.contains { $0.name.caseInsensitiveCompare(id) == .orderedSame } } ?? false)
                }
            } else {
                result = parties.flatMap { [$0.name, $0.identifier].compactMap { $0 } }.contains { textTest(t, $0) }
            }
        case .text:
            result = ProfileSet.texts(t.condition.field.name, c).contains { textTest(t, $0) }
        }
        return result != t.condition.negate
    }

    func textTest(_ t: CompiledCondition, _ value: String) -> Bool {
        switch t.condition.test {
        case .regex:
            guard let r = t.regex?.regex else { return false }
            return r.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)) != nil
        case .equals: return value.lowercased() == t.lowered[0]
        case .oneOf: return t.lowered.contains(value.lowercased())
        case .prefix:
            let v = value.lowercased()
            return t.lowered.contains { v.hasPrefix($0) }
        case .contains: return value.lowercased().contains(t.lowered[0])
        case .onList, .range: return false
        }
    }

    /// The values of a text field (several for route, goods and containers).
    static func texts(_ field: String, _ c: Consignment) -> [String] {
        let r = c.route
        switch field {
        case "document_number": return [c.documentNumber]
        case "kind": return [c.kind.rawValue]
        case "mode": return [c.mode?.rawValue].compactMap { $0 }
        case "office": return [c.office].compactMap { $0 }
        case "place_of_loading": return [r.placeOfLoading].compactMap { $0 }
        case "transshipment": return r.transshipment
        case "place_of_discharge": return [r.placeOfDischarge].compactMap { $0 }
        case "place_of_delivery": return [r.placeOfDelivery].compactMap { $0 }
        case "route": return r.places
        case "country_of_departure": return [r.countryOfDeparture].compactMap { $0 }
        case "country_of_destination": return [r.countryOfDestination].compactMap { $0 }
        case "hs_code": return c.goods.compactMap(\.hsCode)
        case "goods_description": return c.goods.compactMap(\.description)
        case "country_of_origin": return c.goods.compactMap(\.countryOfOrigin)
        case "package_type": return c.goods.compactMap(\.packageType)
        case "container_number": return c.containers.map(\.number)
        case "container_type": return c.containers.compactMap(\.sizeType)
        case "vessel": return [c.conveyance?.name, c.conveyance?.identifier].compactMap { $0 }
        case "voyage": return [c.conveyance?.voyage].compactMap { $0 }
        default:
            guard field.hasPrefix("attribute.") else { return [] }
            return [c.attributes[String(field.dropFirst("attribute.".count))]].compactMap { $0 }
        }
    }

    /// The value of a number field: totals over the goods items.
    static func number(_ field: String, _ c: Consignment) -> Double? {
        func total(_ f: (GoodsItem) -> Double?) -> Double? {
            let v = c.goods.compactMap(f)
            return v.isEmpty ? nil : v.reduce(0, +)
        }
        switch field {
        case "gross_mass_kg": return total(\.grossMassKg)
        case "net_mass_kg": return total(\.netMassKg)
        case "packages": return total { $0.packages.map(Double.init) }
        case "value": return total { ($0.customsValue ?? $0.invoiceValue)?.amount }
        case "unit_value":
            guard let v = number("value", c), let m = total({ $0.netMassKg ?? $0.grossMassKg }), m > 0 else { return nil }
            return v / m
        case "containers": return Double(c.containers.count)
        case "goods_items": return Double(c.goods.count)
        default: return nil
        }
    }

    /// The parties a party field names.
    static func parties(_ field: String, _ c: Consignment) -> [Party] {
        if field == "any_party" { return c.parties }
        guard let role = PartyRole(rawValue: field) else { return [] }
        return c.parties.filter { $0.role == role }
    }
}
