/// ISO 6346 freight container identification: owner code, equipment category, serial number and check digit.
public enum ContainerNumber {
    /// Value of each letter A-Z in the check-digit sum: A=10, skipping multiples of 11. An array, not a
    /// dictionary: every container of every file is summed, ten look-ups each.
    private static let letterValues: [Int] = {
        var table: [Int] = []
        var value = 10
        for _ in UInt8(ascii: "A")...UInt8(ascii: "Z") {
            if value % 11 == 0 { value += 1 }
            table.append(value)
            value += 1
        }
        return table
    }()

    /// Removes the separators people write (spaces, hyphens, dots, slashes) and upper-cases.
    public static func normalize(_ raw: String) -> String {
        if raw.utf8.allSatisfy({ ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) }) { return raw }
        var out = ""
        out.reserveCapacity(11)
        for ch in raw.uppercased() where !(ch == " " || ch == "-" || ch == "." || ch == "/") {
            out.append(ch)
        }
        return out
    }

    /// The check digit of the first ten characters (owner code, category, serial); a computed 10 is written 0.
    public static func checkDigit(_ firstTen: some Collection<UInt8>) -> Int? {
        guard firstTen.count == 10 else { return nil }
        var sum = 0
        for (i, byte) in firstTen.enumerated() {
            let v: Int
            if isLetter(byte) { v = letterValues[Int(byte - 65)] }
            else if isDigit(byte) { v = Int(byte - 48) }
            else { return nil }
            sum += v << i
        }
        return sum % 11 % 10
    }

    /// Checks a container number and says precisely what is wrong with it.
    public static func check(_ raw: String) -> CheckResult {
        let number = normalize(raw)
        // Read in place: a copy of the bytes into an array was an allocation for every container of a file.
        var text = number
        return text.withUTF8 { check(bytes: $0, number: number) }
    }

    private static func check(bytes: UnsafeBufferPointer<UInt8>, number: String) -> CheckResult {
        if bytes.isEmpty { return .invalid(reason: "empty") }
        if let bad = bytes.firstIndex(where: { !(isLetter($0) || isDigit($0)) }) {
            let ch = String(decoding: bytes[bad...bad], as: UTF8.self)
            return .invalid(reason: "character '\(ch.isEmpty ? "?" : ch)' at position \(bad + 1) is not A-Z or 0-9")
        }
        if bytes.count != 11 {
            return .invalid(reason: "length is \(bytes.count), expected 11 (4 letters, 6 digits, check digit)")
        }
        for i in 0..<3 where !isLetter(bytes[i]) {
            return .invalid(reason: "owner code must be 3 letters, position \(i + 1) is '\(Character(UnicodeScalar(bytes[i])))'")
        }
        if !(bytes[3] == UInt8(ascii: "U") || bytes[3] == UInt8(ascii: "J") || bytes[3] == UInt8(ascii: "Z")) {
            return .invalid(reason: "equipment category '\(Character(UnicodeScalar(bytes[3])))' must be U, J or Z")
        }
        for i in 4..<11 where !isDigit(bytes[i]) {
            return .invalid(reason: "serial number and check digit must be digits, position \(i + 1) is '\(Character(UnicodeScalar(bytes[i])))'")
        }
        guard let expected = checkDigit(bytes[0..<10]) else { return .invalid(reason: "cannot compute check digit") }
        let given = Int(bytes[10] - 48)
        if given != expected {
            return .invalid(reason: "check digit is \(given), expected \(expected)")
        }
        return .valid(normalized: number, warning: nil)
    }

    /// The structure is right (4 letters with category U/J/Z, 7 digits) whatever the check digit says.
    public static func isWellFormed(_ number: String) -> Bool {
        var number = number
        return number.withUTF8 { b in
            b.count == 11 && b[0..<3].allSatisfy(isLetter) && (b[3] == 85 || b[3] == 74 || b[3] == 90)
                && b[4..<11].allSatisfy(isDigit)
        }
    }

    private static func isLetter(_ b: UInt8) -> Bool { b >= 65 && b <= 90 }
    private static func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
}
