import Foundation
import KassePrinter
import KassePrinting
import KasseCore
import KasseLanguage
import KasseTill
import Logging
import Synchronization
import KasseJournal

/// The till's receipt printer: documents as stored in the journal, made into ESC/POS and queued
/// on the print queue's own thread; what becomes of each job comes back to the till as actions
/// (which journal what was printed when).
public final class ReceiptPrinter: Sendable {
    public let settings: PrinterSettings
    let logo: Bitmap?
    private let queue: PrintQueue
    private let nextID = Mutex(0)

    let language: Language
    let company: CompanyIdentity?
    let zone: ShopTimeZone

    /// `logo`: the shop's logo (a netpbm bitmap), printed at the top of receipts; `till`: the
    /// language, company and time zone reports are printed with.
    public init(settings: PrinterSettings, logo: Bitmap?, till: TillSettings, retryInterval: Duration = .seconds(3), logger: Logger,
                send: AsyncStream<TillAction>.Continuation) {
        self.settings = settings
        self.logo = logo
        language = till.documentLanguage
        company = till.company
        zone = till.timeZone
        queue = PrintQueue(settings: settings, retryInterval: retryInterval) { event in
            switch event {
            case .printed(let job, let confirmed):
                send.yield(.printJobDone(Self.outcome(job, printed: true, confirmed: confirmed, problem: nil)))
            case .notPrinted(let job, let error):
                logger.warning("printer: \(job.name) not printed yet: \(error)")
                send.yield(.printJobDone(Self.outcome(job, printed: false, confirmed: false, problem: Self.short(error))))
            case .status(.success(let status)):
                send.yield(.printerChanged(PrinterIndicator(status.map(Self.message) ?? Message(.printerReady), ok: status?.canPrint ?? true)))
            case .status(.failure(let error)):
                let status = switch error {
                case .unreachable, .lostMidJob: Message(.printerNotReachable)
                case .notAnswering: Message(.printerNotAnswering)
                case .notReady(let status): Self.message(status)
                case .failed: Message(.printerFailed)
                }
                logger.warning("printer: \(error)")
                send.yield(.printerChanged(PrinterIndicator(status, ok: false)))
            }
        }
        queue.start()
    }

    deinit { queue.stop() }

    /// A logo file (netpbm P1/P4); nil when it cannot be read as one.
    public static func logo(at path: String) -> Bitmap? {
        FileManager.default.contents(atPath: path).flatMap { Bitmap(pbm: Array($0)) }
    }

    public func stop() { queue.stop() }

    /// Queues a stored document: a receipt (with the barcode of its number, so F3 finds the
    /// sale when it is scanned; not a training receipt's) or a report (its text made from the
    /// stored report, as the screen shows it).
    public func print(_ document: PendingPrint) {
        var lines = document.text ?? []
        if let report = document.report {
            lines = report.text(language: language, company: company, zone: zone, width: settings.columns).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        }
        let isReport = document.report != nil
        // A copy is the original under its KOPI marking: the original's title, as it was stored.
        let titles = LegalReceipt.titles(ofDocument: document.document, language: language)
        let title = lines.lazy.map { $0.trimmingCharacters(in: .whitespaces) }.first { titles.contains($0) }
        let printed = PrintDocument.stored(lines, title: isReport ? lines.first : title ?? titles.first,
                                           logo: isReport ? nil : logo,
                                           barcode: isReport || document.document == "training" ? nil : document.number)
        let id = nextID.withLock { value in
            value += 1
            return value
        }
        queue.enqueue(PrintQueue.Job(id: id, name: "\(document.document) \(document.number)",
                                     bytes: ESCPOS.encode(printed, codePage: settings.codePage, columns: settings.columns),
                                     tag: [document.document, document.number, document.sale.map(String.init) ?? ""].joined(separator: "\t")))
    }

    /// Jobs not printed yet.
    public var waiting: Int { queue.waiting.count }

    /// Why a job did not print, in a few words for the cashier (the log has the detail).
    static func short(_ error: PrinterError) -> Message {
        switch error {
        case .unreachable: Message(.printerProblemUnreachable)
        case .notAnswering: Message(.printerProblemNotAnswering)
        case .lostMidJob: Message(.printerProblemLostMidJob)
        case .notReady(let status): message(status)
        case .failed: Message(.printerProblemFailed)
        }
    }

    /// The printer's status as the status bar says it: its problems (paper out, cover open…),
    /// or ready.
    static func message(_ status: PrinterStatus) -> Message {
        let problems = status.problems.map { problem in
            switch problem {
            case .paperOut: Message(.printerPaperOut)
            case .coverOpen: Message(.printerCoverOpen)
            case .error: Message(.printerError)
            case .offline: Message(.printerOffline)
            case .paperLow: Message(.printerPaperLow)
            }
        }
        switch problems.count {
        case 0: return Message(.printerReady)
        case 1: return problems[0]
        default: return Message(.printerProblems, ["problems": .list(problems.map(MessageArgument.message))])
        }
    }

    static func outcome(_ job: PrintQueue.Job, printed: Bool, confirmed: Bool, problem: Message?) -> PrintJobOutcome {
        let parts = job.tag.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        return PrintJobOutcome(document: parts.first ?? "document", number: parts.count > 1 ? parts[1] : "",
                               sale: parts.count > 2 ? Int(parts[2]) : nil, printed: printed, confirmed: confirmed, problem: problem)
    }
}
