import AsyncHTTPClient
import Foundation
import KasseCore
import KasseJournal
import KasseJournalSQLite
import KasseStore
import KasseStoreLink
import KasseStoreServer
import KasseTill
import Logging
import NIOCore
import PostgresNIO
import Synchronization
import Testing
import VippsModels
import KasseTesting
import VippsWebhooks

/// The store server for real: PostgreSQL from Debian's packages, the server's HTTP and
/// WebSocket endpoints on loopback, the simulator delivering signed webhooks, tills'
/// SQLite journals replicated by the till's own code.
@Suite(.serialized) struct StoreServerTests {
    static let tokens = ["OSL1-1": "token-for-till-one-0123456789", "OSL1-2": "token-for-till-two-0123456789"]
    static let tills = try! StoreTills([
        StoreTill(store: "OSL1", till: "1", tokenHash: StoreTills.tokenHash(tokens["OSL1-1"]!), publicKey: LinkKeys.tills["OSL1-1"]!.publicKey),
        StoreTill(store: "OSL1", till: "2", tokenHash: StoreTills.tokenHash(tokens["OSL1-2"]!), publicKey: LinkKeys.tills["OSL1-2"]!.publicKey),
    ])
    static let logger = Logger(label: "store-test") { _ in SwiftLogNoOpLogHandler() }

    static func configuration(database: String, port: Int = 0, publicURL: String = "http://127.0.0.1:1/vipps/webhooks",
                              secret: String = "not-the-secret") throws -> StoreServerConfiguration {
        var configuration = StoreServerConfiguration(host: "127.0.0.1", port: port, database: try StoreServerConfiguration.database(url: database),
                                                     publicURL: publicURL, webhookSecret: secret, tills: tills)
        configuration.catalogKey = LinkKeys.catalog
        return configuration
    }

    /// Events a link received, and a way to wait for one.
    final class Inbox: Sendable {
        private let events = Mutex<[StoreEvent]>([])
        let stream: AsyncStream<StoreEvent>
        let continuation: AsyncStream<StoreEvent>.Continuation
        init() { (stream, continuation) = AsyncStream.makeStream(of: StoreEvent.self) }
        func receive(_ event: StoreEvent) {
            events.withLock { $0.append(event) }
            continuation.yield(event)
        }
        var received: [StoreEvent] { events.withLock { $0 } }
        func next(named name: String, reference: String) async -> StoreEvent? {
            for await event in stream where event.name == name && event.reference == reference { return event }
            return nil
        }
    }

    static func link(_ server: RunningStoreServer, till: String, token: String? = nil, journal: Journal? = nil, inbox: Inbox)
        -> (StoreLink, Task<Void, Never>)
    {
        let link = StoreLink(configuration: LinkKeys.link(server.baseURL, till: till, token: token),
                             journal: journal, logger: logger, onEvent: { inbox.receive($0) })
        return (link, Task { await link.run() })
    }

    /// `work` again while the server answers "unavailable" (PostgreSQL busy: the till's own
    /// loop sends again too), within a deadline far beyond any machine's pace.
    static func patiently<T>(_ work: () async throws -> T) async throws -> T {
        let deadline = ContinuousClock.now + .seconds(120)
        while true {
            do {
                return try await work()
            } catch is StoreUnavailable where ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    /// `journal` brought up to date at the server by a link of till `till` made for it, which is
    /// shut down whatever happens (an HTTP client must be); the server's head.
    static func replicate(_ journal: Journal, to url: String, till: String = "OSL1-1") async throws -> JournalHead {
        let link = StoreLink(configuration: LinkKeys.link(url, till: till), journal: journal, logger: logger, onEvent: { _ in })
        do {
            let head = try await patiently { try await link.replicateOnce(journal) }
            await link.shutdown()
            return head
        } catch {
            await link.shutdown()
            throw error
        }
    }

    /// Waits (polling, with a deadline far beyond any machine's pace) until `condition` holds.
    /// The server's database as a test reads it directly: patient, as a machine running every
    /// suite at once needs (a new connection can take seconds there).
    static func database(_ url: String) throws -> StoreDatabase {
        var store = StoreDatabase(client: .init(configuration: try StoreServerConfiguration.database(url: url), backgroundLogger: logger),
                                  logger: logger)
        store.patience = .seconds(120)
        return store
    }

    static func eventually(_ what: String, within seconds: Double = 60, _ condition: () async throws -> Bool) async throws {
        if try await KasseTesting.eventually(timeout: .seconds(seconds), every: .milliseconds(20), { try await condition() ? true : nil }) != nil { return }
        Issue.record("not within \(seconds) s: \(what)")
        throw CancellationError()
    }

    /// Waits for `work` (stopping a server, a link) at most `seconds`: a hang is a failure of
    /// this test, never a test run that does not end.
    static func within(_ what: String, seconds: Double = 60, _ work: @escaping @Sendable () async -> Void) async {
        let done = Mutex(false)
        Task {
            await work()
            done.withLock { $0 = true }
        }
        if await KasseTesting.eventually(timeout: .seconds(seconds), every: .milliseconds(20), { done.withLock { $0 } ? true : nil }) == nil {
            Issue.record("\(what) did not finish within \(seconds) s")
        }
    }

    static func stop(_ task: Task<Void, Never>) async {
        task.cancel()
        await within("the link stopping") { await task.value }
    }

    /// A server stops gracefully: the batches it is storing are finished first, which on a
    /// machine busy with every suite can take more than a minute.
    static func stop(_ server: RunningStoreServer) async {
        await within("the store server stopping", seconds: 180) { await server.stop() }
    }

    static func signed(_ body: String, secret: String, url: String, date: Date = Date()) -> (headers: [(String, String)], body: String) {
        let components = URLComponents(string: url)!
        let host = "\(components.host!):\(components.port!)"
        let dateText = InternetTime.httpDate(date.timeIntervalSince1970)
        let (hash, authorization) = WebhookSignature.authorization(secret: secret, pathAndQuery: components.path, date: dateText,
                                                                   host: host, body: Array(body.utf8))
        return ([("x-ms-date", dateText), ("x-ms-content-sha256", hash), ("Authorization", authorization), ("Host", host)], body)
    }

    /// Posts a webhook as Vipps MobilePay does: a 503 (the database did not answer within the
    /// server's patience, which a machine running every suite at once can cause) is sent again,
    /// up to `redeliveries` times. `redeliveries: 0` for a test that expects the 503.
    static func post(_ url: String, _ signed: (headers: [(String, String)], body: String), redeliveries: Int = 4) async throws -> (Int, String) {
        var answer = try await postOnce(url, signed)
        for _ in 0..<redeliveries where answer.0 == 503 { answer = try await postOnce(url, signed) }
        return answer
    }

    static func postOnce(_ url: String, _ signed: (headers: [(String, String)], body: String)) async throws -> (Int, String) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in signed.headers { request.headers.replaceOrAdd(name: name, value: value) }
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: signed.body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }

    static func event(_ reference: String, _ name: String, psp: String = "psp-1") -> String {
        """
        {"msn":"\(SimulatorConfigurationMSN.demo)","reference":"\(reference)","pspReference":"\(psp)","name":"\(name)",\
        "amount":{"currency":"NOK","value":13657},"timestamp":"2026-11-30T12:00:00.000Z","idempotencyKey":null,"success":true}
        """
    }

    @Test func signedWebhooksReachTheirTillOnceThroughAnotherInstance() async throws {
        let cluster = try await PostgresCluster.shared.value
        let database = try await cluster.newDatabase()
        let sim = try await SimulatorHarness.start()
        // The webhook is registered for instance A's address; the till is connected to B.
        let portA = try PostgresCluster.freePort()
        let publicURL = "http://127.0.0.1:\(portA)/vipps/webhooks"
        let registered = try await sim.api(.POST, "/webhooks/v1/webhooks", body: """
            {"url":"\(publicURL)","events":["epayments.payment.created.v1","epayments.payment.authorized.v1","epayments.payment.captured.v1"]}
            """)
        #expect(registered.status == 201, "\(registered.body)")
        let secret = try #require(registered.json["secret"] as? String)
        let a = try await StoreServer.start(try Self.configuration(database: database, port: portA, publicURL: publicURL, secret: secret), logger: Self.logger)
        let b = try await StoreServer.start(try Self.configuration(database: database, publicURL: publicURL, secret: secret), logger: Self.logger)
        let one = Inbox(), two = Inbox()
        let (linkOne, taskOne) = Self.link(b, till: "OSL1-1", inbox: one)
        let (linkTwo, taskTwo) = Self.link(a, till: "OSL1-2", inbox: two)
        try await Self.eventually("both tills connected") { linkOne.isConnected && linkTwo.isConnected }

        let reference = PaymentReference(store: "OSL1", till: "1", date: CivilDate(year: 2026, month: 11, day: 30), sequence: 42, attempt: 1).value
        try await sim.authorized(reference, amount: 13657)
        let authorized = await one.next(named: "AUTHORIZED", reference: reference)
        #expect(authorized?.amount == 13657)
        #expect(authorized?.currency == "NOK")

        // Vipps MobilePay sends it again (it did not hear our answer): taken, not pushed again.
        let store = try Self.database(database)
        let again = Self.signed(Self.event(reference, "AUTHORIZED", psp: authorized?.pspReference ?? ""), secret: secret, url: publicURL)
        let (status, answer) = try await Self.post(b.baseURL + "/vipps/webhooks", again)
        #expect(status == 200)
        #expect(answer.contains("duplicate"))
        // Out of order: CREATED arrives after AUTHORIZED; it is stored and pushed, and it goes after.
        let late = Self.signed(Self.event(reference, "CREATED", psp: "late-psp"), secret: secret, url: publicURL)
        #expect(try await Self.post(a.baseURL + "/vipps/webhooks", late).0 == 200)
        let created = await one.next(named: "CREATED", reference: reference)
        #expect(created?.pspReference == "late-psp")
        #expect((created?.id ?? 0) > (authorized?.id ?? 0))
        #expect(one.received.filter { $0.name == "AUTHORIZED" }.count == 1, "an event pushed twice")

        // Forged (another secret) and stale (signed ten minutes ago): refused, stored nowhere.
        let forgedReference = PaymentReference(store: "OSL1", till: "1", date: CivilDate(year: 2026, month: 11, day: 30), sequence: 43, attempt: 1).value
        let forged = Self.signed(Self.event(forgedReference, "AUTHORIZED"), secret: "guessed-secret", url: publicURL)
        let (forgedStatus, forgedAnswer) = try await Self.post(a.baseURL + "/vipps/webhooks", forged)
        #expect(forgedStatus == 401)
        #expect(forgedAnswer.contains("signature"))
        let stale = Self.signed(Self.event(forgedReference, "AUTHORIZED"), secret: secret, url: publicURL, date: Date().addingTimeInterval(-600))
        #expect(try await Self.post(a.baseURL + "/vipps/webhooks", stale).0 == 401)
        let counts = try await store.client.withRunning {
            (try await store.deliveries(reference: forgedReference, name: "AUTHORIZED"),
             try await store.deliveries(reference: reference, name: "AUTHORIZED"))
        }
        #expect(counts.0 == 0)
        #expect(counts.1 == 2)
        // Till 2 heard nothing of till 1's payment.
        #expect(two.received.isEmpty)
        // A token no till has: no socket, no journal.
        let stranger = StoreLink(configuration: LinkKeys.link(a.baseURL, token: "someone-else"), journal: nil, logger: Self.logger,
                                 onEvent: { _ in })
        await #expect(throws: StoreRefusal.self) { try await stranger.serverHead() }
        await stranger.shutdown()

        await Self.stop(taskOne)
        await Self.stop(taskTwo)
        await StoreServerTests.stop(a)
        await StoreServerTests.stop(b)
        try await sim.finish()
    }
}

extension StoreServerTests {
    /// The till's socket breaks (its server instance stops); an event stored meanwhile through
    /// another instance reaches the till when it is connected again: it resumes from its last event.
    @Test func aTillResumesFromItsLastEventAfterAReconnect() async throws {
        let cluster = try await PostgresCluster.shared.value
        let database = try await cluster.newDatabase()
        let secret = "resume-test-secret-0123456789"
        let port = try PostgresCluster.freePort()
        let publicURL = "http://127.0.0.1:\(port)/vipps/webhooks"
        let configuration = try Self.configuration(database: database, port: port, publicURL: publicURL, secret: secret)
        var a = try await StoreServer.start(configuration, logger: Self.logger)
        let b = try await StoreServer.start(try Self.configuration(database: database, publicURL: publicURL, secret: secret), logger: Self.logger)
        let inbox = Inbox()
        let (link, task) = Self.link(a, till: "OSL1-1", inbox: inbox)
        try await Self.eventually("connected") { link.isConnected }
        let first = "OSL1-1-20261130-000001-1", second = "OSL1-1-20261130-000002-1"
        #expect(try await Self.post(b.baseURL + "/vipps/webhooks", Self.signed(Self.event(first, "AUTHORIZED"), secret: secret, url: publicURL)).0 == 200)
        #expect(await inbox.next(named: "AUTHORIZED", reference: first) != nil)

        await StoreServerTests.stop(a)
        try await Self.eventually("the till noticed") { !link.isConnected }
        #expect(try await Self.post(b.baseURL + "/vipps/webhooks", Self.signed(Self.event(second, "AUTHORIZED"), secret: secret, url: publicURL)).0 == 200)
        var again: RunningStoreServer?
        // Starting again on the same port connects to PostgreSQL and makes its tables each try: on a
        // machine running every suite at once that may take minutes (as in the replication restart test).
        try await Self.eventually("instance A started again", within: 240) {
            again = try? await StoreServer.start(configuration, logger: Self.logger)
            return again != nil
        }
        a = try #require(again)
        let resumed = await inbox.next(named: "AUTHORIZED", reference: second)
        #expect(resumed != nil, "the event stored while the till was away never reached it")
        #expect(inbox.received.filter { $0.reference == first }.count == 1, "an event pushed again after the reconnect")
        await StoreServerTests.stop(task)
        await StoreServerTests.stop(a)
        await StoreServerTests.stop(b)
    }
}

enum SimulatorConfigurationMSN {
    static let demo = "123456"
}

extension PostgresClient {
    /// Runs the client for the length of `body`.
    func withRunning<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.run() }
            defer { group.cancelAll() }
            return try await body()
        }
    }
}

/// Journals replicated for real: SQLite journals on disk, the till's replication code, the
/// server and PostgreSQL.
@Suite(.serialized) struct JournalReplicationTests {
    static func journal(till: String = "1", entries: Int, note: String = "entry") async throws -> Journal {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-replica-\(UUID().uuidString)/journal.sqlite").path
        let journal = try Journal(path: path, till: till, cashier: "1001")
        try await add(entries, to: journal, note: note)
        return journal
    }

    static func add(_ count: Int, to journal: Journal, note: String = "entry") async throws {
        var left = count
        while left > 0 {
            let chunk = min(left, 1000)
            try await journal.append((0..<chunk).map { .operatorAction("\(note) \(left - $0)") })
            left -= chunk
        }
    }

    /// The server's copy of a till's journal is the till's journal, entry for entry.
    static func expectCopy(of journal: Journal, in database: String, till: String) async throws {
        let store = try StoreServerTests.database(database)
        let copy = try await store.client.withRunning { try await store.entries(till: till, limit: 100_000) }
        let original = try await journal.entries()
        #expect(copy.count == original.count)
        #expect(copy == original, "the server's copy differs from the till's journal")
    }

    @Test func aTillOfflineFor10000EntriesCatchesUpOnceEvenWhenTheServerIsStoppedMidway() async throws {
        let cluster = try await PostgresCluster.shared.value
        let database = try await cluster.newDatabase()
        let port = try PostgresCluster.freePort()
        let configuration = try StoreServerTests.configuration(database: database, port: port)
        var server = try await StoreServer.start(configuration, logger: StoreServerTests.logger)
        let journal = try await Self.journal(entries: 10_000)
        let link = StoreLink(configuration: LinkKeys.link(server.baseURL, till: "OSL1-1"),
                             journal: journal, logger: StoreServerTests.logger, onEvent: { _ in })
        let running = Task { await link.run() }
        // Stopped while batches are on their way, and started again on the same address.
        try await StoreServerTests.eventually("the first batches arrived") { (link.acknowledged?.sequence ?? 0) > 0 }
        await StoreServerTests.stop(server)
        // Started again on the same address (the port may take a moment to be free again).
        var again: RunningStoreServer?
        // Each try connects to PostgreSQL and makes its tables: on a machine running every suite at
        // once that alone can take most of a minute.
        try await StoreServerTests.eventually("the server started again", within: 240) {
            again = try? await StoreServer.start(configuration, logger: StoreServerTests.logger)
            return again != nil
        }
        server = try #require(again)
        let newest = try await journal.newestEntry()
        try await StoreServerTests.eventually("all 10 000 entries acknowledged", within: 120) { link.acknowledged?.sequence == newest.sequence }
        // The till goes on selling: its new entries follow.
        try await Self.add(5, to: journal, note: "after")
        let later = try await journal.newestEntry()
        try await StoreServerTests.eventually("the new entries acknowledged") { link.acknowledged == JournalHead(till: "OSL1-1", sequence: later.sequence, hash: later.hash) }
        #expect(link.refusal == nil)
        await StoreServerTests.stop(running)
        try await Self.expectCopy(of: journal, in: database, till: "OSL1-1")
        await StoreServerTests.stop(server)
    }

    @Test func aForkAGapAndAnotherTillsTokenAreRefusedAndNothingIsStored() async throws {
        let cluster = try await PostgresCluster.shared.value
        let database = try await cluster.newDatabase()
        let server = try await StoreServer.start(try StoreServerTests.configuration(database: database), logger: StoreServerTests.logger)
        let journal = try await Self.journal(entries: 30)
        let link = StoreLink(configuration: LinkKeys.link(server.baseURL, till: "OSL1-1"),
                             journal: journal, logger: StoreServerTests.logger, onEvent: { _ in })
        let head = try await link.replicateOnce(journal, batchSize: 7)
        #expect(head.sequence == 30)
        // Sent again (the answer was lost): nothing doubled.
        let first = try await journal.entries(after: 0, limit: 10)
        let resent = try await link.send(JournalBatch(entries: first))
        #expect(resent.sequence == 30)

        // A different journal for the same till (a restored backup that went on differently).
        let replaced = try await Self.journal(entries: 31, note: "other")
        let forked = StoreLink(configuration: LinkKeys.link(server.baseURL, till: "OSL1-1"),
                               journal: replaced, logger: StoreServerTests.logger, onEvent: { _ in })
        let fork = await #expect(throws: StoreRefusal.self) { try await forked.replicateOnce(replaced) }
        #expect(fork?.error == "fork")
        #expect(fork?.message.contains("rewritten or replaced") == true)
        // A gap: entries 40… while the server holds up to 30.
        try await Self.add(20, to: journal)
        let skipped = try await journal.entries(after: 39, limit: 5)
        let gap = await #expect(throws: StoreRefusal.self) { try await link.send(JournalBatch(entries: skipped)) }
        #expect(gap?.error == "gap")
        #expect(gap?.message.contains("31 to 39 are missing") == true)
        // Till 2's journal under till 1's token.
        let other = try await Self.journal(till: "2", entries: 3)
        let impostor = StoreLink(configuration: LinkKeys.link(server.baseURL, till: "OSL1-1"),
                                 journal: other, logger: StoreServerTests.logger, onEvent: { _ in })
        let wrong = await #expect(throws: StoreRefusal.self) {
            try await impostor.send(JournalBatch(entries: try await other.entries()))
        }
        #expect(wrong?.error == "wrong-till")
        // A journal shorter than what the server holds (entries lost at the till): said, not sent.
        let short = try await Self.journal(entries: 5)
        let behind = StoreLink(configuration: LinkKeys.link(server.baseURL, till: "OSL1-1"),
                               journal: short, logger: StoreServerTests.logger, onEvent: { _ in })
        let lost = await #expect(throws: StoreRefusal.self) { try await behind.replicateOnce(short) }
        #expect(lost?.error == "journal-behind-server")
        // Nothing of the refused batches was stored; the real journal goes on.
        #expect(try await link.replicateOnce(journal).sequence == 50)
        try await Self.expectCopy(of: journal, in: database, till: "OSL1-1")
        for each in [link, forked, impostor, behind] { await each.shutdown() }
        await StoreServerTests.stop(server)
    }

    @Test func postgreSQLRestartedLosesNoWebhookAndNoEntry() async throws {
        // A cluster of its own: this test stops PostgreSQL under the server.
        let cluster = try await PostgresCluster.start()
        let database = try await cluster.newDatabase()
        let secret = "webhook-secret-for-the-restart-test"
        let port = try PostgresCluster.freePort()
        let publicURL = "http://127.0.0.1:\(port)/vipps/webhooks"
        let server = try await StoreServer.start(
            try StoreServerTests.configuration(database: database, port: port, publicURL: publicURL, secret: secret), logger: StoreServerTests.logger)
        let inbox = StoreServerTests.Inbox()
        let journal = try await Self.journal(entries: 10)
        let (link, running) = StoreServerTests.link(server, till: "OSL1-1", journal: journal, inbox: inbox)
        try await StoreServerTests.eventually("connected and replicated") { link.isConnected && link.acknowledged?.sequence == 10 }

        cluster.kill()
        let reference = "OSL1-1-20261130-000007-1"
        let webhook = StoreServerTests.signed(StoreServerTests.event(reference, "AUTHORIZED"), secret: secret, url: publicURL)
        // Not stored: Vipps MobilePay is told to send it again.
        #expect(try await StoreServerTests.post(server.baseURL + "/vipps/webhooks", webhook, redeliveries: 0).0 == 503)
        try await Self.add(10, to: journal)

        try await cluster.restart()
        // Vipps MobilePay's retry is taken and reaches the till; the journal catches up.
        try await StoreServerTests.eventually("the retried webhook is taken") {
            try await StoreServerTests.post(server.baseURL + "/vipps/webhooks", webhook).0 == 200
        }
        let pushed = await inbox.next(named: "AUTHORIZED", reference: reference)
        #expect(pushed != nil)
        try await StoreServerTests.eventually("the journal caught up", within: 120) { link.acknowledged?.sequence == 20 }
        await StoreServerTests.stop(running)
        try await Self.expectCopy(of: journal, in: database, till: "OSL1-1")
        await StoreServerTests.stop(server)
        cluster.kill()
    }
}
