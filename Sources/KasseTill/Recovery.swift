import KasseLanguage
import KasseCore
import VippsModels
import KasseJournal

/// What start-up recovery does with a payment the journal had not settled, from what Vipps
/// MobilePay says about it now. Pure: the runtime reads, decides here, then acts and records.
public enum Recovery {
    public enum Reading: Sendable, Equatable {
        /// Vipps MobilePay has no such payment: the create request never arrived.
        case notFound
        /// `guaranteedFor`: once AUTHORIZED, how long from now a capture is guaranteed, if said.
        case found(state: PaymentState, captured: Int, cancelled: Int, guaranteedFor: Duration? = nil)
    }

    public enum Step: Sendable, Equatable {
        /// Already captured in full: record the sale as completed.
        case complete(captured: Int)
        /// Authorized for a sale still wanted: capture it now (with the stored capture key).
        case capture
        /// Authorized or still open for a sale the cashier left: release it.
        case cancel
        /// Ended without money; the reason, for the journal and the cashier.
        case ended(Message)
        /// The customer has not answered yet: keep reading until they do or it expires.
        case wait
    }

    /// `unwanted`: the sale was abandoned, paid by another attempt, superseded, or the
    /// cashier had asked to cancel this payment before the restart.
    public static func decide(amount: Int, unwanted: Bool, reading: Reading) -> Step {
        switch reading {
        case .notFound:
            return .ended(Message(.endNeverArrived))
        case .found(let state, let captured, let cancelled, _):
            if captured > 0 { return .complete(captured: captured) }
            switch state {
            case .CREATED:
                return unwanted ? .cancel : .wait
            case .AUTHORIZED:
                if cancelled > 0 { return .ended(Message(.endWasCancelled)) }
                return unwanted ? .cancel : .capture
            case .ABORTED:
                return .ended(Message(.endDeclined))
            case .EXPIRED:
                return .ended(Message(.endExpired))
            case .TERMINATED:
                return .ended(Message(.endWasCancelled))
            }
        }
    }
}

/// What the cashier is told about one recovered payment, and the basket to put back.
public struct RecoveryNotice: Sendable, Hashable {
    public var sale: Int
    public var message: Message
    public var paid: Bool
    /// The lines of a sale that was not paid and is still wanted, to restore on screen.
    public var restoreLines: [JournalLine]?
    /// A sale whose payment was completed by recovery, to show as paid.
    public var paidSale: JournalSale?

    /// In English, for logs and tests.
    public var text: String { message.description }

    public init(sale: Int, message: Message, paid: Bool, restoreLines: [JournalLine]?, paidSale: JournalSale? = nil) {
        self.sale = sale
        self.message = message
        self.paid = paid
        self.restoreLines = restoreLines
        self.paidSale = paidSale
    }
}
