import KasseCore
import KasseLanguage
import KasseTill
import Testing
import VippsModels
import KasseJournal

/// Drives the reducer and keeps what the journal would record after each action.
struct JournalingDriver {
    var driver = TillDriver()
    var events: [JournalEvent] = []

    var state: TillState { driver.state }

    /// The action's effects, for the test to check.
    mutating func send(_ action: TillAction) -> [TillEffect] {
        let before = driver.state
        let effects = driver.send(action)
        events += JournalDiff.events(from: before, to: driver.state)
        return effects
    }

    /// The action's effects wait for `receive()`.
    mutating func apply(_ action: TillAction, sourceLocation: SourceLocation = #_sourceLocation) {
        let before = driver.state
        driver.apply(action, sourceLocation: sourceLocation)
        events += JournalDiff.events(from: before, to: driver.state)
    }

    mutating func receive() -> [TillEffect] { driver.receive() }

    mutating func type(_ text: String, enter: Bool = true, sourceLocation: SourceLocation = #_sourceLocation) {
        for character in text { apply(.keyPressed(.character(character)), sourceLocation: sourceLocation) }
        if enter { apply(.keyPressed(.enter), sourceLocation: sourceLocation) }
    }

    mutating func press(_ key: Key, sourceLocation: SourceLocation = #_sourceLocation) {
        apply(.keyPressed(key), sourceLocation: sourceLocation)
    }

    var kinds: [String] { events.map(\.kind) }
}

func aggregate(authorized: Int = 0, captured: Int = 0, cancelled: Int = 0) -> Aggregate {
    Aggregate(authorizedAmount: Amount(currency: .NOK, value: authorized), cancelledAmount: Amount(currency: .NOK, value: cancelled),
              capturedAmount: Amount(currency: .NOK, value: captured), refundedAmount: Amount(currency: .NOK, value: 0))
}

func problem(_ result: Result<(amount: Int, lines: [JournalLine]), ReturnPlan.Problem>) -> ReturnPlan.Problem? {
    if case .failure(let problem) = result { return problem }
    return nil
}

struct JournalRulesTests {
    @Test func aPaidSaleIsJournaledStepByStepKeysBeforeRequests() throws {
        var till = JournalingDriver()
        till.type("1001")
        till.type("1001")
        till.type("1002")
        till.press(.up)
        till.press(.function(8))  // void the selected line
        till.press(.function(2))
        till.type("91234567")
        let create = till.send(.keyPressed(.function(4)))
        guard case .createPayment(let request, let key) = create.first else { Issue.record("no create"); return }
        // The entry with the key exists by the time the effect is handed out.
        guard case .paymentStarted(let start) = till.events.last else { Issue.record("no payment entry"); return }
        #expect(start.createKey == key && start.reference == request.reference)
        #expect(start.captureKey.value == "k-" + request.reference)
        #expect(start.lines.map(\.sku) == ["1001"] && start.lines[0].quantity == 2)
        #expect(start.customer == "+47 ******67")

        #expect(till.send(.paymentCreated(reference: request.reference)) == [.pollPayment(reference: request.reference)])
        let capture = till.send(.paymentUpdated(reference: request.reference, state: .AUTHORIZED, aggregate: aggregate(authorized: 4980)))
        #expect(!capture.isEmpty)
        guard case .captureStarted(_, _, 4980, let captureKey) = till.events.last else { Issue.record("no capture entry"); return }
        #expect(captureKey == start.captureKey)
        #expect(till.send(.captured(reference: request.reference, aggregate: aggregate(authorized: 4980, captured: 4980))) == [.bell])
        guard case .saleCompleted(let sale) = till.events.last else { Issue.record("no sale entry"); return }
        #expect(sale.sale == 42 && sale.receiptNumber == "000042" && sale.captured == 4980 && sale.total == 4980)
        #expect(sale.vat == [JournalVAT(rateBasisPoints: 1500, gross: 4980, tax: 650)])
        #expect(till.kinds == [
            "line-added", "line-changed", "line-added", "line-voided", "customer", "payment-started", "payment-outcome",
            "capture-started", "payment-outcome", "sale-completed",
        ])
        // Phone numbers only masked.
        #expect(!till.events.contains { "\($0)".contains("91234567") })
    }

    @Test func declinesCancelsAndAbandonedSalesAreRecorded() {
        var till = JournalingDriver()
        till.type("1001")
        till.press(.function(2))
        till.type("91234567")
        let first = till.send(.keyPressed(.function(4)))
        guard case .createPayment(let request, _) = first.first else { Issue.record("no create"); return }
        #expect(till.send(.paymentCreated(reference: request.reference)) == [.pollPayment(reference: request.reference)])
        #expect(till.send(.paymentUpdated(reference: request.reference, state: .ABORTED, aggregate: aggregate())) == [.bell])
        #expect(till.kinds.suffix(1) == ["payment-ended"])
        // A second attempt, cancelled by the cashier.
        let second = till.send(.keyPressed(.function(4)))
        guard case .createPayment(let retry, _) = second.first else { Issue.record("no second create"); return }
        #expect(retry.reference.hasSuffix("-2"))
        #expect(till.send(.paymentCreated(reference: retry.reference)) == [.pollPayment(reference: retry.reference)])
        let cancel = till.send(.keyPressed(.escape))
        guard case .cancel(_, let cancelKey, _) = cancel.first, case .cancelStarted(_, _, let stored) = till.events.last else {
            Issue.record("no cancel entry first")
            return
        }
        #expect(cancelKey == stored)
        till.apply(.cancelled(reference: retry.reference, state: .TERMINATED, aggregate: aggregate(authorized: 2490, cancelled: 2490)))
        #expect(till.kinds.last == "payment-ended")
        // The cashier empties the basket and starts a new sale: sale 42 is left, 43 is next.
        till.press(.escape)
        till.press(.up)
        till.press(.function(8))
        till.press(.function(9))
        #expect(till.state.saleNumber == 43)
        #expect(till.events.contains(.saleAbandoned(sale: 42, reason: "new sale after an unpaid attempt")))
    }

    @Test func quittingWithAnOpenSaleRecordsItAsLeft() {
        var till = JournalingDriver()
        till.type("1001")
        till.press(.function(10))
        till.type("y", enter: false)
        let quit = till.receive()
        #expect(quit.last == .quit && TillRecoveryTests.records(quit).map(\.journalKind) == [.saleVoided])
        #expect(till.kinds.suffix(2) == ["sale-abandoned", "operator"])
    }

    @Test func recoveryDecisions() {
        let open = Recovery.Reading.found(state: .CREATED, captured: 0, cancelled: 0)
        let authorized = Recovery.Reading.found(state: .AUTHORIZED, captured: 0, cancelled: 0)
        #expect(Recovery.decide(amount: 100, unwanted: false, reading: .notFound) == .ended(Message(.endNeverArrived)))
        #expect(Recovery.decide(amount: 100, unwanted: false, reading: open) == .wait)
        #expect(Recovery.decide(amount: 100, unwanted: true, reading: open) == .cancel)
        #expect(Recovery.decide(amount: 100, unwanted: false, reading: authorized) == .capture)
        #expect(Recovery.decide(amount: 100, unwanted: true, reading: authorized) == .cancel)
        #expect(Recovery.decide(amount: 100, unwanted: true, reading: .found(state: .AUTHORIZED, captured: 100, cancelled: 0))
            == .complete(captured: 100))
        #expect(Recovery.decide(amount: 100, unwanted: false, reading: .found(state: .AUTHORIZED, captured: 0, cancelled: 100))
            == .ended(Message(.endWasCancelled)))
        for state in [PaymentState.ABORTED, .EXPIRED, .TERMINATED] {
            guard case .ended = Recovery.decide(amount: 100, unwanted: false, reading: .found(state: state, captured: 0, cancelled: 0)) else {
                Issue.record("\(state) should end")
                continue
            }
        }
    }

    @Test func aRecoveredBasketComesBackOnlyOnAnIdleTill() {
        var till = JournalingDriver()
        let line = JournalLine(lineID: 7, sku: "1001", gtin: "7040000000016", name: "Lettmelk 1 l", unitPrice: 2490,
                               vatRateBasisPoints: 1500, weighed: false, quantity: 2, discount: 100, isReturn: false, total: 4880)
        #expect(till.send(.recovered(RecoveryNotice(sale: 40, message: Self.notPaid("000040"), paid: false, restoreLines: [line]))) == [.bell])
        #expect(till.state.basket.lines.count == 1)
        #expect(till.state.basket.total == 4880)
        #expect(till.state.banner?.text.contains("back on screen as sale 000042") == true)
        #expect(till.kinds == ["line-added"])
        // Not over a basket the cashier has started.
        #expect(till.send(.recovered(RecoveryNotice(sale: 41, message: Self.notPaid("000041"), paid: false, restoreLines: [line]))) == [.bell])
        #expect(till.state.basket.lines.count == 1)
        #expect(till.state.banner?.text == "Recovered sale 000041: not paid. The customer declined the payment in the app.")
    }

    static func notPaid(_ number: String) -> Message {
        Message(.recoveredNotPaid, ["number": .text(number), "reason": .message(Message(.endDeclined))])
    }

    static let sale = JournalSale(
        sale: 5, receiptNumber: "000005", reference: "R-5-1", currency: "NOK", total: 10_470, captured: 10_470, customer: "x",
        lines: [
            JournalLine(lineID: 1, sku: "1001", gtin: nil, name: "Melk", unitPrice: 2490, vatRateBasisPoints: 1500, weighed: false,
                        quantity: 3, discount: 0, isReturn: false, total: 7470),
            JournalLine(lineID: 2, sku: "4001", gtin: nil, name: "Epler", unitPrice: 3000, vatRateBasisPoints: 1500, weighed: true,
                        quantity: 1000, discount: 0, isReturn: false, total: 3000),
        ],
        vat: [])

    @Test func returnsNeverExceedWhatWasBoughtOrCaptured() throws {
        let one = try ReturnPlan.make(sale: Self.sale, earlier: [], selection: .lines([1: 1]), refundable: 10_470).get()
        #expect(one.amount == 2490 && one.lines.map(\.quantity) == [1])
        let earlier = [JournalRefund(sale: 5, reference: "R-5-1", returnNumber: 1, amount: 2490, currency: "NOK", key: "r1", lines: one.lines)]
        // The rest of line 1 takes what is left of its money.
        let rest = try ReturnPlan.make(sale: Self.sale, earlier: earlier, selection: .lines([1: nil]), refundable: 7980).get()
        #expect(rest.amount == 4980 && rest.lines[0].quantity == 2)
        #expect(problem(ReturnPlan.make(sale: Self.sale, earlier: earlier, selection: .lines([1: 3]), refundable: 7980)) == .tooMany(line: 1, asked: 3, left: 2))
        #expect(problem(ReturnPlan.make(sale: Self.sale, earlier: [], selection: .lines([2: 1]), refundable: 10_470)) == .partOfWeighedLine(2))
        #expect(problem(ReturnPlan.make(sale: Self.sale, earlier: [], selection: .lines([9: nil]), refundable: 10_470)) == .noSuchLine(9))
        let all = try ReturnPlan.make(sale: Self.sale, earlier: earlier, selection: .all, refundable: 7980).get()
        #expect(all.amount == 7980)
        // Vipps MobilePay says less is left (a refund made elsewhere): never more than that.
        #expect(problem(ReturnPlan.make(sale: Self.sale, earlier: earlier, selection: .all, refundable: 5000)) == .exceedsRefundable(asked: 7980, refundable: 5000))
        let everything = earlier + [JournalRefund(sale: 5, reference: "R-5-1", returnNumber: 2, amount: 7980, currency: "NOK", key: "r2", lines: all.lines)]
        #expect(problem(ReturnPlan.make(sale: Self.sale, earlier: everything, selection: .all, refundable: 0)) == .nothingLeft)
    }

    @Test func reportsAddSalesAndSubtractReturnsPerRate() {
        let refund = JournalRefund(sale: 5, reference: "R-5-1", returnNumber: 1, amount: 2490, currency: "NOK", key: "r1",
                                   lines: [Self.sale.lines[0]].map { var line = $0; line.quantity = 1; line.total = 2490; return line })
        var sale = Self.sale
        sale.vat = JournalSale.vat(of: sale.lines)
        let report = JournalReport.make(kind: .x, number: 3, store: "S", till: "1", currency: "NOK", generatedAt: "t", entries: [
            (10, .saleCompleted(sale)), (11, .refundStarted(refund)), (12, .refunded(sale: 5, reference: "R-5-1", returnNumber: 1, amount: 2490)),
            (13, .saleAbandoned(sale: 6, reason: "left")),
        ])
        #expect(report.salesCount == 1 && report.salesTotal == 10_470)
        #expect(report.returnsCount == 1 && report.returnsTotal == 2490 && report.netTotal == 7980)
        // Each line's own tax, summed (974 + 391 sold, 325 returned): not 1 366 from the sale's total.
        #expect(report.vat == [JournalVAT(rateBasisPoints: 1500, gross: 7980, tax: 1040)])
        #expect(report.firstEntry == 10 && report.lastEntry == 13 && report.abandonedSales == 1)
        #expect(report.text(language: .english).contains("Net"))
    }

    @Test func aReturnAtTheTill() {
        var till = TillDriver()
        #expect(till.send(.keyPressed(.function(3))).isEmpty)
        till.type("000005", enter: false)
        #expect(till.send(.keyPressed(.enter)) == [.findSaleForReturn("000005")])
        till.apply(.returnSaleFound(sale: Self.sale, earlier: [], refundable: 10_470, nextReturnNumber: 3))
        // Nonsense, then too many, each explained; the sale stays on screen.
        till.type("first")
        #expect(till.receive() == [.bell])
        #expect(till.state.banner?.kind == .error)
        till.state.entry = ""
        till.type("1:4")
        #expect(till.receive() == [.bell])
        #expect(till.state.banner?.text == "Line 1: 4 asked, only 3 left to return.")
        till.state.entry = ""
        till.type("1:1 2")
        guard case .confirming(let amount, let lines)? = till.state.returning?.phase else { Issue.record("not confirming"); return }
        #expect(amount == 5490 && lines.map(\.lineID) == [1, 2])
        #expect(till.state.banner?.text.contains("(y/n)") == true)
        // The return is recorded, numbered and with its own key, before its refund is sent.
        let done = JournalRefund(sale: Self.sale.sale, reference: Self.sale.reference, returnNumber: 3, amount: 5490, currency: "NOK",
                                 key: IdempotencyKey(stored: "r3-" + Self.sale.reference), lines: lines)
        let refund = till.send(.keyPressed(.character("y")))
        #expect(refund == [.record([.refundStarted(done)]), .refundReturn(done)])
        #expect(till.send(.returnRefunded(done)) == [
            .record([.refunded(sale: done.sale, reference: done.reference, returnNumber: 3, amount: 5490)]), .bell])
        guard case .done? = till.state.returning?.phase else { Issue.record("not done"); return }
        till.press(.enter)
        #expect(till.state.returning == nil)
        // Not while a sale is on screen.
        till.type("1001")
        till.press(.function(3))
        #expect(till.receive() == [.bell])
        #expect(till.state.returning == nil)
        #expect(till.state.banner?.text.contains("before a return") == true)
    }

    @Test func returnSelectionsAreRead() {
        #expect(Till.parseReturnSelectionForTests("A") == .all)
        #expect(Till.parseReturnSelectionForTests("1 3") == .lines([1: nil, 3: nil]))
        #expect(Till.parseReturnSelectionForTests("2:1, 4") == .lines([2: 1, 4: nil]))
        #expect(Till.parseReturnSelectionForTests("x") == nil)
        #expect(Till.parseReturnSelectionForTests("2:y") == nil)
    }

    @Test func aReturnFoundByDay() {
        var till = TillDriver()
        till.press(.function(3))
        till.type("21.11", enter: false)
        #expect(till.send(.keyPressed(.enter)) == [.listSalesForReturn(CivilDate(year: 2026, month: 11, day: 21))])
        till.apply(.returnSalesListed(day: CivilDate(year: 2026, month: 11, day: 21), sales: [Self.sale]))
        #expect(till.state.returning?.candidates == [Self.sale])
        #expect(TillScreen.render(till.state, size: TerminalSize(columns: 80, rows: 24)).row(8).contains("000005"))
        till.type("000005", enter: false)
        #expect(till.send(.keyPressed(.enter)) == [.findSaleForReturn("000005")])
    }

    @Test func daysAsCashiersTypeThem() {
        let today = CivilDate(year: 2026, month: 11, day: 21)
        #expect(CivilDate.parse("2026-11-20", today: today) == CivilDate(year: 2026, month: 11, day: 20))
        #expect(CivilDate.parse("20.11.2026", today: today) == CivilDate(year: 2026, month: 11, day: 20))
        #expect(CivilDate.parse("3.1", today: today) == CivilDate(year: 2026, month: 1, day: 3))
        #expect(CivilDate.parse("i dag", today: today) == today)
        #expect(CivilDate.parse("today", today: today) == today)
        #expect(CivilDate.parse("tänään", today: today) == today)
        #expect(CivilDate.parse("20/11/2026", today: today) == CivilDate(year: 2026, month: 11, day: 20), "as English writes it")
        #expect(CivilDate.parse("29.02.2027", today: today) == nil)
        #expect(CivilDate.parse("000012", today: today) == nil)
        #expect(CivilDate.parse("STORE1-1-20261121-000001-1", today: today) == nil)
        #expect(CivilDate.parse("1.2.3.4", today: today) == nil)
    }

    /// A sale that recovery completed is shown as paid until the cashier moves on.
    @Test func aRecoveredPaidSaleIsShownUntilEnter() {
        var till = TillDriver()
        till.apply(.recovered(RecoveryNotice(sale: 5, message: Message(.recoveredApprovedWhileDown, ["number": .text("000005"), "amount": .money(10470, .NOK)]),
                                            paid: true, restoreLines: nil, paidSale: Self.sale)))
        #expect(till.receive() == [.bell])
        #expect(till.state.recoveredSale == Self.sale)
        let screen = TillScreen.render(till.state, size: TerminalSize(columns: 80, rows: 24))
        #expect(screen.row(2).contains("PAID  NOK 104.70  (completed after a restart)"))
        till.type("1001")  // keys other than Enter/Esc do nothing meanwhile
        #expect(till.state.basket.isEmpty)
        till.press(.enter)
        #expect(till.state.recoveredSale == nil)
    }
}
