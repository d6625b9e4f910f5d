import CordonCore

/// The results of a joint operation from its participants' returns: controls and hit rate, seizure cases and
/// quantities by commodity and by country, arrests, a timeline, and the list of cases. Only what the returns carry.
public struct OperationReport: Sendable {
    /// Controls reported, those that found something, and arrests.
    public var controls = 0
    public var positives = 0
    public var arrests = 0
    public var byCommodity: [String: Commodity] = [:]
    public var byCountry: [String: Country] = [:]
    /// Per day: controls and seizure cases.
    public var timeline: [String: (controls: Int, cases: Int)] = [:]
    /// The returns that seized something, by date.
    public var cases: [OperationReturn] = []

    /// One commodity category: cases, quantity per unit of measure, estimated value, and how many cases were among
    /// the target goods.
    public struct Commodity: Sendable, Hashable {
        public var cases = 0
        public var targetedCases = 0
        public var quantities: [String: Double] = [:]
        public var value = 0.0

        public init(cases: Int = 0, targetedCases: Int = 0, quantities: [String: Double] = [:], value: Double = 0) {
            self.cases = cases
            self.targetedCases = targetedCases
            self.quantities = quantities
            self.value = value
        }
    }

    /// One participating country: controls, those that found something, seizure cases and their estimated value.
    public struct Country: Sendable, Hashable {
        public var controls = 0
        public var positives = 0
        public var cases = 0
        public var value = 0.0

        public init(controls: Int = 0, positives: Int = 0, cases: Int = 0, value: Double = 0) {
            self.controls = controls
            self.positives = positives
            self.cases = cases
            self.value = value
        }
    }

    public init(_ returns: [OperationReturn]) {
        for r in returns {
            let positive = r.outcome != InspectionOutcome.cleared.rawValue
            controls += 1
            arrests += r.arrests
            var country = byCountry[r.country] ?? Country()
            country.controls += 1
            var day = timeline[r.date] ?? (0, 0)
            day.controls += 1
            if positive {
                positives += 1
                country.positives += 1
            }
            if !r.lines.isEmpty {
                cases.append(r)
                day.cases += 1
                country.cases += 1
                // A case counts once per category it seized, whatever the number of its lines.
                for category in Set(r.lines.map(\.category)) {
                    let lines = r.lines.filter { $0.category == category }
                    var c = byCommodity[category] ?? Commodity()
                    c.cases += 1
                    if lines.contains(where: \.targeted) { c.targetedCases += 1 }
                    for l in lines {
                        c.quantities[l.unit, default: 0] += l.quantity
                        c.value += l.estimatedValue ?? 0
                        country.value += l.estimatedValue ?? 0
                    }
                    byCommodity[category] = c
                }
            }
            byCountry[r.country] = country
            timeline[r.date] = day
        }
        cases.sort { ($0.date, $0.country, $0.unit, $0.reference) < ($1.date, $1.country, $1.unit, $1.reference) }
    }

    /// Controls that found something, as a share of all controls (0 without controls).
    public var hitRate: Double { controls == 0 ? 0 : Double(positives) / Double(controls) }
}
