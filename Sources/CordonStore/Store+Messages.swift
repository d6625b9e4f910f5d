import CordonCore
import Foundation
import SQLKit

/// A message between units as the node keeps it, sent or received. The exchange module gives the fields their
/// meaning; the store keeps them as text.
public struct MessageRecord: Sendable, Hashable {
    /// The envelope id.
    public var id: String
    public var thread: String
    public var inReplyTo: String?
    public var kind: String
    public var priority: String
    public var language: String
    public var senderNode: String
    public var senderUnit: String
    /// The user who sent it, for messages of this node only: names of persons do not travel.
    public var sentBy: String?
    /// The channel as JSON, and in words.
    public var channel: String
    public var channelLabel: String
    public var subject: String
    /// The message as JSON.
    public var content: String
    /// ISO 8601, from the envelope.
    public var created: String

    public init(id: String, thread: String, inReplyTo: String?, kind: String, priority: String, language: String, senderNode: String,
                senderUnit: String, sentBy: String?, channel: String, channelLabel: String, subject: String, content: String, created: String) {
        self.id = id
        self.thread = thread
        self.inReplyTo = inReplyTo
        self.kind = kind
        self.priority = priority
        self.language = language
        self.senderNode = senderNode
        self.senderUnit = senderUnit
        self.sentBy = sentBy
        self.channel = channel
        self.channelLabel = channelLabel
        self.subject = subject
        self.content = content
        self.created = created
    }
}

/// Which box of a unit a message is in.
public enum MessageBox: String, Sendable, CaseIterable {
    case inbox = "in", outbox = "out"
}

/// A message in one unit's box: read or not, and the latest acknowledgement it got (outbox) or gave (inbox).
public struct MailboxEntry: Sendable, Hashable {
    public var message: MessageRecord
    public var unit: String
    public var box: MessageBox
    public var read: Bool
    public var state: String?
}

/// A container an alert named, watched for in a unit's cargo data from `from` to `until`.
public struct AlertWatch: Sendable, Hashable {
    public var messageID: String
    public var unit: String
    public var container: String
    public var from: CalendarDate
    public var until: CalendarDate

    public init(messageID: String, unit: String, container: String, from: CalendarDate, until: CalendarDate) {
        self.messageID = messageID
        self.unit = unit
        self.container = container
        self.from = from
        self.until = until
    }
}

/// An alert that a consignment of a unit carries a watched container.
public struct AlertMatch: Sendable, Hashable {
    public var messageID: String
    public var container: String
    public var senderNode: String
    public var senderUnit: String
    public var subject: String
}

/// An envelope waiting for, or done with, its delivery to one peer.
public struct Delivery: Sendable, Hashable {
    public var envelopeID: String
    public var peer: String
    /// The signed envelope as JSON, exactly as it is posted.
    public var envelope: String
    public var attempts: Int
    public var lastError: String?
    public var deliveredAt: String?
    public var failedAt: String?
    public var nextAttemptAt: String
}

/// What a message changes besides itself: the acknowledgement or result it gives to the message it answers.
public struct MessageEffect: Sendable, Hashable {
    public var answers: String
    public var state: String

    public init(answers: String, state: String) {
        self.answers = answers
        self.state = state
    }
}

extension Store {
    /// Keeps a message of this node with its boxes, the containers to watch for, one delivery per peer and its audit
    /// entry, in one transaction: a message shown as sent is always in the outbox of every peer it goes to, and logged.
    public func storeSentMessage(_ m: MessageRecord, boxes: [(unit: String, box: MessageBox)], watches: [AlertWatch],
                                 deliveries: [(peer: String, envelope: String)], effect: MessageEffect?, audit: AuditEntry? = nil) async throws {
        try await transaction {
            try await insertMessage(m, boxes: boxes, watches: watches, effect: effect)
            try await queueDeliveries(envelopeID: m.id, deliveries)
            if let audit { _ = try await appendAudit(audit) }
        }
    }

    /// Inside a transaction: one outbox row per peer for an envelope, due now.
    func queueDeliveries(envelopeID: String, _ deliveries: [(peer: String, envelope: String)]) async throws {
        let now = Store.now()
        try await insert(into: "outbox", columns: ["envelope_id", "peer", "envelope", "attempts", "next_attempt_at", "created_at"],
                         rows: deliveries.map { [.text(envelopeID), .text($0.peer), .text($0.envelope), .int(0), .text(now), .text(now)] })
    }

    /// Keeps a verified envelope from a peer and, the first time, its message for the units it reaches: a second
    /// delivery of the same envelope changes nothing, another envelope with its id is a replay.
    public func receiveMessage(id: String, sender: String, signature: String, kind: String, json: String, message: MessageRecord,
                               boxes: [String], watches: [AlertWatch], effect: MessageEffect?) async throws -> InboxOutcome {
        try await transaction {
            if let outcome = try await keepEnvelope(id: id, sender: sender, signature: signature, kind: kind, json: json) { return outcome }
            try await insertMessage(message, boxes: boxes.map { ($0, .inbox) }, watches: watches, effect: effect)
            return .received
        }
    }

    /// Inside a transaction: records an envelope in the inbox, or says why not (seen before: the same, or a replay).
    func keepEnvelope(id: String, sender: String, signature: String, kind: String, json: String) async throws -> InboxOutcome? {
        if let known = try await sql.select().column("signature").from("inbox").where("id", .equal, id).first() {
            return try known.decode(column: "signature", as: String.self) == signature ? .duplicate : .replay
        }
        // To the millisecond: the delay from the envelope's creation to here is the exchange's delivery latency.
        try await sql.insert(into: "inbox").columns("id", "sender_node", "signature", "kind", "envelope", "received_at")
            .values(SQLBind(id), SQLBind(sender), SQLBind(signature), SQLBind(kind), SQLBind(json), SQLBind(Store.now(milliseconds: true))).run()
        return nil
    }

    private func insertMessage(_ m: MessageRecord, boxes: [(unit: String, box: MessageBox)], watches: [AlertWatch],
                               effect: MessageEffect?) async throws {
        let now = Store.now()
        try await sql.insert(into: "messages")
            .columns("id", "thread", "in_reply_to", "kind", "priority", "language", "sender_node", "sender_unit", "sent_by", "channel",
                     "channel_label", "subject", "content", "created_at", "stored_at")
            .values(SQLBind(m.id), SQLBind(m.thread), SQLBind(m.inReplyTo), SQLBind(m.kind), SQLBind(m.priority), SQLBind(m.language),
                    SQLBind(m.senderNode), SQLBind(m.senderUnit), SQLBind(m.sentBy), SQLBind(m.channel), SQLBind(m.channelLabel),
                    SQLBind(m.subject), SQLBind(m.content), SQLBind(m.created), SQLBind(now)).run()
        // A message sent by a unit is read in its own outbox.
        try await insert(into: "message_boxes", columns: ["message_id", "unit_code", "box", "read_at"],
                         rows: boxes.map { [.text(m.id), .text($0.unit), .text($0.box.rawValue), $0.box == .outbox ? .text(now) : .null] })
        try await insert(into: "alert_watches", columns: ["message_id", "unit_code", "container", "from_day", "until_day"],
                         rows: watches.map { [.text($0.messageID), .text($0.unit), .text($0.container), .text($0.from.description),
                                              .text($0.until.description)] })
        if let effect {
            // The answered message shows its latest acknowledgement in whichever box holds it here.
            try await sql.update("message_boxes").set("state", to: SQLBind(effect.state)).where("message_id", .equal, effect.answers).run()
        }
    }

    /// A message by its id.
    public func message(id: String) async throws -> MessageRecord? {
        try await exclusive {
            try await sql.select().column("*").from("messages").where("id", .equal, id).first().map(Store.readMessage)
        }
    }

    /// The boxes a message is in, among `units`.
    public func boxes(of messageID: String, units: [String]) async throws -> [MailboxEntry] {
        if units.isEmpty { return [] }
        return try await exclusive {
            try await sql.raw("""
                SELECT m.*, b.unit_code, b.box, b.read_at, b.state FROM message_boxes b JOIN messages m ON m.id = b.message_id
                WHERE b.message_id = \(bind: messageID) AND b.unit_code IN (\(binds: units)) ORDER BY b.unit_code, b.box
                """).all().map(Store.readEntry)
        }
    }

    /// The messages of a box of `units`, newest first.
    public func mailbox(units: [String], box: MessageBox, limit: Int = 50, offset: Int = 0) async throws -> [MailboxEntry] {
        if units.isEmpty { return [] }
        return try await exclusive {
            try await sql.raw("""
                SELECT m.*, b.unit_code, b.box, b.read_at, b.state FROM message_boxes b JOIN messages m ON m.id = b.message_id
                WHERE b.unit_code IN (\(binds: units)) AND b.box = \(bind: box.rawValue)
                ORDER BY m.created_at DESC, m.id LIMIT \(bind: limit) OFFSET \(bind: offset)
                """).all().map(Store.readEntry)
        }
    }

    /// Unread messages in the inboxes of `units`, per unit.
    public func unreadCounts(units: [String]) async throws -> [String: Int] {
        if units.isEmpty { return [:] }
        return try await exclusive {
            var counts: [String: Int] = [:]
            for r in try await sql.raw("""
                SELECT unit_code, COUNT(*) AS n FROM message_boxes
                WHERE unit_code IN (\(binds: units)) AND box = 'in' AND read_at IS NULL GROUP BY unit_code
                """).all() {
                counts[try r.decode(column: "unit_code", as: String.self)] = try r.decode(column: "n", as: Int.self)
            }
            return counts
        }
    }

    /// The messages of a thread that one of `units` holds, oldest first.
    public func thread(_ thread: String, units: [String]) async throws -> [MessageRecord] {
        if units.isEmpty { return [] }
        return try await exclusive {
            try await sql.raw("""
                SELECT m.* FROM messages m WHERE m.thread = \(bind: thread)
                    AND EXISTS (SELECT 1 FROM message_boxes b WHERE b.message_id = m.id AND b.unit_code IN (\(binds: units)))
                ORDER BY m.created_at, m.stored_at, m.id
                """).all().map(Store.readMessage)
        }
    }

    /// Marks the messages of a thread read in the inboxes of `units`.
    public func markThreadRead(_ thread: String, units: [String]) async throws {
        if units.isEmpty { return }
        try await transaction {
            try await sql.raw("""
                UPDATE message_boxes SET read_at = \(bind: Store.now())
                WHERE unit_code IN (\(binds: units)) AND box = 'in' AND read_at IS NULL
                    AND message_id IN (SELECT id FROM messages WHERE thread = \(bind: thread))
                """).run()
        }
    }

    static func readMessage(_ r: any SQLRow) throws -> MessageRecord {
        MessageRecord(id: try r.decode(column: "id", as: String.self), thread: try r.decode(column: "thread", as: String.self),
                      inReplyTo: try r.decode(column: "in_reply_to", as: String?.self), kind: try r.decode(column: "kind", as: String.self),
                      priority: try r.decode(column: "priority", as: String.self), language: try r.decode(column: "language", as: String.self),
                      senderNode: try r.decode(column: "sender_node", as: String.self),
                      senderUnit: try r.decode(column: "sender_unit", as: String.self), sentBy: try r.decode(column: "sent_by", as: String?.self),
                      channel: try r.decode(column: "channel", as: String.self), channelLabel: try r.decode(column: "channel_label", as: String.self),
                      subject: try r.decode(column: "subject", as: String.self), content: try r.decode(column: "content", as: String.self),
                      created: try r.decode(column: "created_at", as: String.self))
    }

    static func readEntry(_ r: any SQLRow) throws -> MailboxEntry {
        let box = try r.decode(column: "box", as: String.self)
        guard let b = MessageBox(rawValue: box) else { throw StoreError.query("a stored message box is unreadable: \(box)") }
        return MailboxEntry(message: try readMessage(r), unit: try r.decode(column: "unit_code", as: String.self), box: b,
                            read: try r.decode(column: "read_at", as: String?.self) != nil, state: try r.decode(column: "state", as: String?.self))
    }
}

extension Store {
    /// Deliveries due by `now`, oldest first, claimed for `owner` until `claim` has passed: another process sharing the
    /// database (or this one, in a later round) does not take them meanwhile, and takes them over afterwards if this one
    /// died. The claim is taken in one statement, so two processes asking at once never get the same delivery.
    public func claimDueDeliveries(owner: String, claim: Duration = .seconds(120), now: Date = Date(), limit: Int = 64) async throws -> [Delivery] {
        let at = Timestamp.iso(now), until = Timestamp.iso(now.addingTimeInterval(Double(claim.components.seconds)))
        // The due rows are picked once, in a materialised common table expression (an IN list would be evaluated again
        // per row on PostgreSQL and claim more than asked). PostgreSQL: rows another process is claiming right now are
        // skipped, not waited for; the claim condition is repeated in the update so that a row claimed meanwhile is left
        // alone. SQLite: the statement holds the write lock.
        let postgres = connection.flavor == .postgres
        return try await exclusive {
            try await sql.raw("""
                WITH picked AS MATERIALIZED (
                    SELECT envelope_id, peer FROM outbox
                    WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= \(bind: at)
                      AND (claimed_until IS NULL OR claimed_until <= \(bind: at))
                    ORDER BY next_attempt_at, created_at LIMIT \(bind: limit)\(unsafeRaw: postgres ? " FOR UPDATE SKIP LOCKED" : ""))
                UPDATE outbox SET claimed_by = \(bind: owner), claimed_until = \(bind: until)
                FROM picked
                WHERE outbox.envelope_id = picked.envelope_id AND outbox.peer = picked.peer
                  AND outbox.delivered_at IS NULL AND outbox.failed_at IS NULL
                  AND (outbox.claimed_until IS NULL OR outbox.claimed_until <= \(bind: at))
                RETURNING \(unsafeRaw: postgres ? "outbox.*" : "*")
                """).all().map(Store.readDelivery)
                .sorted { ($0.nextAttemptAt, $0.envelopeID, $0.peer) < ($1.nextAttemptAt, $1.envelopeID, $1.peer) }
        }
    }

    /// When the next delivery falls due, if any waits.
    public func nextDeliveryTime() async throws -> Date? {
        try await exclusive {
            // A claimed delivery is due again when its claim runs out (the process that holds it may have died).
            try await sql.raw("""
                SELECT MIN(CASE WHEN claimed_until > next_attempt_at THEN claimed_until ELSE next_attempt_at END) AS t
                FROM outbox WHERE delivered_at IS NULL AND failed_at IS NULL
                """)
                .first()?.decode(column: "t", as: String?.self).flatMap { Timestamp.date($0) }
        }
    }

    /// Records deliveries the peers confirmed with their signed receipts, in one transaction.
    public func deliveriesDone(_ done: [(envelopeID: String, peer: String)]) async throws {
        if done.isEmpty { return }
        let now = Store.now()
        try await transaction {
            for d in done {
                try await sql.update("outbox").set("delivered_at", to: SQLBind(now)).set("attempts", to: SQLRaw("attempts + 1"))
                    .set("last_error", to: SQLLiteral.null).set("claimed_until", to: SQLLiteral.null)
                    .where("envelope_id", .equal, d.envelopeID).where("peer", .equal, d.peer).run()
            }
        }
    }

    /// Records a failed attempt: tried again at `retryAt`, or given up for good when nil (the peer refused the envelope).
    public func deliveryFailed(envelopeID: String, peer: String, error: String, retryAt: Date?) async throws {
        try await transaction {
            var update = sql.update("outbox").set("attempts", to: SQLRaw("attempts + 1")).set("last_error", to: SQLBind(String(error.prefix(500))))
                .set("claimed_until", to: SQLLiteral.null)
            if let retryAt {
                update = update.set("next_attempt_at", to: SQLBind(Timestamp.iso(retryAt)))
            } else {
                update = update.set("failed_at", to: SQLBind(Store.now()))
            }
            try await update.where("envelope_id", .equal, envelopeID).where("peer", .equal, peer).run()
        }
    }

    /// The deliveries of a message, by peer.
    public func deliveries(of envelopeID: String) async throws -> [Delivery] {
        try await exclusive {
            try await sql.select().column("*").from("outbox").where("envelope_id", .equal, envelopeID).orderBy("peer").all()
                .map(Store.readDelivery)
        }
    }

    /// Envelopes not yet delivered and not given up.
    public func outboxBacklog() async throws -> Int {
        try await exclusive {
            try await sql.raw("SELECT COUNT(*) AS n FROM outbox WHERE delivered_at IS NULL AND failed_at IS NULL").first()?
                .decode(column: "n", as: Int.self) ?? 0
        }
    }

    static func readDelivery(_ r: any SQLRow) throws -> Delivery {
        Delivery(envelopeID: try r.decode(column: "envelope_id", as: String.self), peer: try r.decode(column: "peer", as: String.self),
                 envelope: try r.decode(column: "envelope", as: String.self), attempts: try r.decode(column: "attempts", as: Int.self),
                 lastError: try r.decode(column: "last_error", as: String?.self), deliveredAt: try r.decode(column: "delivered_at", as: String?.self),
                 failedAt: try r.decode(column: "failed_at", as: String?.self),
                 nextAttemptAt: try r.decode(column: "next_attempt_at", as: String.self))
    }
}

extension Store {
    /// The alerts whose watched containers are carried by the given consignments of a unit's day, by consignment id.
    public func alertMatches(unit: String, day: CalendarDate, consignmentIDs: [Int]) async throws -> [Int: AlertMatch] {
        if consignmentIDs.isEmpty { return [:] }
        return try await exclusive {
            var matches: [Int: AlertMatch] = [:]
            for chunk in consignmentIDs.chunks(ofCount: 500) {
                for r in try await sql.raw("""
                    SELECT cc.consignment_id, w.container, m.id, m.sender_node, m.sender_unit, m.subject
                    FROM alert_watches w JOIN consignment_containers cc ON cc.number = w.container
                        JOIN messages m ON m.id = w.message_id
                    WHERE w.unit_code = \(bind: unit) AND w.from_day <= \(bind: day.description) AND w.until_day >= \(bind: day.description)
                        AND cc.block IN (\(binds: Store.entryBlocks(of: chunk))) AND cc.consignment_id IN (\(binds: Array(chunk)))
                    ORDER BY m.created_at
                    """).all() {
                    let id = try r.decode(column: "consignment_id", as: Int.self)
                    if matches[id] != nil { continue }
                    matches[id] = AlertMatch(messageID: try r.decode(column: "id", as: String.self),
                                             container: try r.decode(column: "container", as: String.self),
                                             senderNode: try r.decode(column: "sender_node", as: String.self),
                                             senderUnit: try r.decode(column: "sender_unit", as: String.self),
                                             subject: try r.decode(column: "subject", as: String.self))
                }
            }
            return matches
        }
    }

    /// The scored days of a unit's queue that hold a consignment with a watched container not flagged by its alert
    /// (scored before the alert came, or arrived after the day was scored): those days are scored again.
    /// With `containers`, only the watches of those containers are looked at (after one alert came in: the others were
    /// looked at before).
    public func daysWithUnflaggedAlerts(unit: String, containers: [String]? = nil) async throws -> [CalendarDate] {
        if containers?.isEmpty == true { return [] }
        return try await exclusive {
            // The alert reason names the message id (a UUID), so the reasons text tells whether this alert flagged it.
            try await sql.raw("""
                \(unsafeRaw: Store.entryBlocks)
                SELECT DISTINCT c.doc_date FROM alert_watches w
                    CROSS JOIN entry_blocks b \(unsafeRaw: entriesJoin) consignment_containers cc ON cc.block = b.block AND cc.number = w.container
                    JOIN consignments c ON c.id = cc.consignment_id AND c.is_current = 1
                WHERE w.unit_code = \(bind: unit) AND c.doc_date >= w.from_day AND c.doc_date <= w.until_day
                    \(unsafeRaw: containers == nil ? "" : "AND w.container IN (")\(binds: containers ?? [])\(unsafeRaw: containers == nil ? "" : ")")
                    AND (c.place_of_discharge IN (SELECT location FROM unit_locations l WHERE l.unit_code = w.unit_code)
                        OR c.office IN (SELECT location FROM unit_locations l WHERE l.unit_code = w.unit_code))
                    AND EXISTS (SELECT 1 FROM targets t WHERE t.unit_code = w.unit_code AND t.day = c.doc_date)
                    AND NOT EXISTS (SELECT 1 FROM targets t WHERE t.unit_code = w.unit_code AND t.day = c.doc_date
                        AND t.consignment_id = c.id AND t.reasons LIKE '%' || w.message_id || '%')
                ORDER BY c.doc_date
                """).all().compactMap { r in CalendarDate(iso: try r.decode(column: "doc_date", as: String.self)) }
        }
    }
}
