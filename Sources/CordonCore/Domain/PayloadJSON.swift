/// A fast JSON writer for stored records. The stored payload is written on the hot path of ingest, where
/// Foundation's JSONEncoder cost more than parsing and validation together; the output is the same JSON that
/// `JSONEncoder` with sorted keys produces for these types, and it decodes with `JSONDecoder`.
public struct PayloadWriter {
    public internal(set) var bytes: [UInt8] = []

    public init() { bytes.reserveCapacity(1024) }

    mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func string(_ s: String) {
        var s = s
        // One pass over contiguous UTF-8 (a native string's own storage, no copy) to see whether anything needs an
        // escape; most values need none and go in with one copy.
        s.withUTF8 { utf8 in
            bytes.append(34)
            if !utf8.contains(where: { $0 < 32 || $0 == 34 || $0 == 92 }) {
                bytes.append(contentsOf: utf8)
            } else {
                for b in utf8 { escaped(b) }
            }
            bytes.append(34)
        }
    }

    private mutating func escaped(_ b: UInt8) {
        switch b {
        case 34: bytes.append(92); bytes.append(34)
        case 92: bytes.append(92); bytes.append(92)
        case 10: bytes.append(92); bytes.append(110)
        case 13: bytes.append(92); bytes.append(114)
        case 9: bytes.append(92); bytes.append(116)
        case 0..<32:
            let hex: StaticString = "0123456789abcdef"
            hex.withUTF8Buffer { h in bytes.append(contentsOf: [92, 117, 48, 48, h[Int(b >> 4)], h[Int(b & 15)]]) }
        default: bytes.append(b)
        }
    }

    mutating func number(_ v: Double) {
        // Validation rejects non-finite numbers before anything is stored; null keeps the JSON well-formed.
        guard v.isFinite else { raw("null"); return }
        if v == v.rounded(), abs(v) < 1e15 { bytes.append(contentsOf: String(Int64(v)).utf8) }
        else { bytes.append(contentsOf: v.description.utf8) }
    }

    mutating func number(_ v: Int) { bytes.append(contentsOf: String(v).utf8) }

    mutating func bool(_ v: Bool) { if v { raw("true") } else { raw("false") } }
}

/// An object being written: keys must come in sorted order, as JSONEncoder's `.sortedKeys` writes them.
struct ObjectWriter {
    var first = true

    /// Keys are plain ASCII written in the code: their bytes go in as they are, without an escape check.
    mutating func key(_ k: StaticString, _ w: inout PayloadWriter) {
        if !first { w.bytes.append(44) }
        first = false
        w.bytes.append(34)
        k.withUTF8Buffer { w.bytes.append(contentsOf: $0) }
        w.bytes.append(34)
        w.bytes.append(58)
    }
}

/// A value that writes itself as payload JSON.
public protocol PayloadEncodable {
    func write(to w: inout PayloadWriter)
}

extension PayloadEncodable {
    /// The payload JSON of the value.
    public var payloadJSON: [UInt8] {
        var w = PayloadWriter()
        write(to: &w)
        return w.bytes
    }
}

extension PayloadWriter {
    mutating func object(_ body: (inout ObjectWriter, inout PayloadWriter) -> Void) {
        bytes.append(123)
        var o = ObjectWriter()
        body(&o, &self)
        bytes.append(125)
    }

    /// A dictionary of strings as an object, keys in byte order (as JSONEncoder's `.sortedKeys` puts them).
    mutating func stringMap(_ map: [String: String]) {
        func precedes(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }
        object { o, w in
            func pair(_ k: String, _ v: String) {
                if !o.first { w.bytes.append(44) }
                o.first = false
                w.string(k); w.bytes.append(58); w.string(v)
            }
            // Most maps (a document's attributes, a reason's values) have one or two entries: put in order without
            // the sorted copy, which every stored document and every reason of a target paid for.
            if map.count <= 2 {
                var pairs = map.makeIterator()
                guard let a = pairs.next() else { return }
                guard let b = pairs.next() else { pair(a.key, a.value); return }
                if precedes(a.key, b.key) { pair(a.key, a.value); pair(b.key, b.value) } else { pair(b.key, b.value); pair(a.key, a.value) }
                return
            }
            for (k, v) in map.sorted(by: { precedes($0.key, $1.key) }) { pair(k, v) }
        }
    }

    mutating func array<T>(_ items: [T], _ each: (T, inout PayloadWriter) -> Void) {
        bytes.append(91)
        for (i, item) in items.enumerated() {
            if i > 0 { bytes.append(44) }
            each(item, &self)
        }
        bytes.append(93)
    }
}

// Keys below are in the byte order JSONEncoder sorts them in (upper-case letters before lower-case).

extension Consignment: PayloadEncodable {
    public func write(to w: inout PayloadWriter) {
        w.object { o, w in
            if let arrival { o.key("arrival", &w); w.string(arrival.description) }
            o.key("attributes", &w); w.stringMap(attributes)
            o.key("containers", &w); w.array(containers) { $0.write(to: &$1) }
            if let conveyance { o.key("conveyance", &w); conveyance.write(to: &w) }
            o.key("date", &w); w.string(date.description)
            o.key("documentNumber", &w); w.string(documentNumber)
            o.key("goods", &w); w.array(goods) { $0.write(to: &$1) }
            o.key("kind", &w); w.string(kind.rawValue)
            if let label { o.key("label", &w); label.write(to: &w) }
            if let mode { o.key("mode", &w); w.string(mode.rawValue) }
            if let office { o.key("office", &w); w.string(office) }
            o.key("parties", &w); w.array(parties) { $0.write(to: &$1) }
            o.key("route", &w); route.write(to: &w)
            o.key("warnings", &w); w.array(warnings) { $0.write(to: &$1) }
        }
    }
}

extension Container: PayloadEncodable {
    public func write(to w: inout PayloadWriter) {
        w.object { o, w in
            o.key("checkDigitValid", &w); w.bool(checkDigitValid)
            if let empty { o.key("empty", &w); w.bool(empty) }
            o.key("equipmentQualifier", &w); w.string(equipmentQualifier)
            if let grossMassKg { o.key("grossMassKg", &w); w.number(grossMassKg) }
            o.key("number", &w); w.string(number)
            o.key("seals", &w); w.array(seals) { $1.string($0) }
            if let sizeType { o.key("sizeType", &w); w.string(sizeType) }
        }
    }
}

extension Conveyance: PayloadEncodable {
    public func write(to w: inout PayloadWriter) {
        w.object { o, w in
            if let identifier { o.key("identifier", &w); w.string(identifier) }
            if let name { o.key("name", &w); w.string(name) }
            if let voyage { o.key("voyage", &w); w.string(voyage) }
        }
    }
}

extension GoodsItem: PayloadEncodable {
    public func write(to w: inout PayloadWriter) {
        w.object { o, w in
            o.key("containerNumbers", &w); w.array(containerNumbers) { $1.string($0) }
            if let countryOfOrigin { o.key("countryOfOrigin", &w); w.string(countryOfOrigin) }
            if let customsValue { o.key("customsValue", &w); customsValue.write(to: &w) }
            o.key("dangerousGoods", &w); w.array(dangerousGoods) { $1.string($0) }
            if let description { o.key("description", &w); w.string(description) }
            if let grossMassKg { o.key("grossMassKg", &w); w.number(grossMassKg) }
            if let hsCode { o.key("hsCode", &w); w.string(hsCode) }
            if let invoiceValue { o.key("invoiceValue", &w); invoiceValue.write(to: &w) }
            if let netMassKg { o.key("netMassKg", &w); w.number(netMassKg) }
            if let packageType { o.key("packageType", &w); w.string(packageType) }
            if let packages { o.key("packages", &w); w.number(packages) }
            if let quantity { o.key("quantity", &w); w.number(quantity) }
            if let quantityUnit { o.key("quantityUnit", &w); w.string(quantityUnit) }
            o.key("sequence", &w); w.number(sequence)
        }
    }
}

extension Money: PayloadEncodable {
    public func write(to w: inout PayloadWriter) {
        w.object { o, w in
            o.key("amount", &w); w.number(amount)
            if let currency { o.key("currency", &w); w.string(currency) }
        }
    }
}

extension OutcomeLabel: PayloadEncodable {
    public func write(to w: inout PayloadWriter) {
        w.object { o, w in
            if let critical { o.key("critical", &w); w.bool(critical) }
            o.key("illicit", &w); w.bool(illicit)
            if let revenue { o.key("revenue", &w); w.number(revenue) }
        }
    }
}

extension Party: PayloadEncodable {
    public func write(to w: inout PayloadWriter) {
        w.object { o, w in
            if let address { o.key("address", &w); w.string(address) }
            if let country { o.key("country", &w); w.string(country) }
            if let identifier { o.key("identifier", &w); w.string(identifier) }
            if let name { o.key("name", &w); w.string(name) }
            o.key("role", &w); w.string(role.rawValue)
        }
    }
}

extension Route: PayloadEncodable {
    public func write(to w: inout PayloadWriter) {
        w.object { o, w in
            if let countryOfDeparture { o.key("countryOfDeparture", &w); w.string(countryOfDeparture) }
            if let countryOfDestination { o.key("countryOfDestination", &w); w.string(countryOfDestination) }
            if let placeOfDelivery { o.key("placeOfDelivery", &w); w.string(placeOfDelivery) }
            if let placeOfDischarge { o.key("placeOfDischarge", &w); w.string(placeOfDischarge) }
            if let placeOfLoading { o.key("placeOfLoading", &w); w.string(placeOfLoading) }
            o.key("transshipment", &w); w.array(transshipment) { $1.string($0) }
        }
    }
}

extension ValidationIssue: PayloadEncodable {
    public func write(to w: inout PayloadWriter) {
        w.object { o, w in
            o.key("field", &w); w.string(field)
            o.key("reason", &w); w.string(reason)
            o.key("severity", &w); w.string(severity.rawValue)
        }
    }
}

extension String: PayloadEncodable {
    public func write(to w: inout PayloadWriter) { w.string(self) }
}

extension Array: PayloadEncodable where Element: PayloadEncodable {
    public func write(to w: inout PayloadWriter) { w.array(self) { $0.write(to: &$1) } }
}

extension Reason: PayloadEncodable {
    /// `{"code": ..., "values": {...}}` with the values in key order: the same reasons are the same text, which
    /// readers that decode each distinct text once (the queue page) profit from.
    public func write(to w: inout PayloadWriter) {
        w.object { o, w in
            o.key("code", &w); w.string(code)
            o.key("values", &w); w.stringMap(values)
        }
    }
}
