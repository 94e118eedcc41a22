import ArgumentParser
import Foundation
import KassePrinting
import KassePrinter
import KasseCore
import KasseJournal
import KasseJournalSQLite
import KasseLanguage
import KasseNorway
import KasseTill
import KasseTillApp
import Logging
import VippsClient
import VippsModels

struct ReturnCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "return",
        abstract: "Refund a paid sale (found by receipt number, sale number or reference): all of it or chosen lines.",
        discussion: """
            Each return is written to the journal with its own idempotency key before the refund is sent. \
            If the answer is lost, run the same command again: the return in doubt is finished first, \
            with the same key, so the customer is never refunded twice.
            """)

    @OptionGroup var options: JournalOptions
    @Argument(help: "Receipt number, sale number or payment reference (kasse journal list).") var sale: String
    @Option(name: .customLong("line"), help: "A line to return: ID for the whole line, ID:COUNT for some pieces. Repeatable.")
    var lines: [String] = []
    @Flag(help: "Return everything not returned yet.") var all = false
    @Flag(help: "JSON instead of a return receipt.") var json = false

    func run() async throws {
        guard all != !lines.isEmpty else { throw CLIError("Say what goes back: --all, or one or more --line ID[:COUNT].") }
        var selection: [Int: Int?] = [:]
        for item in lines {
            let parts = item.split(separator: ":").map(String.init)
            guard let id = Int(parts[0]), parts.count <= 2, parts.count == 1 || Int(parts[1]) != nil else {
                throw CLIError("--line \(item): write the line number, or LINE:COUNT (e.g. 2:1)")
            }
            selection[id] = parts.count == 2 ? Int(parts[1]) : nil
        }
        let (journal, settings) = try options.open(readOnly: false)
        guard let paid = try await journalCall({ () async throws(JournalError) in try await journal.completedSale(receiptOrReference: sale) }) else {
            throw CLIError("No paid sale \(sale) in the journal (kasse journal list shows them).")
        }
        guard !paid.isTraining else {
            throw CLIError("Sale \(paid.receiptNumber) was made in training mode: nothing was paid, nothing can be returned.")
        }
        let api = try APIOptions.parse(options.config.map { ["--config", $0] } ?? [])
        let client = try api.makeClient()
        var logger = Logger(label: "kasse.return")
        logger.logLevel = .error
        // Norway: the refund is signed as it is stored, like a return at the till.
        let chain: TransactionChain?
        do {
            chain = try await TillLauncher.signingChain(settings, mode: settings.settings.mode, journal: journal)
        } catch {
            throw CLIError(error.description)
        }
        let desk = ReturnDesk(journal: journal, client: client, logger: logger, chain: chain, company: settings.company)
        let reference = paid.reference

        // A return whose answer was lost is finished (with its own key) and nothing more is done:
        // running the same command again must not return the same goods twice.
        let pending = try await journalCall({ () async throws(JournalError) in try await journal.refunds(reference: reference) }).pending
        if !pending.isEmpty {
            for refund in pending {
                try finish(refund, await desk.settle(refund))
                await printReceipt(of: refund, journal: journal, settings: settings)
                warn("Return \(refund.returnNumber), started before, is now confirmed.")
                if json { printJSON(refund) } else { emit(ReceiptText.refund(refund, sale: paid, language: settings.documentLanguageToday)) }
            }
            return
        }
        let payment = try await callAPI { try await client.getPayment(reference) }
        let refundable = payment.aggregate.capturedAmount.value - payment.aggregate.refundedAmount.value
        let earlier = try await journalCall({ () async throws(JournalError) in try await journal.refunds(reference: reference) }).notFailed
        let plan: (amount: Int, lines: [JournalLine])
        switch ReturnPlan.make(sale: paid, earlier: earlier, selection: all ? .all : .lines(selection), refundable: refundable) {
        case .success(let made): plan = made
        case .failure(let problem): throw CLIError(problem.description)
        }
        let refund: JournalRefund
        do {
            refund = try await desk.record(sale: paid, amount: plan.amount, lines: plan.lines)
        } catch {
            throw CLIError(error.description)
        }
        try finish(refund, await desk.settle(refund))
        await printReceipt(of: refund, journal: journal, settings: settings)
        if json {
            printJSON(refund)
        } else {
            emit(ReceiptText.refund(refund, sale: paid, language: settings.documentLanguageToday))
        }
    }

    /// With a receipt printer, the return receipt stored with the refund is printed, as at the
    /// till: journaled as queued first, then as printed; one the printer cannot take now is
    /// printed by the till at its next start.
    private func printReceipt(of refund: JournalRefund, journal: Journal, settings: TillConfiguration) async {
        guard let printer = settings.printer else { return }
        let number = "R\(refund.returnNumber)"
        let entries = (try? await journal.entries(sale: refund.sale)) ?? []
        let stored = entries.reversed().lazy.compactMap { entry -> [String]? in
            if case .receiptIssued(_, "return", let issued, let text) = entry.event, issued == number { text } else { nil }
        }.first
        guard let text = stored else { return }
        let logo = PrinterOptions.logo(settings)
        let document = PrintDocument.stored(text, title: LegalReceipt.title(ofDocument: "return", language: settings.documentLanguageToday), logo: logo, barcode: number)
        do {
            try await journal.recordPrintQueued(sale: refund.sale, document: "return", number: number)
            switch PrinterLink.print(ESCPOS.encode(document, codePage: printer.codePage, columns: printer.columns), printer) {
            case .success(let printed):
                try await journal.recordPrinted(sale: refund.sale, document: "return", number: number, confirmed: printed.confirmed)
            case .failure(let error):
                warn("The return receipt \(number) did not print (\(error)); the till prints it when it next starts.")
            }
        } catch {
            warn("The return receipt \(number) was not printed: \(error.description)")
        }
    }

    private func finish(_ refund: JournalRefund, _ settled: (outcome: ReturnOutcome, unrecorded: String?)) throws {
        if let detail = settled.unrecorded {
            throw CLIError("Return \(refund.returnNumber): \(settled.outcome.problem?.description ?? "refunded"), but the journal could not record it: \(detail)")
        }
        switch settled.outcome {
        case .refunded: return
        case .refused(let failure): throw CLIError("Return \(refund.returnNumber) was refused: \(failure.message.description)")
        case .unknown(let failure):
            throw CLIError(
                "Return \(refund.returnNumber): no answer from Vipps MobilePay (\(failure.retryAdvice.reason)). "
                    + "Run the same command again to finish it; it will not be refunded twice.")
        }
    }
}
