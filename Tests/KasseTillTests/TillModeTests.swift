import KasseCore
import KasseLanguage
import KasseTill
import Testing
import VippsModels
import KasseJournal

/// One screen state: the reducer, the screen and the help bar switch on the same `TillMode`,
/// and the help bar is drawn from the same key table the reducer reads.
struct TillModeTests {
    static func xReport() -> JournalReport {
        JournalReport(kind: .x, number: 3, store: "OSLO1", till: "1", currency: "NOK", firstEntry: 1, lastEntry: 9,
                      generatedAt: "2026-11-21T12:00:00Z", salesCount: 0, salesTotal: 0, returnsCount: 0, returnsTotal: 0,
                      abandonedSales: 0, endedPayments: 0, vat: [])
    }

    static func helpBar(_ state: TillState) -> String {
        let size = TerminalSize(columns: 100, rows: 30)
        return TillScreen.render(state, size: size).row(size.rows - 1).trimmingTrailingSpaces()
    }

    /// F11, then F3 before the journal answers: the return stays on screen and has the keys;
    /// the late X report takes nothing from it (before, Esc and F12 went to a hidden report).
    @Test func f11ThenF3QuicklyLeavesTheReturnInCharge() {
        var till = TillDriver()
        #expect(till.send(.keyPressed(.function(11))) == [.makeReport(.x)])
        #expect(till.send(.keyPressed(.function(3))).isEmpty)
        till.apply(.reportReady(Self.xReport()))
        guard case .returning(let session) = till.state.mode else {
            Issue.record("the return is not on screen: \(till.state.mode)")
            return
        }
        #expect(session.phase == .askingSale)
        #expect(till.state.banner?.text.contains("X report is ready") == true)
        let screen = TillScreen.render(till.state, size: TerminalSize(columns: 100, rows: 30))
        #expect((0..<30).contains { screen.row($0).contains("Receipt number or reference") })
        #expect(!(0..<30).contains { screen.row($0).contains("X REPORT") })
        #expect(Self.helpBar(till.state) == "Enter OK  Esc Back")
        // F12 is no key of the return: no Z question appears.
        #expect(till.send(.keyPressed(.function(12))).isEmpty)
        #expect(!till.state.confirmingZReport)
        // Typing goes to the return's entry line; Esc leaves the return, not a hidden report.
        till.type("000001", enter: false)
        #expect(till.state.entry == "000001")
        till.press(.escape)
        till.press(.escape)
        #expect(till.state.mode == .selling(.code))
        // F11 again shows the report, whose keys are then F12 and Esc.
        till.press(.function(11))
        #expect(till.receive() == [.makeReport(.x)])
        till.apply(.reportReady(Self.xReport()))
        #expect(Self.helpBar(till.state) == "Esc Close  F12 Z report (close the day)")
        till.press(.function(12))
        #expect(till.state.mode == .report(Self.xReport(), confirmingZ: true))
        #expect(Self.helpBar(till.state) == "y Close the day  n Not now")
        #expect(till.send(.keyPressed(.character("j"))) == [.makeReport(.z)])
    }

    /// Each panel's help bar lists exactly its table's keys, and each listed key does what the
    /// table says in the reducer (y and j alike).
    @Test func theHelpBarIsTheKeyTable() {
        var till = TillDriver()
        till.type("1001")
        till.press(.function(10))
        #expect(Self.helpBar(till.state) == "y Quit  n Stay")
        #expect(KeyMap.action(for: .character("j"), in: till.state.mode) == .yes)
        till.press(.character("x"))  // any other key is no
        #expect(till.state.mode == .selling(.code) && !till.state.isQuitting)
        till.press(.function(2))
        till.type("91234567")
        guard case .createPayment(let request, _) = till.send(.keyPressed(.function(4))).first else {
            Issue.record("no payment")
            return
        }
        #expect(Self.helpBar(till.state) == "Esc Cancel payment  F10 Quit")
        #expect(till.send(.paymentUpdated(reference: request.reference, state: .ABORTED, aggregate: .zero(.NOK))) == [.bell])
        #expect(Self.helpBar(till.state) == "F4 Try again  F2 Change customer  Esc Back to basket  F10 Quit")
        // F10 while the attempt failed asks first; n brings the failed attempt back, keys and all.
        till.press(.function(10))
        #expect(till.state.isConfirmingQuit && till.state.payment != nil)
        till.press(.character("n"))
        #expect(Self.helpBar(till.state) == "F4 Try again  F2 Change customer  Esc Back to basket  F10 Quit")
        till.press(.escape)
        #expect(till.state.mode == .selling(.code))
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
