/// What a control found.
public enum InspectionOutcome: String, Codable, Sendable, CaseIterable {
    /// Nothing irregular: a negative result, and a result all the same.
    case cleared
    /// Something wrong short of a seizure (misdeclared value, quantity or tariff line).
    case irregularity
    /// Goods seized.
    case seizure

    /// True when the control found something: the label the model learns.
    public var isPositive: Bool { self != .cleared }
}

/// How a consignment was controlled.
public enum InspectionMethod: String, Codable, Sendable, CaseIterable {
    case documentary
    case xray = "x-ray"
    case physical
    case dog
}

/// The result of one control of a consignment by a unit.
public struct InspectionResult: Sendable, Hashable, Codable {
    public var kind: DocumentKind
    public var documentNumber: String
    public var unit: String
    public var date: CalendarDate
    public var outcome: InspectionOutcome
    public var method: InspectionMethod
    public var notes: String?
    /// Duties and fines recovered, in the node's currency.
    public var revenue: Double?
    public var recordedBy: String
    /// What was seized, line by line; only for a seizure, and a seizure has at least one.
    public var seizures: [SeizureLine]
    /// The agency that alone reads the notes and what was seized (a police case, say); nil when the unit shares them.
    /// Others still see that a control took place and its outcome.
    public var restrictedTo: String?
    /// The joint operation the control was made for, if any, and the people arrested.
    public var operation: String?
    public var arrests: Int?

    public init(kind: DocumentKind, documentNumber: String, unit: String, date: CalendarDate,
                outcome: InspectionOutcome, method: InspectionMethod, notes: String? = nil, revenue: Double? = nil,
                recordedBy: String, seizures: [SeizureLine] = [], restrictedTo: String? = nil, operation: String? = nil,
                arrests: Int? = nil) {
        self.kind = kind
        self.documentNumber = documentNumber
        self.unit = unit
        self.date = date
        self.outcome = outcome
        self.method = method
        self.notes = notes
        self.revenue = revenue
        self.recordedBy = recordedBy
        self.seizures = seizures
        self.restrictedTo = restrictedTo
        self.operation = operation
        self.arrests = arrests
    }

    /// Whether `reader` reads the details: the result is shared, the reader is of its agency, or an auditor.
    public func detailsReadable(by reader: User) -> Bool {
        restrictedTo == nil || restrictedTo == reader.agency || reader.role == .auditor
    }

    /// The result as `reader` may see it: without notes, revenue and seizure lines when they are another agency's.
    public func visible(to reader: User) -> InspectionResult {
        guard !detailsReadable(by: reader) else { return self }
        var r = self
        r.notes = nil
        r.revenue = nil
        r.seizures = []
        return r
    }

    /// Why the result cannot be recorded as it is, or nil: a seizure says what was seized, other results do not.
    public func problem() -> SeizureProblem? {
        if outcome == .seizure && seizures.isEmpty { return .seizureWithoutLines }
        if outcome != .seizure && !seizures.isEmpty { return .linesWithoutSeizure }
        for (i, line) in seizures.enumerated() {
            if let p = line.problem() { return .line(i + 1, p) }
        }
        return nil
    }
}
