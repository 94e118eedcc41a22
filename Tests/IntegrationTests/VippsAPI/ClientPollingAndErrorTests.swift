import Foundation
@testable import IntegrationSupport
import KasseSimulator
import Testing
import VippsClient
import VippsModels

@Suite struct ClientPollingAndErrorTests {
    func create(_ client: VippsClient, _ reference: String, phone: String) async throws {
        _ = try await client.createPayment(
            CreatePaymentRequest(amount: Amount(currency: .NOK, value: 2000), customer: Customer(phoneNumber: phone),
                                 customerInteraction: .CUSTOMER_PRESENT, reference: reference, userFlow: .PUSH_MESSAGE,
                                 paymentDescription: "Kasse test"),
            idempotencyKey: "create-\(reference)")
    }

    @Test func pollerFollowsTheGuidanceUntilExpiry() async throws {
        let sim = try await SimulatorHarness.start()
        let (client, transport, sleeper) = sim.makeClient()
        try await create(client, "poll-expire-01", phone: "4741234567")  // never answers
        var states: [PaymentState] = []
        for try await update in PaymentPoller(client: client, sleeper: sleeper).updates(for: "poll-expire-01") {
            states.append(update.state)
        }
        #expect(states == [.CREATED, .EXPIRED])
        #expect(sleeper.durations.first == .seconds(5))
        #expect(sleeper.durations.dropFirst().allSatisfy { $0 == .seconds(2) })
        // Ten minutes of polling: about 300 looks, never more than 30 in any simulated minute.
        let gets = transport.exchanges("GET", "/poll-expire-01").count
        #expect(gets >= 290 && gets <= 302)
        #expect(transport.exchanges("GET", "/poll-expire-01").allSatisfy { $0.status == 200 })
        try await sim.finish(checkRequests: "all")
    }

    @Test func pollerReportsAbortAndSurvivesRateLimits() async throws {
        let sim = try await SimulatorHarness.start(faults: [FaultRule(route: "get", tooManyRequests: 3)])
        let (client, _, sleeper) = sim.makeClient(retry: .none)
        try await create(client, "poll-abort-001", phone: "4798765432")  // aborts after 3 s
        var states: [PaymentState] = []
        for try await update in PaymentPoller(client: client, sleeper: sleeper).updates(for: "poll-abort-001") {
            states.append(update.state)
        }
        #expect(states == [.ABORTED])
        #expect(sleeper.durations.contains { $0 >= .seconds(4) })
        try await sim.finish(checkRequests: "all")
    }

    @Test func cashierMessagesForTheCodesATillMeets() async throws {
        let sim = try await SimulatorHarness.start(merchants: [SimulatedMerchant(msn: "123456", currency: .NOK, allowsPushMessage: false)])
        let (client, _, _) = sim.makeClient()
        func failure(_ request: CreatePaymentRequest) async -> VippsError? {
            do {
                _ = try await client.createPayment(request, idempotencyKey: "k-\(request.reference)")
                return nil
            } catch {
                return error as? VippsError
            }
        }
        let push = await failure(CreatePaymentRequest(amount: Amount(currency: .NOK, value: 1000), customer: Customer(phoneNumber: "4791234567"),
                                                      reference: "msg-5080-0001", userFlow: .PUSH_MESSAGE))
        #expect(push?.errorCode == 5080)
        #expect(push?.cashierMessage.contains("shop owner") == true)
        #expect(push?.isRetryable == false)
        try await sim.finish(checkRequests: "none")

        let open = try await SimulatorHarness.start()
        let (client2, _, _) = open.makeClient()
        func failure2(_ request: CreatePaymentRequest) async -> VippsError? {
            do {
                _ = try await client2.createPayment(request, idempotencyKey: "k-\(request.reference)")
                return nil
            } catch {
                return error as? VippsError
            }
        }
        let unknown = await failure2(CreatePaymentRequest(amount: Amount(currency: .NOK, value: 1000), customer: Customer(phoneNumber: "4799999999"),
                                                          reference: "msg-7010-0001", userFlow: .PUSH_MESSAGE))
        #expect(unknown?.errorCode == 7010)
        #expect(unknown?.cashierMessage.localizedCaseInsensitiveContains("wrong") == false)
        #expect(unknown?.cashierMessage.contains("number") == false)
        let badQR = await failure2(CreatePaymentRequest(amount: Amount(currency: .NOK, value: 1000), customer: Customer(personalQr: "nonsense"),
                                                        reference: "msg-4060-0001", userFlow: .PUSH_MESSAGE))
        #expect(badQR?.errorCode == 4060)
        #expect(badQR?.cashierMessage.contains("QR") == true)
        let badPhone = await failure2(CreatePaymentRequest(amount: Amount(currency: .NOK, value: 1000), customer: Customer(phoneNumber: "12"),
                                                           reference: "msg-4070-0001", userFlow: .PUSH_MESSAGE))
        #expect(badPhone?.errorCode == 4070)
        #expect(badPhone?.cashierMessage.contains("phone number") == true)

        _ = try await client2.createPayment(CreatePaymentRequest(amount: Amount(currency: .NOK, value: 1000), customer: Customer(phoneNumber: "4790000001"),
                                                                 reference: "msg-6250-0001", userFlow: .PUSH_MESSAGE), idempotencyKey: "c-6250")
        _ = try await open.control(.POST, "/simulator/v1/payments/msg-6250-0001/processing")
        do {
            _ = try await client2.cancel("msg-6250-0001", idempotencyKey: "cancel-6250")
            Issue.record("expected 6250")
        } catch let error as VippsError {
            #expect(error.errorCode == 6250)
            #expect(error.isRetryable)
            #expect(error.cashierMessage.contains("Try cancelling again"))
        }
        try await open.finish(checkRequests: "none")
    }
}
