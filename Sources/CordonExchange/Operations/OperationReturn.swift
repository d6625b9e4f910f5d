import CordonCore
import Foundation

/// A participating unit's return to an operation: one control tagged with the operation, what it found and what
/// was seized, whether that was among the operation's target goods, and arrests. No names of persons or companies:
/// the results report uses only what the returns carry.
public struct OperationReturn: Codable, Sendable, Hashable {
    public var operation: String
    /// Unique per reporting node: the result's id there, so that a return sent twice counts once.
    public var reference: String
    public var unit: String
    public var country: String
    /// YYYY-MM-DD of the control.
    public var date: String
    /// `cleared`, `irregularity` or `seizure`.
    public var outcome: String
    public var method: String
    public var lines: [Line]
    public var arrests: Int
    /// The country the goods came from, when the document says.
    public var departure: String?

    /// What was seized, of one kind.
    public struct Line: Codable, Sendable, Hashable {
        public var category: String
        public var goods: String
        public var quantity: Double
        public var unit: String
        public var estimatedValue: Double?
        /// Among the operation's target goods, or another seizure made during it.
        public var targeted: Bool

        public init(category: String, goods: String, quantity: Double, unit: String, estimatedValue: Double?, targeted: Bool) {
            self.category = category
            self.goods = goods
            self.quantity = quantity
            self.unit = unit
            self.estimatedValue = estimatedValue
            self.targeted = targeted
        }
    }

    public init(operation: String, reference: String, unit: String, country: String, date: String, outcome: String, method: String,
                lines: [Line], arrests: Int, departure: String?) {
        self.operation = operation
        self.reference = reference
        self.unit = unit
        self.country = country
        self.date = date
        self.outcome = outcome
        self.method = method
        self.lines = lines
        self.arrests = arrests
        self.departure = departure
    }

    /// The return of a recorded result tagged with `operation`. A seized line is among the target goods when its
    /// category is on the checklist; for a checklist without categories, when the consignment matches its HS codes or
    /// words. The rest are "other seizures".
    public init(result: InspectionResult, reference: String, consignment: Consignment, operation: JointOperation, country: String) {
        let matches = operation.matches(consignment)
        self.init(operation: operation.id, reference: reference, unit: result.unit, country: country, date: result.date.description,
                  outcome: result.outcome.rawValue, method: result.method.rawValue,
                  lines: result.seizures.map { l in
                      Line(category: l.category.rawValue, goods: l.goods, quantity: l.quantity, unit: l.unit, estimatedValue: l.estimatedValue,
                           targeted: operation.checklist.categories.isEmpty ? matches : operation.checklist.categories.contains(l.category.rawValue))
                  },
                  arrests: result.arrests ?? 0, departure: consignment.route.countryOfDeparture)
    }

    /// What is wrong with the return, if anything.
    public func problem() -> (field: String, reason: String)? {
        if operation.isEmpty || reference.isEmpty || reference.count > 100 { return ("reference", "an operation and a reference") }
        if CalendarDate(iso: date) == nil { return ("date", "'\(date)' is not a date") }
        if InspectionOutcome(rawValue: outcome) == nil { return ("outcome", "cleared, irregularity or seizure") }
        if arrests < 0 || arrests > 10_000 { return ("arrests", "0 to 10,000") }
        if lines.count > 50 { return ("lines", "at most 50") }
        for l in lines where CommodityCategory(rawValue: l.category) == nil || !(l.quantity > 0) || l.goods.count > 200 {
            return ("lines", "a commodity category, goods and a quantity above zero")
        }
        return nil
    }
}
