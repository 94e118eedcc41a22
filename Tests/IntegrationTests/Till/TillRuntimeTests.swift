import Foundation
@testable import IntegrationSupport
import KasseCore
import KasseJournal
import KasseJournalSQLite
import KasseLanguage
import KasseNorway
import KasseSimulator
import KasseTerminal
import KasseTesting
import KasseTill
import KasseTillApp
import Logging
import Synchronization
import Testing
import VippsClient
import VippsModels




@Suite(.serialized) struct TillRuntimeTests {
    /// A Danish till waiting for its customer at 23:59 on 11 January 2027 asks them to open the
    /// MobilePay app; the day turns (the injected clock) while it keeps running, and the same
    /// screen asks for the Vipps app.
    @Test func aDanishTillNamesVippsFromMidnightOnThe12thOfJanuary2027() async throws {
        let sim = try await SimulatorHarness.start(merchants: [SimulatedMerchant(msn: "223456", currency: .DKK)])
        let journal = try Journal(path: JournalFixture.temporaryPath(), till: "2", cashier: "t")
        let day = TestDay(CivilDate(year: 2027, month: 1, day: 11))
        let till = try InProcessTill(simulator: sim, journal: journal, day: day, market: .denmark, language: .danish)
        await till.terminal.waitFor("11.01.2027")
        till.terminal.type("2001")
        till.terminal.press(.enter)
        await till.terminal.waitFor("Letmælk")
        till.terminal.press(.function(2))
        till.terminal.type("12345678")
        till.terminal.press(.enter, .function(4))
        let before = await till.terminal.waitFor("MobilePay-appen")
        #expect(!before.contains("Vipps-appen"))
        day.set(CivilDate(year: 2027, month: 1, day: 12))
        let after = await till.terminal.waitFor("Vipps-appen")
        #expect(after.contains("12.01.2027") && !after.contains("MobilePay-appen"), "\(after)")
        till.terminal.press(.escape)
        await till.terminal.waitFor("salg 000001")
        await till.quit()
        try await sim.finish(checkRequests: "none")
    }

    /// The till runs across midnight (the day comes from an injected clock): the next payment
    /// reference carries the new date, and each sale is listed under its own day by the till's
    /// returns (F3), by the journal and by `kasse journal list`.
    @Test func aTillRunningAcrossMidnight() async throws {
        let sim = try await SimulatorHarness.start()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-midnight-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let journalPath = directory + "/journal.sqlite"
        let journal = try Journal(path: journalPath, till: "2", cashier: "t")
        let day = TestDay(CivilDate(year: 2026, month: 11, day: 30))
        // The till's clock is the test's: its once-a-second look at the date runs when the test
        // moves the clock on, not when a real second has passed.
        let clock = ManualClock()
        let till = try InProcessTill(simulator: sim, journal: journal, day: day, clock: clock)
        await till.terminal.waitFor("30/11/2026")

        let first = try await till.sendPayment(sim)
        #expect(first == "TEST1-2-20261130-000001-1")
        _ = try await sim.control(.POST, "/simulator/v1/payments/\(first)/approve")
        // The first look at the payment is 5 s after it was sent, on the till's clock (the tick
        // and the poller are asleep on it).
        await clock.waitForSleepers(2)
        clock.advance(by: .seconds(5))
        await till.terminal.waitFor("PAID")
        till.terminal.press(.enter)
        await till.terminal.waitFor("sale 000002")

        day.set(CivilDate(year: 2026, month: 12, day: 1))
        #expect(till.terminal.screen.contains("30/11/2026"), "the date changes with the clock's tick, not before")
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(1))
        await till.terminal.waitFor("01/12/2026")
        let second = try await till.sendPayment(sim)
        #expect(second == "TEST1-2-20261201-000002-1")
        _ = try await sim.control(.POST, "/simulator/v1/payments/\(second)/approve")
        await clock.waitForSleepers(2)
        clock.advance(by: .seconds(5))
        await till.terminal.waitFor("PAID")
        till.terminal.press(.enter)
        await till.terminal.waitFor("sale 000003")

        // F3, today: only the sale of the new day.
        till.terminal.press(.function(3))
        await till.terminal.waitFor("Receipt number or reference")
        till.terminal.type("today")
        till.terminal.press(.enter)
        let listed = await till.terminal.waitFor("Paid on ")
        #expect(listed.contains("Paid on 01/12/2026") && listed.contains(second) && !listed.contains(first), "\(listed)")
        till.terminal.press(.escape, .escape)
        await till.quit()

        #expect(try await journal.completedSales(businessDay: CivilDate(year: 2026, month: 11, day: 30)).map(\.sale.sale) == [1])
        #expect(try await journal.completedSales(businessDay: CivilDate(year: 2026, month: 12, day: 1)).map(\.sale.sale) == [2])
        let configPath = directory + "/kasse.toml"
        try "[till]\nstore_id = \"TEST1\"\ntill_id = \"2\"\n[journal]\npath = \"\(journalPath)\"\n"
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        let listedByCLI = try await runProgram(KasseBinary.path, ["journal", "list", "--config", configPath, "--date", "2026-11-30"])
        #expect(listedByCLI.output.contains(first) && !listedByCLI.output.contains(second), "\(listedByCLI.output) \(listedByCLI.errors)")
        let nextDay = try await runProgram(KasseBinary.path, ["journal", "list", "--config", configPath, "--date", "01.12.2026"])
        #expect(nextDay.output.contains(second) && !nextDay.output.contains(first), "\(nextDay.output) \(nextDay.errors)")
        try await sim.finish(checkRequests: "all")
    }

    /// Norway: each paid sale is signed as it is stored, the chain going on from the journal;
    /// `kasse journal verify` checks the signatures, and finds a sale whose amount was changed
    /// with every hash recomputed.
    @Test func paidSalesAreSignedAndVerifyChecksThem() async throws {
        let sim = try await SimulatorHarness.start()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-signed-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let journalPath = directory + "/journal.sqlite"
        let keyPath = directory + "/key.pem"
        let pair = try TransactionSigner.generateKey()
        try pair.privatePEM.write(toFile: keyPath, atomically: true, encoding: .utf8)
        try pair.publicPEM.write(toFile: directory + "/key.pub.pem", atomically: true, encoding: .utf8)
        let journal = try Journal(path: journalPath, till: "2", cashier: "t")
        let chain = TransactionChain(signer: try TransactionSigner(privateKeyPEM: pair.privatePEM, keyVersion: "1"), register: "2",
                                     zone: .of(.norway), last: nil)
        // 2026-11-30 09:30:00 UTC: 10:30:00 in Oslo, on every signature.
        let till = try InProcessTill(simulator: sim, journal: journal, day: TestDay(CivilDate(year: 2026, month: 11, day: 30)), chain: chain,
                                     secondsSince1970: 1_796_031_000)
        for _ in 0..<2 {
            let reference = try await till.sendPayment(sim)
            _ = try await sim.control(.POST, "/simulator/v1/payments/\(reference)/approve")
            await till.terminal.waitFor("PAID")
            till.terminal.press(.enter)
            await till.terminal.waitFor("Ready for the next customer")
        }
        await till.quit()
        let signatures = try await journal.signatures()
        #expect(signatures.map(\.number) == [1, 2] && signatures.allSatisfy { $0.transaction == "sale" && $0.amountIncludingVAT == 2490 })
        #expect(signatures.allSatisfy { $0.date == "2026-11-30" && $0.time == "10:30:00" })
        #expect(TransactionChain.problems(signatures, verifier: try SignatureVerifier(publicKeyPEM: pair.publicPEM)).isEmpty)

        let configPath = directory + "/kasse.toml"
        try "[till]\nstore_id = \"TEST1\"\ntill_id = \"2\"\nsigning_key = \"\(keyPath)\"\n[journal]\npath = \"\(journalPath)\"\n"
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        let intact = try await runProgram(KasseBinary.path, ["journal", "verify", "--config", configPath])
        #expect(intact.status == 0 && intact.output.contains("Signatures: 2 signed transactions, chain intact"), "\(intact.output) \(intact.errors)")
        try JournalTampering.rewrite(journalPath, rechain: true) { entries in
            let index = entries.firstIndex { $0.kind == "sale-completed" }!
            entries[index].payload = entries[index].payload.replacingOccurrences(of: "\"total\":2490", with: "\"total\":490")
        }
        let rewritten = try await runProgram(KasseBinary.path, ["journal", "verify", "--config", configPath, "--public-key", directory + "/key.pub.pem"])
        #expect(rewritten.status == 1)
        #expect(rewritten.errors.contains("transaction 1 signs 2490") && rewritten.errors.contains("the journal says 490"), "\(rewritten.errors)")
        try await sim.finish(checkRequests: "all")
    }

    /// Sale 404 on 4 April: the create's answer is lost and the payment cannot be read back for
    /// a while (server errors). The till keeps checking, never offers a second request, and
    /// completes the one payment once Vipps MobilePay answers: one payment at the simulator.
    @Test func sale404On4AprilWithALostCreateAndFailingPolls() async throws {
        let sim = try await SimulatorHarness.start(faults: [
            FaultRule(route: "create", dropAfterCommit: 10), FaultRule(route: "get", serverErrors: 6),
        ])
        let journal = MemoryJournal(till: "2")
        let day = TestDay(CivilDate(year: 2026, month: 4, day: 4))
        let till = try InProcessTill(simulator: sim, journal: journal, day: day, saleNumber: 404)
        let reference = try await till.sendPayment(sim)
        #expect(reference == "TEST1-2-20260404-000404-1")
        await till.terminal.waitFor("Do not take another payment", timeout: .seconds(120))
        // Nothing offers or sends a second request while it is checked.
        till.terminal.press(.function(4))
        #expect(!till.terminal.screen.contains("NOT PAID"))
        _ = try await sim.control(.POST, "/simulator/v1/payments/\(reference)/approve")
        await till.terminal.waitFor("PAID", timeout: .seconds(120))
        let payments = try await sim.control(.GET, "/simulator/v1/payments").array
        #expect(payments.count == 1)
        #expect(!journal.events.contains { if case .paymentEnded = $0 { true } else { false } })
        #expect(journal.events.contains { if case .saleCompleted(let sale) = $0 { sale.reference == reference } else { false } })
        till.terminal.press(.enter)
        await till.quit()
        try await sim.finish(checkRequests: "all")
    }
}
