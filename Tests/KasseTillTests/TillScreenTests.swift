import KasseCore
import KasseLanguage
import KasseTill
import Testing
import VippsModels
import KasseJournal

struct TillScreenTests {
    static let small = TerminalSize(columns: 80, rows: 24)
    static let large = TerminalSize(columns: 120, rows: 40)

    static func scenes() throws -> [(String, TillState)] {
        var scenes: [(String, TillState)] = []
        var till = TillDriver.forScreens()
        scenes.append(("empty", till.state))
        till.type("3*7040000000016")
        till.type("4001")
        till.type("0,734")
        till.type("7004")
        till.press(.up)
        till.press(.function(7))
        till.type("20%")
        till.press(.function(2))
        till.type("912 34 567")
        scenes.append(("basket", till.state))
        var searching = till
        searching.type("melk", enter: false)
        scenes.append(("search", searching.state))
        var phone = TillDriver.forScreens()
        phone.type("1001")
        phone.press(.function(4))
        phone.type("12", enter: false)
        scenes.append(("ask-customer", phone.state))
        let request = try #require(till.send(.keyPressed(.function(4))).first?.paymentRequest)
        till.apply(.paymentCreated(reference: request.reference))
        till.apply(.ticked(Fixture.start + .seconds(75)))
        scenes.append(("waiting", till.state))
        var checking = till
        checking.apply(.paymentCreateFailed(reference: request.reference, failure: .noAnswer))
        scenes.append(("checking", checking.state))
        var declined = till
        declined.apply(.paymentUpdated(reference: request.reference, state: .ABORTED, aggregate: .zero(.NOK)))
        scenes.append(("declined", declined.state))
        var paid = till
        var aggregate = Aggregate.zero(.NOK)
        aggregate.authorizedAmount = Amount(currency: .NOK, value: request.amount.value)
        aggregate.capturedAmount = aggregate.authorizedAmount
        paid.apply(.captured(reference: request.reference, aggregate: aggregate))
        scenes.append(("paid", paid.state))
        // Approved, but Vipps MobilePay asks to try the capture again later; then refuses it.
        var delayed = till
        var approved = Aggregate.zero(.NOK)
        approved.authorizedAmount = Amount(currency: .NOK, value: request.amount.value)
        delayed.apply(.paymentUpdated(reference: request.reference, state: .AUTHORIZED, aggregate: approved, guaranteedFor: .seconds(3600)))
        delayed.apply(.captureFailed(reference: request.reference, failure: .busy(.captureFailedTryLater)))
        scenes.append(("capture-delayed", delayed.state))
        delayed.apply(.captureFailed(reference: request.reference, failure: .refused(code: .fundsUnavailable, status: 400, title: nil)))
        scenes.append(("not-captured", delayed.state))
        // With a printer: the question after PAID, and the printer in the status bar.
        var asking = till
        asking.state.settings.receipts = .ask
        asking.apply(.printerChanged(PrinterIndicator(Message(.printerPaperLow), ok: true)))
        asking.apply(.captured(reference: request.reference, aggregate: aggregate))
        scenes.append(("paid-asking-print", asking.state))
        var waiting = asking
        waiting.press(.character("y"))
        waiting.apply(.printerChanged(PrinterIndicator(Message(.printerPaperOut), ok: false)))
        waiting.apply(.printJobDone(PrintJobOutcome(document: "sale", number: waiting.state.receiptNumber, sale: waiting.state.saleNumber,
                                                   printed: false, problem: Message(.printerPaperOut))))
        scenes.append(("paid-print-waiting", waiting.state))
        var quit = TillDriver.forScreens()
        quit.type("1001")
        quit.press(.function(10))
        scenes.append(("confirm-quit", quit.state))
        var report = TillDriver.forScreens()
        #expect(report.send(.keyPressed(.function(11))) == [.makeReport(.x)])
        let vat = [JournalVAT(rateBasisPoints: 2500, gross: 12_990, tax: 2598), JournalVAT(rateBasisPoints: 1500, gross: 40_470, tax: 5279)]
        report.apply(.reportReady(JournalReport(
            kind: .x, number: 7, store: "OSLO1", till: "1", currency: "NOK", firstEntry: 120, lastEntry: 188,
            generatedAt: "2026-11-21T17:02:11.000Z", salesCount: 14, salesTotal: 55_950, returnsCount: 1, returnsTotal: 2490,
            abandonedSales: 2, endedPayments: 3, vat: vat)))
        scenes.append(("x-report", report.state))
        report.press(.function(12))
        scenes.append(("confirm-z-report", report.state))
        var returning = TillDriver.forScreens()
        returning.press(.function(3))
        returning.type("000005", enter: false)
        scenes.append(("return-ask", returning.state))
        var byDay = TillDriver.forScreens()
        byDay.press(.function(3))
        byDay.type("21.11")
        byDay.apply(.returnSalesListed(day: CivilDate(year: 2026, month: 11, day: 21), sales: [JournalRulesTests.sale]))
        scenes.append(("return-day", byDay.state))
        var recovered = TillDriver.forScreens()
        recovered.apply(.recovered(RecoveryNotice(
            sale: 5, message: Message(.recoveredApprovedWhileDown, ["number": .text("000005"), "amount": .money(10470, .NOK)]), paid: true,
            restoreLines: nil, paidSale: JournalRulesTests.sale)))
        scenes.append(("recovered-paid", recovered.state))
        returning.press(.enter)
        returning.apply(.returnSaleFound(sale: JournalRulesTests.sale, earlier: [], refundable: 10_470, nextReturnNumber: 1))
        returning.type("1:1 2")
        scenes.append(("return-confirm", returning.state))
        if case .confirming(_, let lines)? = returning.state.returning?.phase {
            returning.press(.character("y"))
            returning.apply(.returnRefunded(JournalRefund(
                sale: 5, reference: "R-5-1", returnNumber: 1, amount: 5490, currency: "NOK", key: "r1-R-5-1", lines: lines)))
        }
        scenes.append(("return-done", returning.state))
        // Staff: the log-in screen (DEMO shows its demo staff), a manager's approval, training mode.
        var staffed = TillStaffTests.driver(forScreens: true)
        scenes.append(("log-in", staffed.state))
        staffed.type("1001")
        for character in "12" { staffed.press(.character(character)) }
        scenes.append(("log-in-pin", staffed.state))
        for character in "34" { staffed.press(.character(character)) }
        staffed.press(.enter)
        staffed.apply(.pinChecked(employeeID: "1001", matches: true))
        staffed.press(.function(1))
        scenes.append(("manager-approval", staffed.state))
        _ = TillStaffTests.typeForm(&staffed, "9001", "999999")
        staffed.apply(.pinChecked(employeeID: "9001", matches: true))
        staffed.type("7040000000016")
        scenes.append(("training", staffed.state))
        return scenes
    }

    /// Every screen in every language, at 80×24 and at 120×40.
    @Test(arguments: Language.all)
    func everyScreenAt80x24AndLarger(in language: Language) throws {
        for (name, scene) in try Self.scenes() {
            var state = scene
            state.settings.language = language
            // The report is the shop's document, in its market's language (Norwegian in Norway).
            state.settings.market = language == .danish ? .denmark : language == .finnish ? .finland : .norway
            assertSnapshot(TillScreen.render(state, size: Self.small), named: "\(name)-\(language.code)-80x24")
            assertSnapshot(TillScreen.render(state, size: Self.large), named: "\(name)-\(language.code)-120x40")
        }
    }

    /// The longest language still fits at 80×24: nothing on any screen is cut off (long
    /// messages wrap), and every key of the panel on screen is on the help bar.
    @Test(arguments: Language.all)
    func everyLanguageFitsAt80x24(in language: Language) throws {
        for (name, scene) in try Self.scenes() {
            var state = scene
            state.settings.language = language
            let canvas = TillScreen.render(state, size: Self.small)
            #expect(canvas.clipped.isEmpty, "\(language) \(name): cut off: \(canvas.clipped)")
            let help = canvas.row(Self.small.rows - 1)
            for binding in KeyMap.panel(state.mode) where binding.action != .print || state.settings.receipts.hasPrinter {
                let label = binding.label == "y" ? String(language.yesKey) : binding.label
                #expect(help.contains("\(label) \(language.text(binding.help))"), "\(language) \(name): \(help)")
            }
        }
    }

    /// Every message the till may show as a banner fits in two rows of 80 columns, in every
    /// language, with its placeholders filled with long values.
    @Test(arguments: Language.all)
    func everyBannerFitsInTwoRows(in language: Language) {
        let long: MessageArgument = .text("0000000000")
        for key in MessageKey.allCases where !key.rawValue.hasPrefix("report") && !key.rawValue.hasPrefix("receipt") {
            let template = language.template(key) ?? ""
            var arguments: [String: MessageArgument] = [:]
            for part in template.split(separator: "{").dropFirst() {
                if let close = part.firstIndex(of: "}") { arguments[String(part[..<close])] = long }
            }
            let text = language.text(Message(key, arguments))
            #expect(TillScreen.wrapped(text, width: 80).count <= 2, "\(language) \(key): \(text.count) characters")
        }
    }

    @Test func aTinyWindowSaysSo() {
        let canvas = TillScreen.render(Fixture.state(), size: TerminalSize(columns: 40, rows: 10))
        #expect(canvas.row(0).hasPrefix("Make the window larger"))
    }

    @Test func theStatusBarNamesTheModeAndNeverShowsWholeNumbers() throws {
        for (_, state) in try Self.scenes() {
            let text = TillScreen.render(state, size: Self.small).text
            // Training mode says so in every frame, where the run mode otherwise stands.
            #expect(text.hasPrefix(state.training ? " TRAINING " : " DEMO "))
            #expect(!text.contains("91234567"))
            #expect(!text.contains("4791234567"))
        }
        let production = TillScreen.render(Fixture.state(mode: .production), size: Self.small)
        #expect(production.row(0).hasPrefix(" PRODUCTION "))
    }

    @Test func theHelpBarComesFromTheKeyTable() {
        var state = Fixture.state()
        state.employee = StaffMember(id: "1001", name: "Kari Kasserer", role: .cashier)
        let bottom = TillScreen.render(state, size: TerminalSize(columns: 160, rows: 40)).row(39)
        for binding in KeyMap.bindings { #expect(bottom.contains("\(binding.label) \(Language.english.text(binding.help))"), "\(bottom)") }
        // At 80 columns the essential keys stay, in every language; others give way.
        for language in Language.all {
            state.settings.language = language
            let narrow = TillScreen.render(state, size: Self.small).row(23)
            for binding in KeyMap.bindings where KeyMap.essential.contains(binding.command) {
                #expect(narrow.contains("\(binding.label) \(language.text(binding.help))"), "\(language): \(narrow)")
            }
        }
        // Without a log-in (no staff list) there is nobody to log out and no manager for training.
        let alone = TillScreen.render(Fixture.state(), size: Self.large).row(39)
        #expect(!alone.contains("Log out") && !alone.contains("Training") && alone.contains("F11 X report"))
    }
}
