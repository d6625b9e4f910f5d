/// How well scores rank illicit consignments first, the way a unit with limited capacity experiences it.
public enum RankingMetrics {
    /// Share of illicit ones among the top `percent` % by score (at least one consignment).
    public static func precision(scores: [Float], labels: [Bool], atPercent percent: Double) -> Double {
        guard !scores.isEmpty, scores.count == labels.count else { return 0 }
        let k = max(1, Int((Double(scores.count) * percent / 100).rounded(.down)))
        let top = scores.indices.sorted { scores[$0] > scores[$1] }.prefix(k)
        return Double(top.filter { labels[$0] }.count) / Double(k)
    }

    /// Area under the ROC curve: the chance that an illicit consignment scores above a clean one (ties half).
    public static func auc(scores: [Float], labels: [Bool]) -> Double? {
        let positives = labels.filter { $0 }.count, negatives = labels.count - positives
        guard positives > 0, negatives > 0, scores.count == labels.count else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let averageRank = Double(i + j) / 2 + 1
            for k in i...j where labels[order[k]] { rankSum += averageRank }
            i = j + 1
        }
        return (rankSum - Double(positives * (positives + 1)) / 2) / Double(positives * negatives)
    }
}
