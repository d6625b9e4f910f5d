import Foundation

/// Reduces a party name to comparable tokens: Latin script (Cyrillic transliterated), lower case, no
/// punctuation or diacritics, and no legal forms ("ТОО Каспий Транс" and "Kaspiy Trans LLP" both become
/// ["kaspiy", "trans"]).
public enum NameNormalizer {
    /// Cyrillic letters of Russian, Kazakh, Kyrgyz, Uzbek, Tajik, Ukrainian and Belarusian, in the
    /// transliteration customs documents and sanctions lists use most (BGN/PCGN-like).
    static let cyrillic: [Character: String] = [
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z", "и": "i",
        "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
        "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
        "э": "e", "ю": "yu", "я": "ya",
        "ә": "a", "ғ": "g", "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i",
        "ї": "yi", "є": "ye", "ґ": "g", "ў": "u", "ҳ": "h", "ҷ": "j", "ӣ": "i", "ӯ": "u",
    ]

    /// Legal forms and company words that say nothing about who the party is, in several languages and
    /// both scripts (after transliteration).
    static let legalForms: Set<String> = [
        "llc", "llp", "ltd", "limited", "inc", "incorporated", "corp", "corporation", "co", "company", "plc", "lp",
        "gmbh", "ag", "kg", "ohg", "ug", "sa", "sas", "sarl", "sl", "srl", "spa", "bv", "nv", "ab", "oy", "as", "a/s",
        "aps", "kft", "zrt", "sp", "zoo", "doo", "dd", "ad", "eood", "ood", "jsc", "ojsc", "cjsc", "pjsc", "ojs",
        "ooo", "oao", "zao", "pao", "ao", "too", "tov", "pp", "ip", "chp", "mchj", "xk", "mmc", "asc", "qsc", "oaj",
        "fze", "fzco", "fzc", "fzllc", "dmcc", "pte", "pvt", "private", "pty", "bhd", "sdn", "tbk", "jv", "ltda",
        "cia", "sac", "eirl", "llk", "the", "and", "of",
    ]

    /// The comparable tokens of a name.
    public static func tokens(_ name: String) -> [String] {
        var latin = ""
        latin.reserveCapacity(name.utf8.count)
        for ch in name.lowercased() {
            if let t = cyrillic[ch] { latin += t; continue }
            // Dots and apostrophes join what they stand in: "S.A." is "sa", "O'Brien" is "obrien".
            if ch == "." || ch == "'" || ch == "’" || ch == "`" { continue }
            if ch.isASCII {
                latin.append(ch.isLetter || ch.isNumber ? ch : " ")
                continue
            }
            // Latin letters with diacritics lose them; other scripts are kept as they are.
            let base = String(ch).asciiBase
            latin += base ?? (ch.isLetter || ch.isNumber ? String(ch) : " ")
        }
        return latin.split(separator: " ").map(String.init)
            .filter { !legalForms.contains($0) && !phoneticLegalForms.contains(phonetic($0)) }
    }

    /// The legal forms as spelt after transliteration from another script ("kompaniy", "dzhsk").
    static let phoneticLegalForms: Set<[UInt8]> = Set(legalForms.filter { $0.count > 3 }.map(phonetic))
}

extension NameNormalizer {
    /// A spelling-neutral form of a token for comparison: the sounds that transliterations and English,
    /// French or German spellings write differently are written one way (c/k/q, ph/f, w/v, y/i/j, kh/h,
    /// doubled letters, a final e): "commerce" and "kommers" both become "komers".
    public static func phonetic(_ token: String) -> [UInt8] {
        let b = Array(token.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 0
        func at(_ k: Int) -> UInt8 { k < b.count ? b[k] : 0 }
        while i < b.count {
            var c = b[i]
            // "dzh" is how Russian spelling writes an English or Arabic j.
            if c == UInt8(ascii: "d") && at(i + 1) == UInt8(ascii: "z") && at(i + 2) == UInt8(ascii: "h") {
                if out.last != UInt8(ascii: "i") { out.append(UInt8(ascii: "i")) }
                i += 3
                continue
            }
            switch c {
            case UInt8(ascii: "c"):
                if at(i + 1) == UInt8(ascii: "h") { out.append(UInt8(ascii: "c")); i += 2; continue }   // ch stays
                if at(i + 1) == UInt8(ascii: "k") { i += 1; continue }                                  // ck → k
                c = [UInt8(ascii: "e"), UInt8(ascii: "i"), UInt8(ascii: "y")].contains(at(i + 1)) ? UInt8(ascii: "s") : UInt8(ascii: "k")
            case UInt8(ascii: "q"): c = UInt8(ascii: "k")
            case UInt8(ascii: "w"): c = UInt8(ascii: "v")
            case UInt8(ascii: "y"), UInt8(ascii: "j"): c = UInt8(ascii: "i")
            case UInt8(ascii: "p") where at(i + 1) == UInt8(ascii: "h"): c = UInt8(ascii: "f"); i += 1
            case UInt8(ascii: "k") where at(i + 1) == UInt8(ascii: "h"): c = UInt8(ascii: "h"); i += 1
            default: break
            }
            if out.last != c { out.append(c) }   // doubled letters count once
            i += 1
        }
        if out.count > 3 && out.last == UInt8(ascii: "e") { out.removeLast() }
        return out
    }
}

extension String {
    /// The ASCII letters of a Latin letter with diacritics (é → e, ß → ss), nil for other characters.
    var asciiBase: String? {
        if self == "ß" { return "ss" }
        if self == "ı" { return "i" }
        if self == "ø" { return "o" }
        if self == "æ" { return "ae" }
        if self == "œ" { return "oe" }
        if self == "ł" { return "l" }
        if self == "đ" { return "d" }
        var out = ""
        // After canonical decomposition the base letter is ASCII and the combining marks follow it.
        for scalar in decomposedStringWithCanonicalMapping.unicodeScalars where scalar.isASCII {
            out.unicodeScalars.append(scalar)
        }
        return out.isEmpty ? nil : out
    }
}
