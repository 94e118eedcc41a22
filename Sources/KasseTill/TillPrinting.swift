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
