import Foundation
import KasseCore
import KasseJournal
import KasseJournalSQLite
import KasseLanguage
import KassePrinting
import KasseTill
import Logging
import Synchronization
import VippsModels

/// The till's paper and reports, and nothing else: a paid sale's one copy (stored in full,
/// then printed), a stored receipt printed again, reports made from the journal (a Z stored
/// and always printed) and printed, and at start what the printer had not printed when the
/// till stopped. Results come back to the till as actions.
public final class DocumentEffects: Sendable {
    private let journal: any TillJournal
    /// The receipt printer (nil: none).
    public let printer: ReceiptPrinter?
    private let settings: TillSettings
    private let logger: Logger
    private let send: AsyncStream<TillAction>.Continuation
    private let today: @Sendable () -> CivilDate
    private let secondsSince1970: @Sendable () -> Int64
    /// The receipts stored lately, by sale: what is printed when the customer asks for paper.
    private let issued = Mutex<[Int: PendingPrint]>([:])

    public init(journal: any TillJournal, printer: ReceiptPrinter?, settings: TillSettings, logger: Logger,
                send: AsyncStream<TillAction>.Continuation, today: @escaping @Sendable () -> CivilDate,
                secondsSince1970: @escaping @Sendable () -> Int64) {
        self.journal = journal
        self.printer = printer
        self.settings = settings
        self.logger = logger
        self.send = send
        self.today = today
        self.secondsSince1970 = secondsSince1970
    }

    /// Carries out `effect` if it is a document's (true), for `employee` (who is logged in); otherwise false.
    @discardableResult
    public func perform(_ effect: TillEffect, employee: String?) -> Bool {
        switch effect {
        case .copyReceipt(let sale):
            Task { await copy(sale, cashier: employee ?? "") }
        case .printReceipt(let sale, let receiptNumber):
            guard let printer else { break }
            if let stored = issued.withLock({ $0[sale] }) {
                printer.print(stored)
            } else {
                send.yield(.printJobDone(PrintJobOutcome(document: "sale", number: receiptNumber, sale: sale, printed: false,
                                                         problem: Message(.receiptNotInJournal))))
            }
        case .printReport(let report):
            print(report)
        case .makeReport(let kind):
            Task { await make(kind, employee: employee) }
        default:
            return false
        }
        return true
    }

    /// What a step stored: its receipts kept a while (for the customer who asks for paper), and
    /// what it queued printed now.
    public func stored(_ issue: ReceiptIssue) {
        // A sale's own receipt (a later return's receipt names the same sale but is not it).
        for case .receiptIssued(let sale, let document, let number, let text) in issue.receipts where document == "sale" || document == "training" {
            issued.withLock { issued in
                issued[sale] = PendingPrint(sale: sale, document: document, number: number, text: text, report: nil)
                if issued.count > 50, let oldest = issued.keys.min() { issued[oldest] = nil }
            }
        }
        for print in issue.prints { printer?.print(print) }
    }

    /// Prints again what was sent to the printer before the till last stopped and never came out.
    public func resumePrinting() async {
        guard let printer else { return }
        do {
            let pending = try await journal.pendingPrints()
            if !pending.isEmpty { logger.notice("printing \(pending.count) document(s) the printer had not printed when the till stopped") }
            for document in pending { printer.print(document) }
        } catch {
            logger.error("printer: the documents waiting to print could not be read: \(error)")
        }
    }

    public func stop() { printer?.stop() }

    private func print(_ report: JournalReport) {
        printer?.print(PendingPrint(sale: nil, document: report.kind.documentName, number: String(report.number), text: nil, report: report))
    }

    func make(_ kind: JournalReport.Kind, employee: String?) async {
        do throws(JournalError) {
            let store = settings.storeID, currency = settings.market.currency.rawValue
            let report = kind == .z
                ? try await journal.zReport(store: store, currency: currency, employee: employee)
                : try await journal.xReport(store: store, currency: currency)
            send.yield(.reportReady(report))
            // A Z report is always printed (kassasystemforskrifta § 2-8-3); an X report on
            // request. After the report is shown, so what the printer says comes after it.
            if kind == .z, printer != nil {
                try await journal.recordReportQueued(report, employee: employee)
                print(report)
            }
        } catch {
            logger.error("report: \(error)")
            send.yield(.journalFailed(error.description))
        }
    }

    /// The one copy of a paid sale's receipt (Norway: «KOPI», § 2-8-6), stored in full; a second is refused.
    func copy(_ sale: JournalSale, cashier: String) async {
        do {
            if try await journal.receiptCopied(sale: sale.sale) {
                send.yield(.receiptCopyDone(sale: sale.sale, refusal: Message(.copyAlreadyMade, ["number": .text(sale.receiptNumber)])))
                return
            }
            let width = printer?.settings.columns ?? 48
            let text: [String]
            if let original = try await journal.issuedReceipt(sale: sale.sale) {
                // The original as it was handed out, marked KOPI: nothing of it made anew.
                text = LegalReceipt.copy(ofOriginal: original, width: width, language: settings.documentLanguage(on: today()))
            } else {
                // A sale from before receipts were stored in full.
                let (date, time) = settings.timeZone.localTime(atUTC: secondsSince1970())
                text = LegalReceipt.forSale(sale, kind: .copy, company: settings.company ?? CompanyIdentity(
                    name: settings.shopName, organisationNumber: "", address: "", postalCode: "", city: "", vatRegistered: false),
                                            register: settings.tillID, cashier: cashier, date: date, time: time,
                                            language: settings.documentLanguage(on: date))
                    .text(width: width)
            }
            try await journal.recordReceiptCopy(of: sale, text: text, printing: printer != nil, employee: cashier.isEmpty ? nil : cashier)
            send.yield(.receiptCopyDone(sale: sale.sale, refusal: nil))
            printer?.print(PendingPrint(sale: sale.sale, document: "copy", number: sale.receiptNumber, text: text, report: nil))
        } catch {
            send.yield(.receiptCopyDone(sale: sale.sale, refusal: Message(.copyNotStored, ["detail": .text(error.description)])))
        }
    }
}

/// The log-in's PIN check: a slow hash by design (a long C call), on a thread of its own,
/// never on the cooperative pool, so it neither waits for nor holds up the till's other work.
enum PINCheckThread {
    static func check(employeeID: String, pin: String, against hash: String, send: AsyncStream<TillAction>.Continuation) {
        let thread = Thread {
            send.yield(.pinChecked(employeeID: employeeID, matches: StaffPIN.verify(pin, against: hash)))
        }
        thread.name = "kasse-pin"
        thread.start()
    }
}
