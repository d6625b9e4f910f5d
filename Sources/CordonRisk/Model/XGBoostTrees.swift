import Foundation

/// The trees of a binary-logistic gbtree model as XGBoost saves them in JSON: what the fast predictor
/// (`CompiledTrees`) and the fast explainer (`TreeContributions`) are laid out from.
struct XGBoostTrees: Sendable {
    /// One tree: per node its children (-1 for a leaf), split feature, threshold (the value, for a leaf),
    /// missing-value direction and cover (the training rows' hessian sum that reached it).
    struct Tree: Sendable {
        var left: [Int], right: [Int], feature: [Int], condition: [Float], defaultLeft: [Bool], cover: [Double]

        /// The depth below `node`, counted no further than `limit` + 1 (enough to refuse the tree).
        func depth(_ node: Int = 0, limit: Int) -> Int {
            guard left[node] >= 0, limit >= 0 else { return 0 }
            return 1 + max(depth(left[node], limit: limit - 1), depth(right[node], limit: limit - 1))
        }
    }

    /// Why a model's JSON cannot be laid out here (XGBoost then predicts and explains itself).
    enum Unsupported: Error {
        case shape(String)
    }

    let trees: [Tree]
    let columns: Int
    /// The margin every row starts from (the model's base score as log-odds).
    let baseMargin: Float

    /// Reads the trees of a binary-logistic gbtree model saved as XGBoost JSON with `columns` features.
    init(json data: Data, columns: Int) throws(Unsupported) {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let learner = root["learner"] as? [String: Any],
              let booster = learner["gradient_booster"] as? [String: Any], booster["name"] as? String == "gbtree",
              let model = booster["model"] as? [String: Any], let rawTrees = model["trees"] as? [[String: Any]],
              let parameters = learner["learner_model_param"] as? [String: Any],
              let baseText = parameters["base_score"] as? String, let base = Float(baseText), base > 0, base < 1,
              let objective = (learner["objective"] as? [String: Any])?["name"] as? String, objective == "binary:logistic"
        else { throw .shape("not a binary-logistic gbtree model") }
        if let info = model["tree_info"] as? [Int], info.contains(where: { $0 != 0 }) { throw .shape("several output groups") }
        func numbers(_ tree: [String: Any], _ key: String) throws(Unsupported) -> [NSNumber] {
            guard let values = tree[key] as? [NSNumber] else { throw .shape("a tree without \(key)") }
            return values
        }
        var trees: [Tree] = []
        for raw in rawTrees {
            if let types = raw["split_type"] as? [NSNumber], types.contains(where: { $0.intValue != 0 }) {
                throw .shape("categorical splits")
            }
            let tree = Tree(left: try numbers(raw, "left_children").map(\.intValue),
                            right: try numbers(raw, "right_children").map(\.intValue),
                            feature: try numbers(raw, "split_indices").map(\.intValue),
                            condition: try numbers(raw, "split_conditions").map(\.floatValue),
                            defaultLeft: try numbers(raw, "default_left").map(\.boolValue),
                            cover: try numbers(raw, "sum_hessian").map(\.doubleValue))
            let n = tree.left.count
            guard n > 0, [tree.right.count, tree.feature.count, tree.condition.count, tree.defaultLeft.count, tree.cover.count]
                    .allSatisfy({ $0 == n }),
                  tree.left.allSatisfy({ $0 < n }), tree.right.allSatisfy({ $0 < n }),
                  zip(tree.left, tree.feature).allSatisfy({ $0 < 0 || (0..<columns).contains($1) })
            else { throw .shape("a tree whose nodes do not fit together") }
            trees.append(tree)
        }
        self.trees = trees
        self.columns = columns
        self.baseMargin = -log(1 / base - 1)
    }
}
