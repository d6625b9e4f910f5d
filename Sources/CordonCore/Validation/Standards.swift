/// UN/LOCODE: two-letter ISO 3166 country and three characters (letters and digits 2-9) for the place.
public enum LOCODE {
    /// Upper-cases and removes the space some systems put after the country (`GB PME`).
    public static func normalize(_ raw: String) -> String {
        if raw.utf8.allSatisfy({ ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) }) { return raw }
        return String(raw.uppercased().filter { $0 != " " })
    }

    /// Checks the format and the country strictly; a place absent from the bundled list is only a warning,
    /// since new locations are added every release and national lists run ahead of the UN one.
    public static func check(_ raw: String, lists: CodeLists = .bundled) -> CheckResult {
        let code = normalize(raw)
        let b = Array(code.utf8)
        guard b.count == 5 else {
            return .invalid(reason: "length is \(b.count), expected 5 (country code and 3-character location)")
        }
        guard b[0...1].allSatisfy({ $0 >= 65 && $0 <= 90 }) else {
            return .invalid(reason: "country part '\(code.prefix(2))' must be 2 letters")
        }
        guard b[2...4].allSatisfy({ ($0 >= 65 && $0 <= 90) || ($0 >= 50 && $0 <= 57) }) else {
            return .invalid(reason: "location part '\(code.suffix(3))' must be letters or digits 2-9")
        }
        let country = String(code.prefix(2))
        guard lists.countries[country] != nil || country == "XZ" else {
            return .invalid(reason: "country '\(country)' is not an ISO 3166-1 code")
        }
        if lists.locodes[code] == nil {
            return .valid(normalized: code, warning: "not in the bundled UN/LOCODE list")
        }
        return .valid(normalized: code, warning: nil)
    }
}

/// Harmonized System commodity codes, 6 to 10 digits (the national tariff extends the 6-digit subheading).
public enum HSCode {
    /// Headings deleted by later HS editions that older declarations still carry, with the last edition.
    static let earlierEditionHeadings: [String: String] = ["8803": "HS 2017"]

    /// Removes the dots and spaces of printed tariff codes (`8703.23.19`).
    public static func normalize(_ raw: String) -> String {
        if !raw.utf8.contains(where: { $0 == 46 || $0 == 32 }) { return raw }
        return String(raw.filter { $0 != "." && $0 != " " })
    }

    /// Checks length and digits, and that chapter and heading exist; an unknown 6-digit subheading is a
    /// warning, since the bundled list is one HS edition and declarations may follow another.
    public static func check(_ raw: String, lists: CodeLists = .bundled) -> CheckResult {
        let code = normalize(raw)
        // The code's leading digits as numbers: the look-ups are bits, and texts are made only for a reason.
        var value = 0, count = 0, chapter = 0, heading = 0, sub = 0
        for b in code.utf8 {
            guard b >= 48 && b <= 57 else { return .invalid(reason: "must contain digits only") }
            count += 1
            if count <= 6 { value = value * 10 + Int(b - 48) }
            if count == 2 { chapter = value } else if count == 4 { heading = value } else if count == 6 { sub = value }
        }
        guard (6...10).contains(count) else {
            return .invalid(reason: "length is \(count), expected 6 to 10 digits")
        }
        let codes = lists.hsCodes
        // A listed subheading's heading and chapter are listed: one look-up for most codes.
        if codes.contains(sub, digits: 6) { return .valid(normalized: code, warning: nil) }
        // Digits only by now: byte prefixes are character prefixes.
        func prefix(_ n: Int) -> String { String(decoding: code.utf8.prefix(n), as: UTF8.self) }
        guard codes.contains(chapter, digits: 2) else { return .invalid(reason: "chapter \(prefix(2)) does not exist") }
        guard codes.contains(heading, digits: 4) else {
            if let edition = earlierEditionHeadings[prefix(4)] {
                return .valid(normalized: code, warning: "heading \(prefix(4)) exists only up to \(edition)")
            }
            return .invalid(reason: "heading \(prefix(4)) does not exist in chapter \(prefix(2))")
        }
        return .valid(normalized: code, warning: unlistedSubheading(code))
    }
}

extension HSCode {
    /// The warning for a subheading absent from the bundled edition, in one buffer made to its size: most goods of
    /// some files carry one (national or older codes), and interpolating it, buffer grown twice, was a tenth of
    /// validating them.
    static func unlistedSubheading(_ code: String) -> String {
        let head = "subheading ", tail = " not in the bundled HS edition"
        var warning = ""
        warning.reserveCapacity(head.utf8.count + 6 + tail.utf8.count)
        warning += head
        warning += code.prefix(6)   // digits only by now: six characters are six bytes
        warning += tail
        return warning
    }
}

/// ISO 3166-1 countries (alpha-2, alpha-3 accepted and converted).
public enum CountryCode {
    public static func check(_ raw: String, lists: CodeLists = .bundled) -> CheckResult {
        let code = raw.uppercased().trimmingSpaces()
        if code == "ZZ" { return .valid(normalized: code, warning: "user-assigned code for an unknown country") }
        if code.count == 2 {
            return lists.countries[code] != nil
                ? .valid(normalized: code, warning: nil)
                : .invalid(reason: "'\(code)' is not an ISO 3166-1 alpha-2 code")
        }
        if code.count == 3, let alpha2 = lists.countryAlpha3[code] {
            return .valid(normalized: alpha2, warning: nil)
        }
        return .invalid(reason: "'\(code)' is not an ISO 3166-1 country code")
    }
}

/// ISO 4217 currencies.
public enum CurrencyCode {
    public static func check(_ raw: String, lists: CodeLists = .bundled) -> CheckResult {
        let code = raw.uppercased().trimmingSpaces()
        return lists.currencies[code] != nil
            ? .valid(normalized: code, warning: nil)
            : .invalid(reason: "'\(code)' is not an ISO 4217 currency code")
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    public func trimmingSpaces() -> String {
        var s = Substring(self)
        // Most texts have nothing to trim: their ends are looked at as bytes, not as characters.
        if let first = s.utf8.first, let last = s.utf8.last, first != 32, first != 9, last != 32, last != 9 { return String(s) }
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
