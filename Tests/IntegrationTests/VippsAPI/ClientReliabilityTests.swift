import Foundation
@testable import IntegrationSupport
import KasseSimulator
import Synchronization
import Testing
import VippsClient
import VippsModels

/// Payments are never doubled or lost: lost answers, dropped connections, 5xx and 429.
@Suite struct ClientReliabilityTests {
    func pushRequest(_ reference: String, amount: Int = 5000, phone: String = "4790000001") -> CreatePaymentRequest {
        CreatePaymentRequest(amount: Amount(currency: .NOK, value: amount), customer: Customer(phoneNumber: phone),
                             customerInteraction: .CUSTOMER_PRESENT, reference: reference, userFlow: .PUSH_MESSAGE,
                             paymentDescription: "Kasse test")
    }

    /// A request that neither answers nor stops when cancelled still ends, as a timeout, so the
    /// retry and read-back logic takes over; its late answer is dropped.
    @Test func aRequestThatNeverAnswersEndsAsATimeout() async throws {
        let hung = Mutex<CheckedContinuation<Int, Never>?>(nil)
        do {
            _ = try await AsyncHTTPClientTransport.answer(within: .milliseconds(200)) {
                await withCheckedContinuation { continuation in hung.withLock { $0 = continuation } }
            }
            Issue.record("a request that never answered returned")
        } catch let error as TransportError {
            #expect(error.kind == .timeout)
            #expect(error.mayHaveReachedServer)
        }
        // The operation goes on after the timeout: wait until it has begun, then let it end.
        while hung.withLock({ $0 == nil }) { await Task.yield() }
        hung.withLock { $0.take() }?.resume(returning: 1)
        // An answer in time is handed back as it is.
        #expect(try await AsyncHTTPClientTransport.answer(within: .seconds(600)) { 42 } == 42)
    }

    @Test func lostCreateAnswerIsRetriedWithTheSameKeyAndMakesOnePayment() async throws {
        let sim = try await SimulatorHarness.start(faults: [FaultRule(route: "create", dropAfterCommit: 1)])
        let (client, transport, sleeper) = sim.makeClient()
        let created = try await client.createPayment(pushRequest("lost-create-01"), idempotencyKey: "key-lost-create-01")
        #expect(created.reference == "lost-create-01")
        let creates = transport.exchanges("POST", "/epayment/v1/payments")
        #expect(creates.count == 2)
        #expect(Set(creates.compactMap { $0.header("Idempotency-Key") }) == ["key-lost-create-01"])
        #expect(creates[0].body == creates[1].body)
        #expect(sleeper.durations.count == 1)
        let events = try await client.events("lost-create-01")
        #expect(events.filter { $0.name == .CREATED }.count == 1)
        try await sim.finish(checkRequests: "all")
    }

    @Test func everyAnswerLostStillResolvesByReadingThePaymentBack() async throws {
        let sim = try await SimulatorHarness.start(faults: [FaultRule(route: "create", dropAfterCommit: 10)])
        let (client, transport, _) = sim.makeClient()
        let created = try await client.createPayment(pushRequest("all-lost-0001"), idempotencyKey: "key-all-lost")
        #expect(created.reference == "all-lost-0001")
        #expect(transport.exchanges("POST", "/epayment/v1/payments").count == RetryPolicy.default.maxAttempts)
        #expect(transport.exchanges("GET", "/epayment/v1/payments/all-lost-0001").count == 1)
        let list = try await sim.control(.GET, "/simulator/v1/payments")
        #expect(list.array.count == 1)
        try await sim.finish(checkRequests: "all")
    }

    @Test func lostCaptureAnswersNeverCaptureTwice() async throws {
        let sim = try await SimulatorHarness.start()
        let (client, transport, _) = sim.makeClient()
        _ = try await client.createPayment(pushRequest("lost-capture-1"), idempotencyKey: "create-lost-capture-1")
        try await client.forceApprove("lost-capture-1")
        _ = try await sim.control(.PUT, "/simulator/v1/faults", body: #"[{"route":"capture","dropAfterCommit":10}]"#)
        let captured = try await client.capture("lost-capture-1", amount: Amount(currency: .NOK, value: 5000), idempotencyKey: "cap-once")
        #expect(captured.aggregate.capturedAmount.value == 5000)
        let captures = transport.exchanges("POST", "/capture")
        #expect(captures.count == RetryPolicy.default.maxAttempts)
        #expect(Set(captures.compactMap { $0.header("Idempotency-Key") }) == ["cap-once"])
        let events = try await client.events("lost-capture-1").filter { $0.name == .CAPTURED }
        #expect(events.count == 1)
        #expect(events.first?.idempotencyKey == "cap-once")
        try await sim.finish(checkRequests: "all")
    }

    @Test func serverErrorsAndRateLimitsAreRetriedPolitely() async throws {
        let sim = try await SimulatorHarness.start(faults: [
            FaultRule(route: "capture", serverErrors: 2), FaultRule(route: "get", tooManyRequests: 2),
        ])
        let (client, transport, sleeper) = sim.makeClient()
        _ = try await client.createPayment(pushRequest("retry-polite-1"), idempotencyKey: "create-retry-polite-1")
        try await client.forceApprove("retry-polite-1")
        let payment = try await client.getPayment("retry-polite-1")
        #expect(payment.state == .AUTHORIZED)
        #expect(transport.exchanges("GET", "/retry-polite-1").count == 3)
        // The 429s carried Retry-After: 1; the client waited at least that long.
        #expect(sleeper.durations.prefix(2).allSatisfy { $0 >= .seconds(1) })
        let captured = try await client.capture("retry-polite-1", amount: Amount(currency: .NOK, value: 5000), idempotencyKey: "cap-polite")
        #expect(captured.aggregate.capturedAmount.value == 5000)
        let captures = transport.exchanges("POST", "/capture")
        #expect(captures.map(\.status) == [503, 503, 200])
        #expect(Set(captures.compactMap { $0.header("Idempotency-Key") }) == ["cap-polite"])
        // Back-off grows and stays capped.
        #expect(sleeper.durations.allSatisfy { $0 <= .seconds(60) })
        try await sim.finish(checkRequests: "all")
    }

    /// The access token's endpoint failing while a payment is created (503, then 429 with
    /// Retry-After) is retried within the create, as the create itself would be: one create is
    /// sent, once a token is had, and nothing has to be read back.
    @Test func aTokenFetchThatFailsIsRetriedWithinTheOperation() async throws {
        let sim = try await SimulatorHarness.start()
        _ = try await sim.control(.PUT, "/simulator/v1/faults",
                                  body: #"[{"route":"accesstoken","serverErrors":1},{"route":"accesstoken","tooManyRequests":1}]"#)
        let (client, transport, sleeper) = sim.makeClient()
        let created = try await client.createPayment(pushRequest("token-retry-01"), idempotencyKey: "key-token-retry-01")
        #expect(created.reference == "token-retry-01")
        #expect(transport.exchanges("POST", "/accesstoken/get").map(\.status) == [503, 429, 200])
        #expect(transport.exchanges("POST", "/epayment/v1/payments").map(\.status) == [201])
        #expect(transport.exchanges("GET", "/epayment/v1/payments/token-retry-01").isEmpty)
        #expect(sleeper.durations.count == 2 && sleeper.durations[1] >= .seconds(1), "\(sleeper.durations)")
        try await sim.finish(checkRequests: "all")
    }

    @Test func whenRetriesRunOutTheErrorSaysSo() async throws {
        let sim = try await SimulatorHarness.start(faults: [FaultRule(route: "create", serverErrors: 10)])
        let (client, transport, _) = sim.makeClient(retry: RetryPolicy(maxAttempts: 3))
        do {
            _ = try await client.createPayment(pushRequest("runs-out-0001"), idempotencyKey: "key-runs-out")
            Issue.record("expected an error")
        } catch let error as VippsError {
            #expect(error.status == 503)
            #expect(error.isRetryable)
            #expect(error.description.contains("HTTP 503"))
            #expect(error.description.contains("traceId"))
        }
        #expect(transport.exchanges("POST", "/epayment/v1/payments").count == 3)
        #expect(try await sim.get("runs-out-0001").status == 404)
        try await sim.finish(checkRequests: "all")
    }

    @Test func noServerAtAllIsAnUnknownOutcomeNotAFailure() async throws {
        let configuration = VippsConfiguration(
            baseURL: "http://127.0.0.1:9", clientID: "x", clientSecret: "y", subscriptionKey: "z", merchantSerialNumber: "123456")
        let client = VippsClient(configuration: configuration, retry: RetryPolicy(maxAttempts: 2), sleeper: NoSleep())
        do {
            _ = try await client.getPayment("any-reference")
            Issue.record("expected an error")
        } catch let error as VippsError {
            #expect(error.kind == .transport)
            // Refused at once, or (on a machine too busy to answer in time) not connected in
            // time: either way no answer, which is not a failure of the payment.
            #expect(error.cashierMessage.contains("No connection") || error.cashierMessage.contains("No answer"), "\(error.message)")
            #expect(!error.description.contains("y"), "no secret in \(error.description)")
        }
    }

    @Test func tokensAreCachedSharedAndRefreshedOnceOn401() async throws {
        let sim = try await SimulatorHarness.start(tokenLifetime: 3600)
        let (client, transport, _) = sim.makeClient()
        _ = try await client.createPayment(pushRequest("token-test-001"), idempotencyKey: "create-token-test-001")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<10 { group.addTask { _ = try await client.getPayment("token-test-001") } }
            try await group.waitForAll()
        }
        #expect(transport.exchanges("POST", "/accesstoken/get").count == 1)
        // The simulator's clock jumps past the token's life; the client's does not know yet.
        sim.simulator.clock.advance(by: 3700)
        let payment = try await client.getPayment("token-test-001")
        #expect(payment.reference == "token-test-001")
        #expect(transport.exchanges("POST", "/accesstoken/get").count == 2)
        #expect(transport.exchanges("GET", "/token-test-001").map(\.status).suffix(2) == [401, 200])
        try await sim.finish(checkRequests: "all")
    }

    @Test func wrongCredentialsFailClearlyWithoutLeakingThem() async throws {
        let sim = try await SimulatorHarness.start()
        let logs = CapturedLogs()
        var configuration = sim.demoConfiguration
        configuration.clientSecret = "super-secret-value-123"
        let client = VippsClient(configuration: configuration, sleeper: NoSleep(), logger: logs.logger())
        do {
            _ = try await client.getPayment("whatever-1234")
            Issue.record("expected an error")
        } catch let error as VippsError {
            #expect(error.status == 401)
            #expect(error.cashierMessage.contains("log in"))
            #expect(!error.description.contains("super-secret-value-123"))
            #expect(!error.message.contains("super-secret-value-123"))
        }
        #expect(!logs.all.joined().contains("super-secret-value-123"))
        #expect(!logs.all.joined().contains(SimulatorConfiguration.demoSubscriptionKey))
        try await sim.finish()
    }

    @Test func nothingSecretOrPersonalIsLogged() async throws {
        let sim = try await SimulatorHarness.start(faults: [FaultRule(route: "get", serverErrors: 1)])
        let logs = CapturedLogs()
        let (client, _, sleeper) = sim.makeClient(logger: logs.logger())
        _ = try await client.createPayment(pushRequest("log-check-0001", phone: "4791234567"), idempotencyKey: "create-log-check-0001")
        for try await _ in PaymentPoller(client: client, sleeper: sleeper).updates(for: "log-check-0001") {}
        let text = logs.all.joined(separator: "\n")
        #expect(!logs.all.isEmpty)
        for secret in [SimulatorConfiguration.demoClientSecret, SimulatorConfiguration.demoSubscriptionKey, "4791234567", "Bearer"] {
            #expect(!text.contains(secret), "\(secret) appears in the logs")
        }
        try await sim.finish()
    }
}

struct NoSleep: Sleeper {
    func sleep(for duration: Duration) async throws {}
}
