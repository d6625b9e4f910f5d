import CordonCore

/// Maps a BAPLIE bay plan (D.95B with SMDG 1.5-2.2, and SMDG 3.x on D.13B and later): the vessel and voyage,
/// and per stowage cell (LOC+147) the container, its position, weight, ports, reefer setting and dangerous goods.
public struct BAPLIEMapper: Sendable {
    public let validator: ConsignmentValidator

    public init(validator: ConsignmentValidator = ConsignmentValidator()) {
        self.validator = validator
    }

    public func map(_ m: EDIFACTMessage, file: String) -> MessageOutcome {
        var out = MessageOutcome()
        let smdg3 = m.association.hasPrefix("SMDG3") || (Int(m.release.prefix(2)) ?? 95) < 90
        out.warnUnknownSegments(m, allowed: smdg3 ? MessageDirectory.baplie3 : MessageDirectory.baplie2, file: file)
        var plan = BayPlan(reference: m.reference)
        var cells: [(start: Segment, segments: [Segment])] = []
        for s in m.segments.dropFirst() where s.tag != "UNT" {
            if s.tag == "LOC" && s[0, 0] == "147" {
                cells.append((s, []))
                continue
            }
            if !cells.isEmpty {
                cells[cells.count - 1].segments.append(s)
                continue
            }
            switch s.tag {
            case "BGM": if let n = s[1, 0] { plan.reference = n }
            case "TDT":
                plan.voyage = s[1, 0]
                plan.vesselIdentifier = s[7, 0]
                plan.vesselName = s[7, 3]
            case "RFF" where s[0, 0] == "VON": plan.voyage = plan.voyage ?? s[0, 1]
            case "LOC":
                if s[0, 0] == "5" { plan.portOfDeparture = s[1, 0] }
                if s[0, 0] == "61" { plan.nextPortOfCall = s[1, 0] }
            case "DTM":
                if let v = s[0, 1], let d = EDIFACTLexer.ediDate(v), s[0, 0] == "178" || s[0, 0] == "133" || s[0, 0] == "136" {
                    plan.departure = plan.departure ?? d
                }
            default: break
            }
        }
        var issues: [ValidationIssue] = []
        plan.portOfDeparture = validator.place(plan.portOfDeparture, "portOfDeparture", &issues)
        plan.nextPortOfCall = validator.place(plan.nextPortOfCall, "nextPortOfCall", &issues)
        for issue in issues where issue.severity == .error {
            out.warnings.append(RejectedRecord(file: file, line: m.segments[0].index, unit: "segment", field: issue.field,
                                               reason: issue.reason, raw: ""))
        }
        plan.warnings = issues.filter { $0.severity == .warning }

        for cell in cells {
            var stowed: StowedContainer?
            var weight: Double?
            var ports: [String: String] = [:]
            var temperature: Double?
            var dangerous: [DangerousGoods] = []
            var operatorCode: String?
            var referenced: String?
            for s in cell.segments {
                switch s.tag {
                case "EQD" where s[0, 0] == "CN" || s[0, 0] == nil:
                    guard let number = s[1, 0] else { continue }
                    // SMDG 1.x-2.x put the size/type code in the first component, 3.x in C224's first too,
                    // the D.04B template in the fourth.
                    let sizeType = s[2, 0] ?? s[2, 3]
                    let full = s[5, 0].map { $0 == "5" }
                    stowed = StowedContainer(container: Container(number: number, sizeType: sizeType, empty: full.map { !$0 }),
                                             full: full)
                case "MEA":
                    if let kg = CUSCARMapper.kilograms(s), weight == nil || ["VGM", "AET"].contains(s[1, 0] ?? "") {
                        weight = kg
                    }
                case "LOC":
                    if let q = s[0, 0], let place = s[1, 0] { ports[q] = place }
                case "TMP":
                    if let v = s[1, 0].flatMap({ Double($0.replacingComma()) }) {
                        temperature = s[1, 1] == "FAH" ? (v - 32) * 5 / 9 : v
                    }
                case "DGS":
                    dangerous.append(DangerousGoods(imdgClass: s[1, 0], unNumber: s[2, 0]))
                case "NAD" where s[0, 0] == "CA" || s[0, 0] == "CF":
                    operatorCode = s[1, 0]
                case "RFF" where s[0, 0] == "EQ":
                    referenced = s[0, 1]
                default: break
                }
            }
            let position = cell.start[1, 0]
            guard var entry = stowed else {
                if let referenced {
                    out.warnings.append(RejectedRecord(file: file, line: cell.start.index, unit: "segment", field: "EQD",
                                                       reason: "stowage cell \(position ?? "?") refers to equipment \(referenced) but has no EQD",
                                                       raw: ([cell.start] + cell.segments).map(\.raw).joined(separator: "\n")))
                }
                continue
            }
            entry.position = position
            entry.container.grossMassKg = weight
            entry.temperatureC = temperature
            entry.dangerousGoods = dangerous
            entry.operatorCode = operatorCode
            var cellIssues: [ValidationIssue] = []
            entry.portOfLoading = validator.place(ports["9"] ?? ports["6"], "LOC+9", &cellIssues)
            entry.portOfDischarge = validator.place(ports["11"] ?? ports["12"], "LOC+11", &cellIssues)
            entry.placeOfDelivery = validator.place(ports["83"], "LOC+83", &cellIssues)
            validator.checkContainer(&entry.container, "EQD", &cellIssues)
            let errors = cellIssues.filter { $0.severity == .error }
            if !errors.isEmpty {
                out.rejects.append(RejectedRecord(file: file, line: cell.start.index, unit: "segment", field: errors[0].field,
                                                  reason: errors.map(\.reason).joined(separator: "; "),
                                                  raw: ([cell.start] + cell.segments).map(\.raw).joined(separator: "\n")))
                continue
            }
            plan.warnings += cellIssues.map { ValidationIssue($0.severity, field: "\(position ?? "?").\($0.field)", reason: $0.reason) }
            plan.containers.append(entry)
        }
        out.bayPlans.append((plan, m.segments[0].index))
        return out
    }
}
