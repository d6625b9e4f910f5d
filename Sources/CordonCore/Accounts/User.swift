/// What a user may do (DESIGN.md, security model).
public enum Role: String, Codable, Sendable, CaseIterable {
    case officer, supervisor, analyst, coordinator, auditor, admin
    /// A system (a port community system, the declaration system) that uses the API with a token, never the pages.
    case integration

    /// Sees and works only the targets, consignments and results of its own units; other roles are national.
    public var isUnitScoped: Bool { [.officer, .supervisor, .integration].contains(self) }

    /// Records inspection results for its units.
    public var recordsResults: Bool { [.officer, .supervisor, .integration].contains(self) }

    /// Sends cargo data into the node.
    public var sendsCargo: Bool { [.integration, .analyst, .admin].contains(self) }

    /// Signs in to the web pages.
    public var usesPages: Bool { self != .integration }

    /// Reads risk profiles and model versions. Officers do not: knowing the rules helps to evade them.
    public var readsProfiles: Bool { [.analyst, .supervisor, .auditor, .admin].contains(self) }

    /// Reads and sends messages between units: those who work targets and risk. Auditors read them.
    public var exchangesMessages: Bool { [.officer, .supervisor, .analyst, .coordinator].contains(self) }

    /// Reads the messages of the units it sees.
    public var readsMessages: Bool { exchangesMessages || self == .auditor }

    /// Writes risk profiles in the pages (as drafts; putting one in force is a separate, later step).
    public var writesProfiles: Bool { self == .analyst }
}

/// The languages of the workspace.
public enum Language: String, Codable, Sendable, CaseIterable {
    case en, ru
}

/// A person who signs in: one agency, a role, and the units whose work they see.
public struct User: Sendable, Hashable, Codable {
    public var id: Int
    public var username: String
    public var displayName: String
    public var role: Role
    /// Customs, police, drug control agency, border service, ...
    public var agency: String
    public var units: [String]
    public var language: Language
    public var disabled: Bool

    /// 1 to 64 ASCII letters, digits, '.', '-' or '_': safe in logs, paths and URLs.
    public static func isValidUsername(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && name.allSatisfy { ($0.isLetter || $0.isNumber || ".-_".contains($0)) && $0.isASCII }
    }

    public init(id: Int = 0, username: String, displayName: String, role: Role, agency: String, units: [String],
                language: Language = .en, disabled: Bool = false) {
        self.id = id
        self.username = username
        self.displayName = displayName
        self.role = role
        self.agency = agency
        self.units = units
        self.language = language
        self.disabled = disabled
    }
}
