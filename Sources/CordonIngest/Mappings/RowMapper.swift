import CordonCore

/// The fate of one row.
public enum RowOutcome: Sendable {
    case accepted(Consignment)
    case rejected(RejectedRecord)
}

/// Turns CSV records into validated consignments following a `ColumnMapping` bound to a file's header.
public struct RowMapper: Sendable {
    struct Binding: Sendable {
        let index: Int
        let column: String
        let target: String
        let field: Field
        let required: Bool
        let valueMap: [String: String]?
    }

    /// A Cordon field, compiled once from its name so that rows are not matched by string comparison.
    enum Field: Sendable {
        case documentNumber, date, arrival, mode, office
        case placeOfLoading, placeOfDischarge, placeOfDelivery, transshipment, countryOfDeparture, countryOfDestination
        case conveyanceName, conveyanceIdentifier, conveyanceVoyage
        case hsCode, description, packageType, quantityUnit, countryOfOrigin, currency, unNumber, packages
        case quantity, grossMass, netMass, invoiceValue, customsValue
        case containerNumber, containerSizeType, containerSeals
        case illicit, critical, revenue
        case attribute(String)
        case party(PartyRole, PartyPart)

        enum PartyPart: Sendable { case identifier, name, address, country }

        init?(_ target: String) {
            let simple: [String: Field] = [
                "documentNumber": .documentNumber, "date": .date, "arrival": .arrival, "mode": .mode, "office": .office,
                "route.placeOfLoading": .placeOfLoading, "route.placeOfDischarge": .placeOfDischarge,
                "route.placeOfDelivery": .placeOfDelivery, "route.transshipment": .transshipment,
                "route.countryOfDeparture": .countryOfDeparture, "route.countryOfDestination": .countryOfDestination,
                "conveyance.name": .conveyanceName, "conveyance.identifier": .conveyanceIdentifier,
                "conveyance.voyage": .conveyanceVoyage, "goods.hsCode": .hsCode, "goods.description": .description,
                "goods.packageType": .packageType, "goods.quantityUnit": .quantityUnit,
                "goods.countryOfOrigin": .countryOfOrigin, "goods.currency": .currency, "goods.unNumber": .unNumber,
                "goods.packages": .packages, "goods.quantity": .quantity, "goods.grossMassKg": .grossMass,
                "goods.netMassKg": .netMass, "goods.invoiceValue": .invoiceValue, "goods.customsValue": .customsValue,
                "container.number": .containerNumber, "container.sizeType": .containerSizeType,
                "container.seals": .containerSeals, "label.illicit": .illicit, "label.critical": .critical,
                "label.revenue": .revenue,
            ]
            if let f = simple[target] { self = f; return }
            if target.hasPrefix("attributes."), target.count > "attributes.".count {
                self = .attribute(String(target.dropFirst("attributes.".count)))
                return
            }
            let parts = target.split(separator: ".")
            if parts.count == 3, parts[0] == "parties", let role = PartyRole(rawValue: String(parts[1])) {
                switch parts[2] {
                case "identifier": self = .party(role, .identifier)
                case "name": self = .party(role, .name)
                case "address": self = .party(role, .address)
                case "country": self = .party(role, .country)
                default: return nil
                }
                return
            }
            return nil
        }
    }

    let mapping: ColumnMapping
    let bindings: [Binding]
    let header: [String]
    let layout: DateLayout
    let validator: ConsignmentValidator
    let decimalComma: Bool
    let thousands: UInt8?
    /// Cordon field → source column, to name the column a validation error is about.
    let columnOfTarget: [String: String]
    /// Parties named by the mapping, in the order their fields are filled.
    let partyRoles: [PartyRole]
    /// The file's separator, to keep a rejected record's raw text as it was.
    let separator: String

    /// Binds a mapping to a header; fails naming the missing columns when the header lacks mapped ones.
    public init(mapping: ColumnMapping, header: [String], file: String, separator: UInt8 = 44,
                lists: CodeLists = .bundled) throws(IngestError) {
        try mapping.validateTargets()
        let trimmed = header.map { $0.trimmingSpaces() }
        var index: [String: Int] = [:]
        for (i, h) in trimmed.enumerated() where index[h] == nil { index[h] = i }
        var missing: [String] = []
        var bindings: [Binding] = []
        for (column, target) in mapping.columns.sorted(by: { $0.key < $1.key }) {
            guard let i = index[column] else {
                if mapping.required.contains(target) { missing.append(column) }
                continue
            }
            guard let field = Field(target) else { throw .badMapping("column '\(column)' maps to unknown field '\(target)'") }
            bindings.append(Binding(index: i, column: column, target: target, field: field,
                                    required: mapping.required.contains(target), valueMap: mapping.values[target]))
        }
        if !missing.isEmpty { throw .missingColumns(file: file, columns: missing) }
        let mappedTargets = Set(bindings.map(\.target))
        let unmet = mapping.required.filter { !mappedTargets.contains($0) }
        if !unmet.isEmpty { throw .badMapping("no column maps to the required field(s) \(unmet.joined(separator: ", "))") }
        self.mapping = mapping
        self.bindings = bindings
        self.header = trimmed
        guard let layout = DateLayout(mapping.dateFormat) else { throw .badMapping("dateFormat '\(mapping.dateFormat)' needs yyyy or yy, MM and dd") }
        self.layout = layout
        self.validator = ConsignmentValidator(places: mapping.places == "pseudonymous" ? .pseudonymous : .standard,
                                              lists: lists)
        self.decimalComma = mapping.decimalSeparator == ","
        self.thousands = mapping.thousandsSeparator?.utf8.first
        self.columnOfTarget = Dictionary(bindings.map { ($0.target, $0.column) }, uniquingKeysWith: { a, _ in a })
        var roles: [PartyRole] = []
        for b in bindings where b.target.hasPrefix("parties.") {
            let parts = b.target.split(separator: ".")
            if let role = PartyRole(rawValue: String(parts[1])), !roles.contains(role) { roles.append(role) }
        }
        self.partyRoles = roles
        self.separator = String(UnicodeScalar(separator))
    }

    /// Maps one record: the accepted consignment, or the reasons for rejecting it.
    public func map(_ record: CSVRecord, file: String) -> RowOutcome {
        func reject(_ field: String, _ reason: String) -> RowOutcome {
            .rejected(RejectedRecord(file: file, line: record.line, field: field, reason: reason,
                                    raw: record.fields.joined(separator: separator)))
        }
        if record.fields.count != header.count {
            return reject("(record)", "has \(record.fields.count) fields, the header has \(header.count)")
        }
        var documentNumber = ""
        var date: CalendarDate?
        var c = Consignment(kind: mapping.kind, documentNumber: "", date: CalendarDate.epoch)
        var item = GoodsItem(sequence: 1)
        var hasItem = false
        var parties: [PartyRole: Party] = [:]
        var currency = mapping.currency
        var container: Container?
        var containerNumbers: [String] = []
        var label: OutcomeLabel?

        for b in bindings {
            var value = RowMapper.trimmed(record.fields[b.index])
            if let map = b.valueMap, let mapped = map[value] { value = mapped }
            if value.isEmpty {
                if b.required { return reject(b.column, "is empty") }
                continue
            }
            switch b.field {
            case .documentNumber: documentNumber = value
            case .date, .arrival:
                guard let d = layout.parse(value) else { return reject(b.column, "'\(value)' is not a date in the form \(mapping.dateFormat)") }
                if case .date = b.field { date = d } else { c.arrival = d }
            case .mode:
                if let m = TransportMode(rawValue: value.lowercased()) ?? (value.lowercased() == "land" ? .road : nil) {
                    c.mode = m
                } else {
                    c.attributes["mode"] = value
                }
            case .office: c.office = value
            case .placeOfLoading: c.route.placeOfLoading = value
            case .placeOfDischarge: c.route.placeOfDischarge = value
            case .placeOfDelivery: c.route.placeOfDelivery = value
            case .transshipment: c.route.transshipment = RowMapper.list(value)
            case .countryOfDeparture: c.route.countryOfDeparture = value
            case .countryOfDestination: c.route.countryOfDestination = value
            case .conveyanceName: c.conveyance = c.conveyance ?? Conveyance(); c.conveyance?.name = value
            case .conveyanceIdentifier: c.conveyance = c.conveyance ?? Conveyance(); c.conveyance?.identifier = value
            case .conveyanceVoyage: c.conveyance = c.conveyance ?? Conveyance(); c.conveyance?.voyage = value
            case .hsCode:
                var code = HSCode.normalize(value)
                if let width = mapping.hsCodeWidth, code.utf8.count < width, code.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
                    code = String(repeating: "0", count: width - code.utf8.count) + code
                }
                item.hsCode = code; hasItem = true
            case .description: item.description = value; hasItem = true
            case .packageType: item.packageType = value; hasItem = true
            case .quantityUnit: item.quantityUnit = value; hasItem = true
            case .countryOfOrigin: item.countryOfOrigin = value; hasItem = true
            case .currency: currency = value
            case .unNumber: item.dangerousGoods = RowMapper.list(value); hasItem = true
            case .packages:
                guard let n = number(value), n >= 0, n == n.rounded(), n < 1e12 else {
                    return reject(b.column, "'\(value)' is not a whole number of packages")
                }
                item.packages = Int(n); hasItem = true
            case .quantity, .grossMass, .netMass, .invoiceValue, .customsValue:
                guard let n = number(value) else { return reject(b.column, "'\(value)' is not a number") }
                switch b.field {
                case .quantity: item.quantity = n
                case .grossMass: item.grossMassKg = n
                case .netMass: item.netMassKg = n
                case .invoiceValue: item.invoiceValue = Money(amount: n)
                default: item.customsValue = Money(amount: n)
                }
                hasItem = true
            case .containerNumber: containerNumbers = RowMapper.list(value, splittingOnSpaces: false)
            case .containerSizeType: container = container ?? Container(number: ""); container?.sizeType = value
            case .containerSeals: container = container ?? Container(number: ""); container?.seals = RowMapper.list(value)
            case .illicit, .critical:
                guard let flag = RowMapper.flag(value) else { return reject(b.column, "'\(value)' is not 1/0, true/false or yes/no") }
                if case .illicit = b.field {
                    label = OutcomeLabel(illicit: flag, critical: label?.critical, revenue: label?.revenue)
                } else {
                    label = OutcomeLabel(illicit: label?.illicit ?? flag, critical: flag, revenue: label?.revenue)
                }
            case .revenue:
                guard let n = number(value) else { return reject(b.column, "'\(value)' is not a number") }
                label = OutcomeLabel(illicit: label?.illicit ?? (n > 0), critical: label?.critical, revenue: n)
            case .attribute(let name):
                c.attributes[name] = value
            case .party(let role, let part):
                var p = parties[role] ?? Party(role: role)
                switch part {
                case .identifier: p.identifier = value
                case .name: p.name = value
                case .address: p.address = value
                case .country: p.country = value
                }
                parties[role] = p
            }
        }
        guard let date else { return reject(columnOfTarget["date"] ?? "date", "is missing") }
        c.documentNumber = documentNumber
        c.date = date
        if let currency {
            item.invoiceValue?.currency = currency
            item.customsValue?.currency = currency
        }
        c.parties = partyRoles.compactMap { parties[$0] }
        let template = container ?? Container(number: "")
        c.containers = containerNumbers.map { n in
            var k = template
            k.number = n
            return k
        }
        if hasItem {
            item.containerNumbers = containerNumbers
            c.goods = [item]
        }
        c.label = label
        switch validator.validate(c) {
        case .accepted(let valid):
            return .accepted(valid)
        case .rejected(let issues):
            let first = issues[0]
            let more = issues.count > 1 ? " (and \(issues.count - 1) more: " + issues.dropFirst().map { "\(sourceField(of: $0.field, in: c)): \($0.reason)" }.joined(separator: "; ") + ")" : ""
            return reject(sourceField(of: first.field, in: c), first.reason + more)
        }
    }

    /// The source column behind a Cordon field path such as `goods[0].hsCode` or `parties[1].country`.
    func sourceField(of path: String, in c: Consignment) -> String {
        var generic = ""
        var inBracket = false
        var digits = ""
        for ch in path {
            if ch == "[" { inBracket = true; digits = ""; continue }
            if ch == "]" { inBracket = false; continue }
            if inBracket { digits.append(ch) } else { generic.append(ch) }
        }
        if generic.hasPrefix("containers.") { generic = "container." + generic.dropFirst("containers.".count) }
        if generic.hasPrefix("parties."), let i = Int(digits), i < c.parties.count {
            generic = "parties.\(c.parties[i].role.rawValue)." + generic.dropFirst("parties.".count)
        }
        if generic.hasSuffix(".currency") { generic = "goods.currency" }
        return columnOfTarget[generic] ?? path
    }

    /// The text without surrounding spaces; most fields have none, so check the ends before copying.
    static func trimmed(_ text: String) -> String {
        guard let first = text.utf8.first, let last = text.utf8.last else { return text }
        if first != 32 && first != 9 && last != 32 && last != 9 { return text }
        return text.trimmingSpaces()
    }

    /// Parses a number with the mapping's decimal and thousands separators.
    func number(_ text: String) -> Double? {
        if !decimalComma && thousands == nil { return Double(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for b in text.utf8 {
            if let t = thousands, b == t { continue }
            if decimalComma && b == 44 { bytes.append(46) }
            else if decimalComma && b == 46 { return nil }
            else { bytes.append(b) }
        }
        return Double(String(decoding: bytes, as: UTF8.self))
    }

    /// Splits a list cell; container numbers are not split on spaces, which people write inside them.
    static func list(_ text: String, splittingOnSpaces: Bool = true) -> [String] {
        text.split(whereSeparator: { $0 == "," || $0 == "|" || $0 == ";" || (splittingOnSpaces && ($0 == " " || $0 == "/")) })
            .map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
    }

    static func flag(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "1", "true", "yes", "y": return true
        case "0", "false", "no", "n": return false
        default: return nil
        }
    }
}
