import ArgumentParser
import AsyncHTTPClient
import Crypto
import Foundation
import KasseCore
import KasseJournal
import KasseJournalSQLite
import KasseLanguage
import KasseSimulator
import KasseStore
import KasseStoreLink
import KasseStoreServer
import KasseTerminal
import KasseTill
import KasseTillApp
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import VippsClient
import VippsModels
import VippsWebhooks

/// The store server under load, against a real PostgreSQL (`scripts/bench-server` starts a
/// private one): how soon a webhook turns into PAID on a till's screen, and 50 tills selling
/// for 5 minutes. Targets: webhook to PAID p99 < 150 ms; every webhook delivered once; every
/// journal replicated; replication lag p99 < 1 s.
struct ServerBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server", abstract: "Measure the store server: webhook to PAID on a till, and many tills selling at once.")

    @Option(help: "PostgreSQL, postgres://USER@HOST:PORT/DATABASE (an empty database; scripts/bench-server makes one).")
    var database: String
    @Option(help: "Payments timed from webhook to PAID.") var payments = 200
    @Option(help: "Tills selling at once.") var tills = 50
    @Option(help: "How long they sell, in seconds.") var seconds = 300
    @Option(help: "Sales per till per minute.") var salesPerMinute = 20

    static let secret = "benchmark-webhook-secret-0123456789"

    /// The benchmark's link keys, the same every run (made from their names: a benchmark's
    /// keys guard nothing).
    static func linkKey(_ name: String) -> LinkSigningKey {
        try! LinkSigningKey(base64: Data(SHA256.hash(data: Data("kasse-bench \(name)".utf8))).base64EncodedString())
    }
    static let catalogKey = linkKey("catalog")
    static let linkKeys = LinkKeyTable()
    struct LinkKeyTable: Sendable {
        subscript(_ till: String) -> LinkSigningKey? { ServerBenchmark.linkKey(till) }
    }

    func run() async throws {
        var logger = Logger(label: "kasse.bench")
        logger.logLevel = .error
        let keys = (0..<max(tills, 1)).map { "BENCH-\($0 + 1)" }
        let tokens = Dictionary(uniqueKeysWithValues: keys.map { ($0, "token-\($0)-0123456789abcdef") })
        // Each till signs its journal with a key of its own; the server signs its catalogs.
        let linkKeys = Self.linkKeys, catalogKey = Self.catalogKey
        let storeTills = try StoreTills(keys.map { key in
            StoreTill(store: "BENCH", till: String(key.split(separator: "-")[1]), tokenHash: StoreTills.tokenHash(tokens[key]!),
                      publicKey: linkKeys[key]!.publicKey)
        } + [StoreTill(store: "TEST1", till: "2", tokenHash: StoreTills.tokenHash("token-for-the-timed-till-0123456789"),
                       publicKey: linkKeys["TEST1-2"]!.publicKey)])
        let publicURL = "http://127.0.0.1:1/vipps/webhooks"
        var configuration = StoreServerConfiguration(
            host: "127.0.0.1", port: 0, database: try StoreServerConfiguration.database(url: database), publicURL: publicURL,
            webhookSecret: Self.secret, tills: storeTills)
        configuration.catalogKey = catalogKey
        let server = try await StoreServer.start(configuration, logger: logger)
        emit("store server on \(server.baseURL), PostgreSQL \(configuration.databaseDescription)")
        if payments > 0 { try await webhookToPaid(server: server, publicURL: publicURL, logger: logger) }
        if tills > 0 && seconds > 0 { try await manyTills(server: server, keys: keys, tokens: tokens, publicURL: publicURL, logger: logger) }
        await server.stop()
    }

    // MARK: Webhook to PAID

    /// A terminal that notes when a frame first shows PAID.
    final class WatchingTerminal: TillTerminal {
        let events: AsyncStream<TerminalEvent>
        let continuation: AsyncStream<TerminalEvent>.Continuation
        let size = TerminalSize(columns: 100, rows: 30)
        private let screen = Mutex("")
        private let paidAt = Mutex<ContinuousClock.Instant?>(nil)

        init() { (events, continuation) = AsyncStream.makeStream(of: TerminalEvent.self) }

        func present(_ canvas: Canvas) {
            let text = (0..<canvas.size.rows).map { canvas.row($0) }.joined(separator: "\n")
            let now = ContinuousClock.now
            screen.withLock { $0 = text }
            if text.contains("PAID") { paidAt.withLock { if $0 == nil { $0 = now } } }
        }
        func bell() {}
        func press(_ keys: Key...) { for key in keys { continuation.yield(.key(key)) } }
        func type(_ text: String) { for character in text { continuation.yield(.key(.character(character))) } }
        var shown: String { screen.withLock { $0 } }
        func takePaid() -> ContinuousClock.Instant? { paidAt.withLock { value in defer { value = nil }; return value } }
        func waitFor(_ text: String) async throws {
            let deadline = ContinuousClock.now + .seconds(60)
            while !shown.contains(text) {
                guard ContinuousClock.now < deadline else { throw CLIError("the till never showed '\(text)':\n\(shown)") }
                try await Task.sleep(for: .milliseconds(1))
            }
        }
    }

    func webhookToPaid(server: RunningStoreServer, publicURL: String, logger: Logger) async throws {
        var simulatorConfiguration = SimulatorConfiguration(port: 0)
        if let customers = Assets.path("simulator-customers.json") {
            simulatorConfiguration.customers = try SimulatorConfiguration.loadCustomers(path: customers)
        }
        let simulator = try await Simulator.start(simulatorConfiguration, logger: logger)
        let vipps = VippsConfiguration(
            baseURL: simulator.baseURL, clientID: SimulatorConfiguration.demoClientID, clientSecret: SimulatorConfiguration.demoClientSecret,
            subscriptionKey: SimulatorConfiguration.demoSubscriptionKey, merchantSerialNumber: SimulatorConfiguration.demoMSN)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-bench-\(UUID().uuidString)").path
        let journal = try Journal(path: folder + "/journal.sqlite", till: "2", cashier: "bench")
        let (events, sink) = AsyncStream.makeStream(of: StoreEvent.self)
        let link = StoreLink(configuration: StoreLinkConfiguration(url: server.baseURL, token: "token-for-the-timed-till-0123456789", till: "TEST1-2",
                                                                   signingKey: Self.linkKeys["TEST1-2"], catalogKey: Self.catalogKey.publicKey),
                             journal: journal, logger: logger, onEvent: { sink.yield($0) })
        let linkTask = Task { await link.run() }
        let terminal = WatchingTerminal()
        guard let sample = Assets.path("catalog.csv"), let data = FileManager.default.contents(atPath: sample) else {
            throw CLIError("run from the repository: the sample catalog (assets/catalog.csv) is needed")
        }
        let catalog = data.withUnsafeBytes { CatalogCSV.parse(bytes: $0.bindMemory(to: UInt8.self), market: .norway) }.catalog
        let product = "7040000000016"  // Lettmelk 1 l
        var timing = TillRuntime.PollTiming()
        timing.firstDelay = .seconds(600)  // only the pushed event can settle a payment
        let settings = TillSettings(mode: .demo, shopName: "Bench", storeID: "TEST1", tillID: "2", market: .norway, language: .english)
        let runtime = TillRuntime(
            till: Till(catalog: catalog), state: TillState(settings: settings, saleNumber: 1, now: .now,
                                                           today: ShopTimeZone.of(.norway).date(atUTC: Int64(Date().timeIntervalSince1970))),
            client: VippsClient(configuration: vipps, logger: logger), terminal: terminal, scanners: nil, roles: [], logger: logger,
            journal: journal, storeEvents: events, storeConnected: { link.isConnected }, pollTiming: timing)
        let tillTask = Task { await runtime.run() }
        let deadline = ContinuousClock.now + .seconds(30)
        while !link.isConnected {
            guard ContinuousClock.now < deadline else { throw CLIError("the till did not connect to the store server") }
            try await Task.sleep(for: .milliseconds(5))
        }
        var latencies: [Duration] = []
        for sale in 1...payments {
            terminal.type(product)
            terminal.press(.enter)
            terminal.press(.function(2))
            terminal.type("41234567")  // a customer who never answers: the benchmark approves
            terminal.press(.enter, .function(4))
            try await terminal.waitFor("WAITING FOR THE CUSTOMER")
            let reference = try await waitForPayment(simulator.baseURL, sale: sale)
            _ = try await Self.http(post: true, simulator.baseURL + "/simulator/v1/payments/\(reference)/approve", body: "")
            _ = terminal.takePaid()
            let sent = ContinuousClock.now
            let status = try await Self.postWebhook(server.baseURL, publicURL: publicURL, reference: reference, name: "AUTHORIZED", psp: "psp-\(sale)")
            guard status == 200 else { throw CLIError("the server answered \(status) to a webhook") }
            try await terminal.waitFor("PAID")
            var paid = terminal.takePaid()
            while paid == nil {
                try await Task.sleep(for: .milliseconds(1))
                paid = terminal.takePaid()
            }
            // From the webhook's sending to the frame that showed PAID (noted as it was drawn).
            latencies.append(paid! - sent)
            terminal.press(.enter)
            try await terminal.waitFor("sale \(String(format: "%06d", sale + 1))")
        }
        emit("webhook to PAID on the till (capture included, \(payments) payments): "
             + "p50 \(Self.ms(Self.percentile(latencies, 0.5))), p99 \(Self.ms(Self.percentile(latencies, 0.99))), "
             + "max \(Self.ms(latencies.max() ?? .zero)) (target p99 < 150 ms)")
        terminal.press(.function(10))
        terminal.type("y")
        await tillTask.value
        linkTask.cancel()
        await linkTask.value
        await simulator.stop()
    }

    func waitForPayment(_ base: String, sale: Int) async throws -> String {
        let suffix = "-" + String(format: "%06d", sale) + "-1"
        for _ in 0..<5_000 {
            let body = try await Self.http(post: false, base + "/simulator/v1/payments", body: nil)
            if let list = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]],
               let reference = list.compactMap({ $0["reference"] as? String }).first(where: { $0.hasSuffix(suffix) }) {
                return reference
            }
            try await Task.sleep(for: .milliseconds(2))
        }
        throw CLIError("payment \(sale) never reached the simulator")
    }

    // MARK: Many tills

    func manyTills(server: RunningStoreServer, keys: [String], tokens: [String: String], publicURL: String, logger: Logger) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-bench-\(UUID().uuidString)").path
        let day = ShopTimeZone.of(.norway).date(atUTC: Int64(Date().timeIntervalSince1970))
        final class Till: Sendable {
            let key: String
            let journal: Journal
            let link: StoreLink
            let received: Received
            let lags = Mutex<[Duration]>([])
            let appended = Mutex<[Int: ContinuousClock.Instant]>([:])
            init(key: String, journal: Journal, link: StoreLink, received: Received) {
                self.key = key
                self.journal = journal
                self.link = link
                self.received = received
            }
        }
        var all: [Till] = []
        for key in keys {
            let tillID = String(key.split(separator: "-")[1])
            let journal = try Journal(path: folder + "/\(key).sqlite", till: tillID, cashier: "bench")
            let received = Received()
            let link = StoreLink(configuration: StoreLinkConfiguration(url: server.baseURL, token: tokens[key]!, till: key,
                                                                       signingKey: Self.linkKeys[key], catalogKey: Self.catalogKey.publicKey), journal: journal,
                                 logger: logger, onEvent: { event in received.counts.withLock { $0[event.reference, default: 0] += 1 } })
            all.append(Till(key: key, journal: journal, link: link, received: received))
        }
        let tally = Tally()
        let end = ContinuousClock.now + .seconds(seconds)
        let pause = Duration.milliseconds(60_000 / max(salesPerMinute, 1))
        let salesPerMinute = self.salesPerMinute
        let started = ContinuousClock.now
        let links = all.map { till in Task { await till.link.run() } }
        let tills = all
        await withTaskGroup(of: Void.self) { group in
            for till in tills {
                // Watches acknowledgements: the lag of each entry from its append to the server's answer.
                group.addTask {
                    while ContinuousClock.now < end + .seconds(30) {
                        if let head = till.link.acknowledged {
                            let now = ContinuousClock.now
                            let done = till.appended.withLock { pending in
                                let acknowledged = pending.filter { $0.key <= head.sequence }
                                for key in acknowledged.keys { pending.removeValue(forKey: key) }
                                return acknowledged.values.map { now - $0 }
                            }
                            till.lags.withLock { $0 += done }
                            if ContinuousClock.now > end, till.appended.withLock({ $0.isEmpty }) { break }
                        }
                        try? await Task.sleep(for: .milliseconds(10))
                    }
                }
                // Sells: each sale a few journal entries and a webhook for its payment.
                group.addTask {
                    var sale = 0
                    try? await Task.sleep(for: .milliseconds(Int.random(in: 0..<max(1, 60_000 / max(salesPerMinute, 1)))))
                    while ContinuousClock.now < end {
                        sale += 1
                        let reference = PaymentReference(store: "BENCH", till: String(till.key.split(separator: "-")[1]), date: day,
                                                         sequence: sale, attempt: 1).value
                        do {
                            let sequences = try await till.journal.append([
                                .operatorAction("sale \(sale) started"), .operatorAction("payment \(reference) sent"),
                                .operatorAction("sale \(sale) paid"),
                            ])
                            let now = ContinuousClock.now
                            till.appended.withLock { for sequence in sequences { $0[sequence] = now } }
                            let before = ContinuousClock.now
                            let status = try await Self.postWebhook(server.baseURL, publicURL: publicURL, reference: reference,
                                                                    name: "AUTHORIZED", psp: "psp-\(reference)")
                            if status == 200 {
                                tally.sent.withLock { $0 += 1 }
                                // How soon the till heard of it.
                                while till.received.counts.withLock({ $0[reference] == nil }) && ContinuousClock.now - before < .seconds(10) {
                                    try await Task.sleep(for: .milliseconds(1))
                                }
                                tally.latency.withLock { $0.append(ContinuousClock.now - before) }
                            }
                        } catch {
                            emit("till \(till.key): \(error)")
                        }
                        try? await Task.sleep(for: pause)
                    }
                }
            }
        }
        for link in links { link.cancel() }
        for link in links { await link.value }
        let elapsed = ContinuousClock.now - started
        var journalsComplete = 0
        var entries = 0
        var delivered = 0
        var doubled = 0
        for till in all {
            let newest = try await till.journal.newestEntry()
            entries += newest.sequence
            if till.link.acknowledged?.sequence == newest.sequence { journalsComplete += 1 }
            let received = till.received.counts.withLock { $0 }
            delivered += received.count
            doubled += received.values.filter { $0 > 1 }.count
        }
        let lags = all.flatMap { $0.lags.withLock { $0 } }
        emit("\(all.count) tills selling for \(Self.seconds(elapsed)): \(tally.sent.withLock { $0 }) webhooks sent, \(delivered) delivered, "
             + "\(doubled) delivered twice; \(entries) journal entries, \(journalsComplete) of \(all.count) journals complete on the server")
        emit("replication lag (append to the server's answer): p50 \(Self.ms(Self.percentile(lags, 0.5))), "
             + "p99 \(Self.ms(Self.percentile(lags, 0.99))), max \(Self.ms(lags.max() ?? .zero)) (target p99 < 1 s)")
        let latencies = tally.latency.withLock { $0 }
        emit("webhook to the till's event (under this load): p50 \(Self.ms(Self.percentile(latencies, 0.5))), "
             + "p99 \(Self.ms(Self.percentile(latencies, 0.99)))")
    }

    // MARK: Helpers

    /// Webhooks sent, and how soon each reached its till.
    final class Tally: Sendable {
        let sent = Mutex(0)
        let latency = Mutex<[Duration]>([])
    }

    /// How many times each payment's event reached a till.
    final class Received: Sendable {
        let counts = Mutex<[String: Int]>([:])
    }

    static func postWebhook(_ base: String, publicURL: String, reference: String, name: String, psp: String) async throws -> Int {
        let body = """
            {"msn":"\(SimulatorConfiguration.demoMSN)","reference":"\(reference)","pspReference":"\(psp)","name":"\(name)",\
            "amount":{"currency":"NOK","value":2490},"timestamp":"\(InternetTime.rfc3339(Date().timeIntervalSince1970))","idempotencyKey":null,"success":true}
            """
        let components = URLComponents(string: publicURL)!
        let host = "\(components.host!):\(components.port!)"
        let date = InternetTime.httpDate(Date().timeIntervalSince1970)
        let (hash, authorization) = WebhookSignature.authorization(secret: secret, pathAndQuery: components.path, date: date, host: host,
                                                                   body: Array(body.utf8))
        var request = HTTPClientRequest(url: base + components.path)
        request.method = .POST
        request.headers.add(name: "x-ms-date", value: date)
        request.headers.add(name: "x-ms-content-sha256", value: hash)
        request.headers.add(name: "Authorization", value: authorization)
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }

    static func http(post: Bool, _ url: String, body: String?) async throws -> String {
        var request = HTTPClientRequest(url: url)
        request.method = post ? .POST : .GET
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return String(buffer: try await response.body.collect(upTo: 16 << 20))
    }

    static func percentile(_ values: [Duration], _ p: Double) -> Duration {
        guard !values.isEmpty else { return .zero }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }

    static func ms(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.1f ms", Double(seconds) * 1000 + Double(attoseconds) / 1e15)
    }

    static func seconds(_ duration: Duration) -> String { "\(duration.components.seconds) s" }
}

