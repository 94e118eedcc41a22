import Foundation
@testable import IntegrationSupport
import KasseCore
import KasseJournal
import KasseJournalSQLite
import KasseSimulator
import KasseTill
import Testing
import VippsModels
import KasseTesting

/// A till with 21 payments waiting at once (20 left open by a restart, followed by start-up
/// recovery, and one on screen) against the simulator enforcing Vipps MobilePay's limits in
/// real time (GET: 120 a minute per reference): not one 429, each payment read at most once
/// every 2 s (30 a minute, a quarter of the limit), however many are open.
@Suite(.serialized) struct RateLimitEndToEndTests {
    @Test func twentyOnePaymentsWaitingNeverMeetA429() async throws {
        let sim = try await SimulatorHarness.start(timeScale: 1)
        let journalPath = JournalFixture.temporaryPath()
        let journal = try Journal(path: journalPath, till: "2", cashier: "t")
        let day = try await SettlementFixture.simulatorDay(sim)
        // 20 payments sent before a restart, still waiting for a customer who never answers.
        var references: [String] = []
        for sale in 1...20 {
            let reference = "TEST1-2-\(day.compact)-\(String(sale + 1_000_000).suffix(6))-1"
            references.append(reference)
            #expect(try await sim.create(reference, amount: 1000, phone: "4790000001").status == 201)
            try await journal.append([.paymentStarted(JournalPaymentStart(
                sale: sale, reference: reference, attempt: 1, amount: 1000, currency: "NOK",
                createKey: IdempotencyKey(.create, reference: reference), captureKey: IdempotencyKey(.capture, reference: reference),
                customer: "+47 ******01", lines: []))])
        }
        let unsettled = try await journal.unsettledPayments()
        #expect(unsettled.count == 20)
        let started = ContinuousClock.now
        let till = try InProcessTill(simulator: sim, journal: journal, day: TestDay(day), saleNumber: 21, recovering: unsettled)
        // And one on screen, polled by the till's poller.
        let onScreen = try await till.sendPayment(sim, number: "90000001")
        references.append(onScreen)
        // Watch them all wait until each has been read at least 5 times (every 2 s each).
        func reads() throws -> (perReference: [String: Int], tooMany: Int) {
            var perReference: [String: Int] = [:]
            var tooMany = 0
            for line in try String(contentsOfFile: sim.trafficPath, encoding: .utf8).split(separator: "\n") {
                guard let entry = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
                if entry["status"] as? Int == 429 { tooMany += 1 }
                guard entry["method"] as? String == "GET", let path = entry["path"] as? String, path.hasPrefix("/epayment/v1/payments/") else { continue }
                let reference = path.dropFirst("/epayment/v1/payments/".count).split(separator: "/").first.map(String.init) ?? ""
                perReference[reference, default: 0] += 1
            }
            return (perReference, tooMany)
        }
        var seen = try reads()
        _ = try await eventually(timeout: .seconds(180), every: .milliseconds(250)) { () throws -> Bool? in
            seen = try reads()
            return references.contains(where: { (seen.perReference[$0] ?? 0) < 5 }) ? nil : true
        }
        let elapsed = ContinuousClock.now - started
        await till.quit()
        seen = try reads()
        #expect(references.allSatisfy { (seen.perReference[$0] ?? 0) >= 5 }, "\(seen.perReference)")
        #expect(seen.tooMany == 0)
        // Never faster than one read every 2 s per payment (the first one at once): at most 30 a minute.
        let allowed = Int(elapsed.components.seconds / 2) + 3
        let busiest = seen.perReference.values.max() ?? 0
        #expect(busiest <= allowed, "\(busiest) reads of one payment in \(elapsed)")
        try await sim.finish()
    }
}
