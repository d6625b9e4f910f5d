/// What a user may do (DESIGN.md, security model).
public enum Role: String, Codable, Sendable, CaseIterable {
    case officer, supervisor, analyst, coordinator, auditor, admin
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
