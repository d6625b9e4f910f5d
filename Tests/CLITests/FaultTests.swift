import CordonCore
import CordonStore
import Foundation
import NIOHTTP1
import Testing
import TestSupport

/// Servers killed without warning (SIGKILL) in the middle of their work: what was answered as stored stays stored,
/// nothing is stored twice, and sending again completes the work.
@Suite("Faults: servers killed mid-work", .serialized)
struct FaultTests {
    /// Consignment `i` of batch `b`, with a valid container number of its own.
    static func consignment(_ b: Int, _ i: Int) -> [String: Any] {
        let first = String(format: "MSKU%06d", b * 1000 + i)
        let digit = ContainerNumber.checkDigit(Array(first.utf8)) ?? 0
        return ["kind": "bl", "document_number": "BL-F-\(b)-\(i)", "date": CalendarDate.today.description,
                "route": ["place_of_loading": "CNSHA", "place_of_discharge": "KZAKT"], "containers": [["number": first + "\(digit)"]]]
    }

    /// The API body of batch `b`.
    static func batch(_ b: Int, size: Int) -> [String: Any] {
        ["consignments": (0..<size).map { consignment(b, $0) }]
    }

    @Test("a server killed while the API takes in batches keeps every batch it acknowledged, whole, logged once; sent again, all arrive without duplicates")
    func killDuringIngest() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let node = try TestNode("kz-node", "KZ", units: [("KZ-AKT-PCU", "KZAKT")], in: dir)
        defer { node.stop() }
        try await node.start()
        let (batches, size) = (40, 250)

        // Two senders take batches in turn until the server dies under them.
        let progress = SendProgress(batches: batches)
        let api = TestNode.API(baseURL: node.baseURL, token: node.token)
        let senders = (0..<2).map { _ in
            Task {
                while let b = await progress.take() {
                    guard let answer = try? await api.call(.POST, "/api/v1/consignments", FaultTests.batch(b, size: size)) else { return }
                    if answer.status == 200 { await progress.acknowledge(b) }
                }
            }
        }
        #expect(try await eventually(120) { await progress.acknowledged.count >= 6 })
        node.kill()
        for s in senders { await s.value }
        let acked = await progress.acknowledged
        #expect(acked.count < batches, "the server was killed too late to test anything")

        let store = try await Store.open(try DatabaseLocation(parsing: node.database), migrate: false)
        let outcome = await capture {
            let totals = try await store.totals()
            // Whole batches only, at least the acknowledged ones, and no document twice.
            #expect(totals.currentConsignments % size == 0 && totals.currentConsignments == totals.consignments)
            #expect(totals.currentConsignments >= acked.count * size)
            for b in acked {
                for i in [0, size / 2, size - 1] {
                    #expect(try await store.currentConsignmentID("BL-F-\(b)-\(i)", kind: .billOfLading) != nil, "batch \(b) lost")
                }
            }
            // Each stored batch is in the audit log exactly once, and the chain holds.
            let logged = try await store.auditEntries(AuditFilter(action: "upload_cargo"), limit: 1000)
            #expect(logged.count == totals.currentConsignments / size)
            #expect(try await store.verifyAudit().firstBad == nil)
            return totals.currentConsignments
        }
        await store.close()
        let storedBefore = try outcome.get()

        // Back up: everything sent again; what was stored already is a duplicate.
        try await node.start()
        var duplicates = 0
        for b in 0..<batches {
            let r = try await api.call(.POST, "/api/v1/consignments", FaultTests.batch(b, size: size))
            #expect(r.status == 200, "\(r.json)")
            duplicates += r.json["duplicates"] as? Int ?? 0
        }
        #expect(duplicates == storedBefore)
        node.stop()
        let after = try await Store.open(try DatabaseLocation(parsing: node.database), migrate: false)
        let totals = await capture { try await after.totals() }
        await after.close()
        #expect(try totals.get().currentConsignments == batches * size && totals.get().consignments == batches * size)
    }

    @Test("messages survive both nodes being killed mid-delivery: each arrives once, every delivery confirmed")
    func killDuringDelivery() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let kz = try TestNode("kz-node", "KZ", units: [("KZ-AKT-PCU", "KZAKT")], in: dir)
        let uz = try TestNode("uz-node", "UZ", units: [("UZ-TAS-PCU", "UZTAS")], in: dir)
        defer { kz.stop(); uz.stop() }
        // The test asks after every message several times a second, far beyond the API's rate limit.
        try await kz.start(["--api-rate", "0"])
        try await uz.start()
        try kz.addPeers([uz])
        try uz.addPeers([kz])
        func send(_ n: Int) async throws -> String {
            let r = try await kz.api(.POST, "/api/v1/messages", [
                "unit": "KZ-AKT-PCU", "channel": ["to": "unit", "node": "uz-node", "unit": "UZ-TAS-PCU"], "kind": "free",
                "subject": "message \(n)", "text": "sent before a crash"])
            #expect(r.status == 201, "\(r.json)")
            return r.json["id"] as? String ?? ""
        }
        var ids: [String] = []
        for n in 0..<30 { ids.append(try await send(n)) }
        // The receiver dies while the courier is delivering; the sender dies with messages still in its outbox.
        uz.kill()
        for n in 30..<45 { ids.append(try await send(n)) }
        kz.kill()
        // What the sender's outbox holds across its crash: the later messages, none of them delivered.
        let outbox = try await Store.open(try DatabaseLocation(parsing: kz.database), migrate: false)
        let pending = await capture {
            var undelivered: [String] = []
            for id in ids where try await outbox.deliveries(of: id).contains(where: { $0.deliveredAt == nil }) { undelivered.append(id) }
            return undelivered
        }
        await outbox.close()
        #expect(try Set(ids[30...]).isSubset(of: pending.get()))
        try await uz.start()
        try await kz.start(["--api-rate", "0"])

        // The deliveries the killed sender had claimed wait until its claim runs out (30 s).
        let allDelivered = try await eventually(150) {
            for id in ids {
                let deliveries = try await kz.api(.GET, "/api/v1/messages/\(id)").json["deliveries"] as? [[String: Any]] ?? []
                guard deliveries.count == 1, deliveries[0]["delivered"] != nil else { return false }
            }
            return true
        }
        #expect(allDelivered)
        let received = try await uz.inbox().map(\.subject).sorted()
        #expect(received == (0..<45).map { "message \($0)" }.sorted())
    }
}

/// Which batch is sent next, and which were answered as stored.
actor SendProgress {
    let batches: Int
    private var next = 0
    private(set) var acknowledged: Set<Int> = []

    init(batches: Int) { self.batches = batches }

    func take() -> Int? {
        guard next < batches else { return nil }
        defer { next += 1 }
        return next
    }

    func acknowledge(_ b: Int) { acknowledged.insert(b) }
}
