import KasseCore
import KasseLanguage
import KasseTill
import Testing
import VippsModels
import KasseJournal
import KasseTesting

/// The receipt printer in the till's rules: the question after PAID, what is journaled, what
/// the print queue reports back.
struct TillPrintingTests {
    /// A sale of one product paid, on a till whose receipts are printed as `receipts` says.
    static func paid(_ receipts: ReceiptPrinting) throws -> TillDriver {
        var till = TillDriver()
        till.state.settings.receipts = receipts
        till.type("7040000000016")
        till.press(.function(2))
        till.type("98765432")
        guard case .createPayment(let request, _) = try #require(till.send(.keyPressed(.function(4))).first) else {
            Issue.record("no payment")
            return till
        }
        #expect(till.send(.paymentCreated(reference: request.reference)) == [.pollPayment(reference: request.reference)])
        var aggregate = Aggregate.zero(.NOK)
        aggregate.authorizedAmount = Amount(currency: .NOK, value: request.amount.value)
        aggregate.capturedAmount = aggregate.authorizedAmount
        // Paid: the bell, and nothing more to do than show it (and, with a printer, ask).
        #expect(till.send(.captured(reference: request.reference, aggregate: aggregate)) == [.bell])
        return till
    }

    @Test func withoutAPrinterNothingIsAsked() throws {
        var till = try Self.paid(.noPrinter)
        #expect(till.state.payment?.receiptPrint == nil)
        #expect(till.send(.keyPressed(.character("y"))).isEmpty)
        #expect(!TillModeTests.helpBar(till.state).contains("Print receipt"))
    }

    @Test func theCustomerIsAskedAndYesPrintsTheSalesOneCopy() throws {
        var till = try Self.paid(.ask)
        #expect(till.state.payment?.receiptPrint == .asking)
        #expect(TillModeTests.helpBar(till.state).contains("y Print receipt"))
        #expect(TillModeTests.helpBar(till.state).contains("n No paper"))
        // The original went to the customer's app with the payment: paper is the sale's copy.
        let effects = till.send(.keyPressed(.character("j")))  // ja
        guard case .copyReceipt(let sale)? = effects.first, effects.count == 1 else {
            Issue.record("yes should make the sale's copy: \(effects)")
            return
        }
        #expect(sale.sale == 42 && sale.receiptNumber == "000042" && sale.total == 2490)
        #expect(till.state.payment?.receiptPrint == .printing)
        // Asked once: a second y prints nothing more.
        #expect(till.send(.keyPressed(.character("y"))).isEmpty)
        #expect(till.send(.receiptCopyDone(sale: 42, refusal: nil)).isEmpty)
        let done = till.send(.printJobDone(PrintJobOutcome(document: "copy", number: "000042", sale: 42, printed: true)))
        #expect(done == [.record([.documentPrinted(sale: 42, document: "copy", number: "000042", confirmed: true)])])
        #expect(till.state.payment?.receiptPrint == .printed)
        #expect(till.state.banner?.text == "Copy of receipt 000042 printed.")
        #expect(TillScreen.render(till.state, size: TerminalSize(columns: 100, rows: 30)).text.contains("its paper copy is printed"))
    }

    @Test func aCopyRefusedWhenYesWasAnsweredSaysSoOnThePaidScreen() throws {
        var till = try Self.paid(.ask)
        _ = till.send(.keyPressed(.character("y")))
        let refusal = Message(.copyAlreadyMade, ["number": .text("000042")])
        #expect(till.send(.receiptCopyDone(sale: 42, refusal: refusal)) == [.bell])
        #expect(till.state.payment?.receiptPrint == .notPrinted(refusal))
    }

    @Test func noIsJournaledAsNotPrinted() throws {
        var till = try Self.paid(.ask)
        let effects = till.send(.keyPressed(.character("n")))
        #expect(effects == [.record([.receiptNotPrinted(sale: 42, receiptNumber: "000042", reason: "the customer wanted no paper receipt")])])
        #expect(till.state.payment?.receiptPrint == .notPrinted(Message(.customerWantedNoPaper)))
        #expect(till.state.mode != .selling(.code))  // still on the paid panel
    }

    @Test func goingOnWithoutAnAnswerIsANo() throws {
        var till = try Self.paid(.ask)
        let effects = till.send(.keyPressed(.enter))
        #expect(effects == [.record([.receiptNotPrinted(sale: 42, receiptNumber: "000042", reason: "no paper receipt was asked for")])])
        #expect(till.state.mode == .selling(.code))
        #expect(till.state.saleNumber == 43)
    }

    @Test func alwaysAndNeverAskNothing() throws {
        var always = try Self.paid(.always)
        #expect(always.state.payment?.receiptPrint == .printing)
        #expect(always.send(.keyPressed(.character("n"))).isEmpty)
        let never = try Self.paid(.never)
        #expect(never.state.payment?.receiptPrint == .notPrinted(Message(.printerSetNotToPrint)))
    }

    @Test func aJobThatDidNotPrintSaysWhyAndIsNotJournaledAsPrinted() throws {
        var till = try Self.paid(.always)
        let effects = till.send(.printJobDone(PrintJobOutcome(document: "sale", number: "000042", sale: 42, printed: false, problem: Message(.printerPaperOut))))
        #expect(effects.isEmpty)
        #expect(till.state.payment?.receiptPrint == .waiting(Message(.printerPaperOut)))
        #expect(till.state.banner?.text == "Receipt 000042 not printed yet: paper out. It prints when the printer is back.")
        // Later, after the next customer came: journaled, the banner says so.
        till.press(.enter)
        let done = till.send(.printJobDone(PrintJobOutcome(document: "sale", number: "000042", sale: 42, printed: true, confirmed: false)))
        #expect(done == [.record([.documentPrinted(sale: 42, document: "sale", number: "000042", confirmed: false)])])
        #expect(till.state.banner?.text.hasPrefix("Receipt 000042 sent to the printer, which did not confirm it") == true)
    }

    @Test func thePrinterStatusIsKept() {
        var till = TillDriver()
        till.apply(.printerChanged(PrinterIndicator(Message(.printerPaperOut), ok: false)))
        #expect(till.state.printer == PrinterIndicator(Message(.printerPaperOut), ok: false))
    }

    @Test func reportsPrintOnP() {
        var till = TillDriver()
        till.state.settings.receipts = .ask
        till.apply(.reportReady(TillModeTests.xReport()))
        #expect(TillModeTests.helpBar(till.state).contains("p Print"))
        #expect(till.send(.keyPressed(.character("p"))) == [.record([.printQueued(sale: nil, document: "x-report", number: "3")]),
                                                             .printReport(TillModeTests.xReport())])
        var without = TillDriver()
        without.apply(.reportReady(TillModeTests.xReport()))
        #expect(without.send(.keyPressed(.character("p"))) == [.bell])
        #expect(without.state.banner?.text.contains("No receipt printer") == true)
    }

    /// What was queued and never printed, found in the journal at the next start with the
    /// document it prints: the original receipt, the copy, the stored Z report.
    @Test func pendingPrintsAreTheQueuedOnesThatNeverCameOut() {
        let report = TillModeTests.xReport()
        var z = report
        z.kind = .z
        let events: [JournalEvent] = [
            .receiptIssued(sale: 1, document: "sale", receiptNumber: "000001", text: ["Salgskvittering", "one"]),
            .printQueued(sale: 1, document: "sale", number: "000001"),
            .documentPrinted(sale: 1, document: "sale", number: "000001", confirmed: true),
            .receiptIssued(sale: 2, document: "sale", receiptNumber: "000002", text: ["Salgskvittering", "two"]),
            .printQueued(sale: 2, document: "sale", number: "000002"),
            .receiptCopied(sale: 1, reference: "R", receiptNumber: "000001", amount: 100, text: ["KOPI", "one"]),
            .printQueued(sale: 1, document: "copy", number: "000001"),
            .zReport(z),
            .printQueued(sale: nil, document: "z-report", number: "3"),
            .printQueued(sale: 9, document: "sale", number: "000009"),  // its receipt is not among the events
            .printQueued(sale: 1, document: "sale", number: "000001"),  // printed once, queued again (a reprint), not printed
        ]
        let pending = PendingPrint.find(in: events)
        #expect(pending == [
            PendingPrint(sale: 2, document: "sale", number: "000002", text: ["Salgskvittering", "two"], report: nil),
            PendingPrint(sale: 1, document: "copy", number: "000001", text: ["KOPI", "one"], report: nil),
            PendingPrint(sale: nil, document: "z-report", number: "3", text: nil, report: z),
            PendingPrint(sale: 1, document: "sale", number: "000001", text: ["Salgskvittering", "one"], report: nil),
        ])
        #expect(PendingPrint.find(in: events + [.documentPrinted(sale: 2, document: "sale", number: "000002", confirmed: false)]).count == 3)
    }
}

/// What a step hands out on paper and in the journal, decided once (`ReceiptIssue`), from the
/// events the step stores.
struct ReceiptIssueTests {
    static let completed: [JournalEvent] = [.saleCompleted(Samples.sale)]
    static let refund = JournalRefund(returnNumber: 7, of: Samples.sale, amount: 4980, lines: [Samples.lines[0]])

    static func issue(_ events: [JournalEvent], refunds: [JournalRefund] = [], receipts: ReceiptPrinting, asking: Bool = false,
                      company: Bool = true) throws -> ReceiptIssue {
        // Asking: a sale paid on screen whose customer is asked about paper (its number is the sample's, 42).
        var state = asking ? try TillPrintingTests.paid(.ask).state : Fixture.state()
        #expect(state.saleNumber == Samples.sale.sale)
        #expect(!asking || state.payment?.receiptPrint == .asking)
        state.settings.receipts = receipts
        state.settings.receiptColumns = 42
        state.settings.company = company ? Samples.company : nil
        return ReceiptIssue.decide(for: events, refunds: refunds, state: state, cashier: "Kari", atUTC: 1_795_000_000)
    }

    @Test func aSaleWhoseReceiptsAllPrintGoesToPaperAsItsCopy() throws {
        let issue = try Self.issue(Self.completed, receipts: .always)
        #expect(issue.receipts.map(\.journalKind) == [.receiptIssued])
        #expect(issue.copies.map(\.journalKind) == [.receiptCopied])
        #expect(issue.prints.map(\.document) == ["copy"] && issue.prints.first?.number == Samples.sale.receiptNumber)
        let copy = try #require(issue.prints.first?.text)
        #expect(copy.contains { $0.contains("KOPI") } && copy.allSatisfy { $0.count <= 42 })
        #expect(issue.entries.map(\.journalKind) == [.receiptIssued, .receiptCopied, .printQueued])
    }

    @Test func aSaleWhoseCustomerIsAskedIsStoredAndNotPrintedYet() throws {
        let asked = try Self.issue(Self.completed, receipts: .ask, asking: true)
        #expect(asked.receipts.count == 1 && asked.prints.isEmpty && asked.copies.isEmpty)
        // Nobody was asked (recovery completed it after a restart): printed.
        #expect(try Self.issue(Self.completed, receipts: .ask).prints.map(\.document) == ["copy"])
        #expect(try Self.issue(Self.completed, receipts: .never).prints.isEmpty)
    }

    @Test func aReturnsReceiptIsAlwaysPrinted() throws {
        let events: [JournalEvent] = [.refunded(sale: Samples.sale.sale, reference: Samples.sale.reference, returnNumber: 7, amount: 4980)]
        let issue = try Self.issue(events, refunds: [Self.refund], receipts: .never)
        #expect(issue.prints.map(\.document) == ["return"] && issue.copies.isEmpty)
    }

    @Test func withoutACompanyOrAPrinterNoReceiptIsMade() throws {
        #expect(try Self.issue(Self.completed, receipts: .noPrinter, company: false) == ReceiptIssue())
        // A company but no printer: stored (the law's receipt) with why it was not printed, never printed.
        let stored = try Self.issue(Self.completed, receipts: .noPrinter)
        #expect(stored.receipts.map(\.journalKind) == [.receiptIssued, .receiptNotPrinted] && stored.prints.isEmpty)
        // A printer but no company: the shop's name heads it.
        let shop = try Self.issue(Self.completed, receipts: .always, company: false)
        #expect(shop.prints.first?.text?.contains { $0.contains("Kasse Demo") } == true)
    }
}

/// One action's whole outcome from the core (`Till.step`): the journal write it calls for, with
/// its signature request, receipts and prints, and the effects the shell carries out after it.
struct TillStepTests {
    static func basket(receipts: ReceiptPrinting = .always) -> TillDriver {
        var till = TillDriver()
        till.state.settings.receipts = receipts
        till.state.settings.receiptColumns = 42
        till.state.settings.company = Samples.company
        till.state.secondsSince1970 = 1_795_000_000
        till.type("7040000000016")
        till.press(.function(2))
        till.type("98765432")
        return till
    }

    @Test func aPaidSaleIsOneWriteSignedWithItsReceiptAndItsPaperCopy() throws {
        let till = Self.basket()
        var state = till.state
        let send = till.till.step(&state, .keyPressed(.function(4)))
        // The request is stored (with its key) in the write before the effect sends it; nothing to sign yet.
        let request = try #require(send.effects.first?.paymentRequest)
        #expect(send.effects.count == 1)
        let started = try #require(send.write)
        #expect(started.events.map(\.journalKind).contains(.paymentStarted))
        #expect(!started.signatureRequested && started.issue == ReceiptIssue())
        _ = till.till.step(&state, .paymentCreated(reference: request.reference))
        var aggregate = Aggregate.zero(.NOK)
        aggregate.authorizedAmount = request.amount
        aggregate.capturedAmount = request.amount
        let paid = till.till.step(&state, .captured(reference: request.reference, aggregate: aggregate))
        let write = try #require(paid.write)
        #expect(write.events.map(\.journalKind).contains(.saleCompleted))
        #expect(write.signatureRequested && write.atUTC == 1_795_000_000)
        #expect(write.after.map(\.journalKind) == [.receiptIssued, .receiptCopied, .printQueued])
        #expect(write.issue.prints.map(\.document) == ["copy"])
        #expect(write.issue.prints.first?.text?.allSatisfy { $0.count <= 42 } == true)
        #expect(!paid.effects.contains { if case .record = $0 { true } else { false } })
    }

    @Test func aStepThatChangesNothingStoredWritesNothing() {
        let till = Self.basket()
        var state = till.state
        let tick = till.till.step(&state, .ticked(Fixture.start + .seconds(1)))
        #expect(tick.write == nil && tick.effects.isEmpty)
    }

    /// A payment recovery settles after a restart is made by whoever started it, not by who
    /// is logged in now.
    @Test func recoveryWritesInTheNameOfWhoStartedThePayment() throws {
        var till = TillDriver()
        till.state.employee = StaffMember(id: "1001", name: "Kari", role: .cashier)
        var recovering = RecoveringPayment(start: TillRecoveryTests.start, unwanted: false)
        recovering.startedBy = "1002"
        var state = till.state
        _ = till.till.step(&state, .recoveryStarted([recovering]))
        let capture = till.till.step(&state, .recoveryRead(reference: TillRecoveryTests.reference,
                                                             reading: .found(state: .AUTHORIZED, captured: 0, cancelled: 0), history: "events"))
        let write = try #require(capture.write)
        #expect(write.events.map(\.journalKind) == [.captureStarted])
        #expect(write.employee == "1002")
        // Without one known, the one logged in.
        state = till.state
        _ = till.till.step(&state, .recoveryStarted([RecoveringPayment(start: TillRecoveryTests.start, unwanted: false)]))
        let mine = till.till.step(&state, .recoveryRead(reference: TillRecoveryTests.reference,
                                                          reading: .found(state: .AUTHORIZED, captured: 0, cancelled: 0), history: "events"))
        #expect(try #require(mine.write).employee == "1001")
    }
}
