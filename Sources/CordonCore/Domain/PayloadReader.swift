import Foundation

/// A fast reader of stored payload JSON into a consignment, the counterpart of `PayloadWriter`. Targeting a day
/// decodes every document of it, and Foundation's JSONDecoder was a fifth of that whole command. The reader takes
/// any valid JSON for these types (keys in any order, unknown keys skipped, nulls for absent values, every escape);
/// on anything else it gives up and `Consignment(payload:)` asks JSONDecoder, so errors and odd input are JSONDecoder's.
struct PayloadReader {
    /// The reader gave up; the caller falls back to JSONDecoder.
    struct Unreadable: Error {}

    private let bytes: UnsafeBufferPointer<UInt8>
    private var pos = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    // MARK: JSON tokens

    private mutating func skipSpace() {
        while pos < bytes.count, bytes[pos] == 32 || bytes[pos] == 10 || bytes[pos] == 13 || bytes[pos] == 9 { pos += 1 }
    }

    private mutating func peek() throws(Unreadable) -> UInt8 {
        skipSpace()
        guard pos < bytes.count else { throw Unreadable() }
        return bytes[pos]
    }

    private mutating func expect(_ b: UInt8) throws(Unreadable) {
        guard try peek() == b else { throw Unreadable() }
        pos += 1
    }

    /// True, and consumed, when the next value is `null`.
    private mutating func null() throws(Unreadable) -> Bool {
        guard try peek() == 110 else { return false }
        guard pos + 4 <= bytes.count, bytes[pos + 1] == 117, bytes[pos + 2] == 108, bytes[pos + 3] == 108 else { throw Unreadable() }
        pos += 4
        return true
    }

    /// Walks an object's members: `body` reads the value of each key it knows and returns false for others.
    private mutating func object(_ body: (inout PayloadReader, String) throws(Unreadable) -> Bool) throws(Unreadable) {
        try expect(123)
        if try peek() == 125 { pos += 1; return }
        while true {
            let key = try string()
            try expect(58)
            if try !body(&self, key) { try skipValue() }
            let next = try peek()
            pos += 1
            if next == 125 { return }
            guard next == 44 else { throw Unreadable() }
        }
    }

    private mutating func array<T>(_ each: (inout PayloadReader) throws(Unreadable) -> T) throws(Unreadable) -> [T] {
        try expect(91)
        var out: [T] = []
        if try peek() == 93 { pos += 1; return out }
        while true {
            out.append(try each(&self))
            let next = try peek()
            pos += 1
            if next == 93 { return out }
            guard next == 44 else { throw Unreadable() }
        }
    }

    mutating func string() throws(Unreadable) -> String {
        try expect(34)
        let start = pos
        while pos < bytes.count {
            let b = bytes[pos]
            if b == 34 {
                let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
                pos += 1
                return s
            }
            if b == 92 { return try escapedString(from: start) }
            if b < 32 { throw Unreadable() }
            pos += 1
        }
        throw Unreadable()
    }

    /// The rest of a string that has escapes, from its first byte at `start`.
    private mutating func escapedString(from start: Int) throws(Unreadable) -> String {
        var out = Array(bytes[start..<pos])
        while pos < bytes.count {
            let b = bytes[pos]
            pos += 1
            if b == 34 { return String(decoding: out, as: UTF8.self) }
            if b < 32 { throw Unreadable() }
            guard b == 92 else { out.append(b); continue }
            guard pos < bytes.count else { throw Unreadable() }
            let e = bytes[pos]
            pos += 1
            switch e {
            case 34, 92, 47: out.append(e)
            case 98: out.append(8)
            case 102: out.append(12)
            case 110: out.append(10)
            case 114: out.append(13)
            case 116: out.append(9)
            case 117:
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    // A surrogate pair; a lone surrogate is left to JSONDecoder.
                    guard pos + 2 <= bytes.count, bytes[pos] == 92, bytes[pos + 1] == 117 else { throw Unreadable() }
                    pos += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw Unreadable() }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let u = Unicode.Scalar(scalar) else { throw Unreadable() }
                UTF8.encode(u) { out.append($0) }
            default: throw Unreadable()
            }
        }
        throw Unreadable()
    }

    private mutating func hex4() throws(Unreadable) -> UInt32 {
        guard pos + 4 <= bytes.count else { throw Unreadable() }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[pos]
            pos += 1
            switch b {
            case 48...57: v = v << 4 | UInt32(b - 48)
            case 65...70: v = v << 4 | UInt32(b - 55)
            case 97...102: v = v << 4 | UInt32(b - 87)
            default: throw Unreadable()
            }
        }
        return v
    }

    /// The bytes of the number that starts here, checked against JSON's grammar for numbers.
    private mutating func numberText() throws(Unreadable) -> UnsafeBufferPointer<UInt8> {
        _ = try peek()
        let start = pos
        func digits(_ pos: inout Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Int {
            let s = pos
            while pos < bytes.count, (48...57).contains(bytes[pos]) { pos += 1 }
            return pos - s
        }
        if pos < bytes.count, bytes[pos] == 45 { pos += 1 }
        guard pos < bytes.count else { throw Unreadable() }
        if bytes[pos] == 48 { pos += 1 } else if digits(&pos, bytes) == 0 { throw Unreadable() }
        if pos < bytes.count, bytes[pos] == 46 {
            pos += 1
            guard digits(&pos, bytes) > 0 else { throw Unreadable() }
        }
        if pos < bytes.count, bytes[pos] == 101 || bytes[pos] == 69 {
            pos += 1
            if pos < bytes.count, bytes[pos] == 43 || bytes[pos] == 45 { pos += 1 }
            guard digits(&pos, bytes) > 0 else { throw Unreadable() }
        }
        return UnsafeBufferPointer(rebasing: bytes[start..<pos])
    }

    mutating func double() throws(Unreadable) -> Double {
        let text = try numberText()
        // Exact without rounding: up to 15 significant digits and a power of ten up to 10^22 are both exact
        // doubles, and one division of two exact doubles is correctly rounded, as a full parse is.
        var mantissa: Int64 = 0, significant = 0, fraction = 0, seenPoint = false, plain = true
        digits: for b in text {
            switch b {
            case 48...57:
                if mantissa > 0 || b != 48 { significant += 1 }
                if significant > 15 { plain = false; break digits }
                mantissa = mantissa * 10 + Int64(b - 48)
                if seenPoint { fraction += 1 }
            case 46: seenPoint = true
            case 45: continue
            default: plain = false; break digits   // an exponent
            }
        }
        if plain && fraction <= 22 {
            let v = fraction == 0 ? Double(mantissa) : Double(mantissa) / PayloadReader.powersOfTen[fraction]
            return text[0] == 45 ? -v : v
        }
        guard let v = Double(String(decoding: text, as: UTF8.self)), v.isFinite else { throw Unreadable() }
        return v
    }

    private static let powersOfTen: [Double] = (0...22).map { pow(10, Double($0)) }

    /// A whole number written as one (anything else is left to JSONDecoder's rules).
    mutating func int() throws(Unreadable) -> Int {
        let text = try numberText()
        guard text.count <= 18, !text.contains(where: { $0 == 46 || $0 == 101 || $0 == 69 }) else { throw Unreadable() }
        var v = 0
        for b in text where b != 45 { v = v * 10 + Int(b - 48) }
        return text[0] == 45 ? -v : v
    }

    mutating func bool() throws(Unreadable) -> Bool {
        let b = try peek()
        if b == 116, pos + 4 <= bytes.count, bytes[pos + 1] == 114, bytes[pos + 2] == 117, bytes[pos + 3] == 101 { pos += 4; return true }
        if b == 102, pos + 5 <= bytes.count, bytes[pos + 1] == 97, bytes[pos + 2] == 108, bytes[pos + 3] == 115,
           bytes[pos + 4] == 101 { pos += 5; return false }
        throw Unreadable()
    }

    /// Skips any value (a key this reader does not know, which Codable ignores too). Deep nesting is left to
    /// JSONDecoder and its limits rather than to this reader's stack.
    private mutating func skipValue(depth: Int = 0) throws(Unreadable) {
        guard depth < 32 else { throw Unreadable() }
        switch try peek() {
        case 34: _ = try string()
        case 123: try object { r, _ throws(Unreadable) in try r.skipValue(depth: depth + 1); return true }
        case 91: _ = try array { r throws(Unreadable) in try r.skipValue(depth: depth + 1) }
        case 116, 102: _ = try bool()
        case 110: _ = try null()
        default: _ = try double()
        }
    }

    /// The value, or nil for `null`.
    private mutating func optional<T>(_ read: (inout PayloadReader) throws(Unreadable) -> T) throws(Unreadable) -> T? {
        try null() ? nil : try read(&self)
    }

    private mutating func optionalString() throws(Unreadable) -> String? { try null() ? nil : try string() }

    private mutating func optionalDouble() throws(Unreadable) -> Double? { try null() ? nil : try double() }

    private mutating func strings() throws(Unreadable) -> [String] { try array { r throws(Unreadable) in try r.string() } }

    private mutating func date() throws(Unreadable) -> CalendarDate {
        guard let d = CalendarDate(iso: try string()) else { throw Unreadable() }
        return d
    }

    private mutating func raw<T: RawRepresentable<String>>(_: T.Type) throws(Unreadable) -> T {
        guard let v = T(rawValue: try string()) else { throw Unreadable() }
        return v
    }

    /// Fails when a required key was absent.
    private static func required<T>(_ v: T?) throws(Unreadable) -> T {
        guard let v else { throw Unreadable() }
        return v
    }

    /// The whole input is one consignment, with nothing after it but white space.
    mutating func consignment() throws(Unreadable) -> Consignment {
        let c = try readConsignment()
        skipSpace()
        guard pos == bytes.count else { throw Unreadable() }
        return c
    }

    // MARK: The domain's types (keys as their synthesised Codable names them)

    private mutating func readConsignment() throws(Unreadable) -> Consignment {
        var kind: DocumentKind?, number: String?, date: CalendarDate?, route: Route?, parties: [Party]?
        var goods: [GoodsItem]?, containers: [Container]?, attributes: [String: String]?, warnings: [ValidationIssue]?
        var mode: TransportMode?, office: String?, conveyance: Conveyance?, arrival: CalendarDate?, label: OutcomeLabel?
        try object { r, key throws(Unreadable) in
            switch key {
            case "kind": kind = try r.raw(DocumentKind.self)
            case "documentNumber": number = try r.string()
            case "date": date = try r.date()
            case "mode": mode = try r.optional { r throws(Unreadable) in try r.raw(TransportMode.self) }
            case "office": office = try r.optionalString()
            case "route": route = try r.readRoute()
            case "parties": parties = try r.array { r throws(Unreadable) in try r.readParty() }
            case "goods": goods = try r.array { r throws(Unreadable) in try r.readGoods() }
            case "containers": containers = try r.array { r throws(Unreadable) in try r.readContainer() }
            case "conveyance": conveyance = try r.optional { r throws(Unreadable) in try r.readConveyance() }
            case "arrival": arrival = try r.optional { r throws(Unreadable) in try r.date() }
            case "attributes":
                var a: [String: String] = [:]
                try r.object { r, k throws(Unreadable) in a[k] = try r.string(); return true }
                attributes = a
            case "label": label = try r.optional { r throws(Unreadable) in try r.readLabel() }
            case "warnings": warnings = try r.array { r throws(Unreadable) in try r.readIssue() }
            default: return false
            }
            return true
        }
        return Consignment(kind: try Self.required(kind), documentNumber: try Self.required(number),
                           date: try Self.required(date), mode: mode, office: office, route: try Self.required(route),
                           parties: try Self.required(parties), goods: try Self.required(goods),
                           containers: try Self.required(containers), conveyance: conveyance, arrival: arrival,
                           attributes: try Self.required(attributes), label: label, warnings: try Self.required(warnings))
    }

    private mutating func readRoute() throws(Unreadable) -> Route {
        var r = Route()
        var transshipment: [String]?
        try object { p, key throws(Unreadable) in
            switch key {
            case "placeOfLoading": r.placeOfLoading = try p.optionalString()
            case "transshipment": transshipment = try p.strings()
            case "placeOfDischarge": r.placeOfDischarge = try p.optionalString()
            case "placeOfDelivery": r.placeOfDelivery = try p.optionalString()
            case "countryOfDeparture": r.countryOfDeparture = try p.optionalString()
            case "countryOfDestination": r.countryOfDestination = try p.optionalString()
            default: return false
            }
            return true
        }
        r.transshipment = try Self.required(transshipment)
        return r
    }

    private mutating func readParty() throws(Unreadable) -> Party {
        var role: PartyRole?, identifier: String?, name: String?, address: String?, country: String?
        try object { p, key throws(Unreadable) in
            switch key {
            case "role": role = try p.raw(PartyRole.self)
            case "identifier": identifier = try p.optionalString()
            case "name": name = try p.optionalString()
            case "address": address = try p.optionalString()
            case "country": country = try p.optionalString()
            default: return false
            }
            return true
        }
        return Party(role: try Self.required(role), identifier: identifier, name: name, address: address, country: country)
    }

    private mutating func readMoney() throws(Unreadable) -> Money {
        var amount: Double?, currency: String?
        try object { p, key throws(Unreadable) in
            switch key {
            case "amount": amount = try p.double()
            case "currency": currency = try p.optionalString()
            default: return false
            }
            return true
        }
        return Money(amount: try Self.required(amount), currency: currency)
    }

    private mutating func readGoods() throws(Unreadable) -> GoodsItem {
        var sequence: Int?, containerNumbers: [String]?, dangerousGoods: [String]?
        var g = GoodsItem(sequence: 0)
        try object { p, key throws(Unreadable) in
            switch key {
            case "sequence": sequence = try p.int()
            case "hsCode": g.hsCode = try p.optionalString()
            case "description": g.description = try p.optionalString()
            case "packages": g.packages = try p.optional { p throws(Unreadable) in try p.int() }
            case "packageType": g.packageType = try p.optionalString()
            case "quantity": g.quantity = try p.optionalDouble()
            case "quantityUnit": g.quantityUnit = try p.optionalString()
            case "grossMassKg": g.grossMassKg = try p.optionalDouble()
            case "netMassKg": g.netMassKg = try p.optionalDouble()
            case "invoiceValue": g.invoiceValue = try p.optional { p throws(Unreadable) in try p.readMoney() }
            case "customsValue": g.customsValue = try p.optional { p throws(Unreadable) in try p.readMoney() }
            case "countryOfOrigin": g.countryOfOrigin = try p.optionalString()
            case "containerNumbers": containerNumbers = try p.strings()
            case "dangerousGoods": dangerousGoods = try p.strings()
            default: return false
            }
            return true
        }
        g.sequence = try Self.required(sequence)
        g.containerNumbers = try Self.required(containerNumbers)
        g.dangerousGoods = try Self.required(dangerousGoods)
        return g
    }

    private mutating func readContainer() throws(Unreadable) -> Container {
        var number: String?, seals: [String]?, valid: Bool?, qualifier: String?
        var sizeType: String?, empty: Bool?, mass: Double?
        try object { p, key throws(Unreadable) in
            switch key {
            case "number": number = try p.string()
            case "sizeType": sizeType = try p.optionalString()
            case "seals": seals = try p.strings()
            case "empty": empty = try p.optional { p throws(Unreadable) in try p.bool() }
            case "grossMassKg": mass = try p.optionalDouble()
            case "checkDigitValid": valid = try p.bool()
            case "equipmentQualifier": qualifier = try p.string()
            default: return false
            }
            return true
        }
        return Container(number: try Self.required(number), sizeType: sizeType, seals: try Self.required(seals),
                         empty: empty, grossMassKg: mass, checkDigitValid: try Self.required(valid),
                         equipmentQualifier: try Self.required(qualifier))
    }

    private mutating func readConveyance() throws(Unreadable) -> Conveyance {
        var c = Conveyance()
        try object { p, key throws(Unreadable) in
            switch key {
            case "name": c.name = try p.optionalString()
            case "identifier": c.identifier = try p.optionalString()
            case "voyage": c.voyage = try p.optionalString()
            default: return false
            }
            return true
        }
        return c
    }

    private mutating func readLabel() throws(Unreadable) -> OutcomeLabel {
        var illicit: Bool?, critical: Bool?, revenue: Double?
        try object { p, key throws(Unreadable) in
            switch key {
            case "illicit": illicit = try p.bool()
            case "critical": critical = try p.optional { p throws(Unreadable) in try p.bool() }
            case "revenue": revenue = try p.optionalDouble()
            default: return false
            }
            return true
        }
        return OutcomeLabel(illicit: try Self.required(illicit), critical: critical, revenue: revenue)
    }

    private mutating func readIssue() throws(Unreadable) -> ValidationIssue {
        var severity: ValidationIssue.Severity?, field: String?, reason: String?
        try object { p, key throws(Unreadable) in
            switch key {
            case "severity": severity = try p.raw(ValidationIssue.Severity.self)
            case "field": field = try p.string()
            case "reason": reason = try p.string()
            default: return false
            }
            return true
        }
        return ValidationIssue(try Self.required(severity), field: try Self.required(field), reason: try Self.required(reason))
    }
}

extension PayloadReader {
    /// The consignment of a payload, or nil when this reader gives up on it.
    static func consignment(of payload: String) -> Consignment? {
        var text = payload
        return text.withUTF8 { bytes in
            var reader = PayloadReader(bytes)
            return try? reader.consignment()
        }
    }
}

extension Consignment {
    /// A consignment from its stored payload JSON: read by `PayloadReader`, or by JSONDecoder when that gives up.
    public init(payload: String) throws {
        self = try PayloadReader.consignment(of: payload) ?? JSONDecoder().decode(Consignment.self, from: Data(payload.utf8))
    }
}
