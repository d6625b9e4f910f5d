import CordonCore
import Foundation

/// Which units' figures a register or dashboard shows: one unit, one country's units, or every unit the
/// reader may see. Chosen with the `scope` query parameter: a unit code, `country:XX`, or empty.
struct Scope {
    /// The unit codes in scope.
    let units: [String]
    /// The parameter value of the chosen scope, to keep it in links and forms.
    let value: String
    /// The choices of the reader, for a select: value, label, selected.
    let choices: [[String: Any]]

    init(_ value: String?, visible: [ControlUnit], all: [ControlUnit], allLabel: String) {
        // A country is offered only to readers who see every unit of it: its figures include them all.
        let countries = Set(visible.map(\.country)).filter { country in
            all.filter { $0.country == country }.allSatisfy { u in visible.contains { $0.code == u.code } }
        }.sorted()
        let requested = value ?? ""
        if let unit = visible.first(where: { $0.code == requested }) {
            units = [unit.code]
            self.value = unit.code
        } else if requested.hasPrefix("country:"), countries.contains(String(requested.dropFirst(8))) {
            let country = String(requested.dropFirst(8))
            units = visible.filter { $0.country == country }.map(\.code)
            self.value = requested
        } else {
            units = visible.map(\.code)
            self.value = ""
        }
        let chosen = self.value
        choices = [["value": "", "label": allLabel, "selected": chosen.isEmpty]]
            + countries.map { ["value": "country:\($0)", "label": $0, "selected": chosen == "country:\($0)"] }
            + visible.map { ["value": $0.code, "label": "\($0.name) (\($0.code))", "selected": chosen == $0.code] }
    }
}
