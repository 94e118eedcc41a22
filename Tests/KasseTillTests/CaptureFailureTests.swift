import KasseCore
import KasseLanguage
import KasseTill
import Testing
import VippsModels
import KasseJournal

/// Capture that may fail after approval (6260, 6280; `captureGuaranteedUntil`), decided by
/// the reducer: PAID only once captured; 6280 retried with growing pauses and the same key
/// for as long as the guarantee lasts; 6260 told to the cashier and the reservation released;
/// a capture still failing after the customer left followed like recovery and, if it never
/// succeeds, journaled as not captured.
struct CaptureFailureTests {
    static let tryLater = VippsFailure.busy(.captureFailedTryLater)
    static let funds = VippsFailure.refused(code: .fundsUnavailable, status: 400, title: "Funds unavailable")

    static func authorized(_ value: Int, captured: Int = 0) -> Aggregate {
        Aggregate(authorizedAmount: Amount(currency: .NOK, value: value), cancelledAmount: Amount(currency: .NOK, value: 0),
                  capturedAmount: Amount(currency: .NOK, value: captured), refundedAmount: Amount(currency: .NOK, value: 0))
    }

    /// A sale of 24,90 approved by the customer, its capture sent; the guarantee `guarantee` from now.
    static func approved(guarantee: Duration? = .seconds(3600)) throws -> (TillDriver, String) {
        var till = TillDriver()
        till.type("1001")
        till.press(.function(2))
        till.type("98765432")
        guard case .createPayment(let request, _) = try #require(till.send(.keyPressed(.function(4))).first) else {
            throw CaptureTestError.noPayment
        }
        #expect(till.send(.paymentCreated(reference: request.reference)) == [.pollPayment(reference: request.reference)])
        let capture = till.send(.paymentUpdated(reference: request.reference, state: .AUTHORIZED, aggregate: authorized(2490),
                                                guaranteedFor: guarantee))
        #expect(capture.count == 1)
        return (till, request.reference)
    }

    enum CaptureTestError: Error { case noPayment }

    /// The sale's capture tried again, with its stored key, after `pause`.
    static func captureAgain(_ reference: String, after pause: Duration) -> TillEffect {
        .capture(reference: reference, amount: Amount(currency: .NOK, value: 2490), idempotencyKey: IdempotencyKey(.capture, reference: reference),
                 after: pause)
    }

    static func records(_ effects: [TillEffect]) -> [JournalEvent] {
        effects.flatMap { effect -> [JournalEvent] in if case .record(let events) = effect { events } else { [] } }
    }

    @Test func pausesDoubleFromTwoSecondsUpToFiveMinutes() {
        #expect((1...10).map { CaptureRetry.delay(afterTries: $0) }
            == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300].map { Duration.seconds($0) })
        let now = ContinuousClock.now
        #expect(CaptureRetry.decide(Self.tryLater, tries: 0, guaranteeEnds: now + .seconds(60), now: now) == .again(tries: 1, after: .seconds(2)))
        // The last try comes when the guarantee ends, not after it; past it, given up.
        #expect(CaptureRetry.decide(Self.tryLater, tries: 5, guaranteeEnds: now + .seconds(10), now: now) == .again(tries: 6, after: .seconds(10)))
        guard case .giveUp = CaptureRetry.decide(Self.tryLater, tries: 6, guaranteeEnds: now, now: now) else {
            Issue.record("a capture past its guarantee must be given up")
            return
        }
        guard case .giveUp = CaptureRetry.decide(Self.funds, tries: 0, guaranteeEnds: nil, now: now) else {
            Issue.record("6260 must be given up at once")
            return
        }
        #expect(CaptureRetry.decide(.noAnswer, tries: 0, guaranteeEnds: nil, now: now) == .check)
        #expect(CaptureRetry.decide(.unavailable(status: 503), tries: 3, guaranteeEnds: nil, now: now) == .check)
    }

    /// 6280 twice, then captured: the same key each time, after 2 s and then 4 s; PAID only at the end.
    @Test func tryLaterTwiceThenCapturedIsPaidAfterTheRetries() throws {
        var (till, reference) = try Self.approved()
        let key = IdempotencyKey(.capture, reference: reference)
        let first = till.send(.captureFailed(reference: reference, failure: Self.tryLater))
        #expect(first == [.capture(reference: reference, amount: Amount(currency: .NOK, value: 2490), idempotencyKey: key, after: .seconds(2))])
        #expect(till.state.payment?.phase == .captureDelayed(tries: 1))
        #expect(till.state.payment?.isPaid == false)
        let second = till.send(.captureFailed(reference: reference, failure: Self.tryLater))
        #expect(second == [.capture(reference: reference, amount: Amount(currency: .NOK, value: 2490), idempotencyKey: key, after: .seconds(4))])
        #expect(till.state.payment?.phase == .captureDelayed(tries: 2))
        // A late poll while the capture waits captures nothing twice.
        #expect(till.send(.paymentUpdated(reference: reference, state: .AUTHORIZED, aggregate: Self.authorized(2490))).isEmpty)
        #expect(till.send(.captured(reference: reference, aggregate: Self.authorized(2490, captured: 2490))) == [.bell])
        #expect(till.state.payment?.phase == .paid(captured: 2490))
    }

    /// 6260 while the customer is at the counter: not paid, the cashier told to ask for another
    /// way to pay, the reservation released with its own key (journaled first); the basket kept.
    @Test func fundsUnavailableTellsTheCashierAndReleasesTheReservation() throws {
        var (till, reference) = try Self.approved()
        let effects = till.send(.captureFailed(reference: reference, failure: Self.funds))
        let key = IdempotencyKey(.releaseUncaptured, reference: reference)
        #expect(effects == [.record([.cancelStarted(sale: 42, reference: reference, key: key)]),
                            .cancel(reference: reference, idempotencyKey: key, after: .zero), .bell])
        #expect(till.state.payment?.phase == .failed(.notCaptured))
        #expect(till.state.banner?.text == "Vipps MobilePay could not take the money: ask for another way to pay.")
        #expect(till.state.basket.lines.count == 1)
        // The release answered: the reason stays "not captured", not "cancelled".
        till.apply(.cancelled(reference: reference, state: .AUTHORIZED, aggregate: Self.authorized(2490)))
        #expect(till.state.payment?.phase == .failed(.notCaptured))
    }

    /// 6280 until the guarantee runs out, with the customer still there: given up like 6260.
    @Test func tryLaterPastTheGuaranteeIsGivenUp() throws {
        var (till, reference) = try Self.approved(guarantee: .zero)
        let effects = till.send(.captureFailed(reference: reference, failure: Self.tryLater))
        #expect(effects.contains(.cancel(reference: reference, idempotencyKey: IdempotencyKey(.releaseUncaptured, reference: reference), after: .zero)))
        #expect(till.state.payment?.phase == .failed(.notCaptured))
    }

    /// The customer leaves while the capture waits: the next sale starts (not an abandoned
    /// one), the capture goes on in the background; a late success completes the sale.
    @Test func theCustomerMayGoAndALateCaptureCompletesTheSale() throws {
        var (till, reference) = try Self.approved()
        #expect(till.send(.captureFailed(reference: reference, failure: Self.tryLater)) == [Self.captureAgain(reference, after: .seconds(2))])
        let before = till.state
        let effects = till.send(.keyPressed(.enter))
        #expect(Self.records(effects) == [.captureDeferred(sale: 42, reference: reference, tries: 1,
                                                           reason: "the customer left; Kasse keeps trying to capture")])
        #expect(till.state.saleNumber == 43 && till.state.basket.isEmpty && till.state.payment == nil)
        #expect(till.state.recovering[reference]?.handedOver == true)
        #expect(till.state.banner?.text.contains("the customer may go") == true)
        #expect(!JournalDiff.events(from: before, to: till.state).contains { $0.kind == "sale-abandoned" })
        // The capture that was already on its way succeeds: the sale is completed by recovery.
        let done = till.send(.captured(reference: reference, aggregate: Self.authorized(2490, captured: 2490)))
        guard case .saleCompleted(let sale)? = Self.records(done).first else {
            Issue.record("the late capture must complete sale 42")
            return
        }
        #expect(sale.sale == 42 && sale.captured == 2490)
        #expect(till.state.recovering.isEmpty)
        #expect(till.state.banner?.text.contains("took the money after all") == true || till.state.recoveredSale != nil)
    }

    /// After the customer left: 6280 again is retried (read first, then captured) with the
    /// count kept in the journal; when it finally fails it is journaled as not captured, the
    /// reservation released and the cashier told; the release's answer adds nothing.
    @Test func aCaptureFailingAfterTheCustomerLeftIsNotCapturedForTheManager() throws {
        var (till, reference) = try Self.approved()
        #expect(till.send(.captureFailed(reference: reference, failure: Self.tryLater)) == [Self.captureAgain(reference, after: .seconds(2))])
        #expect(Self.records(till.send(.keyPressed(.enter))).map(\.journalKind) == [.captureDeferred])
        let again = till.send(.captureFailed(reference: reference, failure: Self.tryLater))
        #expect(again == [.record([.captureDeferred(sale: 42, reference: reference, tries: 2, reason: "capture failed, try again later (error 6280)")]),
                          .readRecovering(reference: reference, after: .seconds(4))])
        let capture = till.send(.recoveryRead(reference: reference, reading: .found(state: .AUTHORIZED, captured: 0, cancelled: 0,
                                                                                   guaranteedFor: .seconds(60)), history: ""))
        #expect(capture.contains(.captureRecovered(reference: reference, amount: Amount(currency: .NOK, value: 2490),
                                                   idempotencyKey: IdempotencyKey(.capture, reference: reference))))
        let key = IdempotencyKey(.releaseUncaptured, reference: reference)
        let gaveUp = till.send(.recoveryWriteFailed(reference: reference, failure: Self.funds))
        #expect(Self.records(gaveUp) == [
            .captureFailed(sale: 42, reference: reference, amount: 2490, reason: "funds unavailable (error 6260)"),
            .paymentEnded(sale: 42, reference: reference, reason: "not captured: funds unavailable (error 6260)"),
            .cancelStarted(sale: 42, reference: reference, key: key),
        ])
        #expect(gaveUp.contains(.cancelRecovered(reference: reference, idempotencyKey: key)))
        #expect(till.state.banner?.text.contains("Sale 000042: Vipps MobilePay could not take the money") == true)
        #expect(till.send(.recoveryCancelled(reference: reference)).isEmpty)
        #expect(till.state.recovering.isEmpty)
    }

    /// The X and Z reports name every sale that was not captured, with its amount; none, no line.
    @Test func theReportNamesEveryUncapturedSale() {
        let report = JournalReport.make(
            kind: .x, number: 1, store: "OSLO1", till: "1", currency: "NOK", generatedAt: "2026-11-21T10:00:00Z",
            entries: [(1, .captureFailed(sale: 42, reference: "R42", amount: 2490, reason: "funds unavailable (error 6260)"))])
        #expect(report.notCaptured == [JournalReport.NotCaptured(sale: 42, reference: "R42", amount: 2490, reason: "funds unavailable (error 6260)")])
        let text = report.text(language: .english)
        #expect(text.contains("Not captured (1)") && text.contains("sale 000042") && text.contains("24.90"))
        let none = JournalReport.make(kind: .x, number: 1, store: "OSLO1", till: "1", currency: "NOK", generatedAt: "2026-11-21T10:00:00Z",
                                      entries: []).text(language: .english)
        #expect(!none.contains("Not captured") && !none.contains("Waiting for capture"))
        // One the till is still trying to capture (the customer left), one captured after all.
        let trying = JournalReport.make(
            kind: .x, number: 1, store: "OSLO1", till: "1", currency: "NOK", generatedAt: "2026-11-21T10:00:00Z",
            entries: [(1, .captureStarted(sale: 43, reference: "R43", amount: 1000, key: "k-R43")),
                      (2, .captureDeferred(sale: 43, reference: "R43", tries: 1, reason: "x")),
                      (3, .captureStarted(sale: 44, reference: "R44", amount: 500, key: "k-R44")),
                      (4, .captureDeferred(sale: 44, reference: "R44", tries: 1, reason: "x")),
                      (5, .saleCompleted(JournalSale(sale: 44, receiptNumber: "000044", reference: "R44", currency: "NOK", total: 500,
                                                     captured: 500, customer: "x", lines: [], vat: [])))])
        #expect(trying.awaitingCapture?.map(\.sale) == [43] && trying.awaitingCapture?.first?.amount == 1000)
        #expect(trying.text(language: .english).contains("Waiting for capture (1)"))
    }

    /// Quitting while the capture waits: the sale is not abandoned (a restart captures it).
    @Test func quittingWhileTheCaptureWaitsDoesNotAbandonTheSale() throws {
        var (till, reference) = try Self.approved()
        #expect(till.send(.captureFailed(reference: reference, failure: Self.tryLater)) == [Self.captureAgain(reference, after: .seconds(2))])
        let before = till.state
        till.press(.function(10))
        #expect(till.send(.keyPressed(.character("y"))) == [.quit])
        #expect(till.state.isQuitting)
        let events = JournalDiff.events(from: before, to: till.state)
        #expect(!events.contains { $0.kind == "sale-abandoned" })
    }
}
