import KasseCore
import KasseLanguage
import KasseTill
import Testing
import KasseJournal

/// The pure rules behind the till's defences: lock-out that grows and is counted from the
/// journal, a manager's six-digit PIN, and which codes a customer display draws.
struct SecurityRulesTests {
    @Test func lockOutWaitsLongerAfterEachWrongPINInARow() {
        #expect(LogInLockOut.delay(afterRefusalsInARow: 2) == nil)
        #expect(LogInLockOut.delay(afterRefusalsInARow: 3) == .seconds(30))
        #expect(LogInLockOut.delay(afterRefusalsInARow: 4) == .seconds(60))
        #expect(LogInLockOut.delay(afterRefusalsInARow: 6) == .seconds(240))
        #expect(LogInLockOut.delay(afterRefusalsInARow: 50) == .seconds(900))
    }

    @Test func theRowIsReadFromTheJournalAndEndsAtALogIn() {
        let kari = StaffMember(id: "1001", name: "Kari", role: .cashier)
        let events: [(event: JournalEvent, at: Double)] = [
            (.logInRefused(employee: "1001"), 100), (.loggedIn(kari), 110),
            (.logInRefused(employee: "9001"), 200), (.operatorAction("x"), 205), (.logInRefused(employee: "4242"), 210),
            (.logInRefused(employee: "9001"), 220),
        ]
        let lockOut = LogInLockOut.from(events)
        #expect(lockOut == LogInLockOut(refusalsInARow: 3, lastRefusal: 220))
        #expect(lockOut.secondsLeft(now: 221) == 29)
        #expect(lockOut.secondsLeft(now: 250) == 0)
        #expect(LogInLockOut.from(Array(events.prefix(2))).refusalsInARow == 0)
    }

    /// A till restarted with three wrong PINs in its journal is still locked, and the next wrong
    /// PIN doubles the wait.
    @Test func aLockCarriedOverFromTheJournalHoldsAndGrows() {
        var till = TillStaffTests.driver()
        till.state.wrongPINs = 3
        till.state.lockedUntil = till.state.now + .seconds(12)
        for character in "1001" { till.press(.character(character)) }
        till.press(.enter)
        for character in "1234" { till.press(.character(character)) }
        #expect(till.send(.keyPressed(.enter)) == [.bell])
        #expect(till.state.banner?.text.contains("Try again in 12 s") == true)
        till.state.now = till.state.now + .seconds(13)
        for character in "1111" { till.press(.character(character)) }
        _ = till.send(.keyPressed(.enter))
        #expect(till.send(.pinChecked(employeeID: "1001", matches: false)) == [.record([.logInRefused(employee: "1001")]), .bell])
        #expect(till.state.wrongPINs == 4)
        #expect(till.state.banner?.text.contains("4 times: log-in is locked for 60 s") == true, "\(till.state.banner?.text ?? "")")
    }

    /// A manager's PIN has six digits at least: four are refused before any check, and counted.
    @Test func aFourDigitManagerPINIsRefused() {
        var till = TillStaffTests.driver()
        let effects = TillStaffTests.typeForm(&till, "9001", "9999")
        #expect(effects.contains(.record([.logInRefused(employee: "9001")])))
        #expect(!effects.contains { if case .checkPIN = $0 { true } else { false } })
        #expect(till.state.banner?.text.contains("at least 6 digits") == true, "\(till.state.banner?.text ?? "")")
        #expect(till.state.wrongPINs == 1)
        #expect(StaffList.isValidPIN("9999", role: .cashier) && !StaffList.isValidPIN("9999", role: .manager))
        #expect(StaffList.isValidPIN("999999", role: .manager))
    }

    @Test(arguments: [
        ("https://pay.vipps.no/abc?token=1", false, true),
        ("https://qr.vipps.no/p/abc", false, true),
        ("https://pay.mobilepay.dk/x", false, true),
        ("https://pay.vipps.fi/x", false, true),
        ("HTTPS://PAY.VIPPS.DK/x", false, true),
        ("http://pay.vipps.no/abc", false, false),
        ("https://attacker.example/pay-me", false, false),
        ("https://pay.vipps.no@attacker.example/x", false, false),
        ("https://pay.vipps.no.attacker.example/x", false, false),
        ("https://evilvipps.no/x", false, false),
        ("https://vipps.no:443/x", false, true),
        ("javascript:alert(1)", false, false),
        ("", false, false),
        ("http://127.0.0.1:8080/pay/1", false, false),
        ("http://127.0.0.1:8080/pay/1", true, true),
        ("http://[::1]:8080/pay/1", true, true),
        ("http://attacker.example/pay/1", true, false),
    ])
    func aDisplayDrawsOnlyVippsMobilePaysCodes(url: String, loopback: Bool, drawn: Bool) {
        #expect(CustomerView.mayDraw(url, loopback: loopback) == drawn)
    }

    @Test func aCodeNotDrawnIsSaidPlainly() {
        let view = CustomerView(shopName: "Butikken", language: "en", currency: "NOK", lines: [], total: 4990,
                                phase: .scanOurCode(url: "https://attacker.example/pay-me", amount: 4990, secondsLeft: 300))
        let restricted = view.restrictingCodes(loopback: false)
        #expect(restricted.phase == .codeRefused(amount: 4990, secondsLeft: 300))
        let screen = CustomerScreen.render(restricted, size: TerminalSize(columns: 80, rows: 24)).text
        #expect(screen.contains("This code cannot be shown here: ask the cashier."), "\(screen)")
        #expect(view.restrictingCodes(loopback: true) == restricted)
        var allowed = view
        allowed.phase = .scanOurCode(url: "https://pay.vipps.no/x", amount: 4990, secondsLeft: 300)
        #expect(allowed.restrictingCodes(loopback: false) == allowed)
    }
}
