import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import KasseListener
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals
import VippsModels

/// The local Vipps MobilePay simulator: the API's routes on a Hummingbird server, plus a
/// control API under `/simulator/v1/` for tests and for whoever plays the customer.
public struct Simulator: Sendable {
    public let configuration: SimulatorConfiguration
    public let clock: SimulatorClock
    let core: SimulatorCore
    let logger: Logger

    public init(configuration: SimulatorConfiguration, clock: SimulatorClock? = nil, logger: Logger? = nil) {
        self.configuration = configuration
        let clock = clock ?? SimulatorClock(scale: configuration.timeScale)
        self.clock = clock
        var logger = logger ?? Logger(label: "kasse.simulator")
        if logger.logLevel > .info && logger.handler is StreamLogHandler == false { logger.logLevel = .info }
        self.logger = logger
        self.core = SimulatorCore(configuration: configuration, clock: clock, logger: logger)
    }

    /// Serves until SIGINT/SIGTERM (with `handleSignals`), a graceful shutdown of the
    /// service group handed to `onGroup`, or cancellation.
    /// - Parameters:
    ///   - onStart: called with the base URL once the server listens.
    ///   - onGroup: receives the service group, to shut it down gracefully.
    public func run(
        handleSignals: Bool = true,
        onStart: @escaping @Sendable (String) async -> Void = { _ in },
        onGroup: @Sendable (ServiceGroup) async -> Void = { _ in }
    ) async throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let sender = WebhookSender(client: client, logger: logger)
        let core = self.core
        let host = configuration.host
        let app = Application(
            router: makeRouter(sender: sender),
            server: .guardedHTTP1(ConnectionTable(limits: ListenerLimits.simulator().overridden(by: ProcessInfo.processInfo.environment))),
            configuration: .init(address: .hostname(host, port: configuration.port), serverName: "kasse-simulator", backlog: ListenerLimits.backlog),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                let shownHost = host.contains(":") ? "[\(host)]" : host
                let url = "http://\(shownHost):\(port)"
                await core.setBaseURL(url)
                await onStart(url)
            },
            logger: logger
        )
        let ticker = Ticker(core: core, sender: sender, clock: clock)
        let group = ServiceGroup(
            services: [app, ticker], gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [], logger: logger)
        await onGroup(group)
        do {
            try await group.run()
        } catch {
            try? await client.shutdown()
            throw error
        }
        try? await client.shutdown()
    }

    /// Lets customers act, payments expire and webhooks go out without waiting for a
    /// request. Ten times a second, so an idle simulator costs nothing noticeable.
    struct Ticker: Service {
        let core: SimulatorCore
        let sender: WebhookSender
        let clock: SimulatorClock

        func run() async throws {
            try? await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    // Ten times a second while customers or webhooks are due; otherwise twice.
                    let busy = await core.hasPendingWork()
                    try await Task.sleep(for: .milliseconds(busy ? 100 : 500))
                    await core.settle(at: clock.now())
                    await Simulator.deliverDue(core: core, sender: sender, clock: clock)
                }
            }
        }
    }

    /// Starts the simulator in this process on a free loopback port.
    public static func start(_ configuration: SimulatorConfiguration, clock: SimulatorClock? = nil, logger: Logger? = nil)
        async throws -> RunningSimulator
    {
        let simulator = Simulator(configuration: configuration, clock: clock, logger: logger)
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        let (groups, groupContinuation) = AsyncStream.makeStream(of: ServiceGroup.self)
        let task = Task {
            do {
                try await simulator.run(
                    handleSignals: false, onStart: { url in continuation.yield(url) },
                    onGroup: { group in groupContinuation.yield(group) })
            } catch {
                simulator.logger.error("simulator stopped: \(error)")
            }
            continuation.finish()
            groupContinuation.finish()
        }
        var groupIterator = groups.makeAsyncIterator()
        let group = await groupIterator.next()
        var iterator = stream.makeAsyncIterator()
        guard let url = await iterator.next(), let group else {
            throw SimulatorConfigurationError.invalid("the simulator could not listen on \(configuration.host):\(configuration.port)")
        }
        return RunningSimulator(baseURL: url, clock: simulator.clock, task: task, group: group)
    }

    static func deliverDue(core: SimulatorCore, sender: WebhookSender, clock: SimulatorClock) async {
        let due = core.webhooks.takeDue(at: clock.now())
        guard !due.isEmpty else { return }
        await withTaskGroup(of: Void.self) { group in
            for (delivery, hook) in due {
                group.addTask {
                    let (status, error) = await sender.send(delivery, to: hook, date: Date())
                    core.webhooks.finish(delivery, status: status, error: error, at: clock.now())
                }
            }
        }
    }

    // MARK: Routes

    func makeRouter(sender: WebhookSender) -> Router<BasicRequestContext> {
        // Paths are matched without regard to case, as the live gateway does (the official
        // collections ask for `/accessToken/get`); path parameters keep their case.
        let router = Router(options: .caseInsensitive)
        let core = self.core
        let clock = self.clock

        func api(_ operation: Operation) -> @Sendable (Request, BasicRequestContext) async throws -> Response {
            { request, context in
                var request = request
                let body = try await request.collectBody(upTo: 1 << 20)
                var headers: [String: String] = [:]
                for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
                var parameters: [String: String] = [:]
                for name in ["reference", "id", "paymentType", "orderId", "sub", "ledgerId", "topic", "ledgerDate"] {
                    if let value = context.parameters.get(name) { parameters[name] = value }
                }
                // Query parameters, marked apart from the path's.
                for (name, value) in request.uri.queryParameters { parameters["?" + String(name)] = String(value) }
                let simRequest = SimRequest(
                    method: request.method.rawValue, path: request.uri.path, headers: headers,
                    body: Array(buffer: body), parameters: parameters)
                return Self.response(await core.handle(operation, simRequest))
            }
        }

        router.post("/accesstoken/get", use: api(.accessToken))
        router.post("/epayment/v1/payments", use: api(.create))
        router.get("/epayment/v1/payments/:reference", use: api(.get))
        router.get("/epayment/v1/payments/:reference/events", use: api(.events))
        router.post("/epayment/v1/payments/:reference/capture", use: api(.capture))
        router.post("/epayment/v1/payments/:reference/cancel", use: api(.cancel))
        router.post("/epayment/v1/payments/:reference/refund", use: api(.refund))
        router.post("/epayment/v1/test/payments/:reference/approve", use: api(.approve))
        router.post("/webhooks/v1/webhooks", use: api(.registerWebhook))
        router.get("/webhooks/v1/webhooks", use: api(.listWebhooks))
        router.delete("/webhooks/v1/webhooks/:id", use: api(.deleteWebhook))
        router.post("/order-management/v2/:paymentType/receipts/:orderId", use: api(.postReceipt))
        router.get("/order-management/v2/:paymentType/:orderId", use: api(.getOrder))
        router.post("/qr/v1/exchange", use: api(.qrExchange))
        router.get("/vipps-userinfo-api/userinfo/:sub", use: api(.userinfo))
        router.get("/settlement/v1/ledgers", use: api(.ledgers))
        router.get("/report/v2/ledgers/:ledgerId/:topic/dates/:ledgerDate", use: api(.ledgerReport))

        // Control API: no credentials, loopback only.
        router.get("/health") { _, _ in Self.response(.json(200, ["status": "ok"])) }
        router.get("/simulator/v1/payments") { _, _ in Self.response(await core.allPayments()) }
        router.get("/simulator/v1/payments/:reference") { _, context in
            Self.response(await core.paymentRecord(reference: context.parameters.get("reference") ?? ""))
        }
        router.post("/simulator/v1/payments/:reference/:action") { request, context in
            let reference = context.parameters.get("reference") ?? ""
            if context.parameters.get("action") == "capture-failure" {
                var request = request
                let body = try await request.collectBody(upTo: 1 << 12)
                guard let asked = try? JSONDecoder().decode(CaptureFailureRequest.self, from: Data(Array(buffer: body))),
                      asked.code == nil || asked.code == 6260 || asked.code == 6280, (asked.times ?? 0) >= 0,
                      (asked.guaranteedForSeconds ?? 0) >= 0, asked.code != nil || asked.guaranteedForSeconds != nil
                else {
                    return Self.response(.json(400, ["error": "body must be {\"code\": 6260 or 6280, \"times\": N, \"guaranteedForSeconds\": S} (times and the guarantee optional)"]))
                }
                return Self.response(await core.setCaptureFailure(
                    reference: reference, msn: request.uri.queryParameters.get("msn"),
                    plan: asked.code.map { CaptureFailurePlan(code: $0, times: asked.times) }, guaranteedFor: asked.guaranteedForSeconds))
            }
            guard let action = SimulatorCore.ControlAction(rawValue: context.parameters.get("action") ?? "") else {
                return Self.response(.json(404, ["error": "action must be approve, abort, expire, processing or capture-failure"]))
            }
            let msn = request.uri.queryParameters.get("msn")
            return Self.response(await core.control(action, reference: reference, msn: msn))
        }
        router.get("/simulator/v1/clock") { _, _ in
            Self.response(.json(200, ClockState(now: Timestamps.rfc3339(clock.now()), scale: clock.scale)))
        }
        router.post("/simulator/v1/clock/advance") { request, _ in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 12)
            guard let advance = try? JSONDecoder().decode(ClockAdvance.self, from: Data(Array(buffer: body))), advance.seconds >= 0 else {
                return Self.response(.json(400, ["error": "body must be {\"seconds\": N} with N ≥ 0"]))
            }
            clock.advance(by: advance.seconds)
            await core.settle(at: clock.now())
            return Self.response(.json(200, ClockState(now: Timestamps.rfc3339(clock.now()), scale: clock.scale)))
        }
        router.post("/simulator/v1/clock/scale") { request, _ in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 12)
            guard let scale = try? JSONDecoder().decode(ClockScale.self, from: Data(Array(buffer: body))), scale.scale >= 0 else {
                return Self.response(.json(400, ["error": "body must be {\"scale\": N} with N ≥ 0"]))
            }
            clock.setScale(scale.scale)
            return Self.response(.json(200, ClockState(now: Timestamps.rfc3339(clock.now()), scale: clock.scale)))
        }
        router.get("/simulator/v1/faults") { _, _ in Self.response(.json(200, await core.currentFaults())) }
        router.put("/simulator/v1/faults") { request, _ in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 16)
            guard let rules = try? JSONDecoder().decode([FaultRule].self, from: Data(Array(buffer: body))) else {
                return Self.response(.json(400, ["error": "body must be a JSON array of fault rules"]))
            }
            await core.setFaults(rules)
            return Self.response(.json(200, rules))
        }
        router.delete("/simulator/v1/faults") { _, _ in
            await core.setFaults([])
            return Self.response(.empty(204))
        }
        // Settlement faults: entries missing from the ledger or changed, and captures the shop never made.
        router.put("/simulator/v1/settlement/faults") { request, _ in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 16)
            guard let faults = try? JSONDecoder().decode(SettlementFaultsRequest.self, from: Data(Array(buffer: body))) else {
                return Self.response(.json(400, ["error": "body must be {\"missing\": [REF], \"changed\": [{\"reference\", \"amount\"}], \"unknown\": [{\"reference\", \"amount\", \"msn\"}]}"]))
            }
            return Self.response(await core.setSettlementFaults(faults))
        }
        router.get("/simulator/v1/webhooks/deliveries") { _, _ in Self.response(.json(200, core.webhooks.records())) }
        router.post("/simulator/v1/webhooks/flush") { _, _ in
            // Delivers everything that is due now, in order, and waits for the answers (also of
            // deliveries the background ticker already had on their way). The deadline is only a
            // safety net: on a machine busy with other work a chain of deliveries takes long.
            await core.settle(at: clock.now())
            let deadline = ContinuousClock.now + .seconds(100)
            while core.webhooks.isBusy(at: clock.now()), ContinuousClock.now < deadline {
                let before = core.webhooks.records().map(\.attempts).reduce(0, +)
                await Self.deliverDue(core: core, sender: sender, clock: clock)
                if core.webhooks.records().map(\.attempts).reduce(0, +) == before {
                    try await Task.sleep(for: .milliseconds(5))  // another task's delivery is in flight
                }
            }
            return Self.response(.json(200, core.webhooks.records()))
        }
        router.get("/simulator/v1/qr/:reference") { request, context in
            let query = request.uri.queryParameters
            return Self.response(await core.qrImage(
                reference: context.parameters.get("reference") ?? "", token: query.get("token") ?? "",
                format: query.get("format") ?? "svg", size: query.get("size").flatMap { Int($0) } ?? 1024))
        }
        router.get("/simulator/v1/landing/:reference") { _, context in
            let reference = context.parameters.get("reference") ?? ""
            // Named as the sales unit's market calls the app on the simulator's date, with the
            // host the real landing page has there (pay.mobilepay.dk until 11 January 2027).
            let landing = await core.landing(reference: reference) ?? (app: "Vipps", host: "pay.vipps.no")
            let html = """
                <!doctype html><meta charset="utf-8"><title>\(landing.app) (Kasse simulator)</title>
                <h1>\(landing.app) (simulated)</h1><p>Stands for https://\(landing.host)/</p>
                <p>Payment \(reference.filter { $0.isLetter || $0.isNumber || $0 == "-" })</p>
                <form method="post" action="/simulator/v1/payments/\(reference.filter { $0.isLetter || $0.isNumber || $0 == "-" })/approve"><button>Approve</button></form>
                <form method="post" action="/simulator/v1/payments/\(reference.filter { $0.isLetter || $0.isNumber || $0 == "-" })/abort"><button>Abort</button></form>
                """
            return Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
        }
        return router
    }

    struct ClockAdvance: Decodable { var seconds: Double }
    struct SettlementFaultsRequest: Decodable {
        var missing: [String]?
        var changed: [SimulatedLedger.Faults.Change]?
        var unknown: [Unknown]?
        /// `at`: when it was "captured" (RFC 3339; default now), which decides its ledger date.
        struct Unknown: Decodable { var reference: String; var amount: Int; var msn: String?; var at: String? }
    }
    struct CaptureFailureRequest: Decodable { var code: Int?; var times: Int?; var guaranteedForSeconds: Double? }
    struct ClockScale: Decodable { var scale: Double }
    struct ClockState: Encodable { var now: String; var scale: Double }

    struct DroppedConnection: Error {}

    static func response(_ sim: SimResponse) -> Response {
        var headers = HTTPFields()
        if let contentType = sim.contentType { headers[.contentType] = contentType }
        for (name, value) in sim.headers {
            if let fieldName = HTTPField.Name(name) { headers.append(HTTPField(name: fieldName, value: value)) }
        }
        if sim.dropConnection {
            // The operation is done; the answer is lost on the way: the connection closes
            // before the body, so the client sees a broken response.
            return Response(status: .init(code: sim.status), headers: headers, body: ResponseBody { _ in throw DroppedConnection() })
        }
        return Response(status: .init(code: sim.status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: sim.body)))
    }
}

/// A simulator running in this process.
public final class RunningSimulator: Sendable {
    public let baseURL: String
    public let clock: SimulatorClock
    private let task: Task<Void, Never>
    private let group: ServiceGroup

    init(baseURL: String, clock: SimulatorClock, task: Task<Void, Never>, group: ServiceGroup) {
        self.baseURL = baseURL
        self.clock = clock
        self.task = task
        self.group = group
    }

    public var port: Int { Int(baseURL.split(separator: ":").last ?? "") ?? 0 }

    /// Shuts down gracefully: open requests are answered, then the server closes.
    public func stop() async {
        await group.triggerGracefulShutdown()
        await task.value
    }
}
