/// A problem found in a value: an error rejects the record, a warning is kept with it.
public struct ValidationIssue: Hashable, Codable, Sendable, CustomStringConvertible {
    /// How bad the problem is.
    public enum Severity: String, Codable, Sendable {
        case error, warning
    }

    public var severity: Severity
    /// The field of the record, in Cordon's field names (e.g. `containers[0].number`, `goods[0].hsCode`).
    public var field: String
    public var reason: String

    public init(_ severity: Severity, field: String, reason: String) {
        self.severity = severity
        self.field = field
        self.reason = reason
    }

    public static func error(_ field: String, _ reason: String) -> ValidationIssue {
        ValidationIssue(.error, field: field, reason: reason)
    }

    public static func warning(_ field: String, _ reason: String) -> ValidationIssue {
        ValidationIssue(.warning, field: field, reason: reason)
    }

    public var description: String { "\(severity.rawValue): \(field): \(reason)" }
}

/// The verdict on one value checked against a standard.
public enum CheckResult: Hashable, Sendable {
    /// Valid; the normalised form of the value, and a warning when something is worth knowing.
    case valid(normalized: String, warning: String?)
    case invalid(reason: String)

    public var isValid: Bool {
        if case .valid = self { return true }
        return false
    }
}
