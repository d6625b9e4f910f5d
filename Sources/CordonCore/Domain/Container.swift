/// A piece of equipment carrying a consignment: a freight container (ISO 6346) or other transport equipment.
public struct Container: Hashable, Codable, Sendable {
    /// The equipment identifier; for a freight container, the normalised ISO 6346 number.
    public var number: String
    /// ISO 6346 size and type code, e.g. `42G1`.
    public var sizeType: String?
    public var seals: [String]
    /// True for an empty container.
    public var empty: Bool?
    public var grossMassKg: Double?
    /// False when the ISO 6346 check digit does not match: kept, since the mismatch is itself a risk signal.
    public var checkDigitValid: Bool
    /// UN/EDIFACT equipment qualifier (8053): `CN` container, `TE` trailer, `RR` rail car, ...; only `CN` is ISO 6346.
    public var equipmentQualifier: String

    public init(number: String, sizeType: String? = nil, seals: [String] = [], empty: Bool? = nil,
                grossMassKg: Double? = nil, checkDigitValid: Bool = true, equipmentQualifier: String = "CN") {
        self.number = number
        self.equipmentQualifier = equipmentQualifier
        self.sizeType = sizeType
        self.seals = seals
        self.empty = empty
        self.grossMassKg = grossMassKg
        self.checkDigitValid = checkDigitValid
    }
}

/// A vessel's stowage plan (BAPLIE): which container sits where, loaded where, for where.
public struct BayPlan: Hashable, Codable, Sendable {
    /// The message reference (BGM document number or UNH reference); with the vessel and voyage, the identity.
    public var reference: String
    public var vesselName: String?
    /// IMO number or call sign.
    public var vesselIdentifier: String?
    public var voyage: String?
    public var portOfDeparture: String?
    public var nextPortOfCall: String?
    public var departure: CalendarDate?
    public var containers: [StowedContainer]
    public var warnings: [ValidationIssue]

    public init(reference: String, vesselName: String? = nil, vesselIdentifier: String? = nil, voyage: String? = nil,
                portOfDeparture: String? = nil, nextPortOfCall: String? = nil, departure: CalendarDate? = nil,
                containers: [StowedContainer] = [], warnings: [ValidationIssue] = []) {
        self.reference = reference
        self.vesselName = vesselName
        self.vesselIdentifier = vesselIdentifier
        self.voyage = voyage
        self.portOfDeparture = portOfDeparture
        self.nextPortOfCall = nextPortOfCall
        self.departure = departure
        self.containers = containers
        self.warnings = warnings
    }
}

/// One container in a bay plan, with its stowage position and cargo facts.
public struct StowedContainer: Hashable, Codable, Sendable {
    public var container: Container
    /// Bay-row-tier stowage position (ISO 9711), e.g. `0200688`.
    public var position: String?
    public var portOfLoading: String?
    public var portOfDischarge: String?
    public var placeOfDelivery: String?
    public var operatorCode: String?
    /// Temperature setting for a reefer, in degrees Celsius.
    public var temperatureC: Double?
    public var dangerousGoods: [DangerousGoods]
    public var full: Bool?

    public init(container: Container, position: String? = nil, portOfLoading: String? = nil,
                portOfDischarge: String? = nil, placeOfDelivery: String? = nil, operatorCode: String? = nil,
                temperatureC: Double? = nil, dangerousGoods: [DangerousGoods] = [], full: Bool? = nil) {
        self.container = container
        self.position = position
        self.portOfLoading = portOfLoading
        self.portOfDischarge = portOfDischarge
        self.placeOfDelivery = placeOfDelivery
        self.operatorCode = operatorCode
        self.temperatureC = temperatureC
        self.dangerousGoods = dangerousGoods
        self.full = full
    }
}

/// A dangerous-goods declaration: IMDG class and UN number.
public struct DangerousGoods: Hashable, Codable, Sendable {
    public var imdgClass: String?
    public var unNumber: String?

    public init(imdgClass: String? = nil, unNumber: String? = nil) {
        self.imdgClass = imdgClass
        self.unNumber = unNumber
    }
}
