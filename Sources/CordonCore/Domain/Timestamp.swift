import Foundation

/// Times as the store and the envelopes write them: ISO 8601 in UTC, `2026-12-01T05:20:01Z`, or with milliseconds
/// `2026-12-01T05:20:01.123Z`. Written and read by hand: Foundation's ISO8601DateFormatter builds an ICU formatter
/// each time, which cost more than the rest of an alert's bookkeeping on a busy node.
public enum Timestamp {
    /// `date` in UTC, to the second or to the millisecond.
    public static func iso(_ date: Date, milliseconds: Bool = false) -> String {
        let t = date.timeIntervalSince1970
        var seconds = Int(t.rounded(.down))
        var millis = Int(((t - Double(seconds)) * 1000).rounded())
        if millis == 1000 {
            seconds += 1
            millis = 0
        }
        let days = Int((Double(seconds) / 86400).rounded(.down))
        let inDay = seconds - days * 86400
        let day = CalendarDate(daysSinceEpoch: days)
        var s = "\(day)T\(two(inDay / 3600)):\(two(inDay / 60 % 60)):\(two(inDay % 60))"
        if milliseconds { s += "." + String(millis + 1000).dropFirst() }
        return s + "Z"
    }

    /// A time written as `iso` writes it (with or without fractions of a second, which may have any length), or nil.
    public static func date(_ text: some StringProtocol) -> Date? {
        let b = Array(text.utf8)
        guard b.count >= 20, b[10] == UInt8(ascii: "T"), b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
              b.last == UInt8(ascii: "Z"), let day = CalendarDate(iso: String(decoding: b[0..<10], as: UTF8.self)),
              let h = number(b[11..<13]), let m = number(b[14..<16]), let s = number(b[17..<19]), h < 24, m < 60, s < 61 else { return nil }
        var fraction = 0.0
        if b.count > 20 {
            guard b[19] == UInt8(ascii: "."), b.count > 21 else { return nil }
            let digits = b[20..<(b.count - 1)]
            guard let n = number(digits) else { return nil }
            fraction = Double(n) / pow(10, Double(digits.count))
        } else if b[19] != UInt8(ascii: "Z") {
            return nil
        }
        return Date(timeIntervalSince1970: Double(day.daysSinceEpoch * 86400 + h * 3600 + m * 60 + s) + fraction)
    }

    static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        guard !digits.isEmpty, digits.count <= 9 else { return nil }
        var n = 0
        for d in digits {
            guard d >= 48 && d <= 57 else { return nil }
            n = n * 10 + Int(d - 48)
        }
        return n
    }
}
