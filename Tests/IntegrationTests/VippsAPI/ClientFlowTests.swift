import Foundation
@testable import IntegrationSupport
import KasseCore
import KasseSimulator
import Testing
import VippsClient
import VippsModels

/// The flows of the Vipps MobilePay guides, end to end against the simulator.
@Suite struct ClientFlowTests {
    func sampleBasket() throws -> Basket {
        let catalog = try Repository.sampleCatalog()
        var basket = Basket(currency: .NOK)
        try basket.add(try catalog.lookup(code: "7040000000016").get(), quantity: .pieces(2))
        try basket.add(try catalog.lookup(code: "4001").get(), quantity: .grams(734))
        let line = try basket.add(try catalog.lookup(code: "7004").get())
        try basket.setDiscount(lineID: line, percentBasisPoints: 2000)
        return basket
    }

    /// "Payment request sent directly to app" and "In-store payments": push with the receipt, capture.
    @Test func pushPaymentWithReceiptToAPhoneThenCapture() async throws {
        let sim = try await SimulatorHarness.start()
        let (client, transport, sleeper) = sim.makeClient()
        let basket = try sampleBasket()
        let receipt = SaleReceipt.make(for: basket, posId: "till-1", receiptNumber: "000042")
        let reference = PaymentReference(store: "Oslo", till: "1", date: CivilDate(year: 2026, month: 11, day: 21), sequence: 42, attempt: 1)
        let request = CreatePaymentRequest(
            amount: basket.totalMoney.amount, customer: Customer(phoneNumber: try MSISDN(typed: "912 34 567", market: .norway).digits),
            customerInteraction: .CUSTOMER_PRESENT, reference: reference.value, userFlow: .PUSH_MESSAGE,
            paymentDescription: PaymentDescription.make(shopName: "Kasse Demo", receiptNumber: "000042"), receipt: receipt)
        let created = try await client.createPayment(request, idempotencyKey: "create-\(reference.value)")
        #expect(created.reference == reference.value)
        #expect(created.redirectUrl == nil)

        var states: [PaymentState] = []
        for try await update in PaymentPoller(client: client, sleeper: sleeper).updates(for: reference.value) {
            states.append(update.state)
        }
        #expect(states == [.AUTHORIZED])
        #expect(sleeper.durations.first == .seconds(5))

        let captured = try await client.capture(reference.value, amount: basket.totalMoney.amount, idempotencyKey: "capture-\(reference.value)")
        #expect(captured.aggregate.capturedAmount.value == basket.total)
        #expect(captured.state == .AUTHORIZED)

        let record = try await sim.control(.GET, "/simulator/v1/payments/\(reference.value)")
        #expect(record.json["customerInteraction"] as? String == "CUSTOMER_PRESENT")
        #expect((record.json["receiptWarnings"] as? [String])?.isEmpty == true)
        let stored = try JSONDecoder().decode(Receipt.self, from: JSONSerialization.data(withJSONObject: record.json["receipt"] ?? [:]))
        #expect(stored == receipt)
        let order = try await client.order(reference.value)
        #expect(order.receipt == receipt)
        // One token for the whole flow.
        #expect(transport.exchanges("POST", "/accesstoken/get").count == 1)
        try await sim.finish(checkRequests: "all")
    }

    /// "Payment through company app": reserve with WEB_REDIRECT, capture part, cancel the
    /// rest, attach the receipt afterwards.
    @Test func reserveCapturePartCancelRestAttachReceipt() async throws {
        let sim = try await SimulatorHarness.start()
        let (client, _, _) = sim.makeClient()
        let request = CreatePaymentRequest(
            amount: Amount(currency: .NOK, value: 10000), customerInteraction: .CUSTOMER_PRESENT, reference: "company-app-0001",
            userFlow: .WEB_REDIRECT, returnUrl: "https://shop.example/return?order=1", paymentDescription: "Reservation")
        let created = try await client.createPayment(request, idempotencyKey: "create-company-app-0001")
        #expect(created.redirectUrl?.contains("company-app-0001") == true)
        try await client.forceApprove("company-app-0001")
        let captured = try await client.capture("company-app-0001", amount: Amount(currency: .NOK, value: 6000), idempotencyKey: "cap-1")
        #expect(captured.aggregate.capturedAmount.value == 6000)
        let cancelled = try await client.cancel("company-app-0001", idempotencyKey: "cancel-1")
        #expect(cancelled.aggregate.cancelledAmount.value == 4000)
        #expect(cancelled.state == .AUTHORIZED)
        let receipt = Receipt(
            orderLines: [OrderLine(name: "Sykkelservice", id: "SRV-1", totalAmount: 6000, totalAmountExcludingTax: 4800, totalTaxAmount: 1200,
                                   taxPercentage: 25, taxRate: 2500, unitInfo: UnitInfo(unitPrice: 6000, quantity: "1", quantityUnit: .PCS))],
            bottomLine: BottomLine(currency: .NOK, posId: "app", receiptNumber: "A-1"))
        #expect(SaleReceipt.problems(in: receipt, paymentAmount: 6000).isEmpty)
        try await client.attachReceipt("company-app-0001", receipt: receipt)
        #expect(try await client.order("company-app-0001").receipt == receipt)
        // Once only: the same receipt again is success (a retry whose answer was lost); another is refused, named.
        try await client.attachReceipt("company-app-0001", receipt: receipt)
        var other = receipt
        other.bottomLine.receiptNumber = "A-2"
        do {
            try await client.attachReceipt("company-app-0001", receipt: other)
            Issue.record("a second, different receipt was accepted")
        } catch let error as VippsError {
            #expect(error.status == 409 && error.message.contains("already has another receipt"), "\(error)")
        }
        #expect(try await client.order("company-app-0001").receipt == receipt)
        // An attach whose answer is lost is carried out, retried, met with 409, read back: success.
        _ = try await sim.control(.PUT, "/simulator/v1/faults", body: #"[{"route":"receipts","dropAfterCommit":1}]"#)
        var second = request
        second.reference = "company-app-0002"
        _ = try await client.createPayment(second, idempotencyKey: "create-company-app-0002")
        try await client.attachReceipt("company-app-0002", receipt: receipt)
        #expect(try await client.order("company-app-0002").receipt == receipt)
        let events = try await client.events("company-app-0001").map(\.name)
        #expect(events == [.CREATED, .AUTHORIZED, .CAPTURED, .CANCELLED])
        try await sim.finish(checkRequests: "all")
    }

    @Test func finnishPaymentWithTwentyFiveAndAHalfPercent() async throws {
        let sim = try await SimulatorHarness.start(merchants: [SimulatedMerchant(msn: "323456", currency: .EUR)])
        let (client, _, sleeper) = sim.makeClient()
        var basket = Basket(currency: .EUR)
        try basket.add(Product(sku: "FI-1", gtin: nil, name: "Saippua", unitPrice: 399, vatRate: VATRate(2550), unit: .piece), quantity: .pieces(3))
        try basket.add(Product(sku: "FI-2", gtin: nil, name: "Maito", unitPrice: 129, vatRate: VATRate(1400), unit: .piece))
        let receipt = SaleReceipt.make(for: basket, posId: "kassa-1", receiptNumber: "9")
        let request = CreatePaymentRequest(
            amount: basket.totalMoney.amount, customer: Customer(personalQr: "https://qr.mobilepay.fi/p/c2a1d9e7f4b64a3e9d21"),
            customerInteraction: .CUSTOMER_PRESENT, reference: "fi-payment-0001", userFlow: .PUSH_MESSAGE, paymentDescription: "Kauppa",
            receipt: receipt)
        _ = try await client.createPayment(request, idempotencyKey: "create-fi-payment-0001")
        var last: PaymentState?
        for try await update in PaymentPoller(client: client, sleeper: sleeper).updates(for: "fi-payment-0001") { last = update.state }
        #expect(last == .AUTHORIZED)
        _ = try await client.capture("fi-payment-0001", amount: basket.totalMoney.amount, idempotencyKey: "cap-fi")
        let record = try await sim.control(.GET, "/simulator/v1/payments/fi-payment-0001")
        #expect((record.json["receiptWarnings"] as? [String])?.isEmpty == true)
        #expect(record.body.contains("\"taxRate\":2550"))
        try await sim.finish(checkRequests: "all")
    }
}
