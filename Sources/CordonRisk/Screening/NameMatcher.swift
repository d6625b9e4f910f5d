import Foundation

/// A possible match of a party name on a watch list.
public struct ScreeningMatch: Sendable, Hashable {
    public var entry: WatchListEntry
    /// Which of the entry's names matched.
    public var matchedName: String
    /// 0 to 1: the share of both names' letters in tokens that match, weighted by how well they match.
    public var score: Double
}

/// Finds watch-listed names in party names, across scripts, word order, legal forms and small spelling
/// differences. An index of token prefixes keeps the comparison to the few listed names that could match.
public struct NameMatcher: Sendable {
    struct ListedName: Sendable {
        let entry: Int
        let name: Int
        let tokens: [[UInt8]]
        let letters: Int
    }

    public let list: WatchList
    /// Matches scoring below this are not reported.
    public let threshold: Double
    private let names: [ListedName]
    private let byKey: [String: [Int32]]
    /// Keys so common (in more than this many listed names) that they cannot narrow the search on their own.
    private let commonKey: Int
    /// Results by name: party names repeat across consignments, and feature building screens them per run.
    private let memo = Memo()

    /// A bounded, lock-protected cache shared by copies of the matcher.
    final class Memo: @unchecked Sendable {
        // @unchecked: `results` is only touched under `lock`.
        private let lock = NSLock()
        private var results: [String: [ScreeningMatch]] = [:]
        static let limit = 200_000

        func value(_ name: String, _ compute: () -> [ScreeningMatch]) -> [ScreeningMatch] {
            if let hit = lock.withLock({ results[name] }) { return hit }
            let value = compute()
            lock.withLock {
                if results.count >= Memo.limit { results.removeAll(keepingCapacity: true) }
                results[name] = value
            }
            return value
        }
    }

    public init(list: WatchList, threshold: Double = 0.85) {
        self.list = list
        self.threshold = threshold
        var names: [ListedName] = []
        var byKey: [String: [Int32]] = [:]
        for (e, entry) in list.entries.enumerated() {
            for (n, name) in entry.names.enumerated() {
                let tokens = NameNormalizer.tokens(name).map(NameNormalizer.phonetic)
                guard !tokens.isEmpty else { continue }
                let id = Int32(names.count)
                names.append(ListedName(entry: e, name: n, tokens: tokens, letters: tokens.reduce(0) { $0 + $1.count }))
                for key in Set(tokens.map(NameMatcher.key)) { byKey[key, default: []].append(id) }
            }
        }
        self.names = names
        self.byKey = byKey
        self.commonKey = max(200, names.count / 50)
    }

    /// The blocking key of a token: the first three letters of its spelling-neutral form (transliteration
    /// variants mostly differ later on).
    static func key(_ token: [UInt8]) -> String {
        String(decoding: token.prefix(3), as: UTF8.self)
    }

    /// The listed entries matching a name, best first, one match per entry.
    public func matches(_ name: String) -> [ScreeningMatch] {
        memo.value(name) { compute(name) }
    }

    private func compute(_ name: String) -> [ScreeningMatch] {
        let query = NameNormalizer.tokens(name).map(NameNormalizer.phonetic)
        guard !query.isEmpty else { return [] }
        let queryLetters = query.reduce(0) { $0 + $1.count }
        // Candidates: listed names sharing a token key; rare keys first, common ones only when nothing else
        // (a name made only of common words is still compared with everything that shares one of them).
        var candidates = Set<Int32>()
        let keys = Set(query.map(NameMatcher.key)).map { ($0, byKey[$0]?.count ?? 0) }.sorted { $0.1 < $1.1 }
        for (key, count) in keys where count > 0 && (count <= commonKey || candidates.isEmpty) {
            candidates.formUnion(byKey[key] ?? [])
        }
        var best: [Int: ScreeningMatch] = [:]
        for id in candidates {
            let listed = names[Int(id)]
            // Lengths alone bound the score: with every query letter paired, the rest of the listed name is
            // missed. (A bound from shared keys would be wrong: a typo in the first letters changes the key.)
            let bound = Double(2 * min(queryLetters, listed.letters)) / Double(queryLetters + listed.letters)
            guard bound >= threshold else { continue }
            let score = NameMatcher.similarity(query, queryLetters, listed.tokens, listed.letters)
            guard score >= threshold else { continue }
            if let current = best[listed.entry], current.score >= score { continue }
            let entry = list.entries[listed.entry]
            best[listed.entry] = ScreeningMatch(entry: entry, matchedName: entry.names[listed.name], score: score)
        }
        return best.values.sorted { $0.score > $1.score || ($0.score == $1.score && $0.entry.id < $1.entry.id) }
    }

    /// Token-set similarity: each token pairs with its most similar counterpart (greedily, best pairs first);
    /// pairs count by their letters times their similarity, unpaired tokens count as misses.
    static func similarity(_ a: [[UInt8]], _ aLetters: Int, _ b: [[UInt8]], _ bLetters: Int) -> Double {
        var pairs: [(Double, Int, Int)] = []
        for (i, x) in a.enumerated() {
            for (j, y) in b.enumerated() {
                let s = tokenSimilarity(x, y)
                if s >= 0.75 { pairs.append((s, i, j)) }
            }
        }
        pairs.sort { $0.0 > $1.0 }
        var usedA = Set<Int>(), usedB = Set<Int>()
        var matched = 0.0
        for (s, i, j) in pairs where !usedA.contains(i) && !usedB.contains(j) {
            usedA.insert(i)
            usedB.insert(j)
            matched += s * Double(a[i].count + b[j].count)
        }
        return matched / Double(aLetters + bLetters)
    }

    /// 1 - edit distance / longer length.
    static func tokenSimilarity(_ x: [UInt8], _ y: [UInt8]) -> Double {
        if x == y { return 1 }
        let n = x.count, m = y.count
        guard n > 0, m > 0 else { return 0 }
        // Lengths too different cannot reach the pairing bar.
        if Double(abs(n - m)) / Double(max(n, m)) > 0.25 { return 0 }
        // Three rows of the dynamic programme (optimal string alignment: a swap of two neighbouring letters is
        // one edit, the commonest typing error), on the stack: this runs for every candidate token pair.
        let distance = withUnsafeTemporaryAllocation(of: Int.self, capacity: 3 * (m + 1)) { buffer -> Int in
            var before = buffer.baseAddress!
            var previous = before + (m + 1)
            var current = previous + (m + 1)
            for j in 0...m { previous[j] = j }
            for i in 1...n {
                current[0] = i
                let xi = x[i - 1]
                for j in 1...m {
                    let cost = xi == y[j - 1] ? 0 : 1
                    var d = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                    if i > 1 && j > 1 && xi == y[j - 2] && x[i - 2] == y[j - 1] { d = min(d, before[j - 2] + 1) }
                    current[j] = d
                }
                (before, previous, current) = (previous, current, before)
            }
            return previous[m]
        }
        return 1 - Double(distance) / Double(max(n, m))
    }
}
