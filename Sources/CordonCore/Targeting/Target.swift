/// Why a consignment is in the queue this way.
public enum SelectionReason: String, Codable, Sendable, CaseIterable {
    /// Must be controlled whatever the capacity: a red-lane profile hit.
    case mandatory
    /// Among the highest scores that fit the capacity.
    case targeted
    /// Drawn at random among the rest, so that hit rates can be measured.
    case control
    /// Scored, not selected.
    case released
}

/// A scored consignment of a unit's day: its score, lane, selection and the reasons, strongest first.
public struct Target: Sendable, Hashable, Codable {
    public var consignmentID: Int
    public var kind: DocumentKind
    public var documentNumber: String
    public var rank: Int
    public var score: Double
    public var lane: Lane
    public var selection: SelectionReason
    public var reasons: [Reason]
    /// Names and versions of the profiles that fired (`name@version`).
    public var profiles: [String]
    /// A person's release or selection against the score, when there is one.
    public var override: TargetOverride?

    /// Whether the unit controls it: as selected, unless a person decided otherwise.
    public var isSelected: Bool { override.map { $0.action == .select } ?? (selection != .released) }

    public init(consignmentID: Int, kind: DocumentKind, documentNumber: String, rank: Int, score: Double, lane: Lane,
                selection: SelectionReason, reasons: [Reason], profiles: [String], override: TargetOverride? = nil) {
        self.consignmentID = consignmentID
        self.kind = kind
        self.documentNumber = documentNumber
        self.rank = rank
        self.score = score
        self.lane = lane
        self.selection = selection
        self.reasons = reasons
        self.profiles = profiles
        self.override = override
    }
}
