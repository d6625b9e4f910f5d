import CordonCore
import Foundation

/// A small deterministic random source, so that a demo node is the same every time it is made.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// What a demo consignment really is, which only a control reveals: clean, an irregularity, or seized goods.
enum DemoTruth: Sendable {
    case clean
    case irregularity(String)
    case seizure([SeizureLine])
}

/// Realistic cargo for a demo node: containers for its port or border crossing (bills of lading by sea, rail notes
/// by rail) and air waybills for its airport, with trade lanes, regular and new traders, watch-listed names, and a
/// few per cent of fraud whose patterns a unit learns: concealed cigarettes, heroin, precursors, counterfeits, cash,
/// protected wildlife, undervaluation.
struct DemoCargo {

    struct Lane {
        let origin: String
        let via: [String]
        let shippers: [String]
        let country: String
    }

    struct Goods {
        let hs: String
        let description: String
        let usdPerKg: Double
        let kg: ClosedRange<Double>
        let packageType: String
    }

    static let seaLanes = [
        Lane(origin: "CNLYG", via: ["TMKRW"], shippers: ["Lianyungang Haitong Trading Co., Ltd", "Jiangsu Sunrise Industrial Co., Ltd",
                                                          "Shandong Greenfield Import & Export Co."], country: "CN"),
        Lane(origin: "TRMER", via: ["GEPTI"], shippers: ["Mersin Anadolu Dis Ticaret A.S.", "Akdeniz Steel Export Ltd. Sti."], country: "TR"),
        Lane(origin: "IRBND", via: ["IRAMD"], shippers: ["Golden Crescent General Trading FZE", "Bandar Persian Commerce Co."], country: "IR"),
        Lane(origin: "PKKHI", via: ["IRBND", "IRAMD"], shippers: ["Indus Marble & Granite (Pvt) Ltd", "Karachi Dry Fruit Traders"], country: "PK"),
        Lane(origin: "RUMCX", via: [], shippers: ["ООО Каспийская Торговая Компания", "Dagestan Agro Export LLC"], country: "RU"),
        Lane(origin: "TMKRW", via: [], shippers: ["Turkmen Textile Export", "Balkan Chemical Trading"], country: "TM"),
    ]

    static let airLanes = [
        Lane(origin: "AEDXB", via: [], shippers: ["Al Noor General Trading LLC", "Golden Crescent General Trading FZE", "Desert Falcon Cargo LLC"], country: "AE"),
        Lane(origin: "TRIST", via: [], shippers: ["Bosphorus Tekstil A.S.", "Istanbul Express Kargo Ltd."], country: "TR"),
        Lane(origin: "CNCAN", via: [], shippers: ["Guangzhou Baiyun Footwear Co., Ltd", "Shenzhen Bright Electronics Co., Ltd"], country: "CN"),
        Lane(origin: "CNPVG", via: [], shippers: ["Shanghai Oriental Trading Co., Ltd"], country: "CN"),
        Lane(origin: "DEFRA", via: [], shippers: ["Rhein Medizintechnik GmbH", "Hessen Pharma Vertrieb GmbH"], country: "DE"),
        Lane(origin: "KRICN", via: [], shippers: ["Incheon Global Logistics Co."], country: "KR"),
        Lane(origin: "INDEL", via: [], shippers: ["Delhi Generic Pharma Pvt Ltd"], country: "IN"),
    ]

    static let seaGoods = [
        Goods(hs: "721049", description: "Galvanised steel sheets", usdPerKg: 0.9, kg: 18000...26000, packageType: "coils"),
        Goods(hs: "080810", description: "Fresh apples", usdPerKg: 0.8, kg: 15000...22000, packageType: "cartons"),
        Goods(hs: "081320", description: "Dried apricots", usdPerKg: 3.5, kg: 12000...20000, packageType: "bags"),
        Goods(hs: "680221", description: "Marble tiles, polished", usdPerKg: 0.6, kg: 20000...26000, packageType: "crates"),
        Goods(hs: "940360", description: "Wooden furniture", usdPerKg: 3, kg: 5000...9000, packageType: "packages"),
        Goods(hs: "841810", description: "Combined refrigerator-freezers", usdPerKg: 4, kg: 6000...9000, packageType: "units"),
        Goods(hs: "481820", description: "Paper napkins", usdPerKg: 1.2, kg: 6000...10000, packageType: "cartons"),
        Goods(hs: "390110", description: "Polyethylene granules", usdPerKg: 1.1, kg: 20000...25000, packageType: "bags"),
        Goods(hs: "381400", description: "Organic composite solvents", usdPerKg: 1.5, kg: 10000...18000, packageType: "drums"),
        Goods(hs: "854449", description: "Insulated electric cables", usdPerKg: 6, kg: 8000...12000, packageType: "drums"),
    ]

    static let airGoods = [
        Goods(hs: "847130", description: "Portable computers", usdPerKg: 120, kg: 200...1500, packageType: "cartons"),
        Goods(hs: "851713", description: "Smartphones", usdPerKg: 300, kg: 100...800, packageType: "cartons"),
        Goods(hs: "300490", description: "Medicaments in doses", usdPerKg: 60, kg: 50...600, packageType: "cartons"),
        Goods(hs: "610910", description: "Cotton T-shirts", usdPerKg: 12, kg: 200...1500, packageType: "bales"),
        Goods(hs: "640411", description: "Sports footwear", usdPerKg: 18, kg: 200...1200, packageType: "cartons"),
        Goods(hs: "330300", description: "Perfumes", usdPerKg: 45, kg: 50...400, packageType: "cartons"),
        Goods(hs: "950300", description: "Toys", usdPerKg: 8, kg: 100...1500, packageType: "cartons"),
        Goods(hs: "490199", description: "Printed books", usdPerKg: 6, kg: 100...800, packageType: "parcels"),
        Goods(hs: "901890", description: "Medical instruments", usdPerKg: 80, kg: 50...500, packageType: "cases"),
    ]

    static let carriers = ["MSCU", "MAEU", "CMAU", "HLBU", "TGHU", "CAIU"]

    var rng: SplitMix64
    let country: DemoCountry

    init(country: DemoCountry) {
        self.country = country
        rng = SplitMix64(state: country.seed)
    }

    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &rng)] }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
    mutating func between(_ r: ClosedRange<Double>) -> Double { Double.random(in: r, using: &rng) }

    /// A container number with a correct ISO 6346 check digit.
    mutating func container() -> String {
        let owner = pick(DemoCargo.carriers) + ""
        let serial = String(format: "%06d", Int.random(in: 0..<1_000_000, using: &rng))
        let firstTen = owner + serial
        let digit = ContainerNumber.checkDigit(Array(firstTen.utf8)) ?? 0
        return firstTen + String(digit % 10)
    }

    /// One day's cargo: `sea` bills of lading for the port and `air` air waybills for the airport, with their truths.
    mutating func day(_ date: CalendarDate, sea: Int, air: Int, serial: inout Int) -> [(Consignment, DemoTruth)] {
        var out: [(Consignment, DemoTruth)] = []
        for _ in 0..<sea { serial += 1; out.append(consignment(date, air: false, serial: serial)) }
        for _ in 0..<air { serial += 1; out.append(consignment(date, air: true, serial: serial)) }
        return out
    }

    mutating func consignment(_ date: CalendarDate, air: Bool, serial: Int) -> (Consignment, DemoTruth) {
        let lane = pick(air ? DemoCargo.airLanes : DemoCargo.seaLanes)
        let consignee = pick(air ? country.airConsignees : country.groundConsignees)
        var goods = pick(air ? DemoCargo.airGoods : DemoCargo.seaGoods)
        let risky = country.riskyTraders.contains(consignee)
        let riskyLane = ["IRBND", "PKKHI", "AEDXB"].contains(lane.origin)
        var truth = DemoTruth.clean
        var kg = between(goods.kg)
        var usdPerKg = goods.usdPerKg * between(0.7...1.3)
        if chance(risky ? 0.35 : riskyLane ? 0.06 : 0.012) {
            // The declared goods are a cover: what a control would find depends on the lane.
            switch (air, lane.origin) {
            case (false, "IRBND"), (false, "PKKHI"):
                if chance(0.5) {
                    goods = DemoCargo.seaGoods[chance(0.5) ? 3 : 2]
                    let heroin = between(8...60).rounded()
                    truth = .seizure([SeizureLine(category: .drugs, goods: "heroin", quantity: heroin, unit: "kg",
                                                  concealment: goods.hs == "680221" ? "inside the packing frames of the marble slabs"
                                                                                   : "in sealed bags under the apricots",
                                                  estimatedValue: heroin * 25_000)])
                } else {
                    goods = DemoCargo.seaGoods[6]
                    let sticks = (between(200...1200) * 1000).rounded()
                    truth = .seizure([SeizureLine(category: .tobacco, goods: "cigarettes without excise stamps", quantity: sticks, unit: "sticks",
                                                  concealment: "behind a front row of napkin cartons", estimatedValue: sticks * 0.05)])
                }
            case (false, _):
                goods = DemoCargo.seaGoods[8]
                let litres = between(800...4000).rounded()
                truth = .seizure([SeizureLine(category: .precursors, goods: "acetic anhydride", quantity: litres, unit: "l",
                                              concealment: "in drums labelled as solvent", estimatedValue: litres * 12)])
            case (true, "AEDXB"):
                switch Int.random(in: 0..<3, using: &rng) {
                case 0:
                    goods = DemoCargo.airGoods[7]
                    let cash = (between(80...400) * 1000).rounded()
                    truth = .seizure([SeizureLine(category: .cash, goods: "US dollar banknotes", quantity: cash, unit: "USD",
                                                  concealment: "between the pages of the books", estimatedValue: cash)])
                case 1:
                    goods = DemoCargo.airGoods[6]
                    let birds = between(2...12).rounded()
                    truth = .seizure([SeizureLine(category: .cites, goods: "saker falcons (Falco cherrug), live", quantity: birds, unit: "pieces",
                                                  concealment: "in ventilated boxes declared as toys", estimatedValue: birds * 15_000)])
                default:
                    goods = DemoCargo.seaGoods[6]
                    kg = between(300...900)
                    let sticks = (kg * 800).rounded()
                    truth = .seizure([SeizureLine(category: .tobacco, goods: "cigarettes", quantity: sticks, unit: "sticks",
                                                  concealment: "declared as paper napkins", estimatedValue: sticks * 0.05)])
                }
            case (true, "CNCAN"), (true, "CNPVG"):
                if chance(0.5) {
                    goods = DemoCargo.airGoods[4]
                    let pairs = between(300...2000).rounded()
                    truth = .seizure([SeizureLine(category: .ipr, goods: "counterfeit sports shoes (protected trade marks)", quantity: pairs,
                                                  unit: "pieces", estimatedValue: pairs * 40)])
                } else {
                    goods = DemoCargo.airGoods[0]
                    usdPerKg = between(8...18)
                    truth = .irregularity("portable computers declared at a fraction of their value")
                }
            default:
                goods = DemoCargo.airGoods[0]
                usdPerKg = between(8...18)
                truth = .irregularity("portable computers declared at a fraction of their value")
            }
            if case .seizure = truth { kg = min(goods.kg.upperBound, kg) }
        }
        let shipper = pick(lane.shippers)
        let number = air ? "\(pick(["176", "465", "235", "020"]))-\(String(format: "%08d", 10_000_000 + serial * 7))"
            : country.groundKind == .railConsignmentNote ? "\(pick(["UTY", "KTZ"]))\(String(format: "%07d", 5_200_000 + serial))"
            : "\(pick(["MEDU", "MAEU", "CMDU"]))\(String(format: "%07d", 3_100_000 + serial))"
        let packages = max(1, Int(kg / between(15...40)))
        let item = GoodsItem(sequence: 1, hsCode: goods.hs, description: goods.description, packages: packages, packageType: goods.packageType,
                             grossMassKg: kg.rounded(), netMassKg: (kg * 0.94).rounded(),
                             invoiceValue: Money(amount: (kg * usdPerKg).rounded(), currency: "USD"), countryOfOrigin: lane.country)
        let containers = air ? [] : [Container(number: container(), sizeType: kg > 14000 ? "45G1" : "22G1",
                                               seals: ["SL\(100_000 + serial)"])]
        let place = (air ? country.air : country.ground).locations[0]
        let c = Consignment(
            kind: air ? .airWaybill : country.groundKind, documentNumber: number, date: date, mode: air ? .air : country.groundMode,
            office: place,
            route: Route(placeOfLoading: lane.origin, transshipment: lane.via, placeOfDischarge: place,
                         countryOfDeparture: lane.country, countryOfDestination: country.code),
            parties: [Party(role: .shipper, name: shipper, country: lane.country), Party(role: .consignee, name: consignee, country: country.code)],
            goods: [item], containers: containers,
            conveyance: air ? Conveyance(name: pick(["KC", "EK", "TK", "CZ", "HY"]) + String(Int.random(in: 100...999, using: &rng)))
                : country.groundMode == .rail ? Conveyance(name: "train \(Int.random(in: 1000...9999, using: &rng))")
                : Conveyance(name: pick(["Professor Gul", "Berik", "Aktau", "Turkmenbashi"]), voyage: "\(date.month)\(date.day)"),
            arrival: date.adding(days: air ? 0 : 1))
        return (c, truth)
    }

    /// Containers that cross the Caspian to Aktau today and go on by rail to Termez: on the Kazakh demo node as bills of
    /// lading in transit to Uzbekistan, on the Uzbek one as rail notes arriving from Aktau. Both nodes make the same
    /// ones from the day alone, so that an alert from Aktau about one of them flags the queue in Termez.
    static func transits(on day: CalendarDate, for country: DemoCountry) -> [Consignment] {
        var cargo = DemoCargo(country: country)
        cargo.rng = SplitMix64(state: UInt64(day.daysSinceEpoch) &* 7919)
        let here = country.code == "KZ"
        return (0..<4).map { i in
            let container = cargo.container()
            let kg = cargo.between(9000...14000).rounded()
            let goods = DemoCargo.seaGoods[6]
            let item = GoodsItem(sequence: 1, hsCode: goods.hs, description: goods.description, packages: Int(kg / 12), packageType: goods.packageType,
                                 grossMassKg: kg, netMassKg: (kg * 0.94).rounded(),
                                 invoiceValue: Money(amount: (kg * goods.usdPerKg * 0.8).rounded(), currency: "USD"), countryOfOrigin: "IR")
            let seal = "SL\(900_000 + day.daysSinceEpoch % 1000 * 10 + i)"
            let consignee = ["ООО Джейхун Транс", "ООО Сурхан Логистик"][i % 2]
            let parties = [Party(role: .shipper, name: "Golden Crescent General Trading FZE", country: "AE"),
                           Party(role: .consignee, name: consignee, country: "UZ"),
                           Party(role: .notifyParty, name: "ТОО Каспий Транс", country: "KZ")]
            let box = [Container(number: container, sizeType: "22G1", seals: [seal])]
            if here {
                return Consignment(kind: .billOfLading, documentNumber: "MEDU8\(String(format: "%06d", day.daysSinceEpoch % 100_000 * 10 + i))",
                                   date: day, mode: .sea, office: "KZAAU",
                                   route: Route(placeOfLoading: "IRBND", transshipment: ["IRAMD"], placeOfDischarge: "KZAAU", placeOfDelivery: "UZTER",
                                                countryOfDeparture: "IR", countryOfDestination: "UZ"),
                                   parties: parties, goods: [item], containers: box, conveyance: Conveyance(name: "Berik", voyage: "\(day.month)\(day.day)"),
                                   arrival: day.adding(days: 1))
            }
            return Consignment(kind: .railConsignmentNote, documentNumber: "KTZ8\(String(format: "%06d", day.daysSinceEpoch % 100_000 * 10 + i))",
                               date: day, mode: .rail, office: "UZTER",
                               route: Route(placeOfLoading: "KZAAU", placeOfDischarge: "UZTER", countryOfDeparture: "KZ", countryOfDestination: "UZ"),
                               parties: parties, goods: [item], containers: box, conveyance: Conveyance(name: "train \(2700 + i)"),
                               arrival: day.adding(days: 2))
        }
    }
}
