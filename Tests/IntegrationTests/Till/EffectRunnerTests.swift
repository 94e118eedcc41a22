import Foundation
@testable import IntegrationSupport
import KasseCore
import KasseJournal
import KasseLanguage
import KassePrinting
import KasseTesting
import KasseTill
import KasseTillApp
import Logging
import Testing
import VippsClient
import VippsModels

/// The till's return and document effects, each runner on its own: a journal (in memory), the
/// simulator over loopback, a printer writing to a file. Every effect answers with the action
/// the reducer expects.
@Suite struct EffectRunnerTests {
    static var logger: Logger {
        var logger = Logger(label: "kasse.effects.test")
        logger.logLevel = .warning
        return logger
    }

    /// A sale paid in the simulator (created, approved, captured) and completed in `journal`.
    static func paidSale(_ sim: SimulatorHarness, client: VippsClient, journal: MemoryJournal) async throws -> JournalSale {
        let reference = "RETURNS-1-\(UUID().uuidString.prefix(8))"
        var sale = Samples.sale
        sale.reference = reference
        _ = try await client.createPayment(PaymentEffectsTests.request(reference), idempotencyKey: "c-\(reference)")
        _ = try await sim.control(.POST, "/simulator/v1/payments/\(reference)/approve")
        _ = try await client.capture(reference, amount: Amount(currency: .NOK, value: 2490), idempotencyKey: "k-\(reference)")
        sale.total = 2490
        sale.captured = 2490
        _ = try await journal.append([.saleCompleted(sale)], employee: nil)
        return sale
    }

    @Test func aSaleIsFoundRefundedAndAReturnInDoubtFinishedFirst() async throws {
        let sim = try await SimulatorHarness.start()
        let journal = MemoryJournal()
        let client = VippsClient(configuration: sim.demoConfiguration, logger: Self.logger)
        let (stream, send) = AsyncStream.makeStream(of: TillAction.self)
        var actions = stream.makeAsyncIterator()
        let returns = ReturnEffects(journal: journal, client: client, logger: Self.logger, send: send)

        #expect(returns.perform(.findSaleForReturn("999999")))
        guard case .returnLookupFailed(let unknown) = try #require(await actions.next()) else { throw Failure("an unknown receipt was found") }
        #expect(unknown.key == .noPaidSale)

        let sale = try await Self.paidSale(sim, client: client, journal: journal)
        returns.perform(.findSaleForReturn(sale.receiptNumber))
        guard case .returnSaleFound(let found, let earlier, let refundable, let next) = try #require(await actions.next()) else {
            throw Failure("the paid sale was not found")
        }
        #expect(found.reference == sale.reference && earlier.isEmpty && refundable == 2490 && next == 1)

        // A return recorded but never answered (the till stopped): finished with its own key
        // the next time the sale is opened, before the sale is shown.
        let refund = JournalRefund(returnNumber: 1, of: sale, amount: 1000, lines: [Samples.lines[0]])
        _ = try await journal.append([.refundStarted(refund)], employee: nil)
        returns.perform(.findSaleForReturn(sale.reference))
        guard case .returnPendingSettled(let settled, .refunded) = try #require(await actions.next()) else {
            throw Failure("the return in doubt was not finished")
        }
        #expect(settled == refund)
        guard case .returnSaleFound(_, _, let left, _) = try #require(await actions.next()) else { throw Failure("not found after") }
        #expect(left == 1490)

        // A refund the till recorded is sent with its key, once, however often it is asked.
        let second = JournalRefund(returnNumber: 2, of: sale, amount: 490, lines: [Samples.lines[0]])
        returns.perform(.refundReturn(second))
        guard case .returnRefunded(second) = try #require(await actions.next()) else { throw Failure("not refunded") }
        returns.perform(.refundReturn(second))
        guard case .returnRefunded(second) = try #require(await actions.next()) else { throw Failure("the retry was refused") }
        let payment = try await client.getPayment(sale.reference)
        #expect(payment.aggregate.refundedAmount.value == 1490)
        #expect(!returns.perform(.bell), "not a return's effect")
        try await sim.finish(checkRequests: "all")
    }

    @Test func reportsCopiesAndReprintsComeFromTheJournal() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-documents-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let paper = directory.appendingPathComponent("printer.bin").path
        let journal = MemoryJournal()
        var sale = Samples.sale
        sale.sale = 7
        sale.receiptNumber = "000007"
        _ = try await journal.append([.saleCompleted(sale)], employee: nil)
        let (stream, send) = AsyncStream.makeStream(of: TillAction.self)
        var actions = stream.makeAsyncIterator()
        var settings = TillSettings(mode: .demo, shopName: "Testbutikken", storeID: "TEST1", tillID: "2", market: .norway, language: .english)
        settings.company = Samples.company
        settings.receipts = .ask
        let printer = ReceiptPrinter(settings: PrinterSettings(target: .file(path: paper)), logo: nil, till: settings, logger: Self.logger, send: send)
        let documents = DocumentEffects(journal: journal, printer: printer, settings: settings, logger: Self.logger, send: send,
                                        today: { CivilDate(year: 2026, month: 12, day: 7) }, secondsSince1970: { 1_796_000_000 })
        defer { documents.stop() }

        /// The next action that is not the printer's status.
        func next() async throws -> TillAction {
            while true {
                let action = try #require(await actions.next())
                if case .printerChanged = action { continue }
                return action
            }
        }

        documents.perform(.makeReport(.x), employee: "1001")
        guard case .reportReady(let x) = try await next() else { throw Failure("no X report") }
        #expect(x.kind == .x && x.salesCount == 1)

        // The one copy: stored in full, printed; a second is refused.
        documents.perform(.copyReceipt(sale), employee: "1001")
        guard case .receiptCopyDone(7, nil) = try await next() else { throw Failure("the copy was not made") }
        guard case .printJobDone(let copied) = try await next() else { throw Failure("the copy was not printed") }
        #expect(copied.document == "copy" && copied.number == "000007" && copied.printed)
        #expect(try await journal.receiptCopied(sale: 7))
        documents.perform(.copyReceipt(sale), employee: "1001")
        guard case .receiptCopyDone(7, let refusal?) = try await next() else { throw Failure("a second copy was made") }
        #expect(refusal.key == .copyAlreadyMade)

        // A receipt the till stored is printed again as stored; one it never stored is said so.
        let receipt = JournalEvent.receiptIssued(sale: 7, document: "sale", receiptNumber: "000007", text: ["KVITTERING", "Lettmelk 1 l"])
        documents.stored(ReceiptIssue(receipts: [receipt]))
        documents.perform(.printReceipt(sale: 7, receiptNumber: "000007"), employee: nil)
        guard case .printJobDone(let reprinted) = try await next() else { throw Failure("not printed again") }
        #expect(reprinted.document == "sale" && reprinted.printed)
        documents.perform(.printReceipt(sale: 8, receiptNumber: "000008"), employee: nil)
        guard case .printJobDone(let missing) = try await next() else { throw Failure("a missing receipt was not said") }
        #expect(!missing.printed && missing.problem?.key == .receiptNotInJournal)
        let printed = try #require(FileManager.default.contents(atPath: paper))
        #expect(String(decoding: printed, as: UTF8.self).contains("Lettmelk 1 l"))
        #expect(!documents.perform(.bell, employee: nil), "not a document's effect")
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
