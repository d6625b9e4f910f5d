import CordonCore
import Foundation

/// A labelled example: a declaration or consignment and whether it turned out illicit.
public struct LabelledConsignment: Sendable {
    public var consignment: Consignment
    public var illicit: Bool

    public init(consignment: Consignment, illicit: Bool) {
        self.consignment = consignment
        self.illicit = illicit
    }
}

/// Turns consignments into model features: smoothed historical fraud rates ("risk profiles") and counts of
/// traders, goods, places and their pairs, learned from labelled history only, plus value, mass and tax ratios.
/// Training rows get out-of-fold rates (five folds), so that no row's own label leaks into its features.
public struct DeclarationFeatures: Sendable {
    /// A categorical key of a consignment (importer, HS6, origin, a pair of them, ...).
    struct Key: Sendable {
        let name: String
        let words: String
        let value: @Sendable (Consignment) -> String?
    }

    /// Counts and fraud of one key value in the history.
    struct Tally: Sendable {
        var count: Float = 0
        var illicit: Float = 0
    }

    static func hs(_ c: Consignment, _ n: Int) -> String? {
        guard let code = c.goods.first?.hsCode, code.count >= n else { return nil }
        return String(code.prefix(n))
    }
    static func party(_ c: Consignment, _ role: PartyRole) -> String? {
        let p = c.party(role)
        return p?.identifier ?? p?.name?.uppercased()
    }
    static func pair(_ a: String?, _ b: String?) -> String? {
        guard let a, let b else { return nil }
        return a + "|" + b
    }

    static let keys: [Key] = [
        Key(name: "importer", words: "importer") { party($0, .importer) },
        Key(name: "declarant", words: "declarant") { party($0, .declarant) },
        Key(name: "seller", words: "seller") { party($0, .seller) ?? party($0, .shipper) },
        Key(name: "consignee", words: "consignee") { party($0, .consignee) },
        Key(name: "courier", words: "courier") { party($0, .courier) },
        Key(name: "office", words: "office") { $0.office },
        Key(name: "hs10", words: "tariff line") { $0.goods.first?.hsCode },
        Key(name: "hs6", words: "HS subheading") { hs($0, 6) },
        Key(name: "hs4", words: "HS heading") { hs($0, 4) },
        Key(name: "hs2", words: "HS chapter") { hs($0, 2) },
        Key(name: "origin", words: "country of origin") { $0.goods.first?.countryOfOrigin },
        Key(name: "departure", words: "country of departure") { $0.route.countryOfDeparture },
        Key(name: "loading", words: "port of loading") { $0.route.placeOfLoading },
        Key(name: "transshipment", words: "transshipment port") { $0.route.transshipment.first },
        Key(name: "importer_hs6", words: "importer with this HS subheading") { pair(party($0, .importer), hs($0, 6)) },
        Key(name: "importer_declarant", words: "importer with this declarant") { pair(party($0, .importer), party($0, .declarant)) },
        Key(name: "importer_seller", words: "importer with this seller") {
            pair(party($0, .importer), party($0, .seller) ?? party($0, .shipper))
        },
        Key(name: "origin_hs6", words: "origin with this HS subheading") { pair($0.goods.first?.countryOfOrigin, hs($0, 6)) },
        Key(name: "office_hs4", words: "office with this HS heading") { pair($0.office, hs($0, 4)) },
        Key(name: "declarant_hs4", words: "declarant with this HS heading") { pair(party($0, .declarant), hs($0, 4)) },
        Key(name: "route", words: "route") { pair($0.route.placeOfLoading, $0.route.transshipment.first ?? "-") },
    ]

    /// Source attributes that are small code lists, used as they are (label-encoded).
    static let codedAttributes = ["processType", "importType", "importUse", "paymentType", "taxType", "originIndicator",
                                  "paymentTerms", "mode"]

    /// Strength of the prior in the smoothed rates, in pseudo-observations.
    static let smoothing: Float = 20

    var tallies: [[String: Tally]]
    var prior: Float
    var codes: [String: [String: Float]]
    /// Median log unit value (customs value per kg) by HS subheading, from the history.
    var typicalUnitValue: [String: Float]

    /// Feature names without screening, in column order (built once: explaining a score reads them per reason).
    static let unscreenedNames = keys.flatMap { ["\($0.name)_rate", "\($0.name)_count"] }
        + codedAttributes.map { "code_\($0)" }
        + ["tax_rate", "log_value", "log_mass", "log_quantity", "log_unit_value", "unit_value_vs_hs6",
           "value_ratio", "log_taxes", "taxes_per_value", "check_digit_failed", "containers", "has_container"]
    static let screenedNames = unscreenedNames + ["watchlist_score"]

    /// Feature names, in column order.
    public var names: [String] { screening == nil ? DeclarationFeatures.unscreenedNames : DeclarationFeatures.screenedNames }

    /// Screening of the parties' names, when a watch list is given.
    public var screening: NameMatcher?

    /// Whether the past of traders (importer, declarant, seller, consignee, courier and their pairs) is given to
    /// the model. Where traders' histories do not carry over to later weeks the model does better without them;
    /// training decides by validation (`StaticScoring.fit`).
    public var traderHistory = true

    /// The keys that name a trader.
    static let traderKeys: [Int] = keys.indices.filter { k in
        ["importer", "declarant", "seller", "consignee", "courier"].contains { keys[k].name.contains($0) }
    }

    /// The columns of the traders' rates and counts.
    static let traderColumns: [Int] = traderKeys.flatMap { [2 * $0, 2 * $0 + 1] }

    /// The best watch-list score of each distinct party name of the consignments (names repeat a lot).
    func watchListScores(_ consignments: some Sequence<Consignment>) -> [String: Float] {
        guard let screening else { return [:] }
        var scores: [String: Float] = [:]
        for c in consignments {
            for p in c.parties {
                guard let name = p.name, scores[name] == nil else { continue }
                scores[name] = Float(screening.matches(name).first?.score ?? 0)
            }
        }
        return scores
    }

    /// Learns the tallies from labelled history; `screening` adds each party's best watch-list score.
    public init(history: [LabelledConsignment], screening: NameMatcher? = nil) {
        self.init(history: history, numbered: NumberedHistory(history, folds: 1), screening: screening)
    }

    /// Learns from labelled history and gives the history's own features (see `trainingMatrix`), reading each key
    /// value of the history once for both; with or without the traders' history (`traderHistory`).
    public static func learn(_ history: [LabelledConsignment], screening: NameMatcher? = nil, traderHistory: Bool = true,
                             folds: Int = 5) -> (features: DeclarationFeatures, matrix: FeatureMatrix) {
        let numbered = NumberedHistory(history, folds: folds)
        var features = DeclarationFeatures(history: history, numbered: numbered, screening: screening)
        features.traderHistory = traderHistory
        return (features, features.trainingMatrix(history, numbered))
    }

    private init(history: [LabelledConsignment], numbered: NumberedHistory, screening: NameMatcher?) {
        self.screening = screening
        (tallies, prior) = (numbered.tallies, numbered.prior)
        var codes: [String: [String: Float]] = [:]
        var unitValues: [String: [Float]] = [:]
        for row in history {
            let c = row.consignment
            for a in DeclarationFeatures.codedAttributes {
                guard let v = DeclarationFeatures.attribute(c, a) else { continue }
                if codes[a, default: [:]][v] == nil { codes[a, default: [:]][v] = Float(codes[a, default: [:]].count) }
            }
            if let hs6 = DeclarationFeatures.hs(c, 6), let u = DeclarationFeatures.logUnitValue(c) {
                unitValues[hs6, default: []].append(u)
            }
        }
        self.codes = codes
        self.typicalUnitValue = unitValues.mapValues { v in
            let s = v.sorted()
            return s[s.count / 2]
        }
    }

    /// What the features learned from history, in a form that can be stored with a model version.
    struct State: Codable {
        var names: [String]
        var keys: [String]
        /// Per key: value → [count, illicit].
        var tallies: [[String: [Float]]]
        var prior: Float
        var codes: [String: [String: Float]]
        var typicalUnitValue: [String: Float]
        /// Absent in states stored before the choice existed: traders' history was always used then.
        var traderHistory: Bool?
    }

    /// The learned state as JSON, to store beside the model.
    public func stateJSON() throws(ModelError) -> Data {
        let state = State(names: names, keys: DeclarationFeatures.keys.map(\.name),
                          tallies: tallies.map { $0.mapValues { [$0.count, $0.illicit] } }, prior: prior, codes: codes,
                          typicalUnitValue: typicalUnitValue, traderHistory: traderHistory)
        do { return try JSONEncoder().encode(state) } catch {
            throw .featureState("cannot encode the feature state: \(error)")
        }
    }

    /// Features restored from stored state; fails when this version of Cordon lays features out differently.
    public init(stateJSON data: Data, screening: NameMatcher? = nil) throws(ModelError) {
        let state: State
        do { state = try JSONDecoder().decode(State.self, from: data) } catch {
            throw .featureState("the stored feature state cannot be read: \(error)")
        }
        guard state.keys == DeclarationFeatures.keys.map(\.name), state.tallies.count == DeclarationFeatures.keys.count,
              state.tallies.allSatisfy({ $0.values.allSatisfy { $0.count == 2 } }) else {
            throw .featureState("the stored features were laid out by another version of Cordon; train a new model")
        }
        self.screening = state.names.last == "watchlist_score" ? screening : nil
        tallies = state.tallies.map { $0.mapValues { Tally(count: $0[0], illicit: $0[1]) } }
        prior = state.prior
        codes = state.codes
        typicalUnitValue = state.typicalUnitValue
        traderHistory = state.traderHistory ?? true
        guard names == state.names else {
            throw .featureState(screening == nil && state.names.last == "watchlist_score"
                ? "the model was trained with watch-list screening; give a watch list"
                : "the stored feature names differ from this version's; train a new model")
        }
    }

    static func attribute(_ c: Consignment, _ name: String) -> String? {
        name == "mode" ? c.mode?.rawValue ?? c.attributes["mode"] : c.attributes[name]
    }

    static func number(_ s: String?) -> Float? { s.flatMap { Float($0) } }

    static func value(_ c: Consignment) -> Double? {
        c.goods.first?.customsValue?.amount ?? c.goods.first?.invoiceValue?.amount
    }

    static func mass(_ c: Consignment) -> Double? {
        c.goods.first?.netMassKg ?? c.goods.first?.grossMassKg
    }

    static func logUnitValue(_ c: Consignment) -> Float? {
        guard let v = value(c), let m = mass(c), v > 0, m > 0 else { return nil }
        return Float(log(v / m))
    }

    /// Appends the rate and count of one key value to a row (NaN for both when the consignment has no value).
    @inline(__always)
    static func appendKey(_ out: inout [Float], _ t: Tally?, prior: Float) {
        guard let t else { out.append(.nan); out.append(.nan); return }
        out.append((t.illicit + prior * smoothing) / (t.count + smoothing))
        out.append(log1p(max(0, t.count)))
    }

    /// Appends the features of one consignment that do not come from the tallies: coded attributes and value,
    /// mass, tax and container measures (and the watch-list score).
    func appendMeasures(_ c: Consignment, to out: inout [Float], watchList: [String: Float]) {
        for a in DeclarationFeatures.codedAttributes {
            out.append(DeclarationFeatures.attribute(c, a).flatMap { codes[a]?[$0] } ?? .nan)
        }
        let g = c.goods.first
        let value = DeclarationFeatures.value(c)
        let unit = DeclarationFeatures.logUnitValue(c)
        let taxes = DeclarationFeatures.number(c.attributes["totalTaxes"])
        out.append(DeclarationFeatures.number(c.attributes["taxRate"]) ?? .nan)
        out.append(value.map { Float(log1p(max(0, $0))) } ?? .nan)
        out.append(DeclarationFeatures.mass(c).map { Float(log1p(max(0, $0))) } ?? .nan)
        out.append(g?.quantity.map { Float(log1p(max(0, $0))) } ?? .nan)
        out.append(unit ?? .nan)
        if let unit, let hs6 = DeclarationFeatures.hs(c, 6), let typical = typicalUnitValue[hs6] {
            out.append(unit - typical)
        } else { out.append(.nan) }
        if let cif = g?.customsValue?.amount, let fob = g?.invoiceValue?.amount, fob > 0 {
            out.append(Float(cif / fob))
        } else { out.append(.nan) }
        out.append(taxes.map { log1p(max(0, $0)) } ?? .nan)
        if let taxes, let value, value > 0 { out.append(taxes / Float(value)) } else { out.append(.nan) }
        out.append(c.containers.contains { !$0.checkDigitValid } ? 1 : 0)
        out.append(Float(c.containers.count))
        out.append(c.containers.isEmpty ? 0 : 1)
        if screening != nil {
            out.append(c.parties.compactMap { $0.name.flatMap { watchList[$0] } }.max() ?? 0)
        }
    }

    /// Features of new consignments, from the whole history.
    public func matrix(_ consignments: [Consignment]) -> FeatureMatrix {
        let watch = watchListScores(consignments)
        var values: [Float] = []
        values.reserveCapacity(consignments.count * names.count)
        for c in consignments {
            for (k, key) in DeclarationFeatures.keys.enumerated() {
                DeclarationFeatures.appendKey(&values, key.value(c).map { tallies[k][$0] ?? Tally() }, prior: prior)
            }
            appendMeasures(c, to: &values, watchList: watch)
        }
        var m = FeatureMatrix(names: names, values: values)
        if !traderHistory { m.blank(columns: DeclarationFeatures.traderColumns) }
        return m
    }

    /// Features of the history itself, each row's rates from the other folds only (its own label never
    /// counts: leave-one-out would leak it, since a row's label moves its own rate). Row `i` is in fold
    /// `i % folds`.
    public func trainingMatrix(_ history: [LabelledConsignment], folds: Int = 5) -> FeatureMatrix {
        trainingMatrix(history, NumberedHistory(history, folds: folds))
    }

    func trainingMatrix(_ history: [LabelledConsignment], _ numbered: NumberedHistory) -> FeatureMatrix {
        let folds = numbered.folds, keyCount = DeclarationFeatures.keys.count
        let priors = (0..<folds).map { numbered.prior(without: $0) }
        let watch = watchListScores(history.lazy.map(\.consignment))
        var values: [Float] = []
        values.reserveCapacity(history.count * names.count)
        for (i, row) in history.enumerated() {
            let f = i % folds
            for k in 0..<keyCount {
                DeclarationFeatures.appendKey(&values, numbered.tally(key: k, row: i, without: f), prior: priors[f])
            }
            appendMeasures(row.consignment, to: &values, watchList: watch)
        }
        var m = FeatureMatrix(names: names, values: values)
        if !traderHistory { m.blank(columns: DeclarationFeatures.traderColumns) }
        return m
    }

    /// An amount for people: whole numbers, thousands grouped with a thin space.
    static func amount(_ v: Float) -> String {
        let digits = String(Int(v.rounded()))
        var out = ""
        for (i, ch) in digits.reversed().enumerated() {
            if i > 0 && i % 3 == 0 && ch != "-" { out.append("\u{2009}") }
            out.append(ch)
        }
        return String(out.reversed())
    }

    /// Reads a feature contribution as a reason, for the explanation of a score.
    public func explain(feature index: Int, of c: Consignment, value: Float) -> Reason {
        let name = names[index]
        if name == "watchlist_score" {
            return Reason("watch_list_feature", ["percent": "\(value.isFinite ? Int((value * 100).rounded()) : 0)"])
        }
        let keyCount = DeclarationFeatures.keys.count * 2
        if index < keyCount {
            let key = DeclarationFeatures.keys[index / 2]
            guard value.isFinite, let raw = key.value(c) else { return Reason("missing", ["what": key.name]) }
            // Pairs are joined with "|"; Foundation's replacing (a bridged, costly call) only for those.
            let v = raw.utf8.contains(UInt8(ascii: "|")) ? raw.replacingOccurrences(of: "|", with: " + ") : raw
            if index % 2 == 0 { return Reason("past_rate", ["what": key.name, "value": v, "percent": "\(Int((value * 100).rounded()))"]) }
            let count = Int((exp(value) - 1).rounded())
            return count == 0 ? Reason("never_seen", ["what": key.name, "value": v])
                              : Reason("seen", ["what": key.name, "value": v, "count": "\(count)"])
        }
        guard value.isFinite else { return Reason("unknown", ["name": name]) }
        switch name {
        case "unit_value_vs_hs6":
            let ratio = exp(value)
            let hs = DeclarationFeatures.hs(c, 6) ?? "?"
            return ratio < 1 ? Reason("unit_value_below", ["ratio": String(format: "%.1f", 1 / ratio), "hs": hs])
                             : Reason("unit_value_above", ["ratio": String(format: "%.1f", ratio), "hs": hs])
        case "check_digit_failed": return Reason(value > 0 ? "check_digit_failed" : "check_digit_ok")
        case "tax_rate": return Reason("tax_rate", ["value": "\(value)"])
        case "log_value": return Reason("declared_value", ["value": DeclarationFeatures.amount(exp(value) - 1)])
        case "log_mass": return Reason("net_mass", ["value": DeclarationFeatures.amount(exp(value) - 1)])
        case "log_quantity": return Reason("quantity", ["value": DeclarationFeatures.amount(exp(value) - 1)])
        case "log_unit_value": return Reason("value_per_kg", ["value": DeclarationFeatures.amount(exp(value))])
        case "value_ratio": return Reason("value_ratio", ["value": String(format: "%.2f", value)])
        case "log_taxes": return Reason("taxes", ["value": DeclarationFeatures.amount(exp(value) - 1)])
        case "taxes_per_value": return Reason("taxes_share", ["value": "\(Int((value * 100).rounded()))"])
        case "containers": return Reason("containers", ["value": "\(Int(value))"])
        case "has_container": return Reason(value > 0 ? "containerised" : "not_containerised")
        default:
            if name.hasPrefix("code_") {
                let attribute = String(name.dropFirst("code_".count))
                return Reason("measure", ["name": attribute, "value": DeclarationFeatures.attribute(c, attribute) ?? "?"])
            }
            return Reason("measure", ["name": name, "value": String(format: "%.2f", value)])
        }
    }
}

/// The key values of a labelled history, numbered: each key's values are hashed once, and the counts and fraud
/// of each value kept whole and per fold, so that a fold's tallies are the whole history's less the fold's own.
struct NumberedHistory {
    typealias Tally = DeclarationFeatures.Tally
    let folds: Int
    /// Per key, each row's value number (-1 for none).
    private var numbers: [[Int32]]
    /// Per key, per value number: the whole history's tally; and each fold's, at `number * folds + fold`.
    private var whole: [[Tally]]
    private var byFold: [[Tally]]
    private var rowsOfFold: [Float], positivesOfFold: [Float]
    /// Per key: value → tally over the whole history.
    let tallies: [[String: Tally]]

    init(_ history: [LabelledConsignment], folds: Int) {
        self.folds = folds
        let keys = DeclarationFeatures.keys
        var index = [[String: Int32]](repeating: [:], count: keys.count)
        numbers = [[Int32]](repeating: [Int32](repeating: -1, count: history.count), count: keys.count)
        whole = [[Tally]](repeating: [], count: keys.count)
        byFold = [[Tally]](repeating: [], count: keys.count)
        rowsOfFold = [Float](repeating: 0, count: folds)
        positivesOfFold = [Float](repeating: 0, count: folds)
        // Row by row, every key of it: a row is copied out of the array once, not once per key.
        for i in history.indices {
            let row = history[i], f = i % folds
            let y: Float = row.illicit ? 1 : 0
            rowsOfFold[f] += 1
            positivesOfFold[f] += y
            for (k, key) in keys.enumerated() {
                guard let v = key.value(row.consignment) else { continue }
                let number: Int
                if let known = index[k][v] { number = Int(known) } else {
                    number = whole[k].count
                    index[k][v] = Int32(number)
                    whole[k].append(Tally())
                    byFold[k].append(contentsOf: repeatElement(Tally(), count: folds))
                }
                numbers[k][i] = Int32(number)
                whole[k][number].count += 1
                whole[k][number].illicit += y
                byFold[k][number * folds + f].count += 1
                byFold[k][number * folds + f].illicit += y
            }
        }
        let whole = self.whole
        tallies = index.enumerated().map { k, values in values.mapValues { whole[k][Int($0)] } }
    }

    /// The overall fraud rate of the whole history.
    var prior: Float { prior(without: nil) }

    /// The fraud rate of the history without fold `f` (0 when nothing is left).
    func prior(without f: Int?) -> Float {
        let rows = rowsOfFold.reduce(0, +) - (f.map { rowsOfFold[$0] } ?? 0)
        let positives = positivesOfFold.reduce(0, +) - (f.map { positivesOfFold[$0] } ?? 0)
        return rows > 0 ? positives / rows : 0
    }

    /// The tally of row `i`'s value of key `k` without fold `f`; nil when the row has no such value.
    func tally(key k: Int, row i: Int, without f: Int) -> Tally? {
        let number = Int(numbers[k][i])
        guard number >= 0 else { return nil }
        let all = whole[k][number], own = byFold[k][number * folds + f]
        return Tally(count: all.count - own.count, illicit: all.illicit - own.illicit)
    }
}
