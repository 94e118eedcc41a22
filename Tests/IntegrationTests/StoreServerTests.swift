import AsyncHTTPClient
import Foundation
import KasseCore
import KasseJournal
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

/// The store server for real: PostgreSQL from Debian's packages, the server's HTTP and
/// WebSocket endpoints on loopback, the simulator delivering signed webhooks, tills'
/// SQLite journals replicated by the till's own code.
@Suite(.serialized) struct StoreServerTests {
    static let tokens = ["OSL1-1": "token-for-till-one-0123456789", "OSL1-2": "token-for-till-two-0123456789"]
    static let tills = try! StoreTills([
        StoreTill(store: "OSL1", till: "1", tokenHash: StoreTills.tokenHash(tokens["OSL1-1"]!)),
        StoreTill(store: "OSL1", till: "2", tokenHash: StoreTills.tokenHash(tokens["OSL1-2"]!)),
    ])
    static let logger = Logger(label: "store-test") { _ in SwiftLogNoOpLogHandler() }

    static func configuration(database: String, port: Int = 0, publicURL: String = "http://127.0.0.1:1/vipps/webhooks",
                              secret: String = "not-the-secret") throws -> StoreServerConfiguration {
        StoreServerConfiguration(host: "127.0.0.1", port: port, database: try StoreServerConfiguration.database(url: database),
                                 publicURL: publicURL, webhookSecret: secret, tills: tills)
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
        let link = StoreLink(configuration: StoreLinkConfiguration(url: server.baseURL, token: token ?? tokens[till]!),
                             journal: journal, logger: logger, onEvent: { inbox.receive($0) })
        return (link, Task { await link.run() })
    }

    /// Waits (polling, with a deadline far beyond any machine's pace) until `condition` holds.
    static func eventually(_ what: String, within seconds: Double = 60, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("not within \(seconds) s: \(what)")
        throw CancellationError()
    }

    static func signed(_ body: String, secret: String, url: String, date: Date = Date()) -> (headers: [(String, String)], body: String) {
        let components = URLComponents(string: url)!
        let host = "\(components.host!):\(components.port!)"
        let dateText = InternetTime.httpDate(date.timeIntervalSince1970)
        let (hash, authorization) = WebhookSignature.authorization(secret: secret, pathAndQuery: components.path, date: dateText,
                                                                   host: host, body: Array(body.utf8))
        return ([("x-ms-date", dateText), ("x-ms-content-sha256", hash), ("Authorization", authorization), ("Host", host)], body)
    }

    static func post(_ url: String, _ signed: (headers: [(String, String)], body: String)) async throws -> (Int, String) {
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
        let store = StoreDatabase(client: .init(configuration: try StoreServerConfiguration.database(url: database), backgroundLogger: Self.logger),
                                  logger: Self.logger)
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
        let stranger = StoreLink(configuration: StoreLinkConfiguration(url: a.baseURL, token: "someone-else"), journal: nil, logger: Self.logger,
                                 onEvent: { _ in })
        await #expect(throws: StoreRefusal.self) { try await stranger.serverHead() }
        await stranger.shutdown()

        taskOne.cancel()
        taskTwo.cancel()
        await taskOne.value
        await taskTwo.value
        await a.stop()
        await b.stop()
        try await sim.finish()
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
