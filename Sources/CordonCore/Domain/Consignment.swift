/// What a transport or customs document is.
public enum DocumentKind: String, Codable, Sendable, CaseIterable {
    case billOfLading = "bl"
    case houseBillOfLading = "hbl"
    case airWaybill = "awb"
    case roadConsignmentNote = "cmr"
    case railConsignmentNote = "cim"
    case declaration = "declaration"
}

/// How the goods travel.
public enum TransportMode: String, Codable, Sendable, CaseIterable {
    case sea, air, road, rail, post, multimodal, other
}

/// The places a consignment passes, as UN/LOCODEs (or the codes the source used).
public struct Route: Hashable, Codable, Sendable {
    public var placeOfLoading: String?
    public var transshipment: [String]
    public var placeOfDischarge: String?
    public var placeOfDelivery: String?
    public var countryOfDeparture: String?
    public var countryOfDestination: String?

    public init(placeOfLoading: String? = nil, transshipment: [String] = [], placeOfDischarge: String? = nil,
                placeOfDelivery: String? = nil, countryOfDeparture: String? = nil,
                countryOfDestination: String? = nil) {
        self.placeOfLoading = placeOfLoading
        self.transshipment = transshipment
        self.placeOfDischarge = placeOfDischarge
        self.placeOfDelivery = placeOfDelivery
        self.countryOfDeparture = countryOfDeparture
        self.countryOfDestination = countryOfDestination
    }

    /// The places in travel order: loading, transshipment ports, discharge, delivery.
    public var places: [String] {
        ([placeOfLoading] + transshipment.map(Optional.some) + [placeOfDischarge, placeOfDelivery]).compactMap { $0 }
    }

    /// True when no place is known.
    public var isEmpty: Bool {
        placeOfLoading == nil && transshipment.isEmpty && placeOfDischarge == nil && placeOfDelivery == nil
            && countryOfDeparture == nil && countryOfDestination == nil
    }
}

/// The part a party plays in a consignment.
public enum PartyRole: String, Codable, Sendable, CaseIterable {
    case shipper, consignee, notifyParty = "notify", declarant, carrier, importer, exporter, seller, buyer,
         courier, freightForwarder = "forwarder", other
}

/// A person or company named in a document.
public struct Party: Hashable, Codable, Sendable {
    public var role: PartyRole
    /// The identifier the source gave (trader number, EORI, code); may be pseudonymous.
    public var identifier: String?
    public var name: String?
    public var address: String?
    public var country: String?

    public init(role: PartyRole, identifier: String? = nil, name: String? = nil, address: String? = nil,
                country: String? = nil) {
        self.role = role
        self.identifier = identifier
        self.name = name
        self.address = address
        self.country = country
    }
}

/// An amount of money in a currency (ISO 4217), or in the node's currency when none is given.
public struct Money: Hashable, Codable, Sendable {
    public var amount: Double
    public var currency: String?

    public init(amount: Double, currency: String? = nil) {
        self.amount = amount
        self.currency = currency
    }
}

/// One goods item of a consignment (a declaration line).
public struct GoodsItem: Hashable, Codable, Sendable {
    public var sequence: Int
    /// Harmonized System code, digits only, 6 to 10 digits.
    public var hsCode: String?
    public var description: String?
    public var packages: Int?
    public var packageType: String?
    public var quantity: Double?
    public var quantityUnit: String?
    public var grossMassKg: Double?
    public var netMassKg: Double?
    public var invoiceValue: Money?
    public var customsValue: Money?
    public var countryOfOrigin: String?
    public var containerNumbers: [String]
    /// UN numbers of dangerous goods declared for the item.
    public var dangerousGoods: [String]

    public init(sequence: Int, hsCode: String? = nil, description: String? = nil, packages: Int? = nil,
                packageType: String? = nil, quantity: Double? = nil, quantityUnit: String? = nil,
                grossMassKg: Double? = nil, netMassKg: Double? = nil, invoiceValue: Money? = nil,
                customsValue: Money? = nil, countryOfOrigin: String? = nil, containerNumbers: [String] = [],
                dangerousGoods: [String] = []) {
        self.sequence = sequence
        self.hsCode = hsCode
        self.description = description
        self.packages = packages
        self.packageType = packageType
        self.quantity = quantity
        self.quantityUnit = quantityUnit
        self.grossMassKg = grossMassKg
        self.netMassKg = netMassKg
        self.invoiceValue = invoiceValue
        self.customsValue = customsValue
        self.countryOfOrigin = countryOfOrigin
        self.containerNumbers = containerNumbers
        self.dangerousGoods = dangerousGoods
    }
}

/// The means of transport of a consignment (vessel, flight, truck).
public struct Conveyance: Hashable, Codable, Sendable {
    public var name: String?
    /// IMO number, flight number or registration plate.
    public var identifier: String?
    public var voyage: String?

    public init(name: String? = nil, identifier: String? = nil, voyage: String? = nil) {
        self.name = name
        self.identifier = identifier
        self.voyage = voyage
    }
}

/// An outcome already known for a historical record (the labels of KCS and BACUDA files).
public struct OutcomeLabel: Hashable, Codable, Sendable {
    public var illicit: Bool
    public var critical: Bool?
    /// Revenue recovered when the fraud was found, in the node's currency.
    public var revenue: Double?

    public init(illicit: Bool, critical: Bool? = nil, revenue: Double? = nil) {
        self.illicit = illicit
        self.critical = critical
        self.revenue = revenue
    }
}

/// One transport document (B/L, AWB, CMR) or customs declaration with everything it says.
public struct Consignment: Hashable, Codable, Sendable {
    public var kind: DocumentKind
    /// B/L, AWB or declaration number: with `kind`, identifies the document across versions.
    public var documentNumber: String
    public var date: CalendarDate
    public var mode: TransportMode?
    /// The customs office or unit location that received the document.
    public var office: String?
    public var route: Route
    public var parties: [Party]
    public var goods: [GoodsItem]
    public var containers: [Container]
    public var conveyance: Conveyance?
    public var arrival: CalendarDate?
    /// Fields of the source that have no typed home (tax type, process type, payment terms, ...).
    public var attributes: [String: String]
    public var label: OutcomeLabel?
    /// Warnings found while validating (unknown UN/LOCODE, container check digit, ...); never reasons to reject.
    public var warnings: [ValidationIssue]

    public init(kind: DocumentKind, documentNumber: String, date: CalendarDate, mode: TransportMode? = nil,
                office: String? = nil, route: Route = Route(), parties: [Party] = [], goods: [GoodsItem] = [],
                containers: [Container] = [], conveyance: Conveyance? = nil, arrival: CalendarDate? = nil,
                attributes: [String: String] = [:], label: OutcomeLabel? = nil, warnings: [ValidationIssue] = []) {
        self.kind = kind
        self.documentNumber = documentNumber
        self.date = date
        self.mode = mode
        self.office = office
        self.route = route
        self.parties = parties
        self.goods = goods
        self.containers = containers
        self.conveyance = conveyance
        self.arrival = arrival
        self.attributes = attributes
        self.label = label
        self.warnings = warnings
    }

    /// The first party with the role, if any.
    public func party(_ role: PartyRole) -> Party? {
        parties.first { $0.role == role }
    }
}
