import KasseCore
import KasseLanguage
import KasseJournal

/// The receipt printer as the till's rules see it: what the print queue reports back.
extension Till {
    func printJobDone(_ state: inout TillState, _ outcome: PrintJobOutcome) -> [TillEffect] {
        // The paid sale's paper: its copy (the original is in the customer's app), or a training receipt.
        let isPaidSale = outcome.sale != nil && ["sale", "copy", "training"].contains(outcome.document)
        if var payment = state.payment, case .paid = payment.phase, isPaidSale, outcome.sale == state.saleNumber {
            payment.receiptPrint = outcome.printed ? .printed : .waiting(outcome.problem ?? Message(.printerProblemGeneric))
            state.update(payment)
        }
        let name = MessageArgument.message(outcome.name)
        guard outcome.printed else {
            state.banner = Banner(.warning, .documentNotPrinted,
                                  ["document": name, "reason": .message(outcome.problem ?? Message(.printerProblemGeneric))])
            return []
        }
        state.banner = Banner(.info, outcome.confirmed ? .documentPrinted : .documentUnconfirmed, ["document": name])
        return [.record([.documentPrinted(sale: outcome.sale, document: outcome.document, number: outcome.number, confirmed: outcome.confirmed)])]
    }
}

/// A document sent to the printer that never came out (the till stopped first): printed again
/// at the next start, as the original it was.
public struct PendingPrint: Sendable, Hashable {
    public var sale: Int?
    public var document: String
    public var number: String
    /// A receipt's or copy's stored text; nil for a report (made again from `report`).
    public var text: [String]?
    public var report: JournalReport?

    public init(sale: Int?, document: String, number: String, text: [String]?, report: JournalReport?) {
        self.sale = sale
        self.document = document
        self.number = number
        self.text = text
        self.report = report
    }

    /// The documents queued and never printed among `events` (in journal order), with what they
    /// print: a receipt's stored text, a copy's, or the stored report. One queued twice and
    /// printed once is not pending; one whose document is not among `events` is left out.
    public static func find(in events: [JournalEvent]) -> [PendingPrint] {
        var open: [String: (sale: Int?, document: String, number: String, count: Int, order: Int)] = [:]
        var order = 0
        for event in events {
            switch event {
            case .printQueued(let sale, let document, let number):
                order += 1
                let key = "\(document)\t\(number)"
                open[key] = (sale, document, number, (open[key]?.count ?? 0) + 1, open[key]?.order ?? order)
            case .documentPrinted(_, let document, let number, _):
                let key = "\(document)\t\(number)"
                if let queued = open[key] {
                    open[key] = queued.count > 1 ? (queued.sale, queued.document, queued.number, queued.count - 1, queued.order) : nil
                }
            default:
                continue
            }
        }
        var pending: [PendingPrint] = []
        for queued in open.values.sorted(by: { $0.order < $1.order }) {
            var found: PendingPrint?
            for event in events.reversed() {
                switch event {
                case .receiptIssued(_, let document, let number, let text) where document == queued.document && number == queued.number:
                    found = PendingPrint(sale: queued.sale, document: document, number: number, text: text, report: nil)
                case .receiptCopied(_, _, let number, _, let text) where queued.document == "copy" && number == queued.number:
                    found = PendingPrint(sale: queued.sale, document: "copy", number: number, text: text, report: nil)
                case .zReport(let report) where queued.document == JournalReport.Kind.z.documentName && String(report.number) == queued.number:
                    found = PendingPrint(sale: nil, document: JournalReport.Kind.z.documentName, number: queued.number, text: nil, report: report)
                case .xReport(let report) where queued.document == JournalReport.Kind.x.documentName && String(report.number) == queued.number:
                    found = PendingPrint(sale: nil, document: JournalReport.Kind.x.documentName, number: queued.number, text: nil, report: report)
                default:
                    continue
                }
                break
            }
            if let found { pending.append(found) }
        }
        return pending
    }
}

/// What a step of the till hands out: every receipt its events call for, stored in full (beside
/// its signed transaction in Norway), and which of them go to the printer now, each journaled as
/// queued in the same write. One decision, pure: the shell stores and prints what it says.
public struct ReceiptIssue: Sendable, Equatable {
    /// `receipt-issued` entries, one per sale, return or training receipt the events complete.
    public var receipts: [JournalEvent] = []
    /// A paid sale's paper is its copy («KOPI»: the original went to the customer's app), stored
    /// as such before it is printed.
    public var copies: [JournalEvent] = []
    /// What goes to the printer now.
    public var prints: [PendingPrint] = []

    /// Everything to store after the step's own events: the receipts, the copies, each print queued.
    public var entries: [JournalEvent] {
        receipts + copies + prints.map { JournalEvent.printQueued(sale: $0.sale, document: $0.document, number: $0.number) }
    }

    public init(receipts: [JournalEvent] = [], copies: [JournalEvent] = [], prints: [PendingPrint] = []) {
        self.receipts = receipts
        self.copies = copies
        self.prints = prints
    }

    /// The receipts for `events` (with the step's `refunds`), made at `atUTC` by `cashier`, as
    /// wide as the till's printer takes (`settings.receiptColumns`; without one, the journal's 48).
    /// Without a company and without a printer nobody is handed paper, so no receipt is made.
    /// A return's receipt is always printed; a sale's when every sale's is, or when it is to be
    /// asked about but nobody is asked (a sale recovery completed after a restart: its customer
    /// never saw the till say PAID).
    public static func decide(for events: [JournalEvent], refunds: [JournalRefund], state: TillState, cashier: String,
                              atUTC: Int64) -> ReceiptIssue {
        let settings = state.settings
        let hasPrinter = settings.receipts.hasPrinter, columns = settings.receiptColumns
        let company = settings.company ?? (hasPrinter
            ? CompanyIdentity(name: settings.shopName, organisationNumber: "", address: "", postalCode: "", city: "", vatRegistered: false)
            : nil)
        guard let company else { return ReceiptIssue() }
        let notPrinted: String? = switch settings.receipts {
        case .noPrinter: "no receipt printer: the receipt went to the customer's app"
        case .never: "receipts are set not to print: the receipt went to the customer's app"
        case .ask, .always: nil
        }
        var issue = ReceiptIssue()
        issue.receipts = LegalReceipt.issued(for: events, refunds: refunds, company: company, register: settings.tillID, cashier: cashier,
                                             atUTC: atUTC, zone: settings.timeZone, notPrinted: notPrinted, width: columns,
                                             language: state.documentLanguage)
        guard hasPrinter else { return issue }
        let sales = events.compactMap { event -> JournalSale? in if case .saleCompleted(let sale) = event { sale } else { nil } }
        for case .receiptIssued(let sale, let document, let number, let text) in issue.receipts {
            let asking = state.payment?.receiptPrint == .asking && state.saleNumber == sale
            let policy = settings.receipts
            guard document == "return" || policy == .always || (policy == .ask && !asking) else { continue }
            if document == "sale", let paid = sales.first(where: { $0.sale == sale }) {
                let copy = LegalReceipt.copy(ofOriginal: text, width: columns, language: state.documentLanguage)
                issue.copies.append(.receiptCopied(sale: sale, reference: paid.reference, receiptNumber: number, amount: paid.total, text: copy))
                issue.prints.append(PendingPrint(sale: sale, document: "copy", number: number, text: copy, report: nil))
            } else {
                issue.prints.append(PendingPrint(sale: sale, document: document, number: number, text: text, report: nil))
            }
        }
        return issue
    }
}
