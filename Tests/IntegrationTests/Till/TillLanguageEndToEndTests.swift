import Foundation
@testable import IntegrationSupport
import KasseLanguage
import KasseSimulator
import Testing

/// A Finnish and a Danish till, each in its own language and currency, from log-in to a paid
/// and captured sale: the real binary in tmux against the simulator on loopback.
@Suite(.serialized) struct TillLanguageEndToEndTests {
    /// Finland, euro, Finnish: a scanned product, a weighed one, the customer's Finnish number,
    /// MAKSETTU.
    @Test func aFinnishTillSellsInFinnishAndEuro() async throws {
        let sim = try await SimulatorHarness.start(merchants: [SimulatedMerchant(msn: "323456", currency: .EUR)])
        let till = try await TillSession(simulator: sim, columns: 80, rows: 24, market: "FI", language: "fi")
        try await till.waitFor("Viivakoodi, numero tai nimi:")
        try await till.type("6400000000019")  // Maito 1 l, 1,35 €
        try await till.keys("Enter")
        try await till.type("3005")  // Banaanit irto, by weight
        try await till.keys("Enter")
        try await till.waitFor("kirjoita paino kiloina")
        try await till.type("1,25")  // 1,25 kg × 1,99 €/kg = 2,49 €
        try await till.keys("Enter")
        let basket = try await till.waitFor("1,250 kg")
        #expect(basket.contains("YHTEENSÄ 3,84 €"), "\(basket)")
        #expect(basket.contains("ALV 13,5 %"), "\(basket)")
        try await till.keys("F2")
        try await till.waitFor("Asiakkaan matkapuhelin:")
        try await till.type("040 123 4567")
        try await till.keys("Enter")
        try await till.waitFor("Asiakas: +358 *******67")
        try await till.keys("F4")
        try await till.waitFor("ODOTETAAN ASIAKASTA")
        let reference = try #require(try await sim.control(.GET, "/simulator/v1/payments").array.first?["reference"] as? String)
        _ = try await sim.control(.POST, "/simulator/v1/payments/\(reference)/approve")
        let paid = try await till.waitFor("MAKSETTU  3,84 €", timeout: .seconds(90))
        #expect(paid.contains("lähetetty asiakkaan sovellukseen"), "\(paid)")
        let record = try await sim.control(.GET, "/simulator/v1/payments/\(reference)")
        #expect(record.aggregate("capturedAmount") == 384)
        #expect((record.json["amount"] as? [String: Any])?["currency"] as? String == "EUR")
        try await till.keys("Enter")
        try await till.waitFor("Valmis seuraavalle asiakkaalle")
        try await till.keys("F10")
        try await till.waitFor("KASSE-EXITED-0")
        await till.close()
        try await sim.finish(checkRequests: "all")
    }

    /// Denmark, kroner, Danish: two products, the customer's Danish number, BETALT.
    @Test func aDanishTillSellsInDanishAndKroner() async throws {
        let sim = try await SimulatorHarness.start(merchants: [SimulatedMerchant(msn: "223456", currency: .DKK)])
        let till = try await TillSession(simulator: sim, columns: 80, rows: 24, market: "DK", language: "da")
        try await till.waitFor("Stregkode, varenr. eller navn:")
        try await till.type("2*5700000000011")  // 2 × Letmælk 1 l, 12,95 kr.
        try await till.keys("Enter")
        try await till.type("2006")  // Kaffe 400 g, 49,95 kr.
        try await till.keys("Enter")
        let basket = try await till.waitFor("Kaffe 400 g")
        #expect(basket.contains("I ALT 75,85 kr."), "\(basket)")
        #expect(basket.contains("Moms 25 %"), "\(basket)")
        try await till.keys("F2")
        try await till.waitFor("Kundens mobilnr.:")
        try await till.type("12 34 56 78")
        try await till.keys("Enter")
        try await till.waitFor("Kunde: +45 ******78")
        try await till.keys("F4")
        try await till.waitFor("VENTER PÅ KUNDEN")
        let reference = try #require(try await sim.control(.GET, "/simulator/v1/payments").array.first?["reference"] as? String)
        _ = try await sim.control(.POST, "/simulator/v1/payments/\(reference)/approve")
        let paid = try await till.waitFor("BETALT  75,85 kr.", timeout: .seconds(90))
        #expect(paid.contains("sendt til kundens app"), "\(paid)")
        let record = try await sim.control(.GET, "/simulator/v1/payments/\(reference)")
        #expect(record.aggregate("capturedAmount") == 7585)
        #expect((record.json["amount"] as? [String: Any])?["currency"] as? String == "DKK")
        try await till.keys("Enter")
        try await till.waitFor("Klar til næste kunde")
        try await till.keys("F10")
        try await till.waitFor("KASSE-EXITED-0")
        await till.close()
        try await sim.finish(checkRequests: "all")
    }
}
