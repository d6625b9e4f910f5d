import Foundation

/// API bearer tokens: random, shown once to whoever creates them, stored only as their SHA-256.
public enum APITokens {
    /// A new token and the hash to store.
    public static func issue() -> (token: String, hash: String) {
        let token = "cdn_" + SessionToken.random()
        return (token, hash(token))
    }

    /// The stored form of a token.
    public static func hash(_ token: String) -> String { SessionToken.hash(token) }
}
