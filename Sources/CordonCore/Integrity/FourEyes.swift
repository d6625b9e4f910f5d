import Foundation

/// A decision one person asks for and a second person of the right role puts into effect (four-eyes).
public enum ApprovalAction: Sendable, Hashable, Codable {
    /// Put a profile's stored version in force (its next version is the same rule, active).
    case activateProfile(name: String, version: Int)
    /// Stop a profile firing (its next version is the same rule, retired).
    case retireProfile(name: String, version: Int)
    /// Let a red-lane target of a unit's day go without a control.
    case releaseTarget(unit: String, day: CalendarDate, consignmentID: Int, document: String)
    /// Change how many controls a unit makes in a day and its random control share.
    case changeCapacity(unit: String, capacity: String, controlSharePercent: Double)

    /// A stable name for lists, filters and the audit log.
    public var kind: String {
        switch self {
        case .activateProfile: "activate_profile"
        case .retireProfile: "retire_profile"
        case .releaseTarget: "release_target"
        case .changeCapacity: "change_capacity"
        }
    }

    /// What the decision is about, in a few words: a profile name, a unit's target, a unit.
    public var subject: String {
        switch self {
        case .activateProfile(let name, let version), .retireProfile(let name, let version): "\(name)@\(version)"
        case .releaseTarget(let unit, let day, _, let document): "\(unit) \(day) \(document)"
        case .changeCapacity(let unit, let capacity, let share): "\(unit) capacity \(capacity), control share \(Self.percent(share))"
        }
    }

    /// The unit whose supervisors decide, nil for a national decision (risk profiles).
    public var unit: String? {
        switch self {
        case .activateProfile, .retireProfile: nil
        case .releaseTarget(let unit, _, _, _), .changeCapacity(let unit, _, _): unit
        }
    }

    /// A share written 5% or 2.5%.
    public static func percent(_ p: Double) -> String { p == p.rounded() ? "\(Int(p))%" : "\(p)%" }
}

/// Where a request for approval stands.
public enum ApprovalStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case pending, approved, refused, withdrawn
}

/// A request for a four-eyes decision, with who asked, why, and who decided.
public struct ApprovalRequest: Sendable, Hashable, Identifiable {
    public var id: Int
    public var action: ApprovalAction
    /// Why the requester asks (required, written by them).
    public var reason: String
    public var requestedBy: String
    public var requestedAt: String
    public var status: ApprovalStatus
    public var decidedBy: String?
    public var decidedAt: String?
    /// What the second person wrote when deciding (required when refusing).
    public var note: String?

    public init(id: Int, action: ApprovalAction, reason: String, requestedBy: String, requestedAt: String,
                status: ApprovalStatus = .pending, decidedBy: String? = nil, decidedAt: String? = nil, note: String? = nil) {
        self.id = id
        self.action = action
        self.reason = reason
        self.requestedBy = requestedBy
        self.requestedAt = requestedAt
        self.status = status
        self.decidedBy = decidedBy
        self.decidedAt = decidedAt
        self.note = note
    }
}

/// Why a four-eyes request or decision is refused.
public enum FourEyesRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    case ownRequest
    case role(needed: [Role])
    case notYourUnit(String)
    case disabled
    case notPending(ApprovalStatus)
    case reason(String)
    case stale(String)

    public var description: String {
        switch self {
        case .ownRequest: "the person who asked cannot approve their own request: a second person decides"
        case .role(let needed): "this needs the role \(needed.map(\.rawValue).joined(separator: " or "))"
        case .notYourUnit(let unit): "only supervisors of unit \(unit) decide this"
        case .disabled: "a disabled account cannot ask or decide"
        case .notPending(let status): "the request is already \(status.rawValue)"
        case .reason(let why): why
        case .stale(let why): why
        }
    }
}

/// The four-eyes rules: who may ask for a decision, and who may make it. The requester never decides.
public enum FourEyes {
    /// Roles that may ask for `action`.
    public static func requesters(of action: ApprovalAction) -> [Role] {
        switch action {
        case .activateProfile, .retireProfile: [.analyst]
        case .releaseTarget: [.officer, .supervisor]
        case .changeCapacity: [.supervisor, .admin]
        }
    }

    /// Roles that may approve or refuse `action`.
    public static func deciders(of action: ApprovalAction) -> [Role] {
        switch action {
        case .activateProfile, .retireProfile: [.analyst, .supervisor]
        case .releaseTarget: [.supervisor]
        case .changeCapacity: [.supervisor, .admin]
        }
    }

    /// Checks that `user` may ask for `action` with `reason`.
    public static func checkRequest(_ action: ApprovalAction, by user: User, reason: String) throws(FourEyesRefusal) {
        guard !user.disabled else { throw .disabled }
        guard requesters(of: action).contains(user.role) else { throw .role(needed: requesters(of: action)) }
        if let unit = action.unit, user.role.isUnitScoped, !user.units.contains(unit) { throw .notYourUnit(unit) }
        try WrittenReason.check(reason)
    }

    /// Checks that `user` may decide `request` (approve, or refuse with a note).
    public static func checkDecision(_ request: ApprovalRequest, by user: User, approve: Bool, note: String) throws(FourEyesRefusal) {
        guard request.status == .pending else { throw .notPending(request.status) }
        guard !user.disabled else { throw .disabled }
        guard user.username != request.requestedBy else { throw .ownRequest }
        guard deciders(of: request.action).contains(user.role) else { throw .role(needed: deciders(of: request.action)) }
        if let unit = request.action.unit, user.role.isUnitScoped, !user.units.contains(unit) { throw .notYourUnit(unit) }
        if !approve { try WrittenReason.check(note) }
    }
}

/// A reason a person writes for a decision that departs from the score or needs a second person: long enough
/// to say something, short enough to read.
public enum WrittenReason {
    public static let minimumLength = 10
    public static let maximumLength = 1000

    public static func check(_ text: String) throws(FourEyesRefusal) {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard t.count >= minimumLength else { throw .reason("write a reason of at least \(minimumLength) characters") }
        guard t.count <= maximumLength else { throw .reason("a reason is at most \(maximumLength) characters") }
    }
}

/// A person's decision on a target that departs from the selection: release a selected one without a control, or
/// select one that the score released. Each has a written reason; a red-lane release needs an approval too.
public struct TargetOverride: Sendable, Hashable, Codable {
    /// What was decided.
    public enum Action: String, Sendable, Hashable, Codable, CaseIterable {
        /// A selected target goes without a control.
        case release
        /// A target the score released is controlled.
        case select
    }

    public var unit: String
    public var day: CalendarDate
    public var consignmentID: Int
    public var action: Action
    public var reason: String
    public var by: String
    public var at: String
    /// The approval that put it into effect (red-lane releases), nil when one person could decide.
    public var approvalID: Int?

    public init(unit: String, day: CalendarDate, consignmentID: Int, action: Action, reason: String, by: String, at: String = "",
                approvalID: Int? = nil) {
        self.unit = unit
        self.day = day
        self.consignmentID = consignmentID
        self.action = action
        self.reason = reason
        self.by = by
        self.at = at
        self.approvalID = approvalID
    }
}
