import CordonCore
import CordonStore
import Foundation
import Testing
import TestSupport

@Suite("Messages, deliveries and alert watches in the store")
struct MessageStoreTests {
    func record(_ id: String, thread: String? = nil, inReplyTo: String? = nil, kind: String = "alert", unit: String = "AKT",
                node: String = "kz-node", created: String = "2026-11-20T08:00:00Z") -> MessageRecord {
        MessageRecord(id: id, thread: thread ?? id, inReplyTo: inReplyTo, kind: kind, priority: "urgent", language: "en", senderNode: node,
                      senderUnit: unit, sentBy: node == "kz-node" ? "aigerim" : nil, channel: "{}", channelLabel: "unit uz-node/TAS",
                      subject: "Subject \(id)", content: "{}", created: created)
    }

    @Test("a sent message is in its unit's outbox with one delivery per peer; a delivery is retried, then done or given up",
          arguments: TestDatabases.available)
    func sending(kind: TestDatabases.Kind) async throws {
        try await withStore(kind) { store, _ in
            try await store.storeSentMessage(record("m1"), boxes: [("AKT", .outbox), ("ALA", .inbox)], watches: [],
                                             deliveries: [("uz-node", "{\"e\":1}"), ("kg-node", "{\"e\":1}")], effect: nil)
            #expect(try await store.mailbox(units: ["AKT"], box: .outbox).map(\.message.id) == ["m1"])
            #expect(try await store.mailbox(units: ["AKT"], box: .inbox).isEmpty)
            #expect(try await store.unreadCounts(units: ["AKT", "ALA"]) == ["ALA": 1])
            #expect(try await store.outboxBacklog() == 2)
            let due = try await store.claimDueDeliveries(owner: "p1")
            #expect(Set(due.map(\.peer)) == ["uz-node", "kg-node"] && due.allSatisfy { $0.envelope == "{\"e\":1}" && $0.attempts == 0 })
            // Claimed: nobody else takes them while the claim lasts; taken over when it has run out.
            #expect(try await store.claimDueDeliveries(owner: "p2").isEmpty)
            #expect(try await store.claimDueDeliveries(owner: "p2", now: Date().addingTimeInterval(121)).count == 2)
            // uz-node is down: tried again in an hour, not before.
            try await store.deliveryFailed(envelopeID: "m1", peer: "uz-node", error: "connection refused", retryAt: Date().addingTimeInterval(3600))
            // kg-node refuses it for good.
            try await store.deliveryFailed(envelopeID: "m1", peer: "kg-node", error: "422 no unit TAS", retryAt: nil)
            #expect(try await store.claimDueDeliveries(owner: "p1").isEmpty)
            #expect(try await store.outboxBacklog() == 1)
            let next = try #require(try await store.nextDeliveryTime())
            #expect(next.timeIntervalSinceNow > 3500)
            #expect(try await store.claimDueDeliveries(owner: "p1", now: Date().addingTimeInterval(3700)).map(\.peer) == ["uz-node"])
            try await store.deliveriesDone([("m1", "uz-node")])
            let deliveries = try await store.deliveries(of: "m1")
            #expect(deliveries.map(\.peer) == ["kg-node", "uz-node"])
            #expect(deliveries[0].failedAt != nil && deliveries[0].lastError == "422 no unit TAS" && deliveries[0].attempts == 1)
            #expect(deliveries[1].deliveredAt != nil && deliveries[1].lastError == nil && deliveries[1].attempts == 2)
            #expect(try await store.outboxBacklog() == 0)
            #expect(try await store.nextDeliveryTime() == nil)
        }
    }

    @Test("two processes on one database claiming deliveries at once never get the same one, and between them get all",
          arguments: TestDatabases.available)
    func claimsAcrossProcesses(kind: TestDatabases.Kind) async throws {
        try await withStore(kind) { store, _ in
            for i in 0..<120 {
                try await store.storeSentMessage(record("m\(i)"), boxes: [("AKT", .outbox)], watches: [],
                                                 deliveries: [("uz-node", "{}"), ("kg-node", "{}")], effect: nil)
            }
            try await withSecondStore(store) { other in
                func drain(_ s: Store, _ owner: String) async throws -> [String] {
                    var got: [String] = []
                    while true {
                        let claimed = try await s.claimDueDeliveries(owner: owner, limit: 7)
                        if claimed.isEmpty { return got }
                        #expect(claimed.count <= 7)
                        got += claimed.map { "\($0.envelopeID)/\($0.peer)" }
                    }
                }
                async let a = drain(store, "p1")
                async let b = drain(other, "p2")
                let (first, second) = try await (a, b)
                #expect(Set(first).isDisjoint(with: second))
                #expect(first.count + second.count == 240 && Set(first + second).count == 240)
            }
        }
    }

    @Test("a received envelope is kept once: the same again is a duplicate, another with its id a replay; an answer sets the state of the message it answers",
          arguments: TestDatabases.available)
    func receiving(kind: TestDatabases.Kind) async throws {
        try await withStore(kind) { store, _ in
            let alert = record("a1", unit: "TAS", node: "uz-node")
            func receive(_ m: MessageRecord, signature: String, boxes: [String], effect: MessageEffect? = nil) async throws -> InboxOutcome {
                try await store.receiveMessage(id: m.id, sender: m.senderNode, signature: signature, kind: m.kind, json: "{}", message: m,
                                               boxes: boxes, watches: [], effect: effect)
            }
            #expect(try await receive(alert, signature: "s1", boxes: ["AKT", "ALA"]) == .received)
            #expect(try await receive(alert, signature: "s1", boxes: ["AKT", "ALA"]) == .duplicate)
            #expect(try await receive(alert, signature: "other", boxes: ["AKT"]) == .replay)
            #expect(try await store.inboxCount() == 1)
            #expect(try await store.unreadCounts(units: ["AKT", "ALA"]) == ["AKT": 1, "ALA": 1])
            // AKT answers: in its outbox, in the same thread; the alert shows the acknowledgement.
            try await store.storeSentMessage(record("r1", thread: "a1", inReplyTo: "a1", kind: "acknowledgement", created: "2026-11-20T09:00:00Z"),
                                             boxes: [("AKT", .outbox)], watches: [], deliveries: [("uz-node", "{}")],
                                             effect: MessageEffect(answers: "a1", state: "controlling"))
            #expect(try await store.thread("a1", units: ["AKT"]).map(\.id) == ["a1", "r1"])
            #expect(try await store.thread("a1", units: ["ALA"]).map(\.id) == ["a1"])
            #expect(try await store.thread("a1", units: ["TAS"]).isEmpty)
            #expect(try await store.boxes(of: "a1", units: ["AKT"]).first?.state == "controlling")
            try await store.markThreadRead("a1", units: ["AKT"])
            #expect(try await store.unreadCounts(units: ["AKT", "ALA"]) == ["ALA": 1])
            #expect(try await store.mailbox(units: ["AKT", "ALA"], box: .inbox).map(\.read).sorted { !$0 && $1 } == [false, true])
            #expect(try await store.message(id: "r1")?.inReplyTo == "a1")
            #expect(try await store.message(id: "nope") == nil)
        }
    }

    @Test("an alert's containers are matched in a unit's cargo within its window; a scored day that misses the alert is found",
          arguments: TestDatabases.available)
    func watches(kind: TestDatabases.Kind) async throws {
        try await withStore(kind) { store, _ in
            let day = CalendarDate(year: 2026, month: 11, day: 20)!
            func bl(_ n: String, _ container: String, on d: CalendarDate) -> Consignment {
                Consignment(kind: .billOfLading, documentNumber: n, date: d, route: Route(placeOfLoading: "CNSHA", placeOfDischarge: "UZTAS"),
                            containers: [Container(number: container)])
            }
            _ = try await store.commit(IntakeBatch(source: SourceFile(name: "m", fingerprint: "f", format: "manifest"), consignments: [
                bl("BL-1", "MSCU0759544", on: day), bl("BL-2", "HLBU0732480", on: day), bl("BL-3", "MSCU0759544", on: day.adding(days: 60)),
            ]))
            try await store.saveUnit(ControlUnit(code: "TAS", name: "Tashkent", kind: .pcu, country: "UZ", locations: ["UZTAS"], capacity: .count(1)))
            let docs = try await store.consignments(for: try await store.unit("TAS"), on: day)
            try await store.replaceTargets(unit: "TAS", day: day, targets: docs.enumerated().map { i, d in
                Target(consignmentID: d.id, kind: .billOfLading, documentNumber: d.consignment.documentNumber, rank: i + 1, score: 0.1,
                       lane: .green, selection: .released, reasons: [], profiles: [])
            }, modelVersion: nil)
            #expect(try await store.daysWithUnflaggedAlerts(unit: "TAS").isEmpty)
            _ = try await store.receiveMessage(id: "a1", sender: "kz-node", signature: "s", kind: "alert", json: "{}",
                                           message: record("a1", unit: "AKT"), boxes: ["TAS"],
                                           watches: [AlertWatch(messageID: "a1", unit: "TAS", container: "MSCU0759544",
                                                                from: day.adding(days: -7), until: day.adding(days: 30))], effect: nil)
            let matches = try await store.alertMatches(unit: "TAS", day: day, consignmentIDs: docs.map(\.id))
            let bl1 = try #require(docs.first { $0.consignment.documentNumber == "BL-1" }?.id)
            #expect(matches.keys.sorted() == [bl1])
            #expect(matches[bl1]?.messageID == "a1" && matches[bl1]?.senderUnit == "AKT" && matches[bl1]?.container == "MSCU0759544")
            // Another unit, or a day outside the window, does not match.
            #expect(try await store.alertMatches(unit: "ALA", day: day, consignmentIDs: docs.map(\.id)).isEmpty)
            #expect(try await store.alertMatches(unit: "TAS", day: day.adding(days: 60), consignmentIDs: docs.map(\.id)).isEmpty)
            // The day was scored before the alert: it is to be scored again; once flagged, no more.
            #expect(try await store.daysWithUnflaggedAlerts(unit: "TAS") == [day])
            #expect(try await store.daysWithUnflaggedAlerts(unit: "TAS", containers: ["MSCU0759544"]) == [day])
            #expect(try await store.daysWithUnflaggedAlerts(unit: "TAS", containers: ["HLBU0732480"]).isEmpty)
            try await store.replaceTargets(unit: "TAS", day: day, targets: docs.enumerated().map { i, d in
                Target(consignmentID: d.id, kind: .billOfLading, documentNumber: d.consignment.documentNumber, rank: i + 1, score: 0.1,
                       lane: d.id == bl1 ? .red : .green, selection: d.id == bl1 ? .mandatory : .released,
                       reasons: d.id == bl1 ? [Reason("alert", ["message": "a1"])] : [], profiles: [])
            }, modelVersion: nil)
            #expect(try await store.daysWithUnflaggedAlerts(unit: "TAS").isEmpty)
        }
    }
}
