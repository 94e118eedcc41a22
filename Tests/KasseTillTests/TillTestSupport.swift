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

/// Drives the reducer like the runtime does, collecting every effect.
struct TillDriver {
    var state = Fixture.state()
    var till = Till(catalog: Fixture.catalog)
    var effects: [TillEffect] = []

    @discardableResult
    mutating func send(_ action: TillAction) -> [TillEffect] {
        let produced = till.reduce(&state, action)
        effects += produced
        return produced
    }

    mutating func type(_ text: String, enter: Bool = true) {
        for character in text { send(.keyPressed(.character(character))) }
        if enter { send(.keyPressed(.enter)) }
    }

    mutating func press(_ key: Key) { send(.keyPressed(key)) }
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
