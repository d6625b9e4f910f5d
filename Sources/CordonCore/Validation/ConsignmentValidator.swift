/// Validates and normalises a consignment against the standards before it is stored.
public struct ConsignmentValidator: Sendable {
    /// Whether country and place codes are real ISO 3166 / UN/LOCODE codes or pseudonyms (as in BACUDA data).
    public enum CodeSystem: Sendable {
        case standard, pseudonymous
    }

    public var places: CodeSystem
    public var lists: CodeLists

    public init(places: CodeSystem = .standard, lists: CodeLists = .bundled) {
        self.places = places
        self.lists = lists
    }

    /// The outcome: the normalised consignment with its warnings, or the errors that reject it.
    public enum Outcome: Sendable {
        case accepted(Consignment)
        case rejected([ValidationIssue])
    }

    /// Takes the consignment over (`consuming`): a caller done with it hands it on without a copy of its texts.
    public func validate(_ input: consuming Consignment) -> Outcome {
        var c = input
        var issues: [ValidationIssue] = []

        let doc = c.documentNumber.trimmingSpaces()
        if doc.isEmpty { issues.append(.error("documentNumber", "is empty")) }
        else if doc.count > 70 { issues.append(.error("documentNumber", "is \(doc.count) characters long, at most 70")) }
        c.documentNumber = doc

        c.route.placeOfLoading = place(c.route.placeOfLoading, "route.placeOfLoading", &issues)
        c.route.placeOfDischarge = place(c.route.placeOfDischarge, "route.placeOfDischarge", &issues)
        c.route.placeOfDelivery = place(c.route.placeOfDelivery, "route.placeOfDelivery", &issues)
        if !c.route.transshipment.isEmpty {
            c.route.transshipment = c.route.transshipment.enumerated().compactMap { i, p in
                place(p, "route.transshipment[\(i)]", &issues)
            }
        }
        c.route.countryOfDeparture = country(c.route.countryOfDeparture, "route.countryOfDeparture", &issues)
        c.route.countryOfDestination = country(c.route.countryOfDestination, "route.countryOfDestination", &issues)
        for i in c.parties.indices where c.parties[i].country != nil {
            c.parties[i].country = country(c.parties[i].country, "parties[\(i)].country", &issues)
        }

        // Goods are checked in place: a copy of an item out of the array and back retained and released its texts.
        for i in c.goods.indices {
            // Paths are built only for an issue: most goods have none, and this runs for every row of a file.
            func path(_ field: String) -> String { "goods[\(i)].\(field)" }
            if let raw = c.goods[i].hsCode {
                switch HSCode.check(raw, lists: lists) {
                case .valid(let code, let warning):
                    if code != raw { c.goods[i].hsCode = code }
                    if let warning { issues.append(.warning(path("hsCode"), warning)) }
                case .invalid(let reason):
                    issues.append(.error(path("hsCode"), "'\(raw)': \(reason)"))
                }
            }
            if c.goods[i].countryOfOrigin != nil {
                c.goods[i].countryOfOrigin = country(c.goods[i].countryOfOrigin, path("countryOfOrigin"), &issues)
            }
            nonNegative(c.goods[i].grossMassKg, path("grossMassKg"), &issues)
            nonNegative(c.goods[i].netMassKg, path("netMassKg"), &issues)
            nonNegative(c.goods[i].quantity, path("quantity"), &issues)
            nonNegative(c.goods[i].invoiceValue?.amount, path("invoiceValue"), &issues)
            nonNegative(c.goods[i].customsValue?.amount, path("customsValue"), &issues)
            if let currency = c.goods[i].invoiceValue?.currency {
                c.goods[i].invoiceValue?.currency = self.currency(currency, path("invoiceValue.currency"), &issues)
            }
            if let currency = c.goods[i].customsValue?.currency {
                c.goods[i].customsValue?.currency = self.currency(currency, path("customsValue.currency"), &issues)
            }
            if let p = c.goods[i].packages, p < 0 { issues.append(.error(path("packages"), "is negative (\(p))")) }
            for k in c.goods[i].containerNumbers.indices {
                let number = ContainerNumber.normalize(c.goods[i].containerNumbers[k])
                if number != c.goods[i].containerNumbers[k] { c.goods[i].containerNumbers[k] = number }
            }
        }

        for i in c.containers.indices {
            checkContainer(&c.containers[i], "containers[\(i)]", &issues)
        }

        let errors = issues.filter { $0.severity == .error }
        if !errors.isEmpty { return .rejected(errors) }
        c.warnings += issues
        return .accepted(c)
    }

    /// Normalises a container; a wrong check digit is a warning (the container is kept and flagged),
    /// a number that is not ISO 6346 at all is an error.
    public func checkContainer(_ container: inout Container, _ path: @autoclosure () -> String, _ issues: inout [ValidationIssue]) {
        let number = ContainerNumber.normalize(container.number)
        container.number = number
        if number.isEmpty { issues.append(.error("\(path()).number", "is empty")); return }
        guard container.equipmentQualifier == "CN" else { return }
        switch ContainerNumber.check(number) {
        case .valid:
            container.checkDigitValid = true
        case .invalid(let reason):
            if ContainerNumber.isWellFormed(number) {
                container.checkDigitValid = false
                issues.append(.warning("\(path()).number", "\(number): ISO 6346 \(reason)"))
            } else {
                issues.append(.error("\(path()).number", "'\(number)' is not an ISO 6346 container number: \(reason)"))
            }
        }
        if let st = container.sizeType, !st.isEmpty, let warning = sizeTypeWarning(st) {
            issues.append(.warning("\(path()).sizeType", warning))
        }
    }

    func sizeTypeWarning(_ code: String) -> String? {
        let chars = Array(code.uppercased())
        guard chars.count == 4 else { return "'\(code)' is not a 4-character ISO 6346 size/type code" }
        if !lists.sizeLengthCodes.isEmpty && !lists.sizeLengthCodes.contains(chars[0]) {
            return "'\(code)': unknown length code \(chars[0])"
        }
        if !lists.sizeHeightCodes.isEmpty && !lists.sizeHeightCodes.contains(chars[1]) {
            return "'\(code)': unknown height/width code \(chars[1])"
        }
        if !lists.typeCodes.isEmpty && lists.typeCodes[String(chars[2...3])] == nil {
            return "'\(code)': unknown type code \(String(chars[2...3]))"
        }
        return nil
    }

    /// Normalises a place code, adding an error for a malformed UN/LOCODE and a warning for an unknown one.
    public func place(_ raw: String?, _ field: @autoclosure () -> String, _ issues: inout [ValidationIssue]) -> String? {
        guard let raw, !raw.isEmpty else { return nil }
        if places == .pseudonymous { return raw }
        switch LOCODE.check(raw, lists: lists) {
        case .valid(let code, let warning):
            if let warning { issues.append(.warning(field(), "\(code): \(warning)")) }
            return code
        case .invalid(let reason):
            issues.append(.error(field(), "'\(raw)' is not a UN/LOCODE: \(reason)"))
            return raw
        }
    }

    func country(_ raw: String?, _ field: @autoclosure () -> String, _ issues: inout [ValidationIssue]) -> String? {
        guard let raw, !raw.isEmpty else { return nil }
        if places == .pseudonymous { return raw }
        switch CountryCode.check(raw, lists: lists) {
        case .valid(let code, _): return code
        case .invalid(let reason):
            issues.append(.error(field(), reason))
            return raw
        }
    }

    func currency(_ raw: String?, _ field: @autoclosure () -> String, _ issues: inout [ValidationIssue]) -> String? {
        guard let raw, !raw.isEmpty else { return nil }
        switch CurrencyCode.check(raw, lists: lists) {
        case .valid(let code, _): return code
        case .invalid(let reason):
            issues.append(.error(field(), reason))
            return raw
        }
    }

    func nonNegative(_ value: Double?, _ field: @autoclosure () -> String, _ issues: inout [ValidationIssue]) {
        guard let value else { return }
        if value.isNaN || value.isInfinite { issues.append(.error(field(), "is not a number")) }
        else if value < 0 { issues.append(.error(field(), "is negative (\(value))")) }
    }
}
