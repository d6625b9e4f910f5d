import Dispatch
import HummingbirdBcrypt

/// Why a new password is refused.
public struct PasswordPolicyError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// Password hashing (bcrypt) and the node's password policy.
public enum Passwords {
    /// bcrypt cost: 2^12 rounds, about a quarter of a second on a server core; slow enough to stop guessing. Debug
    /// builds (development and the test suite, where unoptimised C makes each hash several times slower) use 2^10,
    /// still OWASP's minimum; a hash keeps its own cost, so either build verifies the other's.
    #if DEBUG
    public static let cost: UInt8 = 10
    #else
    public static let cost: UInt8 = 12
    #endif
    public static let minimumLength = 10
    public static let maximumLength = 72   // bcrypt reads no further

    /// Checks a new password against the policy: length, not the username, not one repeated character.
    public static func check(_ password: String, username: String) throws(PasswordPolicyError) {
        if password.utf8.count < minimumLength {
            throw PasswordPolicyError(description: "a password needs at least \(minimumLength) characters")
        }
        if password.utf8.count > maximumLength {
            throw PasswordPolicyError(description: "a password can have at most \(maximumLength) bytes")
        }
        if password.lowercased().contains(username.lowercased()) {
            throw PasswordPolicyError(description: "a password must not contain the username")
        }
        if Set(password).count < 4 {
            throw PasswordPolicyError(description: "a password needs at least 4 different characters")
        }
    }

    public static func hash(_ password: String) -> String {
        Bcrypt.hash(password, cost: cost)
    }

    public static func verify(_ password: String, hash: String) -> Bool {
        Bcrypt.verify(password, hash: hash)
    }

    /// `hash` on a thread of its own: a quarter of a second of CPU on the threads that run the server's tasks (as
    /// many as there are cores) would hold up every other request meanwhile.
    public static func hashed(_ password: String) async -> String {
        await offThePool { hash(password) }
    }

    /// `verify` on a thread of its own (see `hashed`).
    public static func verified(_ password: String, hash: String) async -> Bool {
        await offThePool { verify(password, hash: hash) }
    }

    /// A valid hash of no password, verified against when the username is unknown, so that a wrong username
    /// takes as long as a wrong password and does not reveal which usernames exist.
    static let decoy = Bcrypt.hash("no such user, no such password", cost: cost)
}
