import KasseLanguage
import KasseCore
import VippsModels
import KasseJournal

/// A payment from before a restart that the journal left open, as start-up recovery follows it.
public struct RecoveringPayment: Sendable, Hashable {
    public var start: JournalPaymentStart
    /// The sale was abandoned, paid by another attempt, superseded, or the cashier had asked
    /// to cancel this payment before the restart.
    public var unwanted: Bool
    /// The cashier has been told it still waits for the customer.
    public var announcedWaiting = false
    /// What the payment's event log said, for the journal.
    public var history = "no events"
    /// Captures Vipps MobilePay asked to try again later, in a row (kept in the journal, so
    /// the pauses go on growing after a restart).
    public var captureTries = 0
    /// When Vipps MobilePay's capture guarantee ends, as last read.
    public var guaranteeEnds: ContinuousClock.Instant?
    /// The customer left before the capture succeeded (not a restart).
    public var handedOver = false
    /// Given up: Vipps MobilePay will not take the money; its reservation is being released.
    public var givenUp = false
    /// The employee who started the payment before the restart ("": not known): the journal
    /// names them for whatever recovery settles, logged in or not now.
    public var startedBy = ""

    public init(start: JournalPaymentStart, unwanted: Bool) {
        self.start = start
        self.unwanted = unwanted
    }
}

/// Recovery decided by the reducer: the runtime only reads the payment, captures or cancels,
/// and reports back; what that means for the sale, the screen and the journal is decided
/// here, with the rest of the till's state in view (an X report or a return on screen
/// included), and recorded through `.record` before the effect that follows from it.
extension Till {
    func recovery(_ state: inout TillState, _ action: TillAction) -> [TillEffect] {
        switch action {
        case .recoveryStarted(let payments):
            for payment in payments { state.recovering[payment.start.reference] = payment }
            return payments.map { .readRecovering(reference: $0.start.reference, after: .zero) }
        case .recoveryRead(let reference, let reading, let history):
            guard var payment = state.recovering[reference], !payment.givenUp else { return [] }
            payment.history = history
            if case .found(.AUTHORIZED, _, _, let guaranteedFor?) = reading { payment.guaranteeEnds = state.now + guaranteedFor }
            state.recovering[reference] = payment
            return recoveryStep(&state, payment, Recovery.decide(amount: payment.start.amount, unwanted: payment.unwanted, reading: reading))
        case .recoveryReadFailed(let reference, _):
            guard state.recovering[reference] != nil else { return [] }
            return [.readRecovering(reference: reference, after: .seconds(5))]
        case .recoveryCaptured(let reference, let captured):
            guard let payment = state.recovering[reference], !payment.givenUp else { return [] }
            state.recovering[reference] = nil
            let start = payment.start
            let late = payment.handedOver || payment.captureTries > 0
            let events: [JournalEvent] = [
                .saleCompleted(Self.completedSale(start, captured: captured)),
                .recovered(sale: start.sale, reference: reference, summary: late
                    ? "captured \(captured) after \(payment.captureTries) tries Vipps MobilePay asked to repeat later; \(payment.history)"
                    : "authorized during the restart; captured \(captured); \(payment.history)"),
            ]
            let notice = RecoveryNotice(
                sale: start.sale, message: Message(late ? .captureLateSucceeded : .recoveredApprovedWhileDown, Self.recovered(start, captured)),
                paid: true, restoreLines: nil, paidSale: Self.completedSale(start, captured: captured))
            return [.record(events)] + recovered(&state, notice)
        case .recoveryCancelled(let reference):
            guard let payment = state.recovering.removeValue(forKey: reference) else { return [] }
            // The release of a reservation that could not be captured: already journaled as not captured.
            if payment.givenUp { return [] }
            let start = payment.start
            let events: [JournalEvent] = [
                .paymentEnded(sale: start.sale, reference: reference, reason: "cancelled after the restart: the sale had been left"),
                .recovered(sale: start.sale, reference: reference, summary: "cancelled; \(payment.history)"),
            ]
            let notice = RecoveryNotice(sale: start.sale, message: Message(.recoveredReleased, Self.recovered(start, nil)),
                                        paid: false, restoreLines: nil)
            return [.record(events)] + recovered(&state, notice)
        case .recoveryWriteFailed(let reference, let failure):
            guard var payment = state.recovering[reference] else { return [] }
            if payment.givenUp {
                // The release failed: the reservation lapses by itself; the sale is already on the report.
                state.recovering[reference] = nil
                return [.record([.recovered(sale: payment.start.sale, reference: reference,
                                            summary: "the uncaptured reservation was not released: \(failure.retryAdvice.reason)")])]
            }
            switch CaptureRetry.decide(failure, tries: payment.captureTries, guaranteeEnds: payment.guaranteeEnds, now: state.now) {
            case .again(let tries, let pause):
                payment.captureTries = tries
                state.recovering[reference] = payment
                // Read first: the capture may have succeeded meanwhile.
                return [.record([.captureDeferred(sale: payment.start.sale, reference: reference, tries: tries,
                                                  reason: "capture failed, try again later (error 6280)")]),
                        .readRecovering(reference: reference, after: pause)]
            case .giveUp(let reason):
                return notCaptured(&state, payment, reason: reason)
            case .check:
                // Refused: the payment moved on meanwhile (aborted, captured elsewhere): read it again soon.
                return [.readRecovering(reference: reference, after: failure.isTransient ? .seconds(5) : .seconds(1))]
            }
        default:
            return []
        }
    }

    /// Vipps MobilePay will not take the money for a sale the customer has left with: journaled
    /// as not captured (on the X and Z reports and in `kasse journal list` for a manager), the
    /// reservation released, and the cashier told.
    func notCaptured(_ state: inout TillState, _ payment: RecoveringPayment, reason: String) -> [TillEffect] {
        var payment = payment
        payment.givenUp = true
        state.recovering[payment.start.reference] = payment
        let start = payment.start
        let key = IdempotencyKey(.releaseUncaptured, reference: start.reference)
        let events: [JournalEvent] = [
            .captureFailed(sale: start.sale, reference: start.reference, amount: start.amount, reason: reason),
            .paymentEnded(sale: start.sale, reference: start.reference, reason: "not captured: \(reason)"),
            .cancelStarted(sale: start.sale, reference: start.reference, key: key),
        ]
        let notice = RecoveryNotice(sale: start.sale, message: Message(.captureGaveUp, Self.recovered(start, start.amount)),
                                    paid: false, restoreLines: nil)
        return [.record(events), .cancelRecovered(reference: start.reference, idempotencyKey: key)] + recovered(&state, notice)
    }

    func recoveryStep(_ state: inout TillState, _ payment: RecoveringPayment, _ step: Recovery.Step) -> [TillEffect] {
        let start = payment.start
        let reference = start.reference
        let currency = CurrencyCode(rawValue: start.currency) ?? .NOK
        switch step {
        case .complete(let captured):
            state.recovering[reference] = nil
            let events: [JournalEvent] = [
                .saleCompleted(Self.completedSale(start, captured: captured)),
                .recovered(sale: start.sale, reference: reference, summary: "captured \(captured) before the restart; \(payment.history)"),
            ]
            let notice = RecoveryNotice(sale: start.sale, message: Message(.recoveredPaid, Self.recovered(start, captured)),
                                        paid: true, restoreLines: nil, paidSale: Self.completedSale(start, captured: captured))
            return [.record(events)] + recovered(&state, notice)
        case .capture:
            return [.record([.captureStarted(sale: start.sale, reference: reference, amount: start.amount, key: start.captureKey)]),
                    .captureRecovered(reference: reference, amount: Amount(currency: currency, value: start.amount), idempotencyKey: start.captureKey)]
        case .cancel:
            let key = IdempotencyKey(.recoveryCancel, reference: reference)
            return [.record([.cancelStarted(sale: start.sale, reference: reference, key: key)]),
                    .cancelRecovered(reference: reference, idempotencyKey: key)]
        case .ended(let reason):
            state.recovering[reference] = nil
            var events: [JournalEvent] = [
                .paymentEnded(sale: start.sale, reference: reference, reason: reason.description),
                .recovered(sale: start.sale, reference: reference, summary: "\(reason.description) \(payment.history)"),
            ]
            var arguments = Self.recovered(start, nil)
            arguments["reason"] = .message(reason)
            let notice = RecoveryNotice(sale: start.sale, message: Message(.recoveredNotPaid, arguments), paid: false,
                                        restoreLines: payment.unwanted ? nil : start.lines)
            let restoredBefore = state.basket.lines.count
            let effects = recovered(&state, notice)
            if notice.restoreLines != nil, state.basket.lines.count > restoredBefore {
                // The old sale stays closed in the journal; its lines come back as the sale on screen.
                events.append(.saleAbandoned(sale: start.sale, reason: "basket restored as sale \(state.saleNumber) after a restart"))
            }
            return [.record(events)] + effects
        case .wait:
            var effects: [TillEffect] = [.readRecovering(reference: reference, after: .seconds(2))]
            if !payment.announcedWaiting {
                state.recovering[reference]?.announcedWaiting = true
                effects += recovered(&state, RecoveryNotice(
                    sale: start.sale, message: Message(.recoveredStillWaiting, Self.recovered(start, start.amount)),
                    paid: false, restoreLines: nil))
            }
            return effects
        }
    }

    /// The recovered sale's number and an amount, for the notice.
    static func recovered(_ start: JournalPaymentStart, _ amount: Int?) -> [String: MessageArgument] {
        var arguments: [String: MessageArgument] = ["number": .text(TillState.receiptNumber(forSale: start.sale))]
        if let amount { arguments["amount"] = .money(amount, CurrencyCode(rawValue: start.currency) ?? .NOK) }
        return arguments
    }

    /// The completed sale a recovered payment becomes.
    public static func completedSale(_ start: JournalPaymentStart, captured: Int) -> JournalSale {
        JournalSale(
            sale: start.sale, receiptNumber: TillState.receiptNumber(forSale: start.sale), reference: start.reference, currency: start.currency,
            total: start.amount, captured: captured, customer: start.customer, lines: start.lines, vat: JournalSale.vat(of: start.lines))
    }
}
