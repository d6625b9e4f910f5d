/// Why a channel cannot be routed from here.
public enum RoutingError: Error, Hashable, Sendable, CustomStringConvertible {
    case unknownNode(String)
    case operationsNotOpen(String)
    case nobody

    public var description: String {
        switch self {
        case .unknownNode(let node): "no peer node '\(node)': add it with cordon peer add"
        case .operationsNotOpen(let op): "operation '\(op)' is not known on this node"
        case .nobody: "no unit other than the sender is in this channel"
        }
    }
}

/// Who a channel reaches: the units of this node, and the peer nodes an envelope goes to (DESIGN.md glossary, channel).
public struct ChannelRouting: Sendable {
    /// This node's name and country.
    public var node: String
    public var country: String
    public var peers: [Peer]
    /// The operations this node knows: their closed groups are channels.
    public var operations: [JointOperation]

    public init(node: String, country: String, peers: [Peer], operations: [JointOperation] = []) {
        self.node = node
        self.country = country
        self.peers = peers
        self.operations = operations
    }

    /// The peers a channel's envelopes are sent to.
    public func peers(for channel: Channel) throws(RoutingError) -> [Peer] {
        switch channel {
        case .unit(let node, _):
            if node == self.node { return [] }
            guard let peer = peers.first(where: { $0.name == node }) else { throw .unknownNode(node) }
            return [peer]
        case .country(let c): return peers.filter { $0.country == c }
        case .bilateral(let a, let b): return peers.filter { $0.country == a || $0.country == b }
        case .network: return peers
        case .operation(let id):
            guard let op = operations.first(where: { $0.id == id }) else { throw .operationsNotOpen(id) }
            return try op.nodes.filter { $0 != node }.map { name throws(RoutingError) in
                guard let peer = peers.first(where: { $0.name == name }) else { throw .unknownNode(name) }
                return peer
            }
        }
    }

    /// The units of this node a channel reaches, among `units` (code and country), the sending unit left out.
    public func localUnits(for channel: Channel, among units: [(code: String, country: String)], except sender: String? = nil) -> [String] {
        let reached: [String]
        switch channel {
        case .unit(let node, let code): reached = node == self.node ? units.filter { $0.code == code }.map(\.code) : []
        case .country(let c): reached = units.filter { $0.country == c }.map(\.code)
        case .bilateral(let a, let b): reached = units.filter { $0.country == a || $0.country == b }.map(\.code)
        case .network: reached = units.map(\.code)
        case .operation(let id):
            let members = operations.first { $0.id == id }?.members.filter { $0.node == node }.map(\.unit) ?? []
            reached = units.filter { members.contains($0.code) }.map(\.code)
        }
        return reached.filter { $0 != sender }
    }
}

extension Channel {
    /// The channel in a few words: `unit kg-node/KG-BSK-PCU`, `country UZ`, `bilateral KZ-UZ`, `network`, `operation X`.
    public var label: String {
        switch self {
        case .unit(let node, let code): "unit \(node)/\(code)"
        case .country(let c): "country \(c)"
        case .bilateral(let a, let b): "bilateral \(a)-\(b)"
        case .network: "network"
        case .operation(let op): "operation \(op)"
        }
    }
}
