import CordonCore
import CordonStore
import Foundation

// The API's JSON shapes, in snake_case on the wire (the coders convert), kept apart from the stored domain
// types so that the API stays stable while storage changes. /openapi.json describes each of them.

/// A consignment as the API takes it in and gives it out; only kind, number and date are required.
struct APIConsignment: Codable, Sendable {
    var kind: DocumentKind
    var documentNumber: String
    var date: CalendarDate
    var mode: TransportMode?
    var office: String?
    var route: APIRoute?
    var parties: [APIParty]?
    var goods: [APIGoods]?
    var containers: [APIContainer]?
    var conveyance: APIConveyance?
    var arrival: CalendarDate?
    var attributes: [String: String]?
    /// Output only: what validation noted without rejecting.
    var warnings: [APIIssue]?

    struct APIRoute: Codable, Sendable {
        var placeOfLoading: String?
        var transshipment: [String]?
        var placeOfDischarge: String?
        var placeOfDelivery: String?
        var countryOfDeparture: String?
        var countryOfDestination: String?
    }

    struct APIParty: Codable, Sendable {
        var role: PartyRole
        var identifier: String?
        var name: String?
        var address: String?
        var country: String?
    }

    struct APIMoney: Codable, Sendable {
        var amount: Double
        var currency: String?
    }

    struct APIGoods: Codable, Sendable {
        var sequence: Int?
        var hsCode: String?
        var description: String?
        var packages: Int?
        var packageType: String?
        var quantity: Double?
        var quantityUnit: String?
        var grossMassKg: Double?
        var netMassKg: Double?
        var invoiceValue: APIMoney?
        var customsValue: APIMoney?
        var countryOfOrigin: String?
        var containerNumbers: [String]?
    }

    struct APIContainer: Codable, Sendable {
        var number: String
        var sizeType: String?
        var seals: [String]?
        /// Output only.
        var checkDigitValid: Bool?
    }

    struct APIConveyance: Codable, Sendable {
        var name: String?
        var identifier: String?
        var voyage: String?
    }

    struct APIIssue: Codable, Sendable {
        var field: String
        var reason: String
    }

    var domain: Consignment {
        let r = route
        return Consignment(
            kind: kind, documentNumber: documentNumber, date: date, mode: mode, office: office,
            route: Route(placeOfLoading: r?.placeOfLoading, transshipment: r?.transshipment ?? [], placeOfDischarge: r?.placeOfDischarge,
                         placeOfDelivery: r?.placeOfDelivery, countryOfDeparture: r?.countryOfDeparture,
                         countryOfDestination: r?.countryOfDestination),
            parties: (parties ?? []).map { Party(role: $0.role, identifier: $0.identifier, name: $0.name, address: $0.address, country: $0.country) },
            goods: (goods ?? []).enumerated().map { i, g in
                GoodsItem(sequence: g.sequence ?? i + 1, hsCode: g.hsCode, description: g.description, packages: g.packages,
                          packageType: g.packageType, quantity: g.quantity, quantityUnit: g.quantityUnit, grossMassKg: g.grossMassKg,
                          netMassKg: g.netMassKg, invoiceValue: g.invoiceValue.map { Money(amount: $0.amount, currency: $0.currency) },
                          customsValue: g.customsValue.map { Money(amount: $0.amount, currency: $0.currency) },
                          countryOfOrigin: g.countryOfOrigin, containerNumbers: g.containerNumbers ?? [])
            },
            containers: (containers ?? []).map { Container(number: $0.number, sizeType: $0.sizeType, seals: $0.seals ?? []) },
            conveyance: conveyance.map { Conveyance(name: $0.name, identifier: $0.identifier, voyage: $0.voyage) },
            arrival: arrival, attributes: attributes ?? [:])
    }

    init(_ c: Consignment) {
        kind = c.kind
        documentNumber = c.documentNumber
        date = c.date
        mode = c.mode
        office = c.office
        route = APIRoute(placeOfLoading: c.route.placeOfLoading, transshipment: c.route.transshipment, placeOfDischarge: c.route.placeOfDischarge,
                         placeOfDelivery: c.route.placeOfDelivery, countryOfDeparture: c.route.countryOfDeparture,
                         countryOfDestination: c.route.countryOfDestination)
        parties = c.parties.map { APIParty(role: $0.role, identifier: $0.identifier, name: $0.name, address: $0.address, country: $0.country) }
        goods = c.goods.map { g in
            APIGoods(sequence: g.sequence, hsCode: g.hsCode, description: g.description, packages: g.packages, packageType: g.packageType,
                     quantity: g.quantity, quantityUnit: g.quantityUnit, grossMassKg: g.grossMassKg, netMassKg: g.netMassKg,
                     invoiceValue: g.invoiceValue.map { APIMoney(amount: $0.amount, currency: $0.currency) },
                     customsValue: g.customsValue.map { APIMoney(amount: $0.amount, currency: $0.currency) },
                     countryOfOrigin: g.countryOfOrigin, containerNumbers: g.containerNumbers)
        }
        containers = c.containers.map { APIContainer(number: $0.number, sizeType: $0.sizeType, seals: $0.seals, checkDigitValid: $0.checkDigitValid) }
        conveyance = c.conveyance.map { APIConveyance(name: $0.name, identifier: $0.identifier, voyage: $0.voyage) }
        arrival = c.arrival
        attributes = c.attributes
        warnings = c.warnings.map { APIIssue(field: $0.field, reason: $0.reason) }
    }
}

/// What a batch of consignments sent to the API became, with the reasons of the rejected ones.
struct APIIntakeSummary: Codable, Sendable {
    var accepted: Int
    var duplicates: Int
    var rejected: Int
    var consignments: Int
    var containers: Int
    var rejects: [Reject]

    struct Reject: Codable, Sendable {
        /// Position in the sent list, from 0.
        var index: Int
        var field: String
        var reason: String
    }
}

/// A target of a unit's day.
struct APITarget: Codable, Sendable {
    var consignmentId: Int
    var kind: DocumentKind
    var documentNumber: String
    var rank: Int
    var score: Double
    var lane: Lane
    var selection: SelectionReason
    var reasons: [String]
    var profiles: [String]
    var containers: [String]
    var route: [String]
}

/// A unit's day of targets, one page of it.
struct APITargetList: Codable, Sendable {
    var unit: String
    var date: CalendarDate
    var total: Int
    var targets: [APITarget]
}

/// A seizure line on the wire.
struct APISeizureLine: Codable, Sendable {
    var category: CommodityCategory
    var goods: String
    var quantity: Double
    var unit: String
    var concealment: String?
    var estimatedValue: Double?

    var domain: SeizureLine {
        SeizureLine(category: category, goods: goods, quantity: quantity, unit: category == .cash ? unit.uppercased() : unit,
                    concealment: concealment, estimatedValue: estimatedValue)
    }

    init(_ l: SeizureLine) {
        category = l.category
        goods = l.goods
        quantity = l.quantity
        unit = l.unit
        concealment = l.concealment
        estimatedValue = l.estimatedValue
    }
}

/// An inspection result sent to the API.
struct APIResultInput: Codable, Sendable {
    var kind: DocumentKind?
    var documentNumber: String
    var unit: String
    var outcome: InspectionOutcome
    var method: InspectionMethod
    var date: CalendarDate?
    var notes: String?
    var revenue: Double?
    var seizures: [APISeizureLine]?
    /// Only the recording user's agency reads the notes and seizure lines.
    var restricted: Bool?
    /// The joint operation the control was made for, and the people arrested.
    var operation: String?
    var arrests: Int?
}

/// An inspection result as the API shows it.
struct APIResult: Codable, Sendable {
    var unit: String
    var date: CalendarDate
    var outcome: InspectionOutcome
    var method: InspectionMethod
    var notes: String?
    var revenue: Double?
    var recordedBy: String
    var seizures: [APISeizureLine]
    /// The agency that alone reads the notes and seizure lines (left out for other readers).
    var restrictedTo: String?
}

/// Where and how a consignment was targeted.
struct APITargeting: Codable, Sendable {
    var unit: String
    var date: CalendarDate
    var rank: Int
    var score: Double
    var lane: Lane
    var selection: SelectionReason
    var reasons: [String]
}

/// A consignment with its targetings and results, as the reader may see them.
struct APIConsignmentDetail: Codable, Sendable {
    var id: Int
    var consignment: APIConsignment
    var targetings: [APITargeting]
    var results: [APIResult]
}

/// A row of the seizures register.
struct APISeizure: Codable, Sendable {
    var resultId: Int
    var consignmentId: Int
    var kind: DocumentKind
    var documentNumber: String
    var unit: String
    var date: CalendarDate
    var method: InspectionMethod
    var category: CommodityCategory
    var goods: String
    var quantity: Double
    var quantityUnit: String
    var concealment: String?
    var estimatedValue: Double?
    var placeOfLoading: String?
    var hsCode: String?
    var recordedBy: String

    init(_ r: SeizureRecord) {
        resultId = r.resultID
        consignmentId = r.consignmentID
        kind = r.kind
        documentNumber = r.documentNumber
        unit = r.unit
        date = r.date
        method = r.method
        category = r.line.category
        goods = r.line.goods
        quantity = r.line.quantity
        quantityUnit = r.line.unit
        concealment = r.line.concealment
        estimatedValue = r.line.estimatedValue
        placeOfLoading = r.placeOfLoading
        hsCode = r.hsCode
        recordedBy = r.recordedBy
    }
}

/// One page of the seizures register.
struct APISeizureList: Codable, Sendable {
    var total: Int
    var seizures: [APISeizure]
}

/// Who the token speaks for.
struct APIMe: Codable, Sendable {
    var username: String
    var displayName: String
    var role: Role
    var agency: String
    var units: [String]
}

/// The id of something created.
struct APICreated: Codable, Sendable {
    var id: Int
}
