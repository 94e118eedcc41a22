import KasseCore
import KasseJournal

/// One write to the journal, decided whole by the till's core: the step's events, whether a
/// transaction among them is to be signed (Norway), the receipts it hands out and what goes
/// to the printer. The shell stores it in one transaction before carrying out any effect.
public struct TillWrite: Sendable, Equatable {
    public var events: [JournalEvent]
    /// The returns the step confirms, for their VAT in the signed transaction.
    public var refunds: [JournalRefund]
    /// Who made the step (a payment settled by recovery: whoever started it).
    public var employee: String?
    /// A completed sale, a voided sale or a confirmed refund is among the events: the signer
    /// (where the market has one) signs it, going on from the journal's newest signature.
    public var signatureRequested: Bool
    /// The receipts handed out and the prints queued, stored after the events.
    public var issue: ReceiptIssue
    /// The wall-clock time the step was made at (receipts, signatures).
    public var atUTC: Int64

    /// Everything stored after the (signed) events.
    public var after: [JournalEvent] { issue.entries }
}

/// What one action does besides changing the state: the journal write first (nil: nothing to
/// store), then the effects, none of them a `.record` (folded into `write`).
public struct TillStep: Sendable, Equatable {
    public var write: TillWrite?
    public var effects: [TillEffect]
}

extension Till {
    /// The reducer with the journal's decisions made: what the reducer records and what its
    /// change of state means (`JournalDiff`), who made it, the signature request, the receipts
    /// and the printing (`ReceiptIssue`). Pure: the wall clock is the state's `secondsSince1970`.
    public func step(_ state: inout TillState, _ action: TillAction) -> TillStep {
        let before = state
        let effects = reduce(&state, action)
        let recorded = effects.flatMap { effect -> [JournalEvent] in
            if case .record(let events) = effect { events } else { [] }
        }
        let rest = effects.filter { if case .record = $0 { false } else { true } }
        let events = recorded + JournalDiff.events(from: before, to: state)
        guard !events.isEmpty else { return TillStep(write: nil, effects: rest) }
        // Made by whoever is logged in (a log-out by who logs out); a payment settled by
        // recovery, by whoever started it; nobody: the journal's default.
        let startedBy = Self.startedBy(events, recovering: before.recovering.merging(state.recovering) { old, _ in old })
        let employee = startedBy ?? state.employee?.id ?? before.employee?.id
        let cashier = startedBy.map { id in staff?.entry(id: id)?.member.name ?? id }
            ?? state.employee?.name ?? before.employee?.name ?? employee ?? ""
        let refunds = Self.refunds(in: action)
        let issue = ReceiptIssue.decide(for: events, refunds: refunds, state: state, cashier: cashier, atUTC: state.secondsSince1970)
        let signs = events.contains { event in
            switch event {
            case .saleCompleted, .saleVoided, .refunded: true
            default: false
            }
        }
        return TillStep(write: TillWrite(events: events, refunds: refunds, employee: employee, signatureRequested: signs, issue: issue,
                                         atUTC: state.secondsSince1970),
                        effects: rest)
    }

    /// The returns an action confirms, for their VAT in the signed transaction.
    public static func refunds(in action: TillAction) -> [JournalRefund] {
        switch action {
        case .returnRefunded(let refund), .returnPendingSettled(let refund, .refunded): [refund]
        default: []
        }
    }

    /// The employee who started the payment these events settle, if recovery is settling one.
    static func startedBy(_ events: [JournalEvent], recovering: [String: RecoveringPayment]) -> String? {
        for event in events {
            switch event {
            case .saleCompleted, .paymentEnded, .paymentOutcome, .captureStarted, .cancelStarted, .recovered, .captureDeferred,
                 .captureFailed: break
            default: continue
            }
            if let reference = event.reference, let payment = recovering[reference], !payment.startedBy.isEmpty {
                return payment.startedBy
            }
            if let sale = event.sale, let payment = recovering.values.first(where: { $0.start.sale == sale && !$0.startedBy.isEmpty }) {
                return payment.startedBy
            }
        }
        return nil
    }
}
