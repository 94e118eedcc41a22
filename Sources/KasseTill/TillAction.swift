import KasseLanguage
import KasseCore
import VippsModels
import KasseJournal

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
    /// `redirectUrl`: for `userFlow: QR`, the address the shop's QR code holds.
    case paymentCreated(reference: String, redirectUrl: String? = nil)
    /// The reducer decides from the failure's type: an open outcome is checked, a refusal ends the attempt.
    case paymentCreateFailed(reference: String, failure: VippsFailure)
    /// `guaranteedFor`: once AUTHORIZED, how long from now a capture is guaranteed (from the
    /// payment's `captureGuaranteedUntil`), if Vipps MobilePay said.
    case paymentUpdated(reference: String, state: PaymentState, aggregate: Aggregate, guaranteedFor: Duration? = nil)
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
    /// `nextReturnNumber`: the number the journal gives the next return.
    case returnSaleFound(sale: JournalSale, earlier: [JournalRefund], refundable: Int, nextReturnNumber: Int)
    /// A return in doubt from before, sent again with its key while its sale was looked up.
    case returnPendingSettled(JournalRefund, ReturnOutcome)
    case returnLookupFailed(Message)
    case returnSalesListed(day: CivilDate, sales: [JournalSale])
    case returnRefunded(JournalRefund)
    /// Refused, or no answer (then it is finished with the same key when the sale is opened again).
    case returnRefundFailed(JournalRefund, VippsFailure)
    /// Start-up recovery: payments the journal left open, to read back and settle.
    case recoveryStarted([RecoveringPayment])
    case recoveryRead(reference: String, reading: Recovery.Reading, history: String)
    case recoveryReadFailed(reference: String, failure: VippsFailure)
    case recoveryCaptured(reference: String, captured: Int)
    case recoveryCancelled(reference: String)
    case recoveryWriteFailed(reference: String, failure: VippsFailure)
    /// Whether the PIN typed for `employeeID` matched its stored hash.
    case pinChecked(employeeID: String, matches: Bool)
    /// A copy of a sale's receipt was stored and handed out, or refused (and why).
    case receiptCopyDone(sale: Int, refusal: Message?)
    /// What the receipt printer says (between jobs, or after one).
    case printerChanged(PrinterIndicator)
    /// A print job came out of the printer, or has not yet (it stays queued).
    case printJobDone(PrintJobOutcome)
    /// The till was told to end (SIGTERM, SIGHUP): it closes as on F10 and yes.
    case terminated
    /// The store server's catalog `version` is sold from now on (`summary`: its changes, for the journal).
    case catalogReplaced(version: Int, products: Int, priceChanges: Int, summary: String)
}

/// What became of a print job, as the till hears it from the print queue.
public struct PrintJobOutcome: Sendable, Hashable {
    /// What was printed: `sale`, `return`, `copy`, `training`, `x-report`, `z-report`.
    public var document: String
    /// The receipt's or report's number.
    public var number: String
    /// The sale it belongs to, if any.
    public var sale: Int?
    /// Printed (`confirmed` false: sent, but the printer gave no answer after it).
    public var printed: Bool
    public var confirmed: Bool
    /// Why not yet.
    public var problem: Message?

    public init(document: String, number: String, sale: Int?, printed: Bool, confirmed: Bool = true, problem: Message? = nil) {
        self.document = document
        self.number = number
        self.sale = sale
        self.printed = printed
        self.confirmed = confirmed
        self.problem = problem
    }

    /// "Receipt 000012", "Z report 3".
    public var name: Message {
        let number: [String: MessageArgument] = ["number": .text(number)]
        return switch document {
        case "return": Message(.documentReturnReceipt, number)
        case "copy": Message(.documentCopy, number)
        case "training": Message(.documentTrainingReceipt, number)
        case JournalReport.Kind.x.documentName: Message(.documentXReport)
        case JournalReport.Kind.z.documentName: Message(.documentZReport, number)
        case "test": Message(.documentTestPage)
        default: Message(.documentReceipt, number)
        }
    }
}

/// What the runtime must do, as data.
public enum TillEffect: Sendable, Equatable {
    case createPayment(CreatePaymentRequest, idempotencyKey: IdempotencyKey)
    case pollPayment(reference: String)
    /// `after`: a pause first (a capture Vipps MobilePay asked to try again later).
    case capture(reference: String, amount: Amount, idempotencyKey: IdempotencyKey, after: Duration = .zero)
    case cancel(reference: String, idempotencyKey: IdempotencyKey, after: Duration)
    /// An X report (nothing written) or a Z report (stored, closing the day) from the journal.
    case makeReport(JournalReport.Kind)
    /// Find a paid sale by receipt number or reference, finish any return in doubt, read what is refundable.
    case findSaleForReturn(String)
    /// The paid sales of a day, to choose one to return from.
    case listSalesForReturn(CivilDate)
    /// Refund a return already recorded (`.record` before it) with its own key.
    case refundReturn(JournalRefund)
    /// Write these entries to the journal, before any effect after them is carried out. The
    /// journal is written from one place: what the reducer decided (this, and the changes of
    /// state the journal rules turn into entries).
    case record([JournalEvent])
    /// Start-up recovery: read a payment back (and its event log), after a pause.
    case readRecovering(reference: String, after: Duration)
    case captureRecovered(reference: String, amount: Amount, idempotencyKey: IdempotencyKey)
    case cancelRecovered(reference: String, idempotencyKey: IdempotencyKey)
    /// Check a PIN against the stored slow hash, off the till's loop; answered by `pinChecked`.
    case checkPIN(employeeID: String, pin: String, hash: String)
    /// Store and hand out the one copy of a paid sale's receipt (refused if it has one).
    case copyReceipt(JournalSale)
    /// Print a paid sale's receipt as stored in the journal (the original, never marked a copy).
    case printReceipt(sale: Int, receiptNumber: String)
    /// Print a report shown on screen.
    case printReport(JournalReport)
    case bell
    case quit
}
