import Crypto
import Foundation

/// Time-based one-time passwords (RFC 6238 over RFC 4226, HMAC-SHA1, 6 digits, 30-second steps): the codes that
/// authenticator apps show, used as the optional second factor at sign-in.
public enum TOTP {
    public static let period: Int64 = 30
    public static let digits = 6
    /// Codes of one step before and after are taken too: a phone's clock a little off, a code typed as it changed.
    public static let window: Int64 = 1
    /// 160 bits, the size RFC 4226 recommends for HMAC-SHA1.
    public static let secretBytes = 20

    /// A new random secret.
    public static func newSecret() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<secretBytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// The step a moment falls in.
    public static func step(at date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 / Double(period)).rounded(.down))
    }

    /// The code of a step (RFC 4226 dynamic truncation), as `digits` decimal digits with leading zeros.
    public static func code(secret: [UInt8], step: Int64, digits: Int = digits) -> String {
        let counter = withUnsafeBytes(of: UInt64(bitPattern: step).bigEndian) { Array($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: counter, using: SymmetricKey(data: secret)))
        let offset = Int(mac[mac.count - 1] & 0x0f)
        let value = (UInt32(mac[offset] & 0x7f) << 24) | (UInt32(mac[offset + 1]) << 16)
            | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let number = String(value % modulus)
        return String(repeating: "0", count: max(0, digits - number.count)) + number
    }

    /// The step whose code was given, within the window around `date` and later than `after` (a code once used is
    /// not taken again), or nil. Spaces in the code are ignored: apps show "123 456".
    public static func matchingStep(_ given: String, secret: [UInt8], at date: Date = Date(), after used: Int64 = 0) -> Int64? {
        let code = given.filter { !$0.isWhitespace }
        guard code.count == digits, code.allSatisfy(\.isASCII), code.allSatisfy(\.isNumber) else { return nil }
        let now = step(at: date)
        for candidate in (now - window)...(now + window) where candidate > used {
            // The code is a secret while it is valid.
            if constantTimeEqual(self.code(secret: secret, step: candidate), code) { return candidate }
        }
        return nil
    }

    /// The otpauth URI that authenticator apps read (a link on the phone, or typed in with the secret).
    public static func uri(secret: [UInt8], account: String, issuer: String) -> String {
        var c = URLComponents()
        c.scheme = "otpauth"
        c.host = "totp"
        c.path = "/" + issuer + ":" + account
        c.queryItems = [URLQueryItem(name: "secret", value: Base32.encode(secret)), URLQueryItem(name: "issuer", value: issuer),
                        URLQueryItem(name: "algorithm", value: "SHA1"), URLQueryItem(name: "digits", value: "\(digits)"),
                        URLQueryItem(name: "period", value: "\(period)")]
        return c.string ?? ""
    }
}

/// RFC 4648 base32 without padding: how authenticator apps take a secret.
public enum Base32 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var buffer: UInt32 = 0, bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                out.append(alphabet[Int((buffer >> UInt32(bits - 5)) & 31)])
                bits -= 5
            }
        }
        if bits > 0 { out.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of a base32 text; case, spaces, hyphens and padding are ignored. Nil if another character is in it.
    public static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        var buffer: UInt32 = 0, bits = 0
        for c in text.uppercased().utf8 where c != UInt8(ascii: " ") && c != UInt8(ascii: "-") && c != UInt8(ascii: "=") {
            guard let value = alphabet.firstIndex(of: c) else { return nil }
            buffer = (buffer << 5) | UInt32(value)
            bits += 5
            if bits >= 8 {
                out.append(UInt8((buffer >> UInt32(bits - 8)) & 0xff))
                bits -= 8
            }
        }
        return out
    }
}
