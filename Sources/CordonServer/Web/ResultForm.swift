import CordonCore
import Foundation

/// The inspection result form as posted: outcome, method, notes, revenue and seizure lines, all as typed.
struct ResultForm: Decodable {
    var csrf: String?
    var unit: String
    var outcome: String?
    var method: String?
    var notes: String?
    var revenue: String?
    /// Ticked: only the recording officer's agency reads the notes and what was seized.
    var restricted: String?
    /// The joint operation the control was made for, and the people arrested.
    var operation: String?
    var arrests: String?
    // Seizure lines as parallel lists, one entry per line in page order: browsers post every field of every
    // line, blank or not, so the lists line up (and a copied line needs no renumbering).
    var seizureCategory: [String]?
    var seizureGoods: [String]?
    var seizureQuantity: [String]?
    var seizureUnit: [String]?
    var seizureConcealment: [String]?
    var seizureValue: [String]?

    enum CodingKeys: String, CodingKey {
        case csrf, unit, outcome, method, notes, revenue, restricted, operation, arrests
        case seizureCategory = "s_category", seizureGoods = "s_goods", seizureQuantity = "s_quantity", seizureUnit = "s_unit"
        case seizureConcealment = "s_concealment", seizureValue = "s_value"
    }

    /// The seizure lines as typed, blank ones included.
    var lines: [Line] {
        let count = [seizureCategory, seizureGoods, seizureQuantity, seizureUnit, seizureConcealment, seizureValue]
            .map { $0?.count ?? 0 }.max() ?? 0
        func at(_ list: [String]?, _ i: Int) -> String? { list.flatMap { i < $0.count ? $0[i] : nil } }
        return (0..<min(count, 50)).map { i in
            Line(category: at(seizureCategory, i), goods: at(seizureGoods, i), quantity: at(seizureQuantity, i),
                 unit: at(seizureUnit, i), concealment: at(seizureConcealment, i), value: at(seizureValue, i))
        }
    }

    /// One seizure line of the form; a line left blank is not a line.
    struct Line {
        var category: String?
        var goods: String?
        var quantity: String?
        var unit: String?
        var concealment: String?
        var value: String?

        var isBlank: Bool {
            [goods, quantity, concealment, value].allSatisfy { ($0 ?? "").trimmingCharacters(in: .whitespaces).isEmpty }
        }
    }

    /// A form that cannot become a result, with the reason in the reader's words.
    struct Invalid: Error {
        let message: String
    }

    /// A number field as typed: blank, a number, or not a number.
    enum Number {
        case blank, value(Double), invalid

        /// Parses as the reader writes numbers: "1 250,5" in Russian, "1,250.5" in English; spaces group thousands in both.
        init(_ text: String?, _ lang: Language) {
            var s = (text ?? "").filter { !$0.isWhitespace }
            guard !s.isEmpty else { self = .blank; return }
            s = lang == .ru ? s.replacingOccurrences(of: ",", with: ".") : s.replacingOccurrences(of: ",", with: "")
            guard let v = Double(s), v.isFinite else { self = .invalid; return }
            self = .value(v)
        }

        /// The value, nil when blank; throws `error` when the text is not a number.
        func optional(else error: Invalid) throws(Invalid) -> Double? {
            switch self {
            case .blank: return nil
            case .value(let v): return v
            case .invalid: throw error
            }
        }
    }

    /// The result this form records, or why it cannot.
    func result(for c: Consignment, recordedBy user: User, localization t: Localization, _ lang: Language) throws(Invalid) -> InspectionResult {
        guard let outcome = outcome.flatMap(InspectionOutcome.init(rawValue:)), let method = method.flatMap(InspectionMethod.init(rawValue:)) else {
            throw Invalid(message: t.text("result_invalid", lang))
        }
        let notes = notes?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let notes, notes.count > 4000 { throw Invalid(message: t.text("notes_too_long", lang)) }
        let revenueInvalid = Invalid(message: t.text("revenue_invalid", lang))
        let revenue = try Number(revenue, lang).optional(else: revenueInvalid)
        if let revenue, revenue < 0 { throw revenueInvalid }
        var seizures: [SeizureLine] = []
        for (i, l) in lines.enumerated() where !l.isBlank {
            func fail(_ key: String) -> Invalid {
                Invalid(message: ResultForm.lineProblem(i + 1, t.text(key, lang), t, lang))
            }
            guard let category = l.category.flatMap(CommodityCategory.init(rawValue:)) else { throw fail("seizure_bad_category") }
            guard let quantity = try Number(l.quantity, lang).optional(else: fail("seizure_bad_quantity")) else {
                throw fail("seizure_bad_quantity")
            }
            let value = try Number(l.value, lang).optional(else: fail("seizure_bad_value"))
            let unit = (l.unit ?? "").trimmingCharacters(in: .whitespaces)
            let concealment = l.concealment?.trimmingCharacters(in: .whitespacesAndNewlines)
            seizures.append(SeizureLine(category: category, goods: (l.goods ?? "").trimmingCharacters(in: .whitespacesAndNewlines),
                                     quantity: quantity, unit: category == .cash ? unit.uppercased() : unit.lowercased(),
                                     concealment: concealment?.isEmpty == false ? concealment : nil, estimatedValue: value))
        }
        let arrestsText = (arrests ?? "").trimmingCharacters(in: .whitespaces)
        guard arrestsText.isEmpty || Int(arrestsText).map({ (0...10_000).contains($0) }) == true else {
            throw Invalid(message: t.text("arrests_invalid", lang))
        }
        let result = InspectionResult(kind: c.kind, documentNumber: c.documentNumber, unit: unit, date: .today, outcome: outcome,
                                      method: method, notes: notes?.isEmpty == true ? nil : notes, revenue: revenue,
                                      recordedBy: user.username, seizures: seizures, restrictedTo: restricted == nil ? nil : user.agency,
                                      operation: operation?.isEmpty == false ? operation : nil, arrests: Int(arrestsText))
        if let problem = result.problem() { throw Invalid(message: ResultForm.message(problem, t, lang)) }
        return result
    }

    /// A seizure problem in the reader's language.
    static func message(_ problem: SeizureProblem, _ t: Localization, _ lang: Language) -> String {
        switch problem {
        case .missingGoods: t.text("seizure_missing_goods", lang)
        case .tooLong: t.text("seizure_too_long", lang)
        case .badQuantity: t.text("seizure_bad_quantity", lang)
        case .badValue: t.text("seizure_bad_value", lang)
        case .badUnit(_, let cash): t.text(cash ? "seizure_bad_currency" : "seizure_bad_unit", lang)
        case .seizureWithoutLines: t.text("seizure_without_lines", lang)
        case .linesWithoutSeizure: t.text("lines_without_seizure", lang)
        case .line(let n, let inner): lineProblem(n, message(inner, t, lang), t, lang)
        }
    }

    static func lineProblem(_ n: Int, _ problem: String, _ t: Localization, _ lang: Language) -> String {
        t.text("seizure_line_problem", lang).replacingOccurrences(of: "{line}", with: String(n))
            .replacingOccurrences(of: "{problem}", with: problem)
    }
}
