import CordonCore
import Foundation

/// The workspace's words in English and Russian, from the bundled `strings/LANG.json`, and the formats of
/// dates and numbers each language expects.
public struct Localization: Sendable {
    let strings: [Language: [String: String]]

    /// Loads the bundled strings; a key missing from one language is an error, so that no page shows a key.
    public static func bundled() throws -> Localization {
        var strings: [Language: [String: String]] = [:]
        for language in Language.allCases {
            guard let url = Bundle.module.url(forResource: language.rawValue, withExtension: "json", subdirectory: "strings") else {
                throw LocalizationError(description: "strings/\(language.rawValue).json is not bundled")
            }
            strings[language] = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: url))
        }
        let keys = Set(strings[.en]?.keys ?? [:].keys)
        for (language, table) in strings where Set(table.keys) != keys {
            let missing = keys.symmetricDifference(table.keys).sorted().joined(separator: ", ")
            throw LocalizationError(description: "strings/\(language.rawValue).json differs from en.json in: \(missing)")
        }
        return Localization(strings: strings)
    }

    /// Every string of a language, for templates (`{{t.key}}`).
    public func table(_ language: Language) -> [String: String] { strings[language] ?? [:] }

    public func text(_ key: String, _ language: Language) -> String { strings[language]?[key] ?? strings[.en]?[key] ?? key }

    /// A text with a number in it, written `{n}` in the strings.
    public func text(_ key: String, _ language: Language, n: Int) -> String {
        text(key, language).replacingOccurrences(of: "{n}", with: "\(n)")
    }

    /// A date as the language writes it: 2026-11-23 or 23.11.2026.
    public static func date(_ d: CalendarDate, _ language: Language) -> String {
        switch language {
        case .en: return d.description
        case .ru:
            let s = d.description
            return "\(s.suffix(2)).\(s.dropFirst(5).prefix(2)).\(s.prefix(4))"
        }
    }

    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// A day in a chart's axis: 23 Nov or 23.11.
    public static func shortDate(_ d: CalendarDate, _ language: Language) -> String {
        switch language {
        case .en: return "\(d.day) \(monthNames[d.month - 1])"
        case .ru: return String(date(d, .ru).prefix(5))
        }
    }

    /// A month in a chart's axis: Nov 2026 or 11.2026.
    public static func month(_ d: CalendarDate, _ language: Language) -> String {
        switch language {
        case .en: return "\(monthNames[d.month - 1]) \(d.year)"
        case .ru: return String(date(d, .ru).dropFirst(3))
        }
    }

    /// A share as a whole percentage: "87%" (the same in both languages).
    public static func percent(_ v: Double) -> String { "\(Int((v * 100).rounded()))%" }

    /// A number with grouped thousands and the language's decimal mark: 12,345.5 or 12 345,5.
    /// `upTo` allows more decimals when the value has them (quantities: 12, 12.5, 0.125).
    public static func number(_ v: Double, _ language: Language, decimals: Int = 0, upTo: Int? = nil) -> String {
        let f = NumberFormatter()
        f.numberStyle = .decimal
        f.minimumFractionDigits = decimals
        f.maximumFractionDigits = max(decimals, upTo ?? decimals)
        f.locale = Locale(identifier: language == .ru ? "ru_RU" : "en_GB")
        return f.string(from: NSNumber(value: v)) ?? String(v)
    }
}

/// The bundled strings are incomplete or unreadable.
public struct LocalizationError: Error, CustomStringConvertible, Sendable {
    public let description: String
}
