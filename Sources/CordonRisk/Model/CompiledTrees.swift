import Foundation

/// The trees of a trained XGBoost model laid out for fast prediction: every tree padded to a complete binary
/// tree of the model's depth, so that a row walks it level by level with no branch to mispredict.
///
/// XGBoost's own predictor walks pointer-linked nodes and branches at each; on the model sizes Cordon trains,
/// laying the nodes out by position (children of `i` at `2i+1` and `2i+2`) and choosing the child with
/// arithmetic is several times faster. The scores are XGBoost's: the same splits, the same missing-value
/// directions, the leaves summed in tree order in single precision (tests hold them to XGBoost's output).
struct CompiledTrees: Sendable {
    /// One split: the feature (its top bit set when a missing value goes right) and the threshold; a row goes
    /// right when its value is not below the threshold.
    struct Split: Sendable {
        var feature: UInt32
        var threshold: Float
    }

    static let missingRightBit: UInt32 = 1 << 31
    /// Deeper trees would pad to too many nodes; such a model is left to XGBoost.
    static let maximumDepth = 10

    let depth: Int
    let treeCount: Int
    let columns: Int
    /// `treeCount * (2^depth - 1)` splits, tree after tree, each in level order.
    let splits: [Split]
    /// `treeCount * 2^depth` leaf values.
    let leaves: [Float]
    /// The margin every row starts from (the model's base score as log-odds).
    let baseMargin: Float

    /// Lays out the trees of a binary-logistic gbtree model (see `XGBoostTrees`).
    init(_ model: XGBoostTrees) throws(XGBoostTrees.Unsupported) {
        let trees = model.trees, columns = model.columns
        let depth = trees.map { $0.depth(limit: CompiledTrees.maximumDepth) }.max() ?? 0
        guard depth <= CompiledTrees.maximumDepth else { throw .shape("trees deeper than \(CompiledTrees.maximumDepth)") }
        let inner = (1 << depth) - 1, width = 1 << depth
        var splits = [Split](repeating: Split(feature: 0, threshold: .infinity), count: trees.count * inner)
        var leaves = [Float](repeating: 0, count: trees.count * width)
        for (t, tree) in trees.enumerated() {
            // Node `node` of the tree at position `at` of the complete tree; a leaf above the last level fills
            // every leaf below its position, so that whichever way the padding splits go, the value is the same.
            func place(_ node: Int, at position: Int, level: Int) {
                if tree.left[node] < 0 {
                    let first = (position + 1) << (depth - level), count = 1 << (depth - level)
                    for p in first - 1 ..< first - 1 + count { leaves[t * width + p - inner] = tree.condition[node] }
                    return
                }
                splits[t * inner + position] = Split(
                    feature: UInt32(tree.feature[node]) | (tree.defaultLeft[node] ? 0 : CompiledTrees.missingRightBit),
                    threshold: tree.condition[node])
                place(tree.left[node], at: 2 * position + 1, level: level + 1)
                place(tree.right[node], at: 2 * position + 2, level: level + 1)
            }
            place(0, at: 0, level: 0)
        }
        self.depth = depth
        self.treeCount = trees.count
        self.columns = columns
        self.splits = splits
        self.leaves = leaves
        self.baseMargin = model.baseMargin
    }

    /// Rows handled together: their features stay in the first-level cache while every tree walks them.
    static let block = 64

    /// Probability of each row of a row-major matrix with `columns` values per row (NaN for missing).
    func predict(_ values: [Float]) -> [Float] {
        let rows = columns == 0 ? 0 : values.count / columns
        var margins = [Float](repeating: baseMargin, count: rows)
        values.withUnsafeBufferPointer { x in
            splits.withUnsafeBufferPointer { s in
                leaves.withUnsafeBufferPointer { l in
                    margins.withUnsafeMutableBufferPointer { m in
                        for start in stride(from: 0, to: rows, by: CompiledTrees.block) {
                            let end = min(rows, start + CompiledTrees.block)
                            for t in 0..<treeCount { walk(tree: t, rows: start..<end, x, s, l, m) }
                        }
                    }
                }
            }
        }
        return margins.map { 1 / (1 + exp(-$0)) }
    }

    /// The position of the child a value leads to from split `i` (at `split`): right when the value is not
    /// below the threshold, and for a missing value (NaN) the way the tree learned for it. Without branches:
    /// a comparison with NaN is unordered, so `ge` is 1 for it and `nan` replaces it by the split's direction.
    @inline(__always)
    static func child(_ i: Int, _ split: Split, _ v: Float) -> Int {
        let ge = v < split.threshold ? 0 : 1
        let nan = v.isNaN ? 1 : 0
        let right = ge ^ (nan & (ge ^ Int(split.feature >> 31)))
        return 2 * i + 1 + right
    }

    /// Adds one tree's leaf values to the margins of `rows`. Eight rows walk the tree side by side, so that the
    /// processor overlaps their chains of dependent loads instead of waiting on each in turn.
    @inline(__always)
    private func walk(tree t: Int, rows: Range<Int>, _ x: UnsafeBufferPointer<Float>, _ s: UnsafeBufferPointer<Split>,
                      _ l: UnsafeBufferPointer<Float>, _ m: UnsafeMutableBufferPointer<Float>) {
        let inner = (1 << depth) - 1
        let splits = s.baseAddress! + t * inner, leaves = l.baseAddress! + t * (inner + 1)
        let values = x.baseAddress!, mask = ~CompiledTrees.missingRightBit
        var r = rows.lowerBound
        while r + 8 <= rows.upperBound {
            let x0 = values + r * columns, x1 = x0 + columns, x2 = x1 + columns, x3 = x2 + columns
            let x4 = x3 + columns, x5 = x4 + columns, x6 = x5 + columns, x7 = x6 + columns
            var i0 = 0, i1 = 0, i2 = 0, i3 = 0, i4 = 0, i5 = 0, i6 = 0, i7 = 0
            for _ in 0..<depth {
                let s0 = splits[i0], s1 = splits[i1], s2 = splits[i2], s3 = splits[i3]
                let s4 = splits[i4], s5 = splits[i5], s6 = splits[i6], s7 = splits[i7]
                i0 = CompiledTrees.child(i0, s0, x0[Int(s0.feature & mask)])
                i1 = CompiledTrees.child(i1, s1, x1[Int(s1.feature & mask)])
                i2 = CompiledTrees.child(i2, s2, x2[Int(s2.feature & mask)])
                i3 = CompiledTrees.child(i3, s3, x3[Int(s3.feature & mask)])
                i4 = CompiledTrees.child(i4, s4, x4[Int(s4.feature & mask)])
                i5 = CompiledTrees.child(i5, s5, x5[Int(s5.feature & mask)])
                i6 = CompiledTrees.child(i6, s6, x6[Int(s6.feature & mask)])
                i7 = CompiledTrees.child(i7, s7, x7[Int(s7.feature & mask)])
            }
            m[r] += leaves[i0 - inner]
            m[r + 1] += leaves[i1 - inner]
            m[r + 2] += leaves[i2 - inner]
            m[r + 3] += leaves[i3 - inner]
            m[r + 4] += leaves[i4 - inner]
            m[r + 5] += leaves[i5 - inner]
            m[r + 6] += leaves[i6 - inner]
            m[r + 7] += leaves[i7 - inner]
            r += 8
        }
        while r < rows.upperBound {
            let row = values + r * columns
            var i = 0
            for _ in 0..<depth {
                let split = splits[i]
                i = CompiledTrees.child(i, split, row[Int(split.feature & mask)])
            }
            m[r] += leaves[i - inner]
            r += 1
        }
    }
}
