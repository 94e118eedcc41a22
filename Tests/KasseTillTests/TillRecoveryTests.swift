import KasseCore
import KasseLanguage
import KasseTill
import Testing
import VippsModels
import KasseJournal

/// Start-up recovery decided by the reducer, with the rest of the till's state in view; the
/// journal entries it decides come out as `.record`, before the effect that follows.
struct TillRecoveryTests {
    static let reference = "OSLO1-1-20261121-000040-1"
    static let start = JournalPaymentStart(
        sale: 40, reference: reference, attempt: 1, amount: 10_470, currency: "NOK",
        createKey: IdempotencyKey(.create, reference: reference), captureKey: IdempotencyKey(.capture, reference: reference),
        customer: "+47 ******67", lines: JournalRulesTests.sale.lines)

    static func records(_ effects: [TillEffect]) -> [JournalEvent] {
        effects.flatMap { effect -> [JournalEvent] in if case .record(let events) = effect { events } else { [] } }
    }

    /// The customer declined while the till was down; when recovery learns it an X report is
    /// on screen. The report keeps the screen, the basket is not restored under it, and the
    /// journal does not say it was (before, it said "basket restored" while it was not).
    @Test func recoveryWithAnXReportOpen() {
        var till = TillDriver()
        till.apply(.reportReady(TillModeTests.xReport()))
        #expect(till.send(.recoveryStarted([RecoveringPayment(start: Self.start, unwanted: false)]))
            == [.readRecovering(reference: Self.reference, after: .zero)])
        let effects = till.send(.recoveryRead(reference: Self.reference, reading: .found(state: .ABORTED, captured: 0, cancelled: 0),
                                              history: "events: CREATED, ABORTED"))
        #expect(Self.records(effects) == [
            .paymentEnded(sale: 40, reference: Self.reference, reason: "The customer declined the payment in the app."),
            .recovered(sale: 40, reference: Self.reference, summary: "The customer declined the payment in the app. events: CREATED, ABORTED"),
        ])
        #expect(till.state.mode == .report(TillModeTests.xReport(), confirmingZ: false))
        #expect(till.state.basket.isEmpty)
        #expect(till.state.banner?.text.contains("Recovered sale 000040: not paid") == true)
        #expect(till.state.recovering.isEmpty)
    }

    /// The same on an idle till: the lines come back as the sale on screen, and the journal
    /// says so in the same breath.
    @Test func anIdleTillGetsTheBasketBackAndTheJournalSaysSo() {
        var till = TillDriver()
        #expect(till.send(.recoveryStarted([RecoveringPayment(start: Self.start, unwanted: false)])) == [.readRecovering(reference: Self.reference, after: .zero)])
        let effects = till.send(.recoveryRead(reference: Self.reference, reading: .notFound, history: "no events"))
        #expect(Self.records(effects).last == .saleAbandoned(sale: 40, reason: "basket restored as sale 42 after a restart"))
        #expect(till.state.basket.lines.map(\.product.sku) == ["1001", "4001"])
    }

    /// Approved while the till was down: captured with the key stored before the restart,
    /// recorded as started first; then completed and shown as paid.
    @Test func anApprovalDuringTheRestartIsCapturedWithTheStoredKey() {
        var till = TillDriver()
        #expect(till.send(.recoveryStarted([RecoveringPayment(start: Self.start, unwanted: false)])) == [.readRecovering(reference: Self.reference, after: .zero)])
        let capture = till.send(.recoveryRead(reference: Self.reference, reading: .found(state: .AUTHORIZED, captured: 0, cancelled: 0),
                                              history: "events: CREATED, AUTHORIZED"))
        #expect(capture == [
            .record([.captureStarted(sale: 40, reference: Self.reference, amount: 10_470, key: IdempotencyKey(stored: "k-" + Self.reference))]),
            .captureRecovered(reference: Self.reference, amount: Amount(currency: .NOK, value: 10_470),
                              idempotencyKey: IdempotencyKey(stored: "k-" + Self.reference)),
        ])
        // A capture that fails for now is read again, not guessed.
        #expect(till.send(.recoveryWriteFailed(reference: Self.reference, failure: .noAnswer))
            == [.readRecovering(reference: Self.reference, after: .seconds(5))])
        let done = till.send(.recoveryCaptured(reference: Self.reference, captured: 10_470))
        guard case .saleCompleted(let sale)? = Self.records(done).first else {
            Issue.record("no completed sale recorded")
            return
        }
        #expect(sale.captured == 10_470 && sale.receiptNumber == "000040")
        #expect(till.state.mode == .recoveredSale(sale))
        // A late answer for a payment already settled changes nothing.
        #expect(till.send(.recoveryCaptured(reference: Self.reference, captured: 10_470)).isEmpty)
    }

    /// A payment for a sale the cashier had left is released, never captured; one still
    /// waiting is announced once and read again.
    @Test func unwantedPaymentsAreReleasedAndWaitingOnesFollowed() {
        var till = TillDriver()
        #expect(till.send(.recoveryStarted([RecoveringPayment(start: Self.start, unwanted: true)])) == [.readRecovering(reference: Self.reference, after: .zero)])
        let cancel = till.send(.recoveryRead(reference: Self.reference, reading: .found(state: .AUTHORIZED, captured: 0, cancelled: 0),
                                             history: ""))
        #expect(cancel.contains(.cancelRecovered(reference: Self.reference, idempotencyKey: IdempotencyKey(stored: "xr-" + Self.reference))))
        #expect(!cancel.contains { if case .captureRecovered = $0 { true } else { false } })
        var waiting = TillDriver()
        #expect(waiting.send(.recoveryStarted([RecoveringPayment(start: Self.start, unwanted: false)])) == [.readRecovering(reference: Self.reference, after: .zero)])
        let first = waiting.send(.recoveryRead(reference: Self.reference, reading: .found(state: .CREATED, captured: 0, cancelled: 0), history: ""))
        #expect(first.first == .readRecovering(reference: Self.reference, after: .seconds(2)))
        #expect(waiting.state.banner?.text.contains("still waiting") == true)
        waiting.state.banner = nil
        _ = waiting.send(.recoveryRead(reference: Self.reference, reading: .found(state: .CREATED, captured: 0, cancelled: 0), history: ""))
        #expect(waiting.state.banner == nil)
    }
}

/// One Z report per business day: the till reminds at start of earlier days left open.
struct ZReportReminderTests {
    static func sale(_ reference: String) -> JournalEvent {
        .saleCompleted(JournalSale(sale: 1, receiptNumber: "000001", reference: reference, currency: "NOK", total: 100, captured: 100,
                                   customer: "x", lines: [], vat: []))
    }

    @Test func earlierDaysWithSalesAndNoZAreNamed() {
        let today = CivilDate(year: 2026, month: 12, day: 1)
        #expect(ZReportReminder.message(sinceLastZ: [], today: today) == nil)
        #expect(ZReportReminder.message(sinceLastZ: [Self.sale("S-1-20261201-000001-1")], today: today) == nil)
        let message = ZReportReminder.message(
            sinceLastZ: [Self.sale("S-1-20261129-000001-1"), .operatorAction("x"), Self.sale("S-1-20261130-000002-1"),
                         Self.sale("S-1-20261130-000003-1"), Self.sale("S-1-20261201-000004-1")],
            today: today)
        #expect(message.map(Language.norwegian.text) == "Ingen Z-rapport har avsluttet salgene fra 29.11.2026, 30.11.2026. Avslutt dagen: F11, så F12.")
        #expect(message?.description == "No Z report has closed the sales of 29/11/2026, 30/11/2026. Close the day: F11, then F12.")
    }
}
