import CordonCore

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

/// What a channel chosen in a form or a request lacks.
public enum ChannelChoiceProblem: Error, Hashable, Sendable {
    /// A unit channel without its node and unit code; a country or bilateral one without a valid country; an
    /// operation channel without its operation; a kind of channel that does not exist.
    case unit, country, operation, kind(String)
}

extension Channel {
    /// The channel of a kind (`unit`, `country`, `bilateral` with this node's country, `network`, `operation`) with the
    /// fields that kind needs.
    public static func chosen(_ kind: String, node: String?, unit: String?, country: String?, operation: String?,
                              ownCountry: String) -> Result<Channel, ChannelChoiceProblem> {
        func given(_ s: String?) -> String? { s.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 } }
        switch kind {
        case "unit":
            guard let node = given(node), let unit = given(unit) else { return .failure(.unit) }
            return .success(.unit(node: node, code: unit))
        case "country", "bilateral":
            guard let c = given(country), case .valid(let code, _) = CountryCode.check(c) else { return .failure(.country) }
            return .success(kind == "country" ? .country(code) : .bilateral(ownCountry, code))
        case "network": return .success(.network)
        case "operation":
            guard let operation = given(operation) else { return .failure(.operation) }
            return .success(.operation(operation))
        default: return .failure(.kind(kind))
        }
    }
}
