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

/// The store server tests' fixture: tokens and keys, servers and links started and stopped
/// patiently, webhooks signed and posted, the few waits for what can only be polled.
enum StoreServerFixture {
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
