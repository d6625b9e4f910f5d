import CordonCore
import Foundation

/// What a message mapper made of one message: the records it produced and what it set aside or noticed.
public struct MessageOutcome: Sendable {
    public var consignments: [(Consignment, segment: Int)] = []
    public var bayPlans: [(BayPlan, segment: Int)] = []
    public var rejects: [RejectedRecord] = []
    public var warnings: [RejectedRecord] = []
}

/// The segments each supported message may contain (from the UN/EDIFACT D.95B directory, SMDG 3.x for BAPLIE).
enum MessageDirectory {
    static let cuscar: Set<String> = ["UNH", "BGM", "DTM", "RFF", "NAD", "FTX", "TDT", "LOC", "GIS", "EQD", "TSR",
                                      "MEA", "DIM", "SEL", "TMP", "RNG", "CNT", "CNI", "MOA", "CUX", "CPI", "CTA",
                                      "COM", "QTY", "GID", "PAC", "HAN", "SGP", "DGS", "PCI", "CST", "DOC", "AUT",
                                      "UNT"]
    static let baplie2: Set<String> = ["UNH", "BGM", "DTM", "RFF", "NAD", "TDT", "LOC", "MEA", "DIM", "TMP", "RNG",
                                       "EQD", "EQA", "GID", "GDS", "DGS", "FTX", "CNT", "UNT"]
    static let baplie3: Set<String> = baplie2.union(["UNS", "ATT", "HAN", "CTA", "COM", "EQN", "SEL", "TSR", "NAD"])
}

/// Shared helpers for the message mappers.
extension MessageOutcome {
    mutating func warnUnknownSegments(_ m: EDIFACTMessage, allowed: Set<String>, file: String) {
        for s in m.segments where !allowed.contains(s.tag) {
            warnings.append(RejectedRecord(file: file, line: s.index, unit: "segment", field: s.tag.isEmpty ? "(segment)" : s.tag,
                                           reason: "segment \(s.tag) is not part of \(m.type) \(m.release); ignored",
                                           raw: s.raw))
        }
    }
}

/// Maps a CUSCAR customs cargo report: one consignment per CNI, with the conveyance, route, parties,
/// goods items and the equipment (EQD, SEL, MEA) of the message.
public struct CUSCARMapper: Sendable {
    public let validator: ConsignmentValidator

    public init(validator: ConsignmentValidator = ConsignmentValidator()) {
        self.validator = validator
    }

    public func map(_ m: EDIFACTMessage, file: String) -> MessageOutcome {
        var out = MessageOutcome()
        out.warnUnknownSegments(m, allowed: MessageDirectory.cuscar.union(["PIA"]), file: file)
        var header = Consignment(kind: .billOfLading, documentNumber: "",
                                 date: m.interchangeDate ?? CalendarDate.epoch)
        var haveDate = m.interchangeDate != nil
        var equipment: [Container] = []
        struct Draft { var c: Consignment; var segment: Int; var raw: [String]; var containerRefs: [String] }
        var drafts: [Draft] = []
        var currentItem: Int?   // index of the current goods item in the last draft
        var inEquipment = false

        func apply(_ s: Segment, to c: inout Consignment) {
            switch s.tag {
            case "LOC":
                guard let place = s[1, 0] else { return }
                switch s[0, 0] {
                case "9", "76", "88": c.route.placeOfLoading = c.route.placeOfLoading ?? place
                case "11", "12", "60": c.route.placeOfDischarge = place
                case "13": c.route.transshipment.append(place)
                case "7", "8", "83": c.route.placeOfDelivery = place
                case "35": c.route.countryOfDeparture = place
                case "28": c.route.countryOfDestination = place
                default: break
                }
            case "DTM":
                guard let q = s[0, 0], let v = s[0, 1], let d = EDIFACTLexer.ediDate(v) else { return }
                if q == "132" || q == "178" || q == "232" { c.arrival = d }
            default: break
            }
        }

        for s in m.segments.dropFirst() {
            switch s.tag {
            case "BGM":
                header.attributes["messageNumber"] = s[1, 0] ?? ""
            case "DTM" where drafts.isEmpty && !inEquipment:
                if s[0, 0] == "137", let v = s[0, 1], let d = EDIFACTLexer.ediDate(v) { header.date = d; haveDate = true }
                else { apply(s, to: &header) }
            case "TDT" where drafts.isEmpty:
                var conveyance = Conveyance(name: s[7, 3], identifier: s[7, 0], voyage: s[1, 0])
                if conveyance.name == nil && conveyance.identifier == nil && conveyance.voyage == nil { conveyance = Conveyance() }
                header.conveyance = conveyance
                header.mode = s[2, 0].flatMap(CUSCARMapper.mode)
                if let carrier = s[4, 0] { header.parties.append(Party(role: .carrier, identifier: carrier, name: s[4, 3])) }
            case "LOC" where drafts.isEmpty:
                apply(s, to: &header)
            case "EQD":
                inEquipment = true
                guard let number = s[1, 0] else { continue }
                equipment.append(Container(number: number, sizeType: s[2, 0], empty: s[5, 0].map { $0 == "4" },
                                           equipmentQualifier: s[0, 0] ?? "CN"))
            case "SEL" where inEquipment && drafts.isEmpty:
                if let seal = s[0, 0], !equipment.isEmpty { equipment[equipment.count - 1].seals.append(seal) }
            case "MEA" where inEquipment && drafts.isEmpty:
                if let kg = CUSCARMapper.kilograms(s), ["G", "AET", "VGM"].contains(s[1, 0] ?? ""), !equipment.isEmpty {
                    equipment[equipment.count - 1].grossMassKg = kg
                }
            case "CNI":
                var c = header
                c.documentNumber = s[1, 0] ?? ""
                c.attributes["consignmentSequence"] = s[0, 0] ?? ""
                drafts.append(Draft(c: c, segment: s.index, raw: [s.raw], containerRefs: []))
                currentItem = nil
            default:
                guard !drafts.isEmpty else { continue }
                let d = drafts.count - 1
                let i = currentItem ?? -1   // the goods item the segment belongs to, -1 before the first GID
                drafts[d].raw.append(s.raw)
                switch s.tag {
                case "RFF":
                    guard let q = s[0, 0], let v = s[0, 1] else { continue }
                    switch q {
                    case "BM": drafts[d].c.documentNumber = drafts[d].c.documentNumber.isEmpty ? v : drafts[d].c.documentNumber
                               drafts[d].c.attributes["billOfLading"] = v
                    case "BH": drafts[d].c.kind = .houseBillOfLading; drafts[d].c.attributes["houseBill"] = v
                    case "AWB": drafts[d].c.kind = .airWaybill; drafts[d].c.attributes["airWaybill"] = v
                    default: drafts[d].c.attributes["ref.\(q)"] = v
                    }
                case "LOC", "DTM":
                    apply(s, to: &drafts[d].c)
                case "TDT":
                    drafts[d].c.conveyance = Conveyance(name: s[7, 3], identifier: s[7, 0], voyage: s[1, 0])
                case "NAD":
                    if let party = CUSCARMapper.party(s) { drafts[d].c.parties.append(party) }
                case "GID":
                    let seq = Int(s[0, 0] ?? "") ?? (drafts[d].c.goods.count + 1)
                    drafts[d].c.goods.append(GoodsItem(sequence: seq, packages: s[1, 0].flatMap { Int($0) }, packageType: s[1, 1]))
                    currentItem = drafts[d].c.goods.count - 1
                case "FTX" where i >= 0:
                    if s[0, 0] == "AAA" {
                        let text = (s.elements.count > 3 ? s.elements[3] : []).filter { !$0.isEmpty }.joined(separator: " ")
                        let old = drafts[d].c.goods[i].description
                        drafts[d].c.goods[i].description = old.map { $0 + " " + text } ?? text
                    }
                case "MEA" where i >= 0:
                    if let kg = CUSCARMapper.kilograms(s) {
                        if s[1, 0] == "AAB" { drafts[d].c.goods[i].netMassKg = kg }
                        else if s[1, 0] == "G" || s[1, 0] == "AAD" { drafts[d].c.goods[i].grossMassKg = kg }
                    }
                case "MOA" where i >= 0:
                    if let v = s[0, 1].flatMap(Double.init) {
                        drafts[d].c.goods[i].invoiceValue = Money(amount: v, currency: s[0, 2])
                    }
                case "SGP" where i >= 0:
                    if let n = s[0, 0] {
                        drafts[d].c.goods[i].containerNumbers.append(n)
                        drafts[d].containerRefs.append(n)
                    }
                case "DGS" where i >= 0:
                    if let un = s[2, 0] { drafts[d].c.goods[i].dangerousGoods.append(un) }
                case "PIA" where i >= 0:
                    // Not in D.95B CUSCAR, but senders put the HS code there: accepted as an extension.
                    if let code = s[1, 0], s[1, 1] == "HS" || s[1, 1] == nil {
                        drafts[d].c.goods[i].hsCode = code
                    }
                default: break
                }
            }
        }
        if !haveDate {
            out.rejects.append(RejectedRecord(file: file, line: m.segments[0].index, unit: "segment", field: "DTM",
                                              reason: "message \(m.reference) has no document date (DTM+137) and the UNB has none",
                                              raw: m.raw))
            return out
        }
        for var draft in drafts {
            draft.c.date = header.date
            // Equipment: the containers the goods are placed in (SGP), or all of them for a single consignment.
            let refs = Set(draft.containerRefs.map { ContainerNumber.normalize($0) })
            draft.c.containers = drafts.count == 1 && refs.isEmpty
                ? equipment
                : equipment.filter { refs.contains(ContainerNumber.normalize($0.number)) }
            if draft.c.mode == .air && draft.c.kind == .billOfLading { draft.c.kind = .airWaybill }
            switch validator.validate(draft.c) {
            case .accepted(let c): out.consignments.append((c, draft.segment))
            case .rejected(let issues):
                out.rejects.append(RejectedRecord(file: file, line: draft.segment, unit: "segment", field: issues[0].field,
                                                  reason: issues.map { $0.field == issues[0].field ? $0.reason : "\($0.field): \($0.reason)" }
                                                      .joined(separator: "; "),
                                                  raw: draft.raw.joined(separator: "\n")))
            }
        }
        if drafts.isEmpty {
            out.warnings.append(RejectedRecord(file: file, line: m.segments[0].index, unit: "segment", field: "CNI",
                                               reason: "message \(m.reference) reports no consignment (no CNI segment)", raw: ""))
        }
        return out
    }

    /// UN/EDIFACT 8067 mode of transport.
    static func mode(_ code: String) -> TransportMode? {
        switch code {
        case "1": return .sea
        case "2": return .rail
        case "3": return .road
        case "4": return .air
        case "5": return .post
        case "6": return .multimodal
        default: return nil
        }
    }

    /// A mass measurement (MEA C174) in kilograms, converting tonnes and pounds.
    static func kilograms(_ s: Segment) -> Double? {
        guard let unit = s[2, 0], let value = s[2, 1].flatMap({ Double($0.replacingComma()) }) else { return nil }
        switch unit {
        case "KGM": return value
        case "TNE": return value * 1000
        case "LBR": return value * 0.45359237
        default: return nil
        }
    }

    /// NAD: role (3035), identifier (C082), name and address lines (C058 or C080), country (3207).
    static func party(_ s: Segment) -> Party? {
        let role: PartyRole
        switch s[0, 0] {
        case "CZ", "SU", "SE": role = .shipper
        case "CN", "BY": role = .consignee
        case "N1", "NI": role = .notifyParty
        case "CA": role = .carrier
        case "DT", "AE": role = .declarant
        case "IM": role = .importer
        case "EX": role = .exporter
        case "FW": role = .freightForwarder
        default: return nil
        }
        var lines = s.elements.count > 2 ? s.elements[2].filter { !$0.isEmpty } : []
        let named = s.elements.count > 3 ? s.elements[3].filter { !$0.isEmpty } : []
        let name: String?
        if !named.isEmpty { name = named.joined(separator: " ") }
        else if !lines.isEmpty {
            // C058 carries name and address as free lines; the first part before a comma is the name.
            let first = lines.removeFirst()
            let parts = first.split(separator: ",", maxSplits: 1)
            name = parts.first.map { $0.trimmingSpaces() }
            if parts.count > 1 { lines.insert(parts[1].trimmingSpaces(), at: 0) }
        } else { name = nil }
        let street = s.elements.count > 4 ? s.elements[4].filter { !$0.isEmpty } : []
        let address = (lines + street + [s[5, 0], s[7, 0]].compactMap { $0 }).joined(separator: ", ")
        return Party(role: role, identifier: s[1, 0], name: name, address: address.isEmpty ? nil : address,
                     country: s[8, 0])
    }
}

extension String {
    /// Reads a decimal comma as a point (the UNA decimal mark may be a comma).
    func replacingComma() -> String { replacingOccurrences(of: ",", with: ".") }
}
