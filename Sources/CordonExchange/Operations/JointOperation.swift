import CordonCore
import Foundation

/// A joint operation (DESIGN.md glossary): a name, a time window, a checklist of target goods, the participating
/// units of one or more nodes and a coordinating unit. It is distributed to the participants' nodes as a signed
/// envelope and opens a closed channel: only participating units send and receive in it.
public struct JointOperation: Codable, Sendable, Hashable {
    /// The kind of the envelopes that carry an operation's definition.
    public static let envelopeKind = "operation"

    /// Chosen by the coordinator: letters, digits, '.', '-', '_' (for example `CASPIAN-TOBACCO-2026`).
    public var id: String
    public var name: String
    public var description: String
    /// The window, YYYY-MM-DD, both days included.
    public var from: String
    public var until: String
    public var checklist: Checklist
    public var coordinator: UnitAddress
    public var participants: [UnitAddress]

    /// What the operation targets: HS code prefixes, commodity categories and words in goods descriptions.
    public struct Checklist: Codable, Sendable, Hashable {
        public var hsPrefixes: [String]
        public var categories: [String]
        public var keywords: [String]

        public init(hsPrefixes: [String] = [], categories: [String] = [], keywords: [String] = []) {
            self.hsPrefixes = hsPrefixes
            self.categories = categories
            self.keywords = keywords
        }

        public var isEmpty: Bool { hsPrefixes.isEmpty && categories.isEmpty && keywords.isEmpty }
    }

    /// A unit of a node.
    public struct UnitAddress: Codable, Sendable, Hashable, Comparable {
        public var node: String
        public var unit: String

        public init(node: String, unit: String) {
            self.node = node
            self.unit = unit
        }

        public static func < (a: UnitAddress, b: UnitAddress) -> Bool { (a.node, a.unit) < (b.node, b.unit) }
    }

    public init(id: String, name: String, description: String = "", from: String, until: String, checklist: Checklist,
                coordinator: UnitAddress, participants: [UnitAddress]) {
        self.id = id
        self.name = name
        self.description = description
        self.from = from
        self.until = until
        self.checklist = checklist
        self.coordinator = coordinator
        self.participants = participants
    }

    /// Every unit of the operation: the coordinator's and the participants', once each.
    public var members: [UnitAddress] { Array(Set(participants + [coordinator])).sorted() }

    /// The nodes of the operation's units.
    public var nodes: [String] { Array(Set(members.map(\.node))).sorted() }

    /// Whether a unit of a node takes part.
    public func includes(node: String, unit: String) -> Bool { members.contains(UnitAddress(node: node, unit: unit)) }

    /// Whether one of `units` of `node` takes part.
    public func hasMember(onNode node: String, among units: some Collection<String>) -> Bool {
        members.contains { $0.node == node && units.contains($0.unit) }
    }

    /// Whether `day` is within the window.
    public func isOpen(on day: CalendarDate) -> Bool { day.description >= from && day.description <= until }

    /// What is wrong with the operation, if anything: the field and the reason.
    public func problem() -> (field: String, reason: String)? {
        if !User.isValidUsername(id) { return ("id", "1 to 64 letters, digits, '.', '-' or '_'") }
        let name = name.trimmingCharacters(in: .whitespaces)
        if name.isEmpty || name.count > 200 { return ("name", "1 to 200 characters") }
        if description.count > 10_000 { return ("description", "at most 10,000 characters") }
        guard let start = CalendarDate(iso: from) else { return ("from", "'\(from)' is not a date (YYYY-MM-DD)") }
        guard let end = CalendarDate(iso: until) else { return ("until", "'\(until)' is not a date (YYYY-MM-DD)") }
        if end < start { return ("until", "the window ends before it starts") }
        if end.daysSinceEpoch - start.daysSinceEpoch > 366 { return ("until", "an operation lasts a year at most") }
        for p in checklist.hsPrefixes where p.isEmpty || p.count > 10 || !p.allSatisfy({ $0.isASCII && $0.isNumber }) {
            return ("hs_prefixes", "'\(p)' is not the start of an HS code (digits)")
        }
        for c in checklist.categories where CommodityCategory(rawValue: c) == nil {
            return ("categories", "'\(c)' is not a commodity category")
        }
        if checklist.keywords.contains(where: { $0.count > 100 }) { return ("keywords", "at most 100 characters each") }
        if participants.isEmpty { return ("participants", "an operation has participating units") }
        if members.count > 500 { return ("participants", "at most 500 units") }
        for u in members where !User.isValidUsername(u.node) || u.unit.isEmpty || u.unit.count > 64 {
            return ("participants", "'\(u.node)/\(u.unit)' is not a node and a unit code")
        }
        return nil
    }

    /// Whether a consignment matches the checklist: an HS code with one of the prefixes, or a keyword in a goods
    /// description (case and script as written; Cyrillic keywords match Cyrillic descriptions).
    public func matches(_ c: Consignment) -> Bool {
        c.goods.contains { g in
            if let hs = g.hsCode, checklist.hsPrefixes.contains(where: { hs.hasPrefix($0) }) { return true }
            guard let text = g.description?.lowercased() else { return false }
            return checklist.keywords.contains { !$0.isEmpty && text.contains($0.lowercased()) }
        }
    }
}
