import Foundation
import KasseCore
import KasseLanguage
import KasseTill
import Testing
import VippsModels
import KasseJournal
import KasseTesting

enum Fixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let catalog: Catalog = {
        let text = (try? String(contentsOf: root.appendingPathComponent("assets/catalog.csv"), encoding: .utf8)) ?? ""
        return CatalogCSV.parse(text, market: .norway).catalog
    }()

    static let start = ContinuousClock.now

    static func state(mode: RunMode = .demo) -> TillState {
        TillState(
            // In English, which the tests read; `TillScreenTests` shows every screen in every language.
            settings: TillSettings(mode: mode, shopName: "Kasse Demo", storeID: "OSLO1", tillID: "1", market: .norway, language: .english),
            saleNumber: 42, now: start, today: CivilDate(year: 2026, month: 11, day: 21))
    }
}

/// Drives the reducer like the runtime does, and fails the test on any effect it did not look
/// at (as The Composable Architecture's `TestStore` does): `send` hands an action's effects to
/// the test, which must use them; the effects of `apply`, `press` and `type` wait until
/// `receive()` takes them, and any still waiting when the driver goes is an issue.
struct TillDriver {
    var state = Fixture.state()
    var till: Till
    /// Every effect produced, in order.
    var effects: [TillEffect] = []
    private let ledger: EffectLedger

    init(till: Till = Till(catalog: Fixture.catalog)) {
        self.till = till
        ledger = EffectLedger(exhaustive: true)
    }

    /// For a test of what is on screen, which drives the till to each screen: its effects are
    /// not the test's subject (every other test looks at every effect).
    static func forScreens() -> TillDriver {
        let driver = TillDriver()
        driver.ledger.exhaustive = false
        return driver
    }

    /// The action's effects, for the test to check.
    mutating func send(_ action: TillAction) -> [TillEffect] {
        let produced = till.reduce(&state, action)
        effects += produced
        return produced
    }

    /// The action's effects wait for `receive()`.
    mutating func apply(_ action: TillAction, sourceLocation: SourceLocation = #_sourceLocation) {
        let produced = till.reduce(&state, action)
        effects += produced
        ledger.waiting += produced.map { ($0, sourceLocation) }
    }

    /// The effects of `apply`, `press` and `type` since the last time.
    mutating func receive() -> [TillEffect] {
        defer { ledger.waiting = [] }
        return ledger.waiting.map(\.effect)
    }

    mutating func type(_ text: String, enter: Bool = true, sourceLocation: SourceLocation = #_sourceLocation) {
        for character in text { apply(.keyPressed(.character(character)), sourceLocation: sourceLocation) }
        if enter { apply(.keyPressed(.enter), sourceLocation: sourceLocation) }
    }

    mutating func press(_ key: Key, sourceLocation: SourceLocation = #_sourceLocation) {
        apply(.keyPressed(key), sourceLocation: sourceLocation)
    }

    /// Shared by the driver's copies: whatever is still waiting when the last copy goes fails
    /// the test, at the line that caused it.
    final class EffectLedger {
        var waiting: [(effect: TillEffect, sourceLocation: SourceLocation)] = []
        var exhaustive: Bool

        init(exhaustive: Bool) { self.exhaustive = exhaustive }

        deinit {
            guard exhaustive else { return }
            for (effect, sourceLocation) in waiting {
                Issue.record("an effect the test never looked at: \(effect)", sourceLocation: sourceLocation)
            }
        }
    }
}

extension TillEffect {
    /// The payment request, if this effect sends one (`try #require(effects.first?.paymentRequest)`
    /// fails a test when another effect comes instead: never a silent pass).
    var paymentRequest: CreatePaymentRequest? {
        if case .createPayment(let request, _) = self { request } else { nil }
    }
}

extension PaymentAttempt.Phase {
    /// Why the attempt ended, once it has.
    var end: PaymentEnd? {
        if case .failed(let end) = self { end } else { nil }
    }
}

/// Compares a screen with its golden file in __Snapshots__. `RECORD_SNAPSHOTS=1 swift test`
/// writes them anew; a missing file is a failure, never silently recorded.
func assertSnapshot(_ canvas: Canvas, named name: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let border = "+" + String(repeating: "-", count: canvas.size.columns) + "+"
    let body = (0..<canvas.size.rows).map { "|" + canvas.row($0) + "|" }.joined(separator: "\n")
    let text = border + "\n" + body + "\n" + border + "\n"
    let url = Fixture.root.appendingPathComponent("Tests/KasseTillTests/__Snapshots__/\(name).txt")
    expectGolden(text, at: url, what: "screen \(name)", sourceLocation: sourceLocation)
}
