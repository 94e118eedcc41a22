import AsyncHTTPClient
import Foundation
@testable import IntegrationSupport
import KasseSimulator
import Testing
import VippsModels

@Suite struct PaymentLifecycleTests {
    @Test func customersApproveAbortOrIgnoreAsConfigured() async throws {
        let sim = try await SimulatorHarness.start()
        #expect(try await sim.create("life-approve-1", phone: "4791234567").status == 201)
        #expect(try await sim.create("life-abort-001", phone: "4798765432").status == 201)
        #expect(try await sim.create("life-ignore-01", phone: "4741234567").status == 201)
        #expect(try await sim.get("life-approve-1").state == "CREATED")
        try await sim.advance(3.5)
        let approved = try await sim.get("life-approve-1")
        #expect(approved.state == "AUTHORIZED")
        #expect(approved.aggregate("authorizedAmount") == 1000)
        #expect(try await sim.get("life-abort-001").state == "ABORTED")
        #expect(try await sim.get("life-ignore-01").state == "CREATED")
        // The default lifetime is ten minutes.
        try await sim.advance(596.4)
        #expect(try await sim.get("life-ignore-01").state == "CREATED")
        try await sim.advance(0.1)
        #expect(try await sim.get("life-ignore-01").state == "EXPIRED")
        let events = try await sim.api(.GET, "/epayment/v1/payments/life-approve-1/events").array
        #expect(events.map { $0["name"] as? String } == ["CREATED", "AUTHORIZED"])
        #expect(events[0]["idempotencyKey"] as? String == "create-life-approve-1")
        try await sim.finish()
    }

    @Test func controlAndForceApprove() async throws {
        let sim = try await SimulatorHarness.start()
        try await sim.create("ctl-manual-01", phone: "4790000001")
        try await sim.create("ctl-manual-02", phone: "4790000001")
        try await sim.create("ctl-manual-03", phone: "4790000001")
        #expect(try await sim.api(.POST, "/epayment/v1/test/payments/ctl-manual-01/approve", body: "{}").status == 200)
        #expect(try await sim.get("ctl-manual-01").state == "AUTHORIZED")
        let twice = try await sim.api(.POST, "/epayment/v1/test/payments/ctl-manual-01/approve", body: "{}")
        #expect(twice.errorCode == 10020)
        #expect(try await sim.control(.POST, "/simulator/v1/payments/ctl-manual-02/abort").json["state"] as? String == "ABORTED")
        #expect(try await sim.control(.POST, "/simulator/v1/payments/ctl-manual-03/expire").json["state"] as? String == "EXPIRED")
        #expect(try await sim.control(.POST, "/simulator/v1/payments/ctl-manual-03/approve").status == 409)
        #expect(try await sim.control(.POST, "/simulator/v1/payments/nothing-here/approve").status == 404)
        try await sim.finish()
    }

    @Test func captureCancelRefundArithmetic() async throws {
        let sim = try await SimulatorHarness.start()
        try await sim.authorized("arith-00001", amount: 1000)
        let partial = try await sim.capture("arith-00001", 600, key: "cap-1")
        #expect(partial.status == 200)
        #expect(partial.state == "AUTHORIZED")
        #expect(partial.aggregate("capturedAmount") == 600)
        #expect(try await sim.capture("arith-00001", 500, key: "cap-2").errorCode == 6090)
        let cancelled = try await sim.cancel("arith-00001", key: "can-1")
        #expect(cancelled.status == 200)
        #expect(cancelled.state == "AUTHORIZED")
        #expect(cancelled.aggregate("cancelledAmount") == 400)
        #expect(try await sim.capture("arith-00001", 1, key: "cap-3").errorCode == 6070)
        #expect(try await sim.refund("arith-00001", 700, key: "ref-1").errorCode == 6150)
        #expect(try await sim.refund("arith-00001", 300, key: "ref-2").aggregate("refundedAmount") == 300)
        #expect(try await sim.refund("arith-00001", 300, key: "ref-3").aggregate("refundedAmount") == 600)
        #expect(try await sim.refund("arith-00001", 1, key: "ref-4").errorCode == 6150)
        let final = try await sim.get("arith-00001")
        #expect(final.state == "AUTHORIZED")
        #expect(final.aggregate("authorizedAmount") == 1000)
        #expect(final.aggregate("capturedAmount") == 600)
        #expect(final.aggregate("cancelledAmount") == 400)
        #expect(final.aggregate("refundedAmount") == 600)
        let names = try await sim.api(.GET, "/epayment/v1/payments/arith-00001/events").array.compactMap { $0["name"] as? String }
        #expect(names == ["CREATED", "AUTHORIZED", "CAPTURED", "CANCELLED", "REFUNDED", "REFUNDED"])
        try await sim.finish()
    }

    /// `captureGuaranteedUntil` on GET and on the AUTHORIZED event (7 days in every market by
    /// default); the control API makes captures answer 6280 a number of times (same key, not
    /// remembered as the answer), 6280 until the guarantee is over and 6260 after it, or 6260.
    @Test func capturesThatFailAfterApproval() async throws {
        let sim = try await SimulatorHarness.start()
        try await sim.authorized("cap-fail-001", amount: 1000)
        let payment = try await sim.get("cap-fail-001")
        let until = try #require(payment.json["captureGuaranteedUntil"] as? String)
        let clock = try await sim.control(.GET, "/simulator/v1/clock").json["now"] as? String
        let guaranteed = try #require(InternetTime.parseRFC3339(until))
        let clockText = try #require(clock)
        let now = try #require(InternetTime.parseRFC3339(clockText))
        #expect(abs(guaranteed - now - 7 * 86_400) < 5)
        let events = try await sim.api(.GET, "/epayment/v1/payments/cap-fail-001/events").array
        #expect(events.first { $0["name"] as? String == "AUTHORIZED" }?["captureGuaranteedUntil"] as? String == until)

        #expect(try await sim.control(.POST, "/simulator/v1/payments/cap-fail-001/capture-failure", body: #"{"code":6280,"times":2}"#).status == 200)
        #expect(try await sim.capture("cap-fail-001", 1000, key: "k-cap-fail").errorCode == 6280)
        #expect(try await sim.capture("cap-fail-001", 1000, key: "k-cap-fail").errorCode == 6280)
        let captured = try await sim.capture("cap-fail-001", 1000, key: "k-cap-fail")
        #expect(captured.status == 200 && captured.aggregate("capturedAmount") == 1000)

        try await sim.authorized("cap-fail-002", amount: 500)
        #expect(try await sim.control(.POST, "/simulator/v1/payments/cap-fail-002/capture-failure", body: #"{"code":6260}"#).status == 200)
        #expect(try await sim.capture("cap-fail-002", 500, key: "k-cap-fail-2").errorCode == 6260)
        #expect(try await sim.get("cap-fail-002").aggregate("capturedAmount") == 0)
        #expect(try await sim.cancel("cap-fail-002", key: "xu-cap-fail-2").aggregate("cancelledAmount") == 500)

        try await sim.authorized("cap-fail-003", amount: 700)
        #expect(try await sim.control(.POST, "/simulator/v1/payments/cap-fail-003/capture-failure",
                                      body: #"{"code":6280,"guaranteedForSeconds":30}"#).status == 200)
        #expect(try await sim.capture("cap-fail-003", 700, key: "k-cap-fail-3").errorCode == 6280)
        try await sim.advance(31)
        #expect(try await sim.capture("cap-fail-003", 700, key: "k-cap-fail-3").errorCode == 6260)

        // Nonsense is refused with a clear answer.
        #expect(try await sim.control(.POST, "/simulator/v1/payments/cap-fail-003/capture-failure", body: #"{"code":6100}"#).status == 400)
        #expect(try await sim.control(.POST, "/simulator/v1/payments/no-such-one/capture-failure", body: #"{"code":6260}"#).status == 404)
        try await sim.finish()
    }

    @Test func whatCannotBeDoneInEachState() async throws {
        let sim = try await SimulatorHarness.start()
        try await sim.create("state-created", phone: "4790000001")
        #expect(try await sim.capture("state-created", 100, key: "c").errorCode == 6080)
        #expect(try await sim.refund("state-created", 100, key: "r").errorCode == 6020)
        let terminated = try await sim.cancel("state-created", key: "x")
        #expect(terminated.state == "TERMINATED")
        #expect(terminated.aggregate("cancelledAmount") == 1000)
        #expect(try await sim.capture("state-created", 100, key: "c2").errorCode == 6070)
        #expect(try await sim.cancel("state-created", key: "x2").errorCode == 6050)

        try await sim.authorized("state-captured")
        #expect(try await sim.capture("state-captured", 1000, key: "c").status == 200)
        #expect(try await sim.cancel("state-captured", key: "x").errorCode == 6040)
        #expect(try await sim.capture("state-captured", 1, key: "c2").errorCode == 6170)

        try await sim.authorized("state-txonly")
        #expect(try await sim.cancel("state-txonly", key: "x", transactionOnly: true).errorCode == 6060)
        #expect(try await sim.get("state-txonly").aggregate("cancelledAmount") == 0)
        try await sim.create("state-txonly-2", phone: "4790000001")
        #expect(try await sim.cancel("state-txonly-2", key: "x", transactionOnly: true).state == "TERMINATED")

        try await sim.create("state-aborted", phone: "4790000001")
        _ = try await sim.control(.POST, "/simulator/v1/payments/state-aborted/abort")
        #expect(try await sim.capture("state-aborted", 100, key: "c").errorCode == 6200)
        #expect(try await sim.capture("state-captured", 100, key: "wrong-currency").status == 400)
        let eur = try await sim.api(.POST, "/epayment/v1/payments/state-txonly/capture", key: "eur",
                                    body: "{\"modificationAmount\":{\"currency\":\"EUR\",\"value\":100}}")
        #expect(eur.errorCode == 4040)
        try await sim.finish()
    }

    @Test func cancelWhileTheCustomerIsApprovingAnswers6250() async throws {
        let sim = try await SimulatorHarness.start()
        try await sim.create("busy-00001", phone: "4791234567")  // approves after 3 s
        try await sim.advance(2.5)
        let busy = try await sim.cancel("busy-00001", key: "cancel-1")
        #expect(busy.status == 400)
        #expect(busy.errorCode == 6250)
        let record = try await sim.control(.GET, "/simulator/v1/payments/busy-00001")
        #expect(record.json["state"] as? String == "CREATED")
        try await sim.advance(1)
        // The retry with the same key is not a replay of the 6250: it is carried out now.
        let retried = try await sim.cancel("busy-00001", key: "cancel-1")
        #expect(retried.status == 200)
        #expect(retried.state == "AUTHORIZED")
        #expect(retried.aggregate("cancelledAmount") == 1000)

        try await sim.create("busy-00002", phone: "4790000001")
        #expect(try await sim.control(.POST, "/simulator/v1/payments/busy-00002/processing").status == 200)
        #expect(try await sim.cancel("busy-00002", key: "k").errorCode == 6250)
        try await sim.finish()
    }

    @Test func idempotentReplaysAndConflicts() async throws {
        let sim = try await SimulatorHarness.start()
        let first = try await sim.create("idem-00001", key: "key-1")
        let replay = try await sim.create("idem-00001", key: "key-1")
        #expect(first.status == 201 && replay.status == 201)
        #expect(first.body == replay.body)
        let events = try await sim.api(.GET, "/epayment/v1/payments/idem-00001/events").array
        #expect(events.count == 1)
        // Same key, same JSON in another key order: still the same request.
        let reordered = try await sim.api(.POST, "/epayment/v1/payments", key: "key-1", body: """
            {"paymentDescription":"Kasse test","customerInteraction":"CUSTOMER_PRESENT","userFlow":"PUSH_MESSAGE",\
            "reference":"idem-00001","customer":{"phoneNumber":"4791234567"},"paymentMethod":{"type":"WALLET"},\
            "amount":{"value":1000,"currency":"NOK"}}
            """)
        #expect(reordered.status == 201)
        let conflict = try await sim.create("idem-00001", amount: 2000, key: "key-1")
        #expect(conflict.status == 409)
        #expect(conflict.errorCode == 4020)
        // A rejected request stays rejected for its key.
        let rejected = try await sim.create("idem-00002", phone: "4799999999", key: "key-2")
        #expect(rejected.errorCode == 7010)
        #expect(try await sim.create("idem-00002", phone: "4799999999", key: "key-2").body == rejected.body)

        _ = try await sim.control(.POST, "/simulator/v1/payments/idem-00001/approve")
        let capture = try await sim.capture("idem-00001", 400, key: "cap")
        #expect(try await sim.capture("idem-00001", 400, key: "cap").body == capture.body)
        #expect(try await sim.get("idem-00001").aggregate("capturedAmount") == 400)
        #expect(try await sim.capture("idem-00001", 500, key: "cap").errorCode == 4010)
        _ = try await sim.capture("idem-00001", 600, key: "cap-2")
        let refund = try await sim.refund("idem-00001", 100, key: "ref")
        #expect(try await sim.refund("idem-00001", 100, key: "ref").body == refund.body)
        #expect(try await sim.refund("idem-00001", 200, key: "ref").errorCode == 4150)
        #expect(try await sim.get("idem-00001").aggregate("refundedAmount") == 100)
        try await sim.finish()
    }

    @Test func rateLimitsPerReference() async throws {
        let sim = try await SimulatorHarness.start()
        try await sim.authorized("rate-00001", amount: 10000)
        for index in 0..<4 {
            #expect(try await sim.capture("rate-00001", 100, key: "c\(index)").status == 200)
        }
        let limited = try await sim.capture("rate-00001", 100, key: "c5")
        #expect(limited.status == 200)
        let over = try await sim.capture("rate-00001", 100, key: "c6")
        #expect(over.status == 429)
        #expect(Int(over.headers.first(name: "Retry-After") ?? "") ?? 0 >= 1)
        // Another reference is not affected.
        try await sim.authorized("rate-00002")
        #expect(try await sim.capture("rate-00002", 100, key: "c").status == 200)
        try await sim.advance(61)
        #expect(try await sim.capture("rate-00001", 100, key: "c6").status == 200)

        var statuses: [Int] = []
        for _ in 0..<121 { statuses.append(try await sim.get("rate-00002").status) }
        #expect(statuses.prefix(120).allSatisfy { $0 == 200 })
        #expect(statuses.last == 429)
        #expect(try await sim.get("rate-00001").status == 200)
        try await sim.finish()
    }
}
