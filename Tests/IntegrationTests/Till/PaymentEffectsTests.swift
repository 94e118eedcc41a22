import Foundation
@testable import IntegrationSupport
import KasseTesting
import KasseTill
import KasseTillApp
import Logging
import Testing
import VippsClient
import VippsModels

/// The till's payment effects on their own, against the simulator over loopback: each effect
/// carried out answers with the action the reducer expects, and the poll waits on the till's
/// clock (the test moves it; nothing sleeps).
@Suite struct PaymentEffectsTests {
    struct Runner {
        let effects: PaymentEffects
        let client: VippsClient
        let clock = ManualClock()
        var actions: AsyncStream<TillAction>.Iterator

        init(_ sim: SimulatorHarness) {
            var logger = Logger(label: "kasse.payments.test")
            logger.logLevel = .warning
            let (stream, send) = AsyncStream.makeStream(of: TillAction.self)
            client = VippsClient(configuration: sim.demoConfiguration, logger: logger)
            effects = PaymentEffects(send: send, logger: logger, clock: TillClock(clock), secondsSince1970: { Int64(Date().timeIntervalSince1970) })
            actions = stream.makeAsyncIterator()
        }

        mutating func next() async throws -> TillAction {
            try #require(await actions.next())
        }
    }

    static func request(_ reference: String) -> CreatePaymentRequest {
        CreatePaymentRequest(amount: Amount(currency: .NOK, value: 2490), customer: Customer(phoneNumber: "4791234567"),
                             customerInteraction: .CUSTOMER_PRESENT, reference: reference, userFlow: .PUSH_MESSAGE,
                             paymentDescription: "Kasse test")
    }

    @Test func aSalesPaymentIsCreatedFollowedOnTheTillsClockAndCaptured() async throws {
        let sim = try await SimulatorHarness.start()
        var runner = Runner(sim)
        let reference = "EFFECTS-1-\(UUID().uuidString.prefix(8))"
        #expect(runner.effects.perform(.createPayment(Self.request(reference), idempotencyKey: "c-\(reference)"), client: runner.client))
        guard case .paymentCreated(reference, _) = try await runner.next() else { throw Failure("not created") }

        _ = try await sim.control(.POST, "/simulator/v1/payments/\(reference)/approve")
        runner.effects.perform(.pollPayment(reference: reference), client: runner.client)
        // The first look is 5 s after the create, on the till's clock: nothing is read until it moves.
        await runner.clock.waitForSleepers(1)
        #expect(runner.clock.nextWake == .seconds(5))
        runner.clock.advance(by: .seconds(5))
        guard case .paymentUpdated(reference, .AUTHORIZED, let aggregate, _) = try await runner.next() else { throw Failure("not authorized") }
        #expect(aggregate.authorizedAmount.value == 2490)

        runner.effects.perform(.capture(reference: reference, amount: Amount(currency: .NOK, value: 2490), idempotencyKey: "k-\(reference)"),
                               client: runner.client)
        guard case .captured(reference, let captured) = try await runner.next() else { throw Failure("not captured") }
        #expect(captured.capturedAmount.value == 2490)
        runner.effects.stop()
        try await sim.finish(checkRequests: "all")
    }

    /// Recovery's read of a payment Vipps MobilePay never had, and a refusal answered as such.
    @Test func recoveryReadsAndTrainingWithoutASimulatorSendsNothing() async throws {
        let sim = try await SimulatorHarness.start()
        var runner = Runner(sim)
        runner.effects.perform(.readRecovering(reference: "EFFECTS-NEVER-SENT", after: .zero), client: runner.client)
        guard case .recoveryRead("EFFECTS-NEVER-SENT", .notFound, _) = try await runner.next() else { throw Failure("not read as unknown") }

        let reference = "EFFECTS-2-\(UUID().uuidString.prefix(8))"
        runner.effects.refuse(.createPayment(Self.request(reference), idempotencyKey: "c-\(reference)"), because: "no simulator")
        guard case .paymentCreateFailed(reference, .notSent("no simulator")) = try await runner.next() else { throw Failure("not refused") }
        let requests = try await sim.control(.GET, "/simulator/v1/payments").array.compactMap { $0["reference"] as? String }
        #expect(!requests.contains(reference))
        #expect(!runner.effects.perform(.bell, client: runner.client), "not a payment's effect")
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
