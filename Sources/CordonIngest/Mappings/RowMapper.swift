import CordonCore

/// The fate of one row.
public enum RowOutcome: Sendable {
    case accepted(Consignment)
    case rejected(RejectedRecord)
    /// The row is part of the document accepted with an earlier row.
    case merged
}

/// Turns CSV records into validated consignments following a `ColumnMapping` bound to a file's header.
public struct RowMapper: Sendable {
    /// A column bound to a Cordon field. Numbers only (its texts are in the mapper's tables): every row walks all
    /// bindings, and each text or dictionary in a binding cost a retain and a release per row.
    struct Binding: Sendable {
        /// The column in the file; its name is the header's.
        let index: Int
        let field: Field
        let required: Bool
        /// The column's value map in `valueMaps`, -1 for none.
        let valueMap: Int
        /// The place of its party in `partyRoles`, -1 for other fields: a row's parties are gathered in an array,
        /// not a dictionary, which cost a hash and an allocation for every row.
        let partySlot: Int
        /// The attribute's name in `attributeNames`, -1 for other fields.
        let attribute: Int
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
        /// A free attribute, `attributes.NAME`; the name is `Field.attributeName(of:)`.
        case attribute
        case party(PartyRole, PartyPart)

        enum PartyPart: Sendable { case identifier, name, address, country }

        static func attributeName(of target: String) -> String? {
            guard target.hasPrefix("attributes."), target.count > "attributes.".count else { return nil }
            return String(target.dropFirst("attributes.".count))
        }

        var isDocumentNumber: Bool {
            if case .documentNumber = self { return true }
            return false
        }

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
            if Field.attributeName(of: target) != nil {
                self = .attribute
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
    let valueMaps: [[String: String]]
    let attributeNames: [String]
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
    /// The column of the document number.
    let documentColumn: Int?

    /// Binds a mapping to a header; fails naming the missing columns when the header lacks mapped ones.
    public init(mapping: ColumnMapping, header: [String], file: String, separator: UInt8 = 44,
                lists: CodeLists = .bundled) throws(IngestError) {
        try mapping.validateTargets()
        let trimmed = header.map { $0.trimmingSpaces() }
        var index: [String: Int] = [:]
        for (i, h) in trimmed.enumerated() where index[h] == nil { index[h] = i }
        var missing: [String] = []
        var bindings: [Binding] = []
        var targets: [String] = []
        var valueMaps: [[String: String]] = []
        var attributeNames: [String] = []
        var roles: [PartyRole] = []
        for (column, target) in mapping.columns.sorted(by: { $0.key < $1.key }) {
            guard let i = index[column] else {
                if mapping.required.contains(target) { missing.append(column) }
                continue
            }
            guard let field = Field(target) else { throw .badMapping("column '\(column)' maps to unknown field '\(target)'") }
            var slot = -1
            if case .party(let role, _) = field {
                slot = roles.firstIndex(of: role) ?? roles.count
                if slot == roles.count { roles.append(role) }
            }
            var valueMap = -1
            if let map = mapping.values[target] {
                valueMap = valueMaps.count
                valueMaps.append(map)
            }
            var attribute = -1
            if let name = Field.attributeName(of: target) {
                attribute = attributeNames.count
                attributeNames.append(name)
            }
            bindings.append(Binding(index: i, field: field, required: mapping.required.contains(target), valueMap: valueMap,
                                    partySlot: slot, attribute: attribute))
            targets.append(target)
        }
        if !missing.isEmpty { throw .missingColumns(file: file, columns: missing) }
        let mappedTargets = Set(targets)
        let unmet = mapping.required.filter { !mappedTargets.contains($0) }
        if !unmet.isEmpty { throw .badMapping("no column maps to the required field(s) \(unmet.joined(separator: ", "))") }
        self.mapping = mapping
        self.bindings = bindings
        self.valueMaps = valueMaps
        self.attributeNames = attributeNames
        self.header = trimmed
        guard let layout = DateLayout(mapping.dateFormat) else { throw .badMapping("dateFormat '\(mapping.dateFormat)' needs yyyy or yy, MM and dd") }
        self.layout = layout
        self.validator = ConsignmentValidator(places: mapping.places == "pseudonymous" ? .pseudonymous : .standard,
                                              lists: lists)
        self.decimalComma = mapping.decimalSeparator == ","
        self.thousands = mapping.thousandsSeparator?.utf8.first
        self.columnOfTarget = Dictionary(zip(targets, bindings.map { trimmed[$0.index] }), uniquingKeysWith: { a, _ in a })
        self.partyRoles = roles
        self.separator = String(UnicodeScalar(separator))
        self.documentColumn = bindings.first { $0.field.isDocumentNumber }?.index
    }

    /// Maps one record on its own: the accepted consignment, or the reasons for rejecting it.
    public func map(_ record: CSVRecord, file: String) -> RowOutcome {
        // Most documents are one row: validated without `finish`'s arrays and copies. A rare rejected one is read
        // again through `finish`, which names the source columns of its reasons.
        // Read and checked in place: passed from outcome to outcome, the consignment was copied (a retain and a
        // release of each of its texts) on every step.
        var c = Consignment(kind: mapping.kind, documentNumber: "", date: CalendarDate.epoch)
        guard read(record, file: file, into: &c) == nil, validator.check(&c).isEmpty else {
            return finish([(record, build(record, file: file))], file: file)[0]
        }
        return .accepted(c)
    }

    /// The document number a record names (before any validation), to group the rows of one document.
    public func documentNumber(of record: CSVRecord) -> String? {
        guard let i = documentColumn, i < record.fields.count else { return nil }
        return RowMapper.cell(record, i)
    }

    /// A record's field without surrounding spaces; only a record with such a field pays for looking.
    static func cell(_ record: CSVRecord, _ i: Int) -> String {
        record.padded ? trimmed(record.fields[i]) : record.fields[i]
    }

    /// Reads one record into an unvalidated consignment with at most one goods item. A continuation row (a
    /// later row of a document) may leave the document's cells blank: only its document number is required.
    func build(_ record: CSVRecord, file: String, continuation: Bool = false) -> RowOutcome {
        var c = Consignment(kind: mapping.kind, documentNumber: "", date: CalendarDate.epoch)
        if let rejected = read(record, file: file, continuation: continuation, into: &c) { return .rejected(rejected) }
        return .accepted(c)
    }

    /// Reads one record into `c` (a new consignment); nil when it could be read, else why not.
    func read(_ record: CSVRecord, file: String, continuation: Bool = false, into c: inout Consignment) -> RejectedRecord? {
        func reject(_ field: String, _ reason: String) -> RejectedRecord {
            RejectedRecord(file: file, line: record.line, field: field, reason: reason,
                           raw: record.fields.joined(separator: separator))
        }
        if record.fields.count != header.count {
            return reject("(record)", "has \(record.fields.count) fields, the header has \(header.count)")
        }
        var documentNumber = ""
        var date: CalendarDate?
        var item = GoodsItem(sequence: 1)
        var hasItem = false
        // A row's parties in the order of their slots; a role's party is found among the few of the row.
        var parties: [Party] = []
        var lastSlot = -1, partiesUnsorted = false
        // Room for every attribute at once: grown one at a time, the dictionary was made twice for two.
        if attributeNames.count > 1 { c.attributes.reserveCapacity(attributeNames.count) }
        var currency = mapping.currency
        var container: Container?
        var containerNumbers: [String] = []
        var label: OutcomeLabel?

        for b in bindings {
            var value = RowMapper.cell(record, b.index)
            if b.valueMap >= 0, let mapped = valueMaps[b.valueMap][value] { value = mapped }
            if value.isEmpty {
                if b.required && (!continuation || b.field.isDocumentNumber) { return reject(header[b.index], "is empty") }
                continue
            }
            switch b.field {
            case .documentNumber: documentNumber = value
            case .date, .arrival:
                guard let d = layout.parse(value) else { return reject(header[b.index], "'\(value)' is not a date in the form \(mapping.dateFormat)") }
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
                    return reject(header[b.index], "'\(value)' is not a whole number of packages")
                }
                item.packages = Int(n); hasItem = true
            case .quantity, .grossMass, .netMass, .invoiceValue, .customsValue:
                guard let n = number(value) else { return reject(header[b.index], "'\(value)' is not a number") }
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
                guard let flag = RowMapper.flag(value) else { return reject(header[b.index], "'\(value)' is not 1/0, true/false or yes/no") }
                if case .illicit = b.field {
                    label = OutcomeLabel(illicit: flag, critical: label?.critical, revenue: label?.revenue)
                } else {
                    label = OutcomeLabel(illicit: label?.illicit ?? flag, critical: flag, revenue: label?.revenue)
                }
            case .revenue:
                guard let n = number(value) else { return reject(header[b.index], "'\(value)' is not a number") }
                label = OutcomeLabel(illicit: label?.illicit ?? (n > 0), critical: label?.critical, revenue: n)
            case .attribute:
                c.attributes[attributeNames[b.attribute]] = value
            case .party(let role, let part):
                // Filled in place: a copy of the party out and back cost a retain and release of each of its texts.
                // By index: `firstIndex(where:)` copied each party it looked at.
                var i = -1
                for k in parties.indices where parties[k].role == role { i = k; break }
                if i < 0 {
                    // Added at the end: a role met before one of an earlier slot sorts the row's parties at the end.
                    if parties.isEmpty { parties.reserveCapacity(partyRoles.count) }
                    if b.partySlot < lastSlot { partiesUnsorted = true }
                    lastSlot = b.partySlot
                    i = parties.count
                    parties.append(Party(role: role))
                }
                switch part {
                case .identifier: parties[i].identifier = value
                case .name: parties[i].name = value
                case .address: parties[i].address = value
                case .country: parties[i].country = value
                }
            }
        }
        guard let date = date ?? (continuation ? CalendarDate.epoch : nil) else {
            return reject(columnOfTarget["date"] ?? "date", "is missing")
        }
        c.documentNumber = documentNumber
        c.date = date
        if let currency {
            item.invoiceValue?.currency = currency
            item.customsValue?.currency = currency
        }
        if partiesUnsorted {
            parties.sort { (partyRoles.firstIndex(of: $0.role) ?? 0) < (partyRoles.firstIndex(of: $1.role) ?? 0) }
        }
        c.parties = parties
        let template = container ?? Container(number: "")
        c.containers = containerNumbers.map { n in
            var k = template
            k.number = n
            return k
        }
        if hasItem {
            item.containerNumbers = containerNumbers
            // Moved in by a swap: putting the item in an array literal copied it (a retain of each of its texts).
            c.goods = [GoodsItem(sequence: 0)]
            swap(&item, &c.goods[0])
        }
        c.label = label
        return nil
    }

    /// Validates the rows of one document, merged into one consignment when there are several: every row
    /// adds its goods item and containers. If any row is bad, or the rows disagree about the document, the
    /// whole document is kept aside (each of its rows in the quarantine), never a part of it.
    func finish(_ rows: [(CSVRecord, RowOutcome)], file: String) -> [RowOutcome] {
        func rejectAll(line: Int, field: String, reason: String) -> [RowOutcome] {
            rows.map { record, _ in
                let own = record.line == line
                return .rejected(RejectedRecord(
                    file: file, line: record.line, field: own ? field : "(document)",
                    reason: own ? reason : "the document's row at line \(line) is rejected: \(field): \(reason)",
                    raw: record.fields.joined(separator: separator)))
            }
        }
        var merged: Consignment?
        var lines: [Int] = []   // line of the row of each goods item
        for (record, outcome) in rows {
            switch outcome {
            case .rejected(let r):
                return rejectAll(line: r.line, field: r.field, reason: r.reason)
            case .accepted(let c):
                guard var m = merged else {
                    merged = c
                    lines = c.goods.map { _ in record.line }
                    continue
                }
                if let (field, reason) = RowMapper.merge(c, into: &m) {
                    return rejectAll(line: record.line, field: columnOfTarget[field] ?? field, reason: reason)
                }
                lines += c.goods.map { _ in record.line }
                merged = m
            case .merged:
                continue
            }
        }
        guard let c = merged else { return [] }
        switch validator.validate(c) {
        case .accepted(let valid):
            return [.accepted(valid)] + Array(repeating: RowOutcome.merged, count: rows.count - 1)
        case .rejected(let issues):
            let first = issues[0]
            let more = issues.count > 1 ? " (and \(issues.count - 1) more: " + issues.dropFirst().map { "\(sourceField(of: $0.field, in: c)): \($0.reason)" }.joined(separator: "; ") + ")" : ""
            // Name the row of the goods item the first error is about, else the document's first row.
            var line = rows[0].0.line
            if first.field.hasPrefix("goods["), let close = first.field.firstIndex(of: "]"),
               let i = Int(first.field.dropFirst(6).prefix(upTo: close)), i < lines.count {
                line = lines[i]
            }
            return rejectAll(line: line, field: sourceField(of: first.field, in: c), reason: first.reason + more)
        }
    }

    /// Adds a continuation row of a document to what the earlier rows said; returns the conflicting field and
    /// why when the row contradicts them (a blank cell in a continuation row is no contradiction).
    static func merge(_ row: Consignment, into m: inout Consignment) -> (String, String)? {
        func same<T: Equatable>(_ a: T?, _ b: inout T?, _ field: String) -> (String, String)? {
            guard let a else { return nil }
            if let old = b, old != a { return (field, "'\(a)' differs from '\(old)' in an earlier row of document \(m.documentNumber)") }
            b = a
            return nil
        }
        // A continuation row without a date carries the placeholder epoch.
        if row.date != m.date && row.date != CalendarDate.epoch {
            return ("date", "'\(row.date)' differs from '\(m.date)' in an earlier row of document \(m.documentNumber)")
        }
        var conflict = same(row.mode, &m.mode, "mode") ?? same(row.office, &m.office, "office")
            ?? same(row.arrival, &m.arrival, "arrival")
            ?? same(row.route.placeOfLoading, &m.route.placeOfLoading, "route.placeOfLoading")
            ?? same(row.route.placeOfDischarge, &m.route.placeOfDischarge, "route.placeOfDischarge")
            ?? same(row.route.placeOfDelivery, &m.route.placeOfDelivery, "route.placeOfDelivery")
            ?? same(row.route.countryOfDeparture, &m.route.countryOfDeparture, "route.countryOfDeparture")
            ?? same(row.route.countryOfDestination, &m.route.countryOfDestination, "route.countryOfDestination")
        if conflict == nil, !row.route.transshipment.isEmpty {
            if m.route.transshipment.isEmpty { m.route.transshipment = row.route.transshipment }
            else if m.route.transshipment != row.route.transshipment {
                conflict = ("route.transshipment", "differs from an earlier row of document \(m.documentNumber)")
            }
        }
        if conflict == nil, let conveyance = row.conveyance {
            var mc = m.conveyance ?? Conveyance()
            conflict = same(conveyance.name, &mc.name, "conveyance.name")
                ?? same(conveyance.identifier, &mc.identifier, "conveyance.identifier")
                ?? same(conveyance.voyage, &mc.voyage, "conveyance.voyage")
            m.conveyance = mc
        }
        if let conflict { return conflict }
        for p in row.parties {
            if let i = m.parties.firstIndex(where: { $0.role == p.role }) {
                if m.parties[i] != p { return ("parties.\(p.role.rawValue).name", "differs from an earlier row of document \(m.documentNumber)") }
            } else {
                m.parties.append(p)
            }
        }
        for var item in row.goods {
            item.sequence = m.goods.count + 1
            m.goods.append(item)
        }
        for k in row.containers {
            if let i = m.containers.firstIndex(where: { $0.number == k.number }) {
                m.containers[i].seals += k.seals.filter { !m.containers[i].seals.contains($0) }
            } else {
                m.containers.append(k)
            }
        }
        m.attributes.merge(row.attributes) { first, _ in first }
        if let label = row.label {
            // A document is illicit if any of its lines was; revenues add up.
            let old = m.label
            m.label = OutcomeLabel(illicit: (old?.illicit ?? false) || label.illicit,
                                   critical: old?.critical == true || label.critical == true ? true : (old?.critical ?? label.critical),
                                   revenue: (old?.revenue ?? 0) + (label.revenue ?? 0))
        }
        return nil
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
        if !decimalComma && thousands == nil {
            var text = text
            return text.withUTF8(RowMapper.plainDecimal) ?? Double(text)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for b in text.utf8 {
            if let t = thousands, b == t { continue }
            if decimalComma && b == 44 { bytes.append(46) }
            else if decimalComma && b == 46 { return nil }
            else { bytes.append(b) }
        }
        return bytes.withUnsafeBufferPointer(RowMapper.plainDecimal) ?? Double(String(decoding: bytes, as: UTF8.self))
    }

    /// Powers of ten that a double holds exactly.
    private static let exactPowersOfTen: [Double] = {
        var powers: [Double] = [1]
        for _ in 1...22 { powers.append(powers[powers.count - 1] * 10) }
        return powers
    }()

    /// A plain decimal (`-?digits(.digits)?`, at most 15 digits), read without strtod; nil for any other form, which
    /// `Double(_:)` reads. Exact: the digits as a whole number and the power of ten are both exact doubles, so their
    /// quotient is the correctly rounded value, the same as strtod's (Clinger's fast path).
    static func plainDecimal(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        var i = 0, mantissa = 0, digits = 0, fraction = -1
        let negative = bytes.first == 45
        if negative { i = 1 }
        while i < bytes.count {
            let b = bytes[i]
            if b >= 48 && b <= 57 {
                digits += 1
                guard digits <= 15 else { return nil }
                mantissa = mantissa * 10 + Int(b - 48)
                if fraction >= 0 { fraction += 1 }
            } else if b == 46 && fraction < 0 {
                fraction = 0
            } else {
                return nil
            }
            i += 1
        }
        // At least one digit on each side of a point, as every decimal this fast path takes is written.
        guard digits > 0, fraction != 0, !(fraction > 0 && digits == fraction) else { return nil }
        let value = Double(mantissa) / exactPowersOfTen[max(0, fraction)]
        return negative ? -value : value
    }

    /// Splits a list cell; container numbers are not split on spaces, which people write inside them.
    static func list(_ text: String, splittingOnSpaces: Bool = true) -> [String] {
        // Most cells hold one value: no need to split (and allocate) then.
        if !text.utf8.contains(where: { $0 == 44 || $0 == 124 || $0 == 59 || (splittingOnSpaces && ($0 == 32 || $0 == 47)) }) {
            let one = trimmed(text)
            return one.isEmpty ? [] : [one]
        }
        return text.split(whereSeparator: { $0 == "," || $0 == "|" || $0 == ";" || (splittingOnSpaces && ($0 == " " || $0 == "/")) })
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
