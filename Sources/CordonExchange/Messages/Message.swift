import CordonCore
import Foundation

/// What a message between units is (DESIGN.md glossary, alert).
public enum MessageKind: String, Codable, Sendable, CaseIterable {
    /// Pre-arrival alert about a consignment or container heading to the recipients.
    case alert
    case requestInformation = "request_information"
    case requestControl = "request_control"
    case answer
    /// What the recipient's control of an alerted consignment found.
    case resultFeedback = "result_feedback"
    case seizureNotice = "seizure_notice"
    /// A unit's return to a joint operation: a tagged control and what it seized (`OperationReturn`).
    case operationReturn = "operation_return"
    case free
    /// "Received" or "controlling", in the thread of the message it acknowledges.
    case acknowledgement

    /// Kinds a user starts a thread with; the others answer one.
    public static let openers: [MessageKind] = [.alert, .requestInformation, .requestControl, .seizureNotice, .free]
    /// Kinds that name a consignment and its containers, so that the recipients' cargo data is matched against them.
    public var carriesConsignment: Bool { [.alert, .requestControl].contains(self) }
}

/// How fast the recipients should act.
public enum MessagePriority: String, Codable, Sendable, CaseIterable, Comparable {
    case routine, urgent, immediate

    var rank: Int { self == .routine ? 0 : self == .urgent ? 1 : 2 }

    public static func < (a: MessagePriority, b: MessagePriority) -> Bool { a.rank < b.rank }
}

/// An acknowledgement's state: the recipient has the message, or is controlling the consignment.
public enum AcknowledgementState: String, Codable, Sendable, CaseIterable {
    case received, controlling
}

/// The consignment an alert or request to control is about: only the fields its sender chose to share.
public struct ConsignmentDetails: Codable, Sendable, Hashable {
    /// ISO 6346 numbers, as written on the boxes.
    public var containers: [String]
    public var documentNumber: String?
    /// UN/LOCODEs from loading to destination.
    public var route: [String]
    /// Expected arrival, YYYY-MM-DD.
    public var eta: String?
    public var goods: [Goods]
    /// Why the sender finds it risky, in the sender's words.
    public var reasons: [String]
    /// Party names travel only when the sender ticks it (DESIGN.md, need-to-know).
    public var parties: [PartyName]

    /// One goods line: HS code and description.
    public struct Goods: Codable, Sendable, Hashable {
        public var hsCode: String?
        public var description: String?
        public init(hsCode: String?, description: String?) {
            self.hsCode = hsCode
            self.description = description
        }
    }

    /// A party's role and name.
    public struct PartyName: Codable, Sendable, Hashable {
        public var role: String
        public var name: String
        public init(role: String, name: String) {
            self.role = role
            self.name = name
        }
    }

    public init(containers: [String] = [], documentNumber: String? = nil, route: [String] = [], eta: String? = nil,
                goods: [Goods] = [], reasons: [String] = [], parties: [PartyName] = []) {
        self.containers = containers
        self.documentNumber = documentNumber
        self.route = route
        self.eta = eta
        self.goods = goods
        self.reasons = reasons
        self.parties = parties
    }
}

/// What a control found, as fed back to the unit that asked for it.
public struct ControlFeedback: Codable, Sendable, Hashable {
    /// `cleared`, `irregularity` or `seizure` (InspectionOutcome).
    public var outcome: String
    public var seizures: [Seized]

    /// One kind of goods seized.
    public struct Seized: Codable, Sendable, Hashable {
        public var category: String
        public var goods: String
        public var quantity: Double
        public var unit: String
        public init(category: String, goods: String, quantity: Double, unit: String) {
            self.category = category
            self.goods = goods
            self.quantity = quantity
            self.unit = unit
        }
    }

    public init(outcome: String, seizures: [Seized] = []) {
        self.outcome = outcome
        self.seizures = seizures
    }
}

/// The content of an envelope between units: kind, priority, language, thread, subject and text, and the details
/// its kind carries.
public struct Message: Codable, Sendable, Hashable {
    public var kind: MessageKind
    public var priority: MessagePriority
    public var language: Language
    /// The id of the thread's first message; a first message's thread is its own envelope id.
    public var thread: String
    /// The message this one answers, when it answers one.
    public var inReplyTo: String?
    public var subject: String
    public var text: String
    public var consignment: ConsignmentDetails?
    public var feedback: ControlFeedback?
    public var acknowledgement: AcknowledgementState?
    public var operationReturn: OperationReturn?

    public init(kind: MessageKind, priority: MessagePriority = .routine, language: Language = .en, thread: String, inReplyTo: String? = nil,
                subject: String, text: String = "", consignment: ConsignmentDetails? = nil, feedback: ControlFeedback? = nil,
                acknowledgement: AcknowledgementState? = nil, operationReturn: OperationReturn? = nil) {
        self.kind = kind
        self.priority = priority
        self.language = language
        self.thread = thread
        self.inReplyTo = inReplyTo
        self.subject = subject
        self.text = text
        self.consignment = consignment
        self.feedback = feedback
        self.acknowledgement = acknowledgement
        self.operationReturn = operationReturn
    }

    /// Limits that keep a message small enough for a poor link and a page.
    public static let subjectLimit = 200, textLimit = 10_000, containerLimit = 50

    /// What is wrong with the message, if anything: field and reason, in words for the sender.
    public func problem() -> (field: String, reason: String)? {
        let subject = subject.trimmingCharacters(in: .whitespacesAndNewlines)
        if subject.isEmpty { return ("subject", "a message needs a subject") }
        if subject.count > Message.subjectLimit { return ("subject", "at most \(Message.subjectLimit) characters") }
        if text.count > Message.textLimit { return ("text", "at most \(Message.textLimit) characters") }
        if thread.isEmpty || thread.count > 64 { return ("thread", "a thread id of 1 to 64 characters") }
        if kind.carriesConsignment {
            guard let c = consignment, !c.containers.isEmpty || !(c.documentNumber ?? "").isEmpty else {
                return ("containers", "an \(kind.rawValue) names at least a container or a transport document")
            }
        }
        if let c = consignment {
            if c.containers.count > Message.containerLimit { return ("containers", "at most \(Message.containerLimit) containers") }
            // The shape of an ISO 6346 number only: a box with a wrong check digit is worth an alert too.
            for number in c.containers {
                let n = ContainerNumber.normalize(number)
                guard n.count == 11, n.prefix(4).allSatisfy({ $0.isASCII && $0.isLetter }), n.suffix(7).allSatisfy({ $0.isASCII && $0.isNumber }) else {
                    return ("containers", "'\(number)' is not a container number (4 letters and 7 digits)")
                }
            }
            if let eta = c.eta, CalendarDate(iso: eta) == nil { return ("eta", "'\(eta)' is not a date (YYYY-MM-DD)") }
        }
        if kind == .acknowledgement, acknowledgement == nil { return ("acknowledgement", "received or controlling") }
        if kind == .operationReturn {
            guard let r = operationReturn else { return ("return", "an operation return carries the control") }
            if let p = r.problem() { return ("return.\(p.field)", p.reason) }
        }
        if kind == .resultFeedback {
            guard let f = feedback, ["cleared", "irregularity", "seizure"].contains(f.outcome) else {
                return ("outcome", "cleared, irregularity or seizure")
            }
        }
        if (kind == .answer || kind == .resultFeedback || kind == .acknowledgement) && inReplyTo == nil {
            return ("in_reply_to", "an \(kind.rawValue) answers a message")
        }
        return nil
    }

    /// The message as it is kept: the subject trimmed, container numbers written as ISO 6346 writes them.
    public func normalized() -> Message {
        var m = self
        m.subject = subject.trimmingCharacters(in: .whitespacesAndNewlines)
        m.consignment?.containers = consignment?.containers.map { ContainerNumber.normalize($0) } ?? []
        return m
    }

    /// The message as the content of an envelope.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// The message in an envelope's content.
    public static func from(json: String) throws -> Message {
        try JSONDecoder().decode(Message.self, from: Data(json.utf8))
    }
}
