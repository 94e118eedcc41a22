import KasseCore
import KasseJournal
import KasseJournalSQLite
import KasseNorway
import Logging

/// Every entry the till's shell stores goes through one of these intent-named writes, each one
/// transaction; nothing in KasseTillApp appends to a journal otherwise (a test keeps it so).
extension TillJournal {
    /// A step of the till (or of `kasse return`): its events, signed in Norway as they are
    /// stored (going on from the newest signature, read in the same write, since `kasse return`
    /// may have signed one meanwhile), then the receipts handed out and what goes to the printer.
    /// A signature that cannot be made never loses the sale: it is stored unsigned, and
    /// `kasse journal verify` names it.
    func commit(_ events: [JournalEvent], refunds: [JournalRefund], chain: TransactionChain?, atUTC: Int64,
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

    /// The till has started: how, and anything about its journal found at start.
    func recordStart(_ events: [JournalEvent]) async throws(JournalError) {
        try await append(events, employee: nil)
    }

    /// A copy of a sale's receipt was handed out (stored in full), and queued for the printer.
    func recordReceiptCopy(of sale: JournalSale, text: [String], printing: Bool, employee: String?) async throws(JournalError) {
        try await append([.receiptCopied(sale: sale.sale, reference: sale.reference, receiptNumber: sale.receiptNumber,
                                         amount: sale.total, text: text)]
                         + (printing ? [.printQueued(sale: sale.sale, document: "copy", number: sale.receiptNumber)] : []),
                         employee: employee)
    }

    /// A return numbered and recorded with its refund's key, before the refund is sent (`kasse return`).
    func recordReturnStarted(_ refund: JournalRefund) async throws(JournalError) {
        try await append([.refundStarted(refund)], employee: nil)
    }

    /// A Z report sent to the printer (the law wants every Z on paper).
    func recordReportQueued(_ report: JournalReport, employee: String?) async throws(JournalError) {
        try await append([.printQueued(sale: nil, document: report.kind.documentName, number: String(report.number))], employee: employee)
    }
}
