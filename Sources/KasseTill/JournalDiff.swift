import KasseCore
import KasseJournal
import VippsModels

/// What the journal must record about a step of the till: the difference between the state
/// before and after one action. Pure, so every rule is tested without a database.
public enum JournalDiff {
    public static func events(from old: TillState, to new: TillState) -> [JournalEvent] {
        var events: [JournalEvent] = []
        let sale = old.saleNumber
        if old.employee != new.employee {
            if let before = old.employee { events.append(.loggedOut(employee: before.id)) }
            if let after = new.employee { events.append(.loggedIn(after)) }
        }
        // Most actions (typing, ticks) leave the basket alone: compare lines only when it changed.
        if old.saleNumber == new.saleNumber, old.basket.lines != new.basket.lines {
            let oldLines = Dictionary(uniqueKeysWithValues: old.basket.lines.map { ($0.id, $0) })
            let newIDs = Set(new.basket.lines.map(\.id))
            for line in new.basket.lines {
                if let before = oldLines[line.id] {
                    if before != line { events.append(.lineChanged(sale: sale, line: JournalLine(line))) }
                } else {
                    events.append(.lineAdded(sale: sale, line: JournalLine(line)))
                }
            }
            for line in old.basket.lines where !newIDs.contains(line.id) {
                events.append(.lineVoided(sale: sale, lineID: line.id, sku: line.product.sku))
            }
        }
        if old.saleNumber == new.saleNumber, let customer = new.customer, customer != old.customer {
            events.append(.customerIdentified(sale: sale, customer: customer.masked))
        }
        events += paymentEvents(old: old, new: new)
        // A payment the customer has left with while its capture is tried again is not abandoned.
        let followedOn = old.payment.map { new.recovering[$0.reference] != nil } ?? false
        if new.saleNumber != old.saleNumber, !followedOn, !(old.payment.map(\.isPaid) ?? false),
           old.lastFailedAttempt > 0 || old.payment != nil {
            events.append(.saleAbandoned(sale: old.saleNumber, reason: "new sale after an unpaid attempt"))
        }
        // Shown anew (not back from a manager's approval over it): stored in full.
        if let report = new.report, report.kind == .x, old.report == nil, old.approval == nil {
            events.append(.xReport(report))
        }
        if new.isQuitting && !old.isQuitting {
            // Approved and being captured: the sale is wanted; the capture is finished after the restart.
            if old.hasOpenSale && !(old.payment.map(\.isPaid) ?? false) && !(old.payment?.isBeingCaptured ?? false) {
                events.append(.saleAbandoned(sale: old.saleNumber, reason: "the till was closed with the sale open"))
            }
            events.append(.operatorAction("quit"))
        }
        return events
    }

    private static func paymentEvents(old: TillState, new: TillState) -> [JournalEvent] {
        guard let payment = new.payment else { return [] }
        let sale = new.saleNumber
        let before = old.payment?.reference == payment.reference ? old.payment : nil
        var events: [JournalEvent] = []
        if before == nil {
            events.append(.paymentStarted(new.paymentStart(payment)))
        }
        guard before?.phase != payment.phase else { return events }
        switch payment.phase {
        case .creating:
            break
        case .waiting:
            events.append(.paymentOutcome(sale: sale, reference: payment.reference, outcome: "sent to the customer's phone"))
        case .checking(let failure):
            events.append(.paymentOutcome(sale: sale, reference: payment.reference, outcome: "no answer: \(failure.retryAdvice.reason)"))
        case .capturing:
            events.append(.captureStarted(sale: sale, reference: payment.reference, amount: payment.amount, key: payment.captureKey))
        case .captureDelayed(let tries):
            events.append(.captureDeferred(sale: sale, reference: payment.reference, tries: tries,
                                           reason: "capture failed, try again later (error 6280)"))
        case .cancelling(let retries):
            events.append(.cancelStarted(sale: sale, reference: payment.reference, key: payment.cancelKey(retries)))
        case .paid(let captured):
            events.append(.paymentOutcome(sale: sale, reference: payment.reference, outcome: "captured \(captured)"))
            events.append(.saleCompleted(new.paidSale(payment, captured: captured)))
        case .failed(let end):
            events.append(.paymentEnded(sale: sale, reference: payment.reference, reason: end.text))
        }
        return events
    }
}

extension TillState {
    /// The payment request for the sale on screen, as the journal keeps it.
    public func paymentStart(_ payment: PaymentAttempt) -> JournalPaymentStart {
        JournalPaymentStart(
            sale: saleNumber, reference: payment.reference, attempt: payment.attempt, amount: payment.amount,
            currency: basket.currency.rawValue, createKey: payment.createKey, captureKey: payment.captureKey,
            customer: payment.customer.masked, lines: basket.lines.map(JournalLine.init), training: training ? true : nil)
    }

    /// The sale on screen as the journal keeps it once paid.
    public func paidSale(_ payment: PaymentAttempt, captured: Int) -> JournalSale {
        let lines = basket.lines.map(JournalLine.init)
        return JournalSale(
            sale: saleNumber, receiptNumber: receiptNumber, reference: payment.reference, currency: basket.currency.rawValue,
            total: basket.total, captured: captured, customer: payment.customer.masked, lines: lines, vat: JournalSale.vat(of: lines),
            training: training ? true : nil)
    }
}

extension PaymentAttempt {
    public var isPaid: Bool {
        if case .paid = phase { return true }
        return false
    }

    /// Approved by the customer; the capture is under way or waits to be tried again.
    public var isBeingCaptured: Bool {
        switch phase {
        case .capturing, .captureDelayed: true
        default: false
        }
    }
}
