import KasseCore
import VippsModels

/// Everything that can happen to the till, in the past tense.
public enum TillAction: Sendable {
    case keyPressed(Key)
    case scanned(text: String, device: String, role: ScannerRole)
    /// A keyboard-wedge scanner typed this into the entry line, faster than a person can.
    case wedgeScanned(text: String)
    case scannerChanged(device: String, connected: Bool, detail: String)
    case ticked(ContinuousClock.Instant)
    /// The shop's local date changed (midnight while the till runs).
    case dayChanged(CivilDate)
    case paymentCreated(reference: String)
    /// The reducer decides from the failure's type: an open outcome is checked, a refusal ends the attempt.
    case paymentCreateFailed(reference: String, failure: VippsFailure)
    case paymentUpdated(reference: String, state: PaymentState, aggregate: Aggregate)
    /// Decided from the failure's type, never from a message's text (a trace id or a reference
    /// can contain "404").
    case paymentPollFailed(reference: String, failure: VippsFailure)
    case captured(reference: String, aggregate: Aggregate)
    case captureFailed(reference: String, failure: VippsFailure)
    case cancelled(reference: String, state: PaymentState, aggregate: Aggregate)
    case cancelFailed(reference: String, failure: VippsFailure)
    /// Start-up recovery settled a payment from before a restart.
    case recovered(RecoveryNotice)
    /// The journal could not be written; nothing that needed it was sent.
    case journalFailed(String)
    case reportReady(JournalReport)
    case returnSaleFound(sale: JournalSale, earlier: [JournalRefund], refundable: Int)
    case returnLookupFailed(String)
    case returnSalesListed(day: CivilDate, sales: [JournalSale])
    case returnRefunded(JournalRefund)
    /// Refused, or no answer (then it is finished with the same key when the sale is opened again).
    case returnRefundFailed(String)
}

/// What the runtime must do, as data.
public enum TillEffect: Sendable, Equatable {
    case createPayment(CreatePaymentRequest, idempotencyKey: IdempotencyKey)
    case pollPayment(reference: String)
    case capture(reference: String, amount: Amount, idempotencyKey: IdempotencyKey)
    case cancel(reference: String, idempotencyKey: IdempotencyKey, after: Duration)
    /// An X report (nothing written) or a Z report (stored, closing the day) from the journal.
    case makeReport(JournalReport.Kind)
    /// Find a paid sale by receipt number or reference, finish any return in doubt, read what is refundable.
    case findSaleForReturn(String)
    /// The paid sales of a day, to choose one to return from.
    case listSalesForReturn(CivilDate)
    /// Record the return (its own key) in the journal, then refund.
    case refundReturn(sale: JournalSale, amount: Int, lines: [JournalLine])
    case bell
    case quit
}
