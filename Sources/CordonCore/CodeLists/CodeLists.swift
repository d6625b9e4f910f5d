import Foundation

/// The standard code lists bundled with Cordon (see NOTICE). Each list is read on first use only, so that
/// checking container numbers does not pay for loading 100,000 UN/LOCODEs.
public final class CodeLists: Sendable {
    /// The bundled lists.
    public static let bundled = CodeLists()

    /// UN/LOCODE: code → (name, function classifier).
    public var locodes: [String: (name: String, function: String)] { Storage.locodes }
    /// HS chapters, headings and subheadings: code → description.
    public var hs: [String: String] { Storage.hs }
    /// The same chapters, headings and subheadings as numbers, for checking a declaration's code without hashing text.
    public var hsCodes: HSCodeSet { Storage.hsCodes }
    /// ISO 3166-1 alpha-2 → English short name.
    public var countries: [String: String] { Storage.countries.byAlpha2 }
    /// ISO 3166-1 alpha-3 → alpha-2.
    public var countryAlpha3: [String: String] { Storage.countries.alpha3 }
    /// ISO 4217 alpha-3 → name.
    public var currencies: [String: String] { Storage.currencies }
    /// ISO 6346 length codes (first character of a size/type code).
    public var sizeLengthCodes: Set<Character> { Storage.sizes.length }
    /// ISO 6346 height/width codes (second character).
    public var sizeHeightCodes: Set<Character> { Storage.sizes.height }
    /// ISO 6346 type codes (last two characters).
    public var typeCodes: [String: String] { Storage.types }
}

/// A set of 2-, 4- and 6-digit HS codes kept as bits (about 125 KB): a look-up is an index, where a dictionary of
/// texts hashed the code for every goods item of every file.
public struct HSCodeSet: Sendable {
    private let bits: [UInt64]

    /// The codes of 2, 4 or 6 digits among `codes`; others (the list's `TOTAL`) are left out.
    public init(_ codes: some Sequence<String>) {
        var bits = [UInt64](repeating: 0, count: HSCodeSet.slots / 64 + 1)
        for code in codes {
            var value = 0
            guard code.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { continue }
            for b in code.utf8 { value = value * 10 + Int(b - 48) }
            if let i = HSCodeSet.slot(value, digits: code.utf8.count) { bits[i >> 6] |= 1 << UInt64(i & 63) }
        }
        self.bits = bits
    }

    /// Whether the code written with `digits` digits (2, 4 or 6) whose value is `value` is in the set.
    public func contains(_ value: Int, digits: Int) -> Bool {
        guard let i = HSCodeSet.slot(value, digits: digits) else { return false }
        return bits[i >> 6] & (1 << UInt64(i & 63)) != 0
    }

    /// Chapters first, then headings, then subheadings: "01", "0101" and "010121" do not collide.
    private static func slot(_ value: Int, digits: Int) -> Int? {
        switch digits {
        case 2 where (0..<100).contains(value): return value
        case 4 where (0..<10_000).contains(value): return 100 + value
        case 6 where (0..<1_000_000).contains(value): return 10_100 + value
        default: return nil
        }
    }

    /// How many slots there are: 100 chapters, 10,000 headings, 1,000,000 subheadings.
    private static let slots = 1_010_100
}

/// Lazily loaded tables (Swift initialises static lets once, thread-safely, on first access).
private enum Storage {
    static let locodes: [String: (name: String, function: String)] = {
        var out: [String: (String, String)] = [:]
        for r in rows("unlocode") where r.count >= 3 { out[String(r[0])] = (String(r[1]), String(r[2])) }
        return out
    }()
    static let hs: [String: String] = {
        var out: [String: String] = [:]
        for r in rows("hs") where r.count >= 3 { out[String(r[0])] = String(r[2]) }
        return out
    }()
    static let hsCodes = HSCodeSet(hs.keys)
    static let countries: (byAlpha2: [String: String], alpha3: [String: String]) = {
        var byAlpha2: [String: String] = [:], alpha3: [String: String] = [:]
        for r in rows("iso3166") where r.count >= 3 {
            byAlpha2[String(r[0])] = String(r[2])
            alpha3[String(r[1])] = String(r[0])
        }
        return (byAlpha2, alpha3)
    }()
    static let currencies: [String: String] = {
        var out: [String: String] = [:]
        for r in rows("iso4217") where r.count >= 3 { out[String(r[0])] = String(r[2]) }
        return out
    }()
    static let sizes: (length: Set<Character>, height: Set<Character>) = {
        let size = json("icm_size")
        return (Set(((size["length"] as? [String: Any]) ?? [:]).keys.compactMap(\.first)),
                Set(((size["heightWidth"] as? [String: Any]) ?? [:]).keys.compactMap(\.first)))
    }()
    static let types: [String: String] = (json("icm_type") as? [String: String]) ?? [:]

    static func rows(_ name: String) -> [[Substring]] {
        guard let url = Bundle.module.url(forResource: name, withExtension: "tsv", subdirectory: "codes"),
              let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
    }

    static func json(_ name: String) -> [String: Any] {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "codes"),
              let data = try? Data(contentsOf: url),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return object
    }
}
