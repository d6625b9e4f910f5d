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
        let errors = check(&c)
        return errors.isEmpty ? .accepted(c) : .rejected(errors)
    }

    /// Validates and normalises `c` in place: the errors that reject it (none when it is accepted, with its
    /// warnings added to it). A caller that keeps the consignment in place spares it a copy of its texts.
    public func check(_ c: inout Consignment) -> [ValidationIssue] {
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

        // Each goods item is moved out of the array, checked and moved back: reading a field through the array's
        // subscript copied the whole item (a retain and a release of each of its texts) for every goods item of a file.
        for i in c.goods.indices {
            var item = GoodsItem(sequence: 0)
            swap(&item, &c.goods[i])
            check(&item, i, &issues)
            swap(&item, &c.goods[i])
        }

        for i in c.containers.indices {
            checkContainer(&c.containers[i], "containers[\(i)]", &issues)
        }

        if issues.isEmpty { return [] }
        let errors = issues.filter { $0.severity == .error }
        if !errors.isEmpty { return errors }
        if c.warnings.isEmpty { c.warnings = issues } else { c.warnings += issues }
        return []
    }

    /// Checks and normalises one goods item, the `i`th of its consignment.
    func check(_ item: inout GoodsItem, _ i: Int, _ issues: inout [ValidationIssue]) {
        // Paths are built only for an issue: most goods have none, and this runs for every row of a file.
        func path(_ field: String) -> String { i == 0 ? "goods[0]." + field : "goods[\(i)].\(field)" }
        if let raw = item.hsCode {
            switch HSCode.check(raw, lists: lists) {
            case .valid(let code, let warning):
                if code != raw { item.hsCode = code }
                if let warning { issues.append(.warning(path("hsCode"), warning)) }
            case .invalid(let reason):
                issues.append(.error(path("hsCode"), "'\(raw)': \(reason)"))
            }
        }
        if item.countryOfOrigin != nil {
            item.countryOfOrigin = country(item.countryOfOrigin, path("countryOfOrigin"), &issues)
        }
        nonNegative(item.grossMassKg, path("grossMassKg"), &issues)
        nonNegative(item.netMassKg, path("netMassKg"), &issues)
        nonNegative(item.quantity, path("quantity"), &issues)
        nonNegative(item.invoiceValue?.amount, path("invoiceValue"), &issues)
        nonNegative(item.customsValue?.amount, path("customsValue"), &issues)
        if let currency = item.invoiceValue?.currency {
            item.invoiceValue?.currency = self.currency(currency, path("invoiceValue.currency"), &issues)
        }
        if let currency = item.customsValue?.currency {
            item.customsValue?.currency = self.currency(currency, path("customsValue.currency"), &issues)
        }
        if let p = item.packages, p < 0 { issues.append(.error(path("packages"), "is negative (\(p))")) }
        for k in item.containerNumbers.indices {
            let number = ContainerNumber.normalize(item.containerNumbers[k])
            if number != item.containerNumbers[k] { item.containerNumbers[k] = number }
        }
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
