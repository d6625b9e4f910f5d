@preconcurrency import Crypto
import Foundation

/// The receiving node's signed word that it holds an envelope: the sender marks a delivery done only on a receipt
/// its peer's key verifies, so that a proxy or an impostor answering "201" cannot make a message look delivered.
public struct DeliveryReceipt: Codable, Sendable, Hashable {
    /// The envelope's id.
    public var id: String
    /// `received` the first time, `duplicate` for a second delivery of the same envelope.
    public var status: String
    /// The receiving node.
    public var node: String
    /// Ed25519 signature (base64) over `signedBytes`.
    public var signature: String

    /// What is signed: a fixed prefix keeps a receipt from ever verifying as anything else.
    static func signedBytes(id: String, status: String, node: String) -> Data {
        Data("cordon-receipt\n\(id)\n\(status)\n\(node)".utf8)
    }

    /// A receipt signed by the receiving node.
    public init(id: String, status: String, node: String, identity: NodeIdentity) throws {
        self.id = id
        self.status = status
        self.node = node
        signature = try identity.privateKey.signature(for: DeliveryReceipt.signedBytes(id: id, status: status, node: node)).base64EncodedString()
    }

    /// True when `peer` signed this receipt for envelope `id`.
    public func verifies(id: String, from peer: Peer) -> Bool {
        guard self.id == id, node == peer.name, let key = try? NodeIdentity.publicKey(base64: peer.publicKey),
              let sig = Data(base64Encoded: signature) else { return false }
        return key.isValidSignature(sig, for: DeliveryReceipt.signedBytes(id: id, status: status, node: node))
    }
}
