// swift-crypto 3 does not mark its key types Sendable; a signing key is immutable and safe to share.
@preconcurrency import Crypto
import Foundation

/// Why a node key could not be made, read or used.
public struct NodeKeyError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(description: String) {
        self.description = description
    }
}

/// A node's Ed25519 key pair: it signs every envelope the node sends. The private key lives in a file readable
/// by the node's account only, never in the database and never in logs; peers know the public key.
public struct NodeIdentity: Sendable {
    public let privateKey: Curve25519.Signing.PrivateKey

    public init(privateKey: Curve25519.Signing.PrivateKey = Curve25519.Signing.PrivateKey()) {
        self.privateKey = privateKey
    }

    /// The public key as peers write it: base64 of the 32 raw bytes.
    public var publicKeyBase64: String { privateKey.publicKey.rawRepresentation.base64EncodedString() }

    /// Writes a new key file (base64 of the private key, mode 0600); refuses to replace an existing one.
    public static func create(at path: String) throws(NodeKeyError) -> NodeIdentity {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw NodeKeyError(description: "\(path) exists already: a node keeps its key; remove the file only to start a new identity")
        }
        let identity = NodeIdentity()
        let text = identity.privateKey.rawRepresentation.base64EncodedString() + "\n"
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw NodeKeyError(description: "\(path): cannot write the key file")
        }
        return identity
    }

    /// Reads a key file written by `create`.
    public static func load(from path: String) throws(NodeKeyError) -> NodeIdentity {
        guard let data = FileManager.default.contents(atPath: path) else { throw NodeKeyError(description: "\(path): cannot read the key file") }
        guard let raw = Data(base64Encoded: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)),
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else {
            throw NodeKeyError(description: "\(path): not a node key (base64 of a 32-byte Ed25519 private key)")
        }
        return NodeIdentity(privateKey: key)
    }

    /// A public key written as base64, checked.
    public static func publicKey(base64 text: String) throws(NodeKeyError) -> Curve25519.Signing.PublicKey {
        guard let raw = Data(base64Encoded: text.trimmingCharacters(in: .whitespaces)),
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
            throw NodeKeyError(description: "'\(text.prefix(60))' is not a public key (base64 of 32 bytes)")
        }
        return key
    }
}
