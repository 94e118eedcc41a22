import Foundation
import KasseSimulator
import Logging
import Synchronization
import VippsClient
import VippsModels

/// Records every request the client sends, and passes it on to the real transport.
final class RecordingTransport: HTTPTransport {
    struct Exchange: Sendable {
        var method: String
        var path: String
        var headers: [(String, String)]
        var body: [UInt8]?
        var status: Int?

        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    }

    private let inner: any HTTPTransport
    private let log = Mutex<[Exchange]>([])

    init(_ inner: any HTTPTransport = AsyncHTTPClientTransport()) {
        self.inner = inner
    }

    func send(_ request: TransportRequest) async throws -> TransportResponse {
        let path = URL(string: request.url)?.path ?? request.url
        var exchange = Exchange(method: request.method, path: path, headers: request.headers, body: request.body)
        do {
            let response = try await inner.send(request)
            exchange.status = response.status
            log.withLock { $0.append(exchange) }
            return response
        } catch {
            log.withLock { $0.append(exchange) }
            throw error
        }
    }

    var exchanges: [Exchange] { log.withLock { $0 } }
    func exchanges(_ method: String, _ suffix: String) -> [Exchange] {
        exchanges.filter { $0.method == method && $0.path.hasSuffix(suffix) }
    }
}

/// Waiting moves the simulator's clock instead of the test's: a 5-second poll interval
/// passes at once, and the simulated customer sees those 5 seconds go by.
final class SimulatorSleeper: Sleeper {
    let clock: SimulatorClock
    private let slept = Mutex<[Duration]>([])

    init(_ clock: SimulatorClock) {
        self.clock = clock
    }

    func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        slept.withLock { $0.append(duration) }
        let components = duration.components
        clock.advance(by: Double(components.seconds) + Double(components.attoseconds) / 1e18)
        await Task.yield()
    }

    var durations: [Duration] { slept.withLock { $0 } }
}

/// Keeps every log line, to check that no secret and no whole phone number is ever logged.
final class CapturedLogs: Sendable {
    private let lines = Mutex<[String]>([])

    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }

    func logger(_ label: String = "test") -> Logger {
        var logger = Logger(label: label) { _ in CapturingHandler(sink: self) }
        logger.logLevel = .trace
        return logger
    }

    struct CapturingHandler: LogHandler {
        let sink: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            sink.append("\(event.level) \(event.message) \(event.metadata ?? [:])")
        }
    }
}

extension SimulatorHarness {
    var demoConfiguration: VippsConfiguration {
        VippsConfiguration(
            baseURL: baseURL, clientID: SimulatorConfiguration.demoClientID, clientSecret: SimulatorConfiguration.demoClientSecret,
            subscriptionKey: SimulatorConfiguration.demoSubscriptionKey, merchantSerialNumber: msn)
    }

    func makeClient(transport: RecordingTransport = RecordingTransport(), retry: RetryPolicy = .default,
                    logger: Logger = Logger(label: "test")) -> (VippsClient, RecordingTransport, SimulatorSleeper)
    {
        let sleeper = SimulatorSleeper(simulator.clock)
        let client = VippsClient(configuration: demoConfiguration, transport: transport, retry: retry, sleeper: sleeper,
                                 logger: logger, random: { 0.5 })
        return (client, transport, sleeper)
    }
}
