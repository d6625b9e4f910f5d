import CordonCore

/// The cargo data formats Cordon reads.
public enum CargoFormat: String, CaseIterable, Sendable {
    /// Korea Customs Service import declarations (the KCS synthetic data set columns).
    case kcs
    /// WCO BACUDA / DATE declarations, plain or with the container-control columns.
    case bacuda
    /// Any CSV manifest, with a JSON mapping file.
    case manifest
    /// UN/EDIFACT CUSCAR customs cargo report.
    case cuscar
    /// UN/EDIFACT BAPLIE bay plan.
    case baplie

    public var isCSV: Bool { self == .kcs || self == .bacuda || self == .manifest }
}

extension ColumnMapping {
    /// The built-in mapping of a CSV format (nil for `manifest`, which needs a mapping file, and for EDIFACT).
    public static func builtIn(for format: CargoFormat) -> ColumnMapping? {
        switch format {
        case .kcs: return .kcs
        case .bacuda: return .bacuda
        default: return nil
        }
    }

    /// The columns of the KCS import declaration data set.
    public static let kcs = ColumnMapping(
        kind: .declaration, dateFormat: "yyyy-MM-dd", places: "standard", hsCodeWidth: 6,
        columns: [
            "Declaration ID": "documentNumber", "Date": "date", "Office ID": "office",
            "Process Type": "attributes.processType", "Import Type": "attributes.importType",
            "Import Use": "attributes.importUse", "Payment Type": "attributes.paymentType",
            "Mode of Transport": "mode", "Declarant ID": "parties.declarant.identifier",
            "Importer ID": "parties.importer.identifier", "Seller ID": "parties.seller.identifier",
            "Courier ID": "parties.courier.identifier", "HS6 Code": "goods.hsCode",
            "Country of Departure": "route.countryOfDeparture", "Country of Origin": "goods.countryOfOrigin",
            "Tax Rate": "attributes.taxRate", "Tax Type": "attributes.taxType",
            "Country of Origin Indicator": "attributes.originIndicator", "Net Mass": "goods.netMassKg",
            "Item Price": "goods.customsValue", "Fraud": "label.illicit", "Critical Fraud": "label.critical",
        ],
        // KCS transport mode codes: 10 sea, 20 rail, 40 air, 50 post; others are kept as given.
        // "Critical Fraud" is a class in the data (0 none, 1 fraud, 2 critical fraud), not a 0/1 flag.
        values: ["mode": ["10": "sea", "20": "rail", "40": "air", "50": "post"],
                 "label.critical": ["1": "0", "2": "1"]],
        required: ["documentNumber", "date", "goods.hsCode"], groupRows: false)

    /// The columns of WCO BACUDA / DATE declarations; the rich variant adds the container-control columns.
    /// Countries, offices and ports are pseudonymised in this format, so they are kept as opaque codes.
    public static let bacuda = ColumnMapping(
        kind: .declaration, dateFormat: "yy-MM-dd", places: "pseudonymous", hsCodeWidth: 10,
        columns: [
            "sgd.id": "documentNumber", "sgd.date": "date", "importer.id": "parties.importer.identifier",
            "declarant.id": "parties.declarant.identifier", "country": "goods.countryOfOrigin",
            "office.id": "office", "tariff.code": "goods.hsCode", "quantity": "goods.quantity",
            "gross.weight": "goods.grossMassKg", "fob.value": "goods.invoiceValue", "cif.value": "goods.customsValue",
            "total.taxes": "attributes.totalTaxes", "illicit": "label.illicit", "revenue": "label.revenue",
            "container.no": "container.number", "port.loading": "route.placeOfLoading",
            "port.transship": "route.transshipment", "shipper.name": "parties.shipper.name",
            "consignee.name": "parties.consignee.name", "goods.description": "goods.description",
            "payment.terms": "attributes.paymentTerms", "mode": "mode",
        ],
        required: ["documentNumber", "date", "goods.hsCode"], groupRows: false)
}
