import KasseCore
import KasseLanguage
import KasseTill
import Testing
import VippsModels
import KasseJournal

/// Log-in, lock-out, log-out, manager approval and training mode, through the pure reducer.
/// The PIN check is an effect: these tests answer it as the runtime would.
struct TillStaffTests {
    static let staff = StaffList([
        StaffList.Entry(member: StaffMember(id: "1001", name: "Kari Kasserer", role: .cashier), pinHash: "hash-kari"),
        StaffList.Entry(member: StaffMember(id: "9001", name: "Mona Manager", role: .manager), pinHash: "hash-mona"),
        StaffList.Entry(member: StaffMember(id: "1002", name: "Aino Virtanen", role: .cashier, language: "fi"), pinHash: "hash-aino"),
    ])

    /// A till with staff, at its log-in screen.
    static func driver(forScreens: Bool = false) -> TillDriver {
        var driver = forScreens ? TillDriver.forScreens() : TillDriver()
        driver.till.staff = staff
        driver.state.mode = .loggingIn(LogInForm())
        return driver
    }

    static func typeForm(_ driver: inout TillDriver, _ id: String, _ pin: String) -> [TillEffect] {
        driver.type(id)
        for character in pin { driver.apply(.keyPressed(.character(character))) }
        return driver.send(.keyPressed(.enter))
    }

    @Test func aCorrectPINLogsInAndTheJournalSaysWho() throws {
        var till = Self.driver()
        let before = till.state
        let effects = Self.typeForm(&till, "1001", "1234")
        // The reducer asks for the check with the member's stored hash; it never decides itself.
        #expect(effects == [.checkPIN(employeeID: "1001", pin: "1234", hash: "hash-kari")])
        #expect(till.state.logIn?.checking == true)
        // Keys while checking do nothing.
        till.press(.character("9"))
        #expect(till.state.logIn?.pin == "1234")
        till.apply(.pinChecked(employeeID: "1001", matches: true))
        #expect(till.state.employee?.name == "Kari Kasserer")
        #expect(till.state.mode == .selling(.code))
        #expect(JournalDiff.events(from: before, to: till.state) == [.loggedIn(StaffMember(id: "1001", name: "Kari Kasserer", role: .cashier))])
    }

    @Test func wrongPINsAreCountedThenLockTheTillForAWhile() throws {
        var till = Self.driver()
        var effects = Self.typeForm(&till, "1001", "1111")
        #expect(till.send(.pinChecked(employeeID: "1001", matches: false)) == [.record([.logInRefused(employee: "1001")]), .bell])
        #expect(till.state.banner?.text.contains("Wrong employee number or PIN. 2 more tries") == true)
        #expect(till.state.logIn?.field == .pin && till.state.logIn?.pin == "")
        // An unknown employee number is the same mistake, said the same way, and journaled without any PIN.
        till.press(.escape)
        effects = Self.typeForm(&till, "4242", "1234")
        #expect(effects.contains(.record([.logInRefused(employee: "4242")])))
        #expect(!effects.contains { if case .checkPIN = $0 { true } else { false } })
        till.press(.escape)
        _ = Self.typeForm(&till, "1001", "2222")
        #expect(till.send(.pinChecked(employeeID: "1001", matches: false)) == [.record([.logInRefused(employee: "1001")]), .bell])
        #expect(till.state.banner?.text.contains("locked for 30 s") == true)
        // Locked: even the right PIN is not checked, and the wait is said.
        for character in "1234" { till.press(.character(character)) }
        effects = till.send(.keyPressed(.enter))
        #expect(effects == [.bell])
        #expect(till.state.banner?.text.contains("Try again in 30 s") == true)
        // The lock ends with time (the state's clock, as the runtime keeps it).
        till.state.now = Fixture.start + .seconds(31)
        for character in "1234" { till.press(.character(character)) }
        effects = till.send(.keyPressed(.enter))
        #expect(effects == [.checkPIN(employeeID: "1001", pin: "1234", hash: "hash-kari")])
        till.apply(.pinChecked(employeeID: "1001", matches: true))
        #expect(till.state.employee?.id == "1001" && till.state.wrongPINs == 0)
    }

    @Test func aPINIsDigitsAndAnAnswerForSomeoneElseIsIgnored() throws {
        var till = Self.driver()
        till.type("1001")
        till.press(.character("a"))
        #expect(till.receive() == [.bell])
        #expect(till.state.logIn?.pin == "" && till.state.banner?.text == "A PIN is digits only")
        for character in "1234" { till.press(.character(character)) }
        till.press(.enter)
        #expect(till.receive() == [.checkPIN(employeeID: "1001", pin: "1234", hash: "hash-kari")])
        // A stale answer (another form) changes nothing.
        till.apply(.pinChecked(employeeID: "9001", matches: true))
        #expect(till.state.employee == nil)
        // Scans wait for a log-in.
        till.apply(.pinChecked(employeeID: "1001", matches: true))
        till.press(.function(12))
        #expect(till.send(.scanned(text: "7040000000016", device: "x", role: .cashier)) == [.bell])
        #expect(till.state.basket.isEmpty && till.state.banner?.text == "Log in first: employee number and PIN")
    }

    @Test func logOutNeedsAnEmptyBasketAndIsJournaled() throws {
        var till = Self.driver()
        _ = Self.typeForm(&till, "1001", "1234")
        till.apply(.pinChecked(employeeID: "1001", matches: true))
        till.type("7040000000016")
        till.press(.function(12))
        #expect(till.receive() == [.bell])
        #expect(till.state.employee != nil && till.state.banner?.text == "Finish or void the sale before logging out.")
        till.press(.function(8))
        let before = till.state
        till.press(.function(12))
        #expect(till.state.employee == nil && till.state.logIn == LogInForm())
        #expect(JournalDiff.events(from: before, to: till.state) == [.loggedOut(employee: "1001")])
    }

    @Test func aZReportNeedsAManagersPIN() throws {
        var till = Self.driver()
        _ = Self.typeForm(&till, "1001", "1234")
        till.apply(.pinChecked(employeeID: "1001", matches: true))
        let report = JournalReport.make(kind: .x, number: 3, store: "OSLO1", till: "1", currency: "NOK", generatedAt: "", entries: [])
        till.apply(.reportReady(report))
        till.press(.function(12))
        let effects = till.send(.keyPressed(.character("y")))
        // Not closed yet: a manager must approve.
        #expect(effects.isEmpty)
        #expect(till.state.approval?.purpose == .zReport(report))
        // The cashier's own PIN is refused: not a manager.
        #expect(Self.typeForm(&till, "1001", "1234") == [.checkPIN(employeeID: "1001", pin: "1234", hash: "hash-kari")])
        #expect(till.send(.pinChecked(employeeID: "1001", matches: true)) == [.bell])
        #expect(till.state.banner?.text == "Kari Kasserer is not a manager. A manager must close the day with Z report 3.")
        #expect(till.state.approval?.form == LogInForm())
        _ = Self.typeForm(&till, "9001", "999999")
        let approved = till.send(.pinChecked(employeeID: "9001", matches: true))
        #expect(approved == [.record([.managerApproved(employee: "9001", action: "Z report 3")]), .makeReport(.z)])
        #expect(till.state.employee?.id == "1001")  // the cashier stays logged in
    }

    @Test func escCancelsAnApprovalAndGoesBack() throws {
        var till = Self.driver()
        _ = Self.typeForm(&till, "9001", "999999")
        till.apply(.pinChecked(employeeID: "9001", matches: true))
        till.press(.function(1))
        // A manager at the till only types the PIN.
        #expect(till.state.approval?.form == LogInForm(field: .pin, employeeID: "9001"))
        till.press(.escape)  // the PIN field: back to a blank number
        #expect(till.state.approval?.form == LogInForm())
        till.press(.escape)  // the number field: cancelled
        #expect(till.state.mode == .selling(.code) && !till.state.training)
    }

    @Test func trainingModeIsApprovedMarkedAndJournaled() throws {
        var till = Self.driver()
        _ = Self.typeForm(&till, "1001", "1234")
        till.apply(.pinChecked(employeeID: "1001", matches: true))
        till.press(.function(1))
        _ = Self.typeForm(&till, "9001", "999999")
        let on = till.send(.pinChecked(employeeID: "9001", matches: true))
        #expect(on == [.record([.trainingMode(on: true, manager: "9001")])])
        #expect(till.state.training)
        // A training sale is marked so in the journal from its first payment entry.
        till.type("7040000000016")
        till.press(.function(2))
        till.type("91234567")
        let before = till.state
        let pay = till.send(.keyPressed(.function(4)))
        guard case .createPayment(let request, _) = try #require(pay.first) else { Issue.record("no payment"); return }
        guard case .paymentStarted(let start) = try #require(JournalDiff.events(from: before, to: till.state).first) else {
            Issue.record("no payment-started"); return
        }
        #expect(start.training == true)
        #expect(till.send(.paymentCreated(reference: request.reference)) == [.pollPayment(reference: request.reference)])
        #expect(till.send(.paymentUpdated(reference: request.reference, state: .AUTHORIZED, aggregate: .zero(.NOK))) == [.capture(reference: request.reference, amount: request.amount, idempotencyKey: IdempotencyKey(.capture, reference: request.reference))])
        let paidBefore = till.state
        till.apply(.captured(reference: request.reference, aggregate: Aggregate(
            authorizedAmount: request.amount, cancelledAmount: .init(currency: .NOK, value: 0), capturedAmount: request.amount,
            refundedAmount: .init(currency: .NOK, value: 0))))
        #expect(till.receive() == [.bell])
        let completed = JournalDiff.events(from: paidBefore, to: till.state).compactMap { event -> JournalSale? in
            if case .saleCompleted(let sale) = event { sale } else { nil }
        }
        #expect(completed.first?.isTraining == true)
        // No copy of a training sale, and no returns in training.
        till.press(.character("c"))
        #expect(till.receive() == [.bell])
        #expect(till.state.banner?.text == "A training sale has no receipt to copy.")
        till.press(.enter)
        till.press(.function(3))
        #expect(till.receive() == [.bell])
        #expect(till.state.banner?.text.hasPrefix("No returns in training mode") == true)
    }

    @Test func recoveryAtTheLogInScreenWaitsForWhoeverLogsIn() throws {
        var till = Self.driver()
        let notice = RecoveryNotice(sale: 41, message: Message(.recoveredPaid, ["number": .text("000041"), "amount": .money(100, .NOK)]), paid: true, restoreLines: nil)
        #expect(till.send(.recovered(notice)) == [.bell])
        #expect(till.state.logIn != nil && till.state.heldNotices == [notice])
        _ = Self.typeForm(&till, "1001", "1234")
        #expect(till.send(.pinChecked(employeeID: "1001", matches: true)) == [.bell])
        #expect(till.state.heldNotices.isEmpty && till.state.banner?.text == notice.text)
    }

    @Test func aSearchLeftWithoutAddingIsAPriceLookUp() throws {
        var till = TillDriver()
        till.type("lettmelk", enter: false)
        let shown = try #require(till.state.searchResults.first)
        let effects = till.send(.keyPressed(.escape))
        #expect(effects == [.record([.priceLookUp(sku: shown.sku, name: shown.name, price: shown.unitPrice, articleGroup: shown.articleGroup)])])
        // A search that found nothing, or one that added the product, looked nothing up.
        till.type("zzzz", enter: false)
        #expect(till.send(.keyPressed(.escape)).isEmpty)
        till.type("lettmelk", enter: false)
        #expect(till.send(.keyPressed(.enter)).isEmpty && till.state.basket.lines.count == 1)
    }

    @Test func aWholeSaleIsVoidedAfterAYesAndRecordedAsSuch() throws {
        var till = TillDriver()
        till.type("7040000000016")
        till.type("2*1002")
        let total = till.state.basket.total
        // F9 with lines asks; no keeps the basket.
        #expect(till.send(.keyPressed(.function(9))).isEmpty && till.state.mode == .confirmingVoid)
        till.press(.character("n"))
        #expect(till.state.mode == .selling(.code) && till.state.basket.lines.count == 2 && till.state.saleNumber == 42)
        till.press(.function(9))
        let before = till.state
        let effects = till.send(.keyPressed(.character("y")))
        guard case .record(let events)? = effects.first, case .saleVoided(let voided)? = events.first else {
            Issue.record("no voided sale recorded: \(effects)")
            return
        }
        #expect(voided.sale == 42 && voided.total == total && voided.captured == 0 && voided.lines.count == 2 && voided.reference.isEmpty)
        #expect(till.state.basket.isEmpty && till.state.saleNumber == 43)
        // Not line corrections: the sale's lines go with it, under its own number.
        #expect(JournalDiff.events(from: before, to: till.state).isEmpty)
        // Quitting with a basket nobody is paying for voids it too.
        till.type("7040000000016")
        till.press(.function(10))
        #expect(till.send(.keyPressed(.character("y"))).first == .record([.saleVoided(till.state.voidedSale())]))
    }

    @Test func withoutAStaffListThereIsNoLogIn() throws {
        var till = TillDriver()
        till.press(.function(12))
        #expect(till.state.banner?.text == "Log-in is off on this till: the configuration has no [[staff]].")
        till.press(.function(1))
        #expect(till.receive() == [.bell])
        #expect(till.state.mode == .selling(.code) && !till.state.training)
    }

    /// A cashier with a language of their own sees it from log-in to log-out; the till's own
    /// comes back for the next one. Receipts stay in the shop's language.
    @Test func aCashiersOwnLanguageFollowsTheirLogIn() {
        var till = Self.driver()
        let size = TerminalSize(columns: 80, rows: 24)
        #expect(TillScreen.render(till.state, size: size).text.contains("Employee number"))
        _ = Self.typeForm(&till, "1002", "5678")
        till.apply(.pinChecked(employeeID: "1002", matches: true))
        #expect(till.state.language == .finnish)
        #expect(till.state.settings.documentLanguage == .norwegian)
        let screen = TillScreen.render(till.state, size: size).text
        #expect(screen.contains("Kirjautunut: Aino Virtanen (1002)"), "\(screen)")
        #expect(screen.contains("F4 Maksa"), "\(screen)")
        till.press(.function(12))
        #expect(till.state.language == .english)
        #expect(TillScreen.render(till.state, size: size).text.contains("Aino Virtanen logged out"))
    }
}
