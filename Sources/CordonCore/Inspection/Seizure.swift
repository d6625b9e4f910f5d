/// The commodity categories of customs enforcement, as the WCO Customs Enforcement Network counts seizures.
public enum CommodityCategory: String, Codable, Sendable, CaseIterable {
    case drugs
    case precursors
    case tobacco
    case alcohol
    case strategicGoods = "strategic-goods"
    case weapons
    case ipr
    case cites
    case cash
    case other
}

/// One kind of goods seized in a control: what, how much, how it was hidden, what it is worth.
public struct SeizureLine: Sendable, Hashable, Codable {
    public var category: CommodityCategory
    /// The goods or substance as the officer names them ("heroin", "cigarettes Marlboro", "Saker falcon").
    public var goods: String
    public var quantity: Double
    /// kg, g, l, pieces, sticks, packs, rounds, or for cash the ISO 4217 currency.
    public var unit: String
    /// Where and how the goods were hidden ("false floor of the container", "inside machine parts").
    public var concealment: String?
    /// Estimated value in the node's currency.
    public var estimatedValue: Double?

    /// Units in which seized goods are counted; cash is counted in its currency instead.
    public static let quantityUnits = ["kg", "g", "l", "pieces", "sticks", "packs", "rounds"]

    public init(category: CommodityCategory, goods: String, quantity: Double, unit: String, concealment: String? = nil,
                estimatedValue: Double? = nil) {
        self.category = category
        self.goods = goods
        self.quantity = quantity
        self.unit = unit
        self.concealment = concealment
        self.estimatedValue = estimatedValue
    }

    /// Why the line cannot be recorded, or nil when it can.
    public func problem() -> SeizureProblem? {
        let goods = goods.trimmingCharacters(in: .whitespacesAndNewlines)
        if goods.isEmpty { return .missingGoods }
        if goods.count > 200 { return .tooLong("goods") }
        if (concealment?.count ?? 0) > 500 { return .tooLong("concealment") }
        if !(quantity > 0) || !quantity.isFinite { return .badQuantity }
        if let v = estimatedValue, !(v >= 0) || !v.isFinite { return .badValue }
        if category == .cash {
            if case .invalid = CurrencyCode.check(unit) { return .badUnit(unit, cash: true) }
        } else if !SeizureLine.quantityUnits.contains(unit) {
            return .badUnit(unit, cash: false)
        }
        return nil
    }
}

/// What is wrong with a seizure line or with the lines of a result.
public enum SeizureProblem: Error, Sendable, Hashable, CustomStringConvertible {
    case missingGoods
    case tooLong(String)
    case badQuantity
    case badValue
    case badUnit(String, cash: Bool)
    /// A seizure recorded without saying what was seized.
    case seizureWithoutLines
    /// Seizure lines on a result that is not a seizure.
    case linesWithoutSeizure
    /// The problem of the line at `index` (from 1).
    indirect case line(Int, SeizureProblem)

    public var description: String {
        switch self {
        case .missingGoods: "the goods or substance is missing"
        case .tooLong(let field): "the \(field) is too long"
        case .badQuantity: "the quantity must be a number above zero"
        case .badValue: "the estimated value must be a number, zero or more"
        case .badUnit(let unit, let cash):
            cash ? "'\(unit)' is not an ISO 4217 currency; cash is counted in its currency"
                 : "'\(unit)' is not a unit: use \(SeizureLine.quantityUnits.joined(separator: ", "))"
        case .seizureWithoutLines: "a seizure needs at least one line saying what was seized"
        case .linesWithoutSeizure: "seizure lines belong only to a result that is a seizure"
        case .line(let n, let problem): "seizure line \(n): \(problem)"
        }
    }
}
