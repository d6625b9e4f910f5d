import CordonCore

/// The country of a demo node: its node name, its two units (a port or border crossing, and an airport), its
/// traders, agencies and users. Kazakhstan is the first demo node; Uzbekistan the second, which receives the
/// containers that cross the Caspian to Aktau and go on by rail to Termez.
struct DemoCountry: Sendable {
    struct Account: Sendable {
        let username: String, name: String, role: Role, agency: String, units: [String], language: Language, password: String
    }

    let code: String
    let node: String
    /// The unit of the containerised cargo (sea port or border crossing) and the airport's unit.
    let ground: ControlUnit
    let air: ControlUnit
    /// How containers reach the ground unit: a bill of lading by sea, a rail consignment note by rail.
    let groundKind: DocumentKind
    let groundMode: TransportMode
    let groundConsignees: [String]
    let airConsignees: [String]
    /// Traders whose consignments hide something far more often than the rest: what a unit's history shows.
    let riskyTraders: Set<String>
    let agencies: [(code: String, name: String)]
    let accounts: [Account]
    /// Seeds the country's cargo, so that two demo nodes do not carry the same consignments.
    let seed: UInt64

    var units: [ControlUnit] { [ground, air] }
    /// The analyst who writes the demo's profiles and trains its model.
    var analyst: String { accounts.first { $0.role == .analyst }?.username ?? "demo" }

    static let kazakhstan = DemoCountry(
        code: "KZ", node: "kz-demo",
        ground: ControlUnit(code: "KZ-AKT-PCU", name: "Aktau port PCU", kind: .pcu, country: "KZ", locations: ["KZAAU"],
                            capacity: .count(8), controlSharePercent: 10),
        air: ControlUnit(code: "KZ-ALA-ACCU", name: "Almaty airport ACCU", kind: .accu, country: "KZ", locations: ["KZALA"],
                         capacity: .count(6), controlSharePercent: 10),
        groundKind: .billOfLading, groundMode: .sea,
        groundConsignees: ["ТОО Каспий Транс", "Aktau Trade LLP", "ТОО Мангистау Снаб", "Caspian Steel LLP", "ТОО Евразия Логистик",
                           "ТОО Жибек Жолы", "Kazakh Agro Import LLP", "ТОО Арман Строй", "Irtysh Chemicals LLP", "ТОО Шанырак Мебель",
                           "Mangystau Building Materials LLP", "ТОО Береке Трейд", "Tengiz Supply LLP", "ТОО Нур Логистик"],
        airConsignees: ["Almaty Foods LLP", "ТОО Алатау Электроникс", "Steppe Import LLP", "Nomad Retail LLP", "ТОО Тенгри Фарм",
                        "Qazaq Textiles LLP", "Silk Way Cargo LLP", "ТОО Медтехника Алматы", "ТОО Достык Экспресс", "Astana Books LLP",
                        "ТОО Аружан Косметикс", "Zhetysu Gadgets LLP"],
        riskyTraders: ["ТОО Евразия Логистик", "ТОО Береке Трейд", "Silk Way Cargo LLP", "Nomad Retail LLP"],
        agencies: [("customs", "State Revenue Committee, customs"), ("police", "Ministry of Internal Affairs, police")],
        accounts: [
            Account(username: "aigerim", name: "Aigerim Sadykova", role: .officer, agency: "customs", units: ["KZ-AKT-PCU"], language: .en,
                    password: "demo-officer-1"),
            Account(username: "daniyar", name: "Данияр Оспанов", role: .officer, agency: "police", units: ["KZ-ALA-ACCU"], language: .ru,
                    password: "demo-officer-2"),
            Account(username: "saule", name: "Saule Nurpeisova", role: .supervisor, agency: "customs", units: ["KZ-AKT-PCU", "KZ-ALA-ACCU"],
                    language: .en, password: "demo-supervisor"),
            Account(username: "marat", name: "Marat Zhaksylykov", role: .analyst, agency: "customs", units: [], language: .en,
                    password: "demo-analyst-1"),
            Account(username: "yerlan", name: "Ерлан Абенов", role: .coordinator, agency: "police", units: [], language: .ru,
                    password: "demo-coordinator"),
            Account(username: "gulnara", name: "Gulnara Iskakova", role: .auditor, agency: "customs", units: [], language: .en,
                    password: "demo-auditor-1"),
            Account(username: "nurlan", name: "Nurlan Bekov", role: .admin, agency: "customs", units: [], language: .en,
                    password: "demo-admin-pass"),
        ],
        seed: 2026)

    static let uzbekistan = DemoCountry(
        code: "UZ", node: "uz-demo",
        ground: ControlUnit(code: "UZ-TER-BCU", name: "Termez border crossing unit", kind: .border, country: "UZ", locations: ["UZTER"],
                            capacity: .count(8), controlSharePercent: 10),
        air: ControlUnit(code: "UZ-TAS-ACCU", name: "Tashkent airport ACCU", kind: .accu, country: "UZ", locations: ["UZTAS"],
                         capacity: .count(6), controlSharePercent: 10),
        groundKind: .railConsignmentNote, groundMode: .rail,
        groundConsignees: ["ООО Сурхан Логистик", "Termez Cargo Center LLC", "ООО Джейхун Транс", "Uzbek Agro Import LLC",
                           "ООО Амударья Снаб", "Surkhan Building Materials LLC", "ООО Шахрисабз Мебель", "Tashkent Steel Trading LLC",
                           "ООО Бухара Кимё", "Navoi Supply LLC"],
        airConsignees: ["Tashkent Foods LLC", "ООО Чорсу Электроникс", "Samarkand Import LLC", "ООО Алмазар Фарм", "Registan Retail LLC",
                        "ООО Ипак Йули Карго", "Fergana Textiles LLC", "ООО Медтехника Ташкент"],
        riskyTraders: ["ООО Джейхун Транс", "ООО Бухара Кимё", "ООО Ипак Йули Карго", "Registan Retail LLC"],
        agencies: [("customs", "State Customs Committee"), ("drug-control", "National Information and Analytical Centre on Drug Control")],
        accounts: [
            Account(username: "bobur", name: "Bobur Karimov", role: .officer, agency: "customs", units: ["UZ-TER-BCU"], language: .en,
                    password: "demo-officer-1"),
            Account(username: "dilnoza", name: "Дилноза Рахимова", role: .officer, agency: "drug-control", units: ["UZ-TAS-ACCU"], language: .ru,
                    password: "demo-officer-2"),
            Account(username: "jasur", name: "Jasur Aliev", role: .supervisor, agency: "customs", units: ["UZ-TER-BCU", "UZ-TAS-ACCU"],
                    language: .en, password: "demo-supervisor"),
            Account(username: "nodira", name: "Nodira Yusupova", role: .analyst, agency: "customs", units: [], language: .en,
                    password: "demo-analyst-1"),
            Account(username: "rustam", name: "Рустам Турсунов", role: .coordinator, agency: "drug-control", units: [], language: .ru,
                    password: "demo-coordinator"),
            Account(username: "malika", name: "Malika Saidova", role: .auditor, agency: "customs", units: [], language: .en,
                    password: "demo-auditor-1"),
            Account(username: "sardor", name: "Sardor Umarov", role: .admin, agency: "customs", units: [], language: .en,
                    password: "demo-admin-pass"),
        ],
        seed: 998)

    static func named(_ code: String) -> DemoCountry? {
        [kazakhstan, uzbekistan].first { $0.code == code.uppercased() }
    }
}
