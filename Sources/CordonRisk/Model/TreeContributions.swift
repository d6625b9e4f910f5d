import Foundation

/// Exact per-feature contributions (path-dependent TreeSHAP, the values XGBoost's `pred_contribs` gives) of a
/// tree model, computed from tables made once per model instead of XGBoost's path algorithm per row and leaf.
///
/// Within one leaf, the game of a row's features is small: the leaf's value `v` is reached with, for each
/// distinct feature `k` split on along its path, either the row's way (`p_k`: 1 when the row follows every split
/// on `k`, else 0) or the training rows' share (`q_k`: the product of the covers' ratios at those splits). Only the
/// features the row follows (the set `A`) can be switched on, so a feature's Shapley value in that leaf is
/// `v (1 - q_i) J(A - i) Q(A)` when the row follows it and `-v J(A) Q(A)` when not, with
/// `Q(A) = prod(q_k, k not in A)` and `J(B) = sum over S in B of |S|!(d-|S|-1)!/d! prod(q_k, k in B - S)`, for `d`
/// distinct features on the path. `J` and `Q` depend on the leaf and `A` only, so they are tabulated for every
/// subset (2^d entries; the model's depth bounds d): a row then costs one walk of each tree (the mask of
/// followed features carried down) and `d` table look-ups per leaf, where XGBoost's algorithm costs `d²` per leaf.
/// (The same reduction as Yang's Fast TreeSHAP v2.) Tests hold the values to XGBoost's.
struct TreeContributions: Sendable {
    /// A node in depth-first order: a split's left child follows it, `right` is its right child's index; for a
    /// leaf, `feature` is -1 and `right` the leaf's index in `leaves`.
    struct Node: Sendable {
        var feature: Int32
        var bit: UInt8
        var missingRight: Bool
        var threshold: Float
        var right: Int32
    }

    /// A leaf: its value and its distinct path features (`features[first..<first + count]`, bit `b` of a mask
    /// for the `b`-th), with tables `J` and `Q` at `table..<table + 2^count`.
    struct Leaf: Sendable {
        var value: Double
        var first: Int32
        var count: Int32
        var table: Int
    }

    /// Tables above this many entries (64 MB for both; a very deep model) are not made: XGBoost explains such a model
    /// itself. A model of the default depth (6) and 600 trees needs at most 2.5 million.
    static let maximumTableEntries = 1 << 22

    let columns: Int
    let roots: [Int]
    let nodes: [Node]
    let leaves: [Leaf]
    let leafFeatures: [Int32]
    /// `v (1 - q_k)` for each leaf's path feature, beside `leafFeatures`.
    let followedWeight: [Double]
    let j: [Double]
    let q: [Double]
    /// The bias: the base margin and every tree's expected value (the contributions of a row add up to its margin).
    let bias: Double

    init(_ model: XGBoostTrees) throws(XGBoostTrees.Unsupported) {
        var roots: [Int] = [], nodes: [Node] = [], leaves: [Leaf] = []
        var leafFeatures: [Int32] = [], followedWeight: [Double] = [], j: [Double] = [], q: [Double] = []
        var bias = Double(model.baseMargin)
        for tree in model.trees {
            guard tree.depth(limit: CompiledTrees.maximumDepth) <= CompiledTrees.maximumDepth else {
                throw .shape("trees deeper than \(CompiledTrees.maximumDepth)")
            }
            roots.append(nodes.count)
            // Depth first, with the distinct features of the path so far and their cover shares.
            func visit(_ node: Int, path: [(feature: Int, share: Double)]) throws(XGBoostTrees.Unsupported) {
                let at = nodes.count
                if tree.left[node] < 0 {
                    nodes.append(Node(feature: -1, bit: 0, missingRight: false, threshold: 0, right: Int32(leaves.count)))
                    let value = Double(tree.condition[node]), d = path.count
                    let table = j.count
                    guard table + (1 << d) <= TreeContributions.maximumTableEntries else { throw .shape("a model too large to explain") }
                    leaves.append(Leaf(value: value, first: Int32(leafFeatures.count), count: Int32(d), table: table))
                    leafFeatures += path.map { Int32($0.feature) }
                    followedWeight += path.map { value * (1 - $0.share) }
                    let (jTable, qTable) = TreeContributions.tables(path.map(\.share))
                    j += jTable
                    q += qTable
                    bias += value * qTable[0]
                    return
                }
                let feature = tree.feature[node], parentCover = tree.cover[node]
                guard parentCover > 0 else { throw .shape("a split without cover") }
                let bit = path.firstIndex { $0.feature == feature } ?? path.count
                nodes.append(Node(feature: Int32(feature), bit: UInt8(bit), missingRight: !tree.defaultLeft[node],
                                  threshold: tree.condition[node], right: 0))
                for (child, isRight) in [(tree.left[node], false), (tree.right[node], true)] {
                    if isRight { nodes[at].right = Int32(nodes.count) }
                    var next = path
                    let share = tree.cover[child] / parentCover
                    if bit < path.count { next[bit].share *= share } else { next.append((feature, share)) }
                    try visit(child, path: next)
                }
            }
            try visit(0, path: [])
        }
        self.columns = model.columns
        self.roots = roots
        self.nodes = nodes
        self.leaves = leaves
        self.leafFeatures = leafFeatures
        self.followedWeight = followedWeight
        self.j = j
        self.q = q
        self.bias = bias
    }

    /// `J(B)` and `Q(B)` for every subset `B` (a bit mask) of a leaf's `d` path features with cover shares `shares`.
    static func tables(_ shares: [Double]) -> (j: [Double], q: [Double]) {
        let d = shares.count, size = 1 << d
        // Shapley weights |S|!(d-|S|-1)!/d! for |S| = 0..<d.
        var weight = [Double](repeating: 0, count: max(d, 1))
        if d > 0 {
            for s in 0..<d {
                var w = 1.0 / Double(d)   // s!(d-s-1)!/d! = 1 / (d * C(d-1, s))
                for k in 0..<s { w *= Double(k + 1) / Double(d - 1 - k) }
                weight[s] = w
            }
        }
        var j = [Double](repeating: 0, count: size), q = [Double](repeating: 1, count: size)
        // Elementary symmetric polynomials of the shares in B, built from B without its highest bit.
        var e = [Double](repeating: 0, count: size * (d + 1))
        e[0] = 1
        let all = size - 1
        for b in 0..<size {
            var qb = 1.0
            for k in 0..<d where (all & ~b) & (1 << k) != 0 { qb *= shares[k] }
            q[b] = qb
            if b > 0 {
                let top = Int.bitWidth - 1 - b.leadingZeroBitCount, rest = b & ~(1 << top)
                for m in 0...d {
                    e[b * (d + 1) + m] = e[rest * (d + 1) + m] + (m > 0 ? shares[top] * e[rest * (d + 1) + m - 1] : 0)
                }
            }
            let size = b.nonzeroBitCount
            var sum = 0.0
            for s in 0...size where s < d { sum += weight[s] * e[b * (d + 1) + size - s] }
            j[b] = sum
        }
        return (j, q)
    }

    /// Per row of a row-major matrix (NaN for missing), each feature's contribution (log-odds) and the bias last:
    /// `columns + 1` values a row, as XGBoost's `pred_contribs`. Rows are shared among the processor's cores.
    func contributions(_ values: [Float]) -> [Float] {
        let rows = columns == 0 ? 0 : values.count / columns, width = columns + 1
        var out = [Float](repeating: 0, count: rows * width)
        let parts = max(1, min(ProcessInfo.processInfo.activeProcessorCount, rows / 256))
        values.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { o in
                let input = Shared(x.baseAddress), output = Shared(o.baseAddress)
                DispatchQueue.concurrentPerform(iterations: parts) { part in
                    guard let x = input.pointer, let o = output.pointer else { return }
                    withTables { tables in
                        withUnsafeTemporaryAllocation(of: Double.self, capacity: width) { sums in
                            for r in rows * part / parts ..< rows * (part + 1) / parts {
                                sums.initialize(repeating: 0)
                                explain(row: x + r * columns, tables: tables, into: sums)
                                sums[columns] = bias
                                for c in 0..<width { o[r * width + c] = Float(sums[c]) }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// A buffer's address handed to the workers of one call, each of which touches its own rows only.
    private struct Shared<T>: @unchecked Sendable {
        let pointer: T?
        init(_ pointer: T?) { self.pointer = pointer }
    }

    /// The tables of the leaves' contributions, as read while rows are explained.
    private struct Tables {
        let nodes: UnsafeBufferPointer<Node>, leaves: UnsafeBufferPointer<Leaf>
        let features: UnsafeBufferPointer<Int32>, followedWeight: UnsafeBufferPointer<Double>
        let j: UnsafeBufferPointer<Double>, q: UnsafeBufferPointer<Double>
    }

    /// Runs `body` with the tables' storage at hand (no bounds checks per look-up: indices come from the tables).
    private func withTables<R>(_ body: (Tables) -> R) -> R {
        nodes.withUnsafeBufferPointer { nodes in
            leaves.withUnsafeBufferPointer { leaves in
                leafFeatures.withUnsafeBufferPointer { features in
                    followedWeight.withUnsafeBufferPointer { followedWeight in
                        j.withUnsafeBufferPointer { j in
                            q.withUnsafeBufferPointer { q in
                                body(Tables(nodes: nodes, leaves: leaves, features: features, followedWeight: followedWeight, j: j, q: q))
                            }
                        }
                    }
                }
            }
        }
    }

    /// Adds one row's contributions from every tree to `phi`.
    private func explain(row x: UnsafePointer<Float>, tables t: Tables, into phi: UnsafeMutableBufferPointer<Double>) {
        withUnsafeTemporaryAllocation(of: (Int, UInt32).self, capacity: CompiledTrees.maximumDepth + 1) { stack in
            for root in roots {
                var node = root, mask = UInt32.max, depth = 0
                while true {
                    let n = t.nodes[node]
                    if n.feature >= 0 {
                        let v = x[Int(n.feature)]
                        let right = v.isNaN ? n.missingRight : !(v < n.threshold)
                        let off = mask & ~(UInt32(1) << UInt32(n.bit))
                        // The row's way keeps the feature followed; the other way marks it not followed.
                        stack[depth] = (Int(n.right), right ? mask : off)
                        depth += 1
                        node += 1
                        if right { mask = off }
                        continue
                    }
                    add(leaf: t.leaves[Int(n.right)], followed: mask, tables: t, to: phi)
                    guard depth > 0 else { break }
                    depth -= 1
                    (node, mask) = stack[depth]
                }
            }
        }
    }

    /// One leaf's share of each of its path features' contributions, for the followed features in `mask`.
    @inline(__always)
    private func add(leaf: Leaf, followed mask: UInt32, tables t: Tables, to phi: UnsafeMutableBufferPointer<Double>) {
        let d = Int(leaf.count), a = Int(mask & ((UInt32(1) << UInt32(d)) - 1))
        let qa = t.q[leaf.table + a]
        let notFollowed = leaf.value * t.j[leaf.table + a] * qa
        let first = Int(leaf.first)
        for b in 0..<d {
            let column = Int(t.features[first + b])
            if a & (1 << b) != 0 {
                phi[column] += t.followedWeight[first + b] * t.j[leaf.table + (a ^ (1 << b))] * qa
            } else {
                phi[column] -= notFollowed
            }
        }
    }
}
