import CordonCore

/// The sentences of the reasons the risk engine gives, in English and Russian, and the words for the codes they
/// name (lanes, party roles, the history keys of the model). One place, so that both languages say the same.
public enum ReasonWording {
    static let sentences: [String: (en: String, ru: String)] = [
        "profile": ("profile {name} v{version} ({lane}): {title}", "профиль {name} v{version} ({lane}): {title}"),
        "watch_list": ("{role} '{name}' resembles '{listed}' on the watch list ({percent}%)",
                       "{role} «{name}» похож на «{listed}» из списка ({percent}%)"),
        "model": ("model: {percent}% likely irregular", "модель: вероятность нарушения {percent}%"),
        "alert": ("alert from {unit} ({node}) on container {container}: {subject}",
                  "ориентировка от {unit} ({node}) по контейнеру {container}: {subject}"),
        "operation": ("joint operation {name} ({operation}): target goods", "совместная операция {name} ({operation}): целевые товары"),
        "control": ("random control ({share}% of capacity)", "случайная проверка ({share}% возможностей)"),
        "past_rate": ("{what} {value}: past fraud rate {percent}%", "{what} {value}: доля нарушений в прошлом {percent}%"),
        "seen": ("{what} {value}: {count} earlier declarations", "{what} {value}: прежних деклараций {count}"),
        "never_seen": ("{what} {value}: never seen before", "{what} {value}: встречается впервые"),
        "missing": ("no {what} given", "не указано: {what}"),
        "unit_value_below": ("unit value {ratio}x below typical for {hs}", "цена единицы в {ratio} раза ниже обычной для {hs}"),
        "unit_value_above": ("unit value {ratio}x above typical for {hs}", "цена единицы в {ratio} раза выше обычной для {hs}"),
        "check_digit_failed": ("a container number fails its ISO 6346 check digit",
                               "номер контейнера не проходит проверку контрольной цифры ISO 6346"),
        "check_digit_ok": ("container numbers check", "номера контейнеров верны"),
        "watch_list_feature": ("a party resembles a watch-listed name ({percent}%)", "участник похож на имя из списка ({percent}%)"),
        "tax_rate": ("tax rate {value}%", "ставка платежей {value}%"),
        "declared_value": ("declared value {value}", "заявленная стоимость {value}"),
        "net_mass": ("net mass {value} kg", "масса нетто {value} кг"),
        "quantity": ("quantity {value}", "количество {value}"),
        "value_per_kg": ("value {value} per kg", "стоимость {value} за кг"),
        "value_ratio": ("customs value {value}x the invoice value", "таможенная стоимость в {value} раза от фактурной"),
        "taxes": ("taxes {value}", "платежи {value}"),
        "taxes_share": ("taxes {value}% of the value", "платежи {value}% от стоимости"),
        "containers": ("{value} containers", "контейнеров: {value}"),
        "containerised": ("containerised", "в контейнере"),
        "not_containerised": ("not containerised", "не в контейнере"),
        "unknown": ("{name} unknown", "{name}: неизвестно"),
        "measure": ("{name} {value}", "{name} {value}"),
        "text": ("{text}", "{text}"),
    ]

    /// Words for coded values, by `kind.code`.
    static let words: [String: (en: String, ru: String)] = {
        var w: [String: (en: String, ru: String)] = [
            "lane.red": ("red", "красный"), "lane.yellow": ("yellow", "жёлтый"), "lane.green": ("green", "зелёный"),
            "role.shipper": ("shipper", "грузоотправитель"), "role.consignee": ("consignee", "грузополучатель"),
            "role.notify": ("notify party", "уведомляемое лицо"), "role.declarant": ("declarant", "декларант"),
            "role.carrier": ("carrier", "перевозчик"), "role.importer": ("importer", "импортёр"), "role.exporter": ("exporter", "экспортёр"),
            "role.seller": ("seller", "продавец"), "role.buyer": ("buyer", "покупатель"), "role.courier": ("courier", "курьер"),
            "role.forwarder": ("forwarder", "экспедитор"), "role.other": ("party", "участник"),
        ]
        let russian: [String: String] = [
            "importer": "импортёр", "declarant": "декларант", "seller": "продавец", "consignee": "грузополучатель",
            "courier": "курьер", "office": "таможенный пост", "hs10": "товарная позиция", "hs6": "субпозиция ТН ВЭД",
            "hs4": "товарная позиция ТН ВЭД", "hs2": "группа ТН ВЭД", "origin": "страна происхождения",
            "departure": "страна отправления", "loading": "порт погрузки", "transshipment": "порт перевалки",
            "importer_hs6": "импортёр с этой субпозицией", "importer_declarant": "импортёр с этим декларантом",
            "importer_seller": "импортёр с этим продавцом", "origin_hs6": "страна происхождения с этой субпозицией",
            "office_hs4": "пост с этой товарной позицией", "declarant_hs4": "декларант с этой товарной позицией",
            "route": "маршрут",
        ]
        for key in DeclarationFeatures.keys { w["what.\(key.name)"] = (key.words, russian[key.name] ?? key.words) }
        return w
    }()

    /// A sentence cut once into its text and its `{slots}`: queue pages and the API word dozens of reasons on every
    /// request, and finding the slots again each time was a fifth of a targets request (perf, scripts/bench http).
    enum Piece: Sendable { case text(String), slot(String) }

    static let pieces: [String: (en: [Piece], ru: [Piece])] = sentences.mapValues { (cut($0.en), cut($0.ru)) }

    static func cut(_ sentence: String) -> [Piece] {
        var out: [Piece] = []
        var rest = Substring(sentence)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            if open > rest.startIndex { out.append(.text(String(rest[..<open]))) }
            out.append(.slot(String(rest[rest.index(after: open)..<close])))
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { out.append(.text(String(rest))) }
        return out
    }

    /// `words` by slot name, then value: looked up without building a key.
    static let wordsBySlot: [String: [String: (en: String, ru: String)]] = {
        var out: [String: [String: (en: String, ru: String)]] = [:]
        for (key, w) in words {
            guard let dot = key.firstIndex(of: ".") else { continue }
            out[String(key[..<dot]), default: [:]][String(key[key.index(after: dot)...])] = w
        }
        return out
    }()

    /// Values that are numbers with decimals: written with a decimal comma in Russian.
    static let decimals: Set<String> = ["ratio", "value", "share"]

    /// The history keys without a Russian word (a test keeps this empty).
    public static var keysWithoutRussian: [String] {
        DeclarationFeatures.keys.map(\.name).filter { words["what.\($0)"].map { $0.ru == $0.en } ?? true }
    }
}

extension Reason {
    /// The reason as a sentence in `language`.
    public func text(_ language: Language) -> String {
        guard let sentence = ReasonWording.pieces[code] else { return values["text"] ?? code }
        var out = ""
        for piece in language == .ru ? sentence.ru : sentence.en {
            switch piece {
            case .text(let text): out += text
            case .slot(let name): out += shown(name, language) ?? "{\(name)}"
            }
        }
        return out
    }

    /// A value as the sentence shows it: coded values in words, decimals with the language's mark.
    private func shown(_ name: String, _ language: Language) -> String? {
        guard let value = values[name] else { return nil }
        if let word = ReasonWording.wordsBySlot[name]?[value] { return language == .ru ? word.ru : word.en }
        if language == .ru && ReasonWording.decimals.contains(name) && Double(value) != nil {
            return String(value.map { $0 == "." ? "," : $0 })
        }
        return value
    }

    /// The reason in English: for the command line, the API and files.
    public var english: String { text(.en) }
}
