import AsyncHTTPClient
import CordonCore
import CordonExchange
import CordonStore
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import TestSupport

/// One node of the test network: its own database, key and `cordon serve` process on a loopback port, set up
/// with the command line as an operator would, and an integration token for its API.
final class TestNode: @unchecked Sendable {
    // @unchecked: driven by one test, sequentially.
    let name: String
    let country: String
    let units: [(code: String, location: String)]
    let dir: TemporaryDirectory
    /// The node's database: its own SQLite file unless another database was given.
    let database: String
    var keyFile: String { dir.file("\(name).key") }
    /// The process's log (a second process of the node has its own).
    let log: String
    var publicKey = ""
    var token = ""
    var port = 0
    var process: Process?
    var baseURL: String { "http://127.0.0.1:\(port)" }

    init(_ name: String, _ country: String, units: [(String, String)], in dir: TemporaryDirectory, database: String? = nil) throws {
        self.name = name
        self.country = country
        self.units = units.map { (code: $0.0, location: $0.1) }
        self.dir = dir
        self.database = database ?? "sqlite:" + dir.file("\(name).sqlite")
        self.log = dir.file("\(name).log")
        let node = try cordon(["node", "init", "--name", name, "--country", country, "--key-file", keyFile], database: self.database)
        #expect(node.status == 0, "\(node.stderr)")
        publicKey = node.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        for unit in self.units {
            let r = try cordon(["unit", "save", unit.code, "--name", unit.code, "--kind", "pcu", "--country", country, "--location", unit.location,
                                "--capacity", "5"], database: self.database)
            #expect(r.status == 0, "\(r.stderr)")
        }
        let user = try cordon(["user", "add", "system", "--name", "Port system", "--role", "integration", "--agency", "customs"]
            + self.units.flatMap { ["--unit", $0.code] }, database: self.database)
        #expect(user.status == 0, "\(user.stderr)")
        let t = try cordon(["token", "create", "system", "--name", "test"], database: self.database)
        token = t.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Another server process of the same node: same database, key and token, its own port and log.
    private init(process number: Int, of node: TestNode) {
        name = node.name
        country = node.country
        units = node.units
        dir = node.dir
        database = node.database
        log = node.dir.file("\(node.name)-\(number).log")
        publicKey = node.publicKey
        token = node.token
    }

    /// A second (third, ...) `cordon serve` process for this node, not yet started.
    func process(_ number: Int) -> TestNode { TestNode(process: number, of: self) }

    /// Starts `cordon serve`; the first time on a free port, later on the same one.
    func start(_ arguments: [String] = [], environment: [String: String] = [:]) async throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Fixtures.cordonBinary)
        p.arguments = ["serve", "--port", "\(port)", "--key-file", keyFile, "--insecure-cookies"] + arguments
        p.environment = ProcessInfo.processInfo.environment.merging(["CORDON_DATABASE": database].merging(environment) { _, n in n }) { _, n in n }
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        p.standardError = handle
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        process = p
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if let r = text.range(of: "serving on http://127.0.0.1:"), let n = Int(text[r.upperBound...].prefix { $0.isNumber }) {
                port = n
                return
            }
            #expect(p.isRunning, "\(name) stopped: \(text)")
            if !p.isRunning { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("\(name) did not start")
    }

    /// Stops the server as an operator would (SIGTERM), and waits for it.
    func stop() {
        guard let p = process, p.isRunning else { return }
        p.terminate()
        p.waitUntilExit()
        process = nil
    }

    /// Kills the server without warning (SIGKILL): no graceful shutdown, requests cut off mid-way.
    func kill() {
        guard let p = process, p.isRunning else { return }
        Foundation.kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        process = nil
    }

    func addPeers(_ others: [TestNode]) throws {
        for o in others {
            let r = try cordon(["peer", "add", o.name, "--country", o.country, "--url", o.baseURL, "--key", o.publicKey], database: database)
            #expect(r.status == 0, "\(r.stderr)")
        }
    }

    /// The node's API with another user's token.
    struct API {
        let baseURL: String
        let token: String

        func call(_ method: HTTPMethod, _ path: String, _ body: Any? = nil) async throws -> (status: Int, json: [String: Any]) {
            var request = HTTPClientRequest(url: baseURL + path)
            request.method = method
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
            }
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            let data = Data(buffer: try await response.body.collect(upTo: 16 << 20))
            return (Int(response.status.code), (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
        }
    }

    /// Calls the node's API with its integration token: status and JSON.
    func api(_ method: HTTPMethod, _ path: String, _ body: Any? = nil) async throws -> (status: Int, json: [String: Any]) {
        try await API(baseURL: baseURL, token: token).call(method, path, body)
    }

    /// Posts raw bytes to the node's inbox, as a peer would.
    func postInbox(_ body: Data) async throws -> Int {
        var request = HTTPClientRequest(url: baseURL + "/exchange/inbox")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        return Int(try await HTTPClient.shared.execute(request, timeout: .seconds(30)).status.code)
    }

    /// The messages in this node's inboxes: (unit, subject) pairs.
    func inbox() async throws -> [(unit: String, subject: String, id: String)] {
        let r = try await api(.GET, "/api/v1/messages?box=in&limit=1000")
        return (r.json["messages"] as? [[String: Any]] ?? []).compactMap { m in
            guard let unit = m["unit"] as? String, let id = m["id"] as? String,
                  let subject = (m["message"] as? [String: Any])?["subject"] as? String else { return nil }
            return (unit, subject, id)
        }
    }
}

/// Polls `condition` until it holds or `seconds` pass; true when it held.
func eventually(_ seconds: Double = 60, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(200))
    }
    return try await condition()
}

@Suite("Exchange between three nodes", .serialized)
struct FederationTests {
    @Test("three cordon serve processes: every channel reaches exactly its units; a stopped node gets everything when it is back; tampered, unknown and replayed envelopes are refused; the result goes back; an alerted container flags the queue; an operation reaches its nodes only, also one that was down, and its returns reach the coordinating node")
    func threeNodes() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let kz = try TestNode("kz-node", "KZ", units: [("KZ-AKT-PCU", "KZAKT"), ("KZ-ALA-ACCU", "KZALA")], in: dir)
        let uz = try TestNode("uz-node", "UZ", units: [("UZ-TAS-PCU", "UZTAS")], in: dir)
        let kg = try TestNode("kg-node", "KG", units: [("KG-BSK-PCU", "KGFRU")], in: dir)
        let nodes = [kz, uz, kg]
        defer { nodes.forEach { $0.stop() } }
        for n in nodes { try await n.start() }
        for n in nodes { try n.addPeers(nodes.filter { $0 !== n }) }
        let today = CalendarDate.today.description

        /// Sends from KZ-AKT-PCU; the message id.
        func send(_ channel: [String: String], _ subject: String, kind: String = "alert", extra: [String: Any] = [:]) async throws -> String {
            var body: [String: Any] = ["unit": "KZ-AKT-PCU", "channel": channel, "kind": kind, "priority": "urgent", "subject": subject,
                                       "consignment": ["containers": ["MSCU0759544"], "eta": today, "route": ["KZAKT", "UZTAS"],
                                                       "goods": [], "reasons": ["undervalued cigarettes"], "parties": []]]
            body.merge(extra) { _, n in n }
            let r = try await kz.api(.POST, "/api/v1/messages", body)
            #expect(r.status == 201, "\(r.json)")
            return r.json["id"] as? String ?? ""
        }
        /// Which units of the network hold a message with this subject, once every delivery of it is confirmed.
        func holders(of id: String, _ subject: String) async throws -> [String] {
            let delivered = try await eventually {
                let deliveries = try await kz.api(.GET, "/api/v1/messages/\(id)").json["deliveries"] as? [[String: Any]] ?? []
                return deliveries.allSatisfy { $0["delivered"] != nil }
            }
            #expect(delivered, "\(subject) not delivered")
            var units: [String] = []
            for n in nodes { units += try await n.inbox().filter { $0.subject == subject }.map(\.unit) }
            return units.sorted()
        }

        // Every channel reaches exactly its units, never the sender.
        let first = try await send(["to": "unit", "node": "uz-node", "unit": "UZ-TAS-PCU"], "to one unit")
        #expect(try await holders(of: first, "to one unit") == ["UZ-TAS-PCU"])
        #expect(try await holders(of: try await send(["to": "country", "country": "UZ"], "to Uzbekistan"), "to Uzbekistan") == ["UZ-TAS-PCU"])
        #expect(try await holders(of: try await send(["to": "country", "country": "KZ"], "to Kazakhstan"), "to Kazakhstan") == ["KZ-ALA-ACCU"])
        #expect(try await holders(of: try await send(["to": "bilateral", "country": "KG"], "KZ and KG"), "KZ and KG") == ["KG-BSK-PCU", "KZ-ALA-ACCU"])
        #expect(try await holders(of: try await send(["to": "network"], "to everyone"), "to everyone") == ["KG-BSK-PCU", "KZ-ALA-ACCU", "UZ-TAS-PCU"])
        #expect(try await kz.api(.POST, "/api/v1/messages", ["unit": "KZ-AKT-PCU", "channel": ["to": "unit", "node": "tj-node", "unit": "X"],
                                                             "kind": "free", "subject": "nobody"]).status == 400)

        // Tashkent's node is stopped: the alert waits in the outbox, retried, and arrives once it is back.
        uz.stop()
        // A node with its key signs the head of its audit log at start and again at shutdown.
        let checked = try cordon(["audit", "verify", "--public-key", uz.publicKey], database: uz.database)
        #expect(checked.status == 0 && checked.stderr.contains("signed checkpoints right"), "\(checked.stderr)")
        let waiting = try await send(["to": "unit", "node": "uz-node", "unit": "UZ-TAS-PCU"], "while you were down")
        let retried = try await eventually {
            let d = (try await kz.api(.GET, "/api/v1/messages/\(waiting)").json["deliveries"] as? [[String: Any]])?.first
            return (d?["attempts"] as? Int ?? 0) >= 1 && d?["last_error"] != nil && d?["delivered"] == nil
        }
        #expect(retried)
        try await Task.sleep(for: .seconds(2))
        try await uz.start()
        #expect(try await holders(of: waiting, "while you were down") == ["UZ-TAS-PCU"])

        // Refused at Tashkent's inbox: an altered envelope, an unknown node, a replay. A second delivery is kept once.
        let kzStore = try await Store.open(try DatabaseLocation(parsing: kz.database), migrate: false)
        let stored = try #require(try await kzStore.deliveries(of: first).first?.envelope)
        await kzStore.close()
        #expect(try await uz.postInbox(Data(stored.utf8)) == 200)
        var signed = try JSONDecoder().decode(SignedEnvelope.self, from: Data(stored.utf8))
        let original = signed
        signed.envelope.content = signed.envelope.content.replacingOccurrences(of: "to one unit", with: "to another unit")
        #expect(try await uz.postInbox(try JSONEncoder().encode(signed)) == 401)
        let kzKey = try NodeIdentity.load(from: kz.keyFile)
        var replay = original.envelope
        replay.content = try Message(kind: .free, thread: replay.id, subject: "replayed").json()
        replay.kind = "free"
        #expect(try await uz.postInbox(try JSONEncoder().encode(try replay.signed(by: kzKey))) == 409)
        let stranger = try Envelope(senderNode: "xx-node", senderUnit: "X", channel: .network, kind: "free",
                                    content: try Message(kind: .free, thread: "t", subject: "hello").json()).signed(by: NodeIdentity())
        #expect(try await uz.postInbox(try JSONEncoder().encode(stranger)) == 401)
        #expect(try await uz.inbox().filter { $0.subject == "to one unit" }.count == 1)

        // The alerted container arrives in Tashkent's cargo data: the scored day is scored again, the alert on top.
        func consignment(_ number: String, _ container: String) -> [String: Any] {
            ["kind": "bl", "document_number": number, "date": today, "route": ["place_of_loading": "KZAKT", "place_of_discharge": "UZTAS"],
             "containers": [["number": container]]]
        }
        #expect(try await uz.api(.POST, "/api/v1/consignments", ["consignments": [consignment("BL-TAS-A", "HLBU0732480")]]).status == 200)
        let scored = try cordon(["target", "--unit", "UZ-TAS-PCU", "--date", today], database: uz.database)
        #expect(scored.status == 0, "\(scored.stderr)")
        #expect(try await uz.api(.POST, "/api/v1/consignments", ["consignments": [consignment("BL-TAS-B", "MSCU0759544")]]).status == 200)
        let queue = try await uz.api(.GET, "/api/v1/targets?unit=UZ-TAS-PCU&date=\(today)")
        let top = try #require((queue.json["targets"] as? [[String: Any]])?.first)
        #expect(top["document_number"] as? String == "BL-TAS-B" && top["lane"] as? String == "red" && top["selection"] as? String == "mandatory")
        #expect((top["reasons"] as? [String])?.first?.hasPrefix("alert from KZ-AKT-PCU (kz-node) on container MSCU0759544") == true, "\(top)")

        // Tashkent controls it and feeds the seizure back: Aktau's alert shows the result, and the result is in its inbox.
        let result = try await uz.api(.POST, "/api/v1/messages", [
            "unit": "UZ-TAS-PCU", "channel": ["to": "unit", "node": "kz-node", "unit": "KZ-AKT-PCU"], "kind": "result_feedback",
            "thread": first, "in_reply_to": first, "subject": "Re: to one unit",
            "feedback": ["outcome": "seizure", "seizures": [["category": "tobacco", "goods": "cigarettes", "quantity": 9500, "unit": "sticks"]]],
        ])
        #expect(result.status == 201, "\(result.json)")
        let fedBack = try await eventually {
            try await kz.api(.GET, "/api/v1/messages/\(first)").json["state"] as? String == "result:seizure"
        }
        #expect(fedBack)
        #expect(try await kz.inbox().contains { $0.unit == "KZ-AKT-PCU" && $0.subject == "Re: to one unit" })
        // Kyrgyzstan saw nothing of that thread.
        #expect(try await kg.inbox().allSatisfy { !$0.subject.contains("one unit") })

        // A joint operation: Kazakhstan's coordinator opens it for Aktau, Almaty and Tashkent; its closed group reaches them
        // only, and Kyrgyzstan knows nothing of it.
        let coordinator = try cordon(["user", "add", "coord", "--name", "Coordinator", "--role", "coordinator", "--agency", "customs",
                                      "--password-file", "-"], database: kz.database, stdin: "tobacco operation 2026\n")
        #expect(coordinator.status == 0, "\(coordinator.stderr)")
        let coordToken = try cordon(["token", "create", "coord", "--name", "test"], database: kz.database).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let asCoordinator = TestNode.API(baseURL: kz.baseURL, token: coordToken)
        let operation: [String: Any] = [
            "id": "CASPIAN-TOBACCO", "name": "Caspian tobacco", "description": "Cigarettes on the Caspian routes", "from": today,
            "until": today, "checklist": ["hs_prefixes": ["2402"], "categories": ["tobacco"], "keywords": ["cigarettes"]],
            "coordinator": ["node": "kz-node", "unit": "KZ-ALA-ACCU"],
            "participants": [["node": "kz-node", "unit": "KZ-AKT-PCU"], ["node": "uz-node", "unit": "UZ-TAS-PCU"]],
        ]
        // Tashkent's node is down when the operation is opened: it gets it when it is back.
        uz.stop()
        let created = try await asCoordinator.call(.POST, "/api/v1/operations", operation)
        #expect(created.status == 201, "\(created.json)")
        try await Task.sleep(for: .seconds(1))
        try await uz.start()
        let known = try await eventually {
            (try await uz.api(.GET, "/api/v1/operations").json["operations"] as? [[String: Any]])?.first?["id"] as? String == "CASPIAN-TOBACCO"
        }
        #expect(known)
        #expect((try await kg.api(.GET, "/api/v1/operations").json["operations"] as? [Any])?.isEmpty == true)
        let inOperation = try await send(["to": "operation", "operation": "CASPIAN-TOBACCO"], "operation alert")
        #expect(try await holders(of: inOperation, "operation alert") == ["KZ-ALA-ACCU", "UZ-TAS-PCU"])
        // Tashkent controls BL-TAS-B for the operation: its return reaches the coordinating node, for the report.
        let control = try await uz.api(.POST, "/api/v1/results", [
            "document_number": "BL-TAS-B", "unit": "UZ-TAS-PCU", "outcome": "seizure", "method": "physical", "operation": "CASPIAN-TOBACCO",
            "arrests": 1, "seizures": [["category": "tobacco", "goods": "cigarettes", "quantity": 9500, "unit": "sticks"]],
        ])
        #expect(control.status == 201, "\(control.json)")
        let returned = try await eventually {
            let store = try await Store.open(try DatabaseLocation(parsing: kz.database), migrate: false)
            let returns = try await store.operationReturns("CASPIAN-TOBACCO")
            await store.close()
            return returns.count == 1 && returns[0].node == "uz-node" && returns[0].content.contains("\"arrests\":1")
        }
        #expect(returned)
        // Aktau controls a consignment for it too and finds nothing: both nodes hold both returns, and the report's
        // figures are what each reported.
        func consignmentAtAktau(_ number: String) -> [String: Any] {
            ["kind": "bl", "document_number": number, "date": today, "route": ["place_of_loading": "IRBND", "place_of_discharge": "KZAKT"],
             "goods": [["sequence": 1, "hs_code": "240220", "description": "Cigarettes"]]]
        }
        let intake = try await kz.api(.POST, "/api/v1/consignments", ["consignments": [consignmentAtAktau("BL-AKT-1")]])
        #expect(intake.status == 200 && intake.json["accepted"] as? Int == 1, "\(intake.json)")
        let targeted = try cordon(["target", "--unit", "KZ-AKT-PCU", "--date", today], database: kz.database)
        #expect(targeted.status == 0 && targeted.stdout.contains("BL-AKT-1"), "\(targeted.stdout) \(targeted.stderr)")
        let cleared = try await kz.api(.POST, "/api/v1/results", ["document_number": "BL-AKT-1", "unit": "KZ-AKT-PCU", "outcome": "cleared",
                                                                  "method": "x-ray", "operation": "CASPIAN-TOBACCO"])
        #expect(cleared.status == 201, "\(cleared.json)")
        for node in [kz, uz] {
            let complete = try await eventually {
                let store = try await Store.open(try DatabaseLocation(parsing: node.database), migrate: false)
                let returns = try await store.operationReturns("CASPIAN-TOBACCO")
                await store.close()
                let report = OperationReport(returns.compactMap { try? JSONDecoder().decode(OperationReturn.self, from: Data($0.content.utf8)) })
                return report.controls == 2 && report.positives == 1 && report.arrests == 1 && report.byCountry["KZ"]?.controls == 1
                    && report.byCountry["UZ"]?.cases == 1 && report.byCommodity["tobacco"]?.quantities == ["sticks": 9500]
            }
            #expect(complete, "\(node.name)")
        }
        // Only the operation's units send in it; an operation nobody defined has no channel.
        #expect(try await kg.api(.POST, "/api/v1/messages", ["unit": "KG-BSK-PCU", "channel": ["to": "operation", "operation": "CASPIAN-TOBACCO"],
                                                             "kind": "free", "subject": "let me in"]).status == 400)
    }
}
