import KasseCore
import KasseJournal
import KasseJournalSQLite
import KasseNorway
import KasseTill
import Logging

/// Every entry the till's shell and the `kasse` commands store goes through one of these
/// intent-named writes, each one transaction; nothing else appends to a journal (a test keeps it so).
extension TillJournal {
    /// A step of the till (or of `kasse return`): its events, signed in Norway as they are
    /// stored (going on from the newest signature, read in the same write, since `kasse return`
    /// may have signed one meanwhile), then the receipts handed out and what goes to the printer.
    /// A signature that cannot be made never loses the sale: it is stored unsigned, and
    /// `kasse journal verify` names it.
    public func commit(_ events: [JournalEvent], refunds: [JournalRefund], chain: TransactionChain?, atUTC: Int64,
                then after: [JournalEvent] = [], employee: String?, logger: Logger) async throws(JournalError) {
        guard let chain else {
            try await append(events + after, employee: employee)
            return
        }
        try await append(employee: employee, signing: { last in
            var next = chain.continuing(after: last)
            do {
                return try next.sign(events, refunds: refunds, atUTC: atUTC) + after
            } catch {
                logger.error("signing: \(error)")
                return events + after
            }
        })
    }

    /// A step of the till as its core decided it: signed when it asks for a signature and the
    /// market has a signer; its receipts and queued prints after.
    public func commit(_ write: TillWrite, chain: TransactionChain?, logger: Logger) async throws(JournalError) {
        try await commit(write.events, refunds: write.refunds, chain: write.signatureRequested ? chain : nil, atUTC: write.atUTC,
                         then: write.after, employee: write.employee, logger: logger)
    }

    /// The till has started: how, and anything about its journal found at start.
    public func recordStart(_ events: [JournalEvent]) async throws(JournalError) {
        try await append(events, employee: nil)
    }

    /// A copy of a sale's receipt was handed out (stored in full), and queued for the printer.
    public func recordReceiptCopy(of sale: JournalSale, text: [String], printing: Bool, employee: String?) async throws(JournalError) {
        try await append([.receiptCopied(sale: sale.sale, reference: sale.reference, receiptNumber: sale.receiptNumber,
                                         amount: sale.total, text: text)]
                         + (printing ? [.printQueued(sale: sale.sale, document: "copy", number: sale.receiptNumber)] : []),
                         employee: employee)
    }

    /// A return numbered and recorded with its refund's key, before the refund is sent (`kasse return`).
    public func recordReturnStarted(_ refund: JournalRefund) async throws(JournalError) {
        try await append([.refundStarted(refund)], employee: nil)
    }

    /// A Z report sent to the printer (the law wants every Z on paper).
    public func recordReportQueued(_ report: JournalReport, employee: String?) async throws(JournalError) {
        try await append([.printQueued(sale: nil, document: report.kind.documentName, number: String(report.number))], employee: employee)
    }

    /// A new journal's first entry (`kasse journal init`), with what became of a lost journal's anchor.
    public func recordCreated(firstSale: Int, previousAnchor: String?) async throws(JournalError) {
        try await append([.journalCreated(firstSale: firstSale)] + (previousAnchor.map { [.operatorAction($0)] } ?? []), employee: nil)
    }

    /// A manager's acknowledgement of a journal that no longer matched its anchor (`kasse journal reanchor`).
    public func recordReanchored(_ note: String, approvedBy manager: String?) async throws(JournalError) {
        var events: [JournalEvent] = [.operatorAction(note)]
        if let manager { events.insert(.managerApproved(employee: manager, action: "journal re-anchored"), at: 0) }
        try await append(events, employee: manager)
    }

    /// An X report shown by `kasse report x`, stored in full (Norway's law asks for it).
    public func recordXReport(_ report: JournalReport) async throws(JournalError) {
        try await append([.xReport(report)], employee: nil)
    }

    /// A manager approved closing the day with the Z report numbered `number` (`kasse report z`).
    public func recordZApproval(number: Int, by manager: String) async throws(JournalError) {
        try await append([.zReportApproved(number: number, by: manager)], employee: manager)
    }

    /// A wrong employee number or PIN on the command line, counted towards the lock-out as at the till.
    public func recordLogInRefused(employee: String) async throws(JournalError) {
        try await append([.logInRefused(employee: String(employee.prefix(20)))], employee: nil)
    }

    /// A document handed to the printer (`kasse return`'s receipt), before it is sent.
    public func recordPrintQueued(sale: Int?, document: String, number: String) async throws(JournalError) {
        try await append([.printQueued(sale: sale, document: document, number: number)], employee: nil)
    }

    /// The printer took the document (and, when it says so, confirmed it on paper).
    public func recordPrinted(sale: Int?, document: String, number: String, confirmed: Bool) async throws(JournalError) {
        try await append([.documentPrinted(sale: sale, document: document, number: number, confirmed: confirmed)], employee: nil)
    }
}
