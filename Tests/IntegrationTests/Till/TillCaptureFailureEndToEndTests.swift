import Foundation
@testable import IntegrationSupport
import KasseCore
import KasseJournal
import KasseJournalSQLite
import KasseSimulator
import KasseTill
import Testing
import KasseTesting

/// Capture that fails after the customer approved (6280 "try again later", 6260 "funds
/// unavailable"), with the real till in a real terminal against the simulator over loopback,
/// and its journal read from the SQLite file it writes.
@Suite(.serialized) struct TillCaptureFailureEndToEndTests {
    static func journal(_ path: String) throws -> Journal {
        try Journal(path: path, till: "2", cashier: "t", readOnly: true)
    }

    /// Sells one product to a typed number and, once the request is on the phone, gives the
    /// payment its capture failures and approves it. The payment's reference.
    static func sellAndApprove(_ till: TillSession, _ sim: SimulatorHarness, failure: String) async throws -> String {
        let before = Set(try await sim.control(.GET, "/simulator/v1/payments").array.compactMap { $0["reference"] as? String })
        try await till.type("1001")
        try await till.keys("Enter", "F2")
        try await till.type("90000001")
        try await till.keys("Enter", "F4")
        try await till.waitFor("WAITING")
        let references = try await sim.control(.GET, "/simulator/v1/payments").array.compactMap { $0["reference"] as? String }
        let reference = try #require(references.first { !before.contains($0) })
        #expect(try await sim.control(.POST, "/simulator/v1/payments/\(reference)/capture-failure", body: failure).status == 200)
        _ = try await sim.control(.POST, "/simulator/v1/payments/\(reference)/approve")
        return reference
    }

    /// Waits (bounded) until the simulator shows the payment's reservation released, nothing captured.
    static func expectReleased(_ reference: String, _ sim: SimulatorHarness, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        var record = try await sim.control(.GET, "/simulator/v1/payments/\(reference)")
        _ = try await eventually(timeout: .seconds(60), every: .milliseconds(200)) { () async throws -> Bool? in
            record = try await sim.control(.GET, "/simulator/v1/payments/\(reference)")
            return record.aggregate("cancelledAmount") == 2490 ? true : nil
        }
        #expect(record.aggregate("cancelledAmount") == 2490 && record.aggregate("capturedAmount") == 0, sourceLocation: sourceLocation)
    }

    /// Waits (bounded) until the journal holds entries that satisfy `test`.
    static func waitForJournal(_ path: String, _ what: String, timeout: Duration = .seconds(120),
                               sourceLocation: SourceLocation = #_sourceLocation,
                               _ test: ([JournalEntry]) -> Bool) async throws -> [JournalEntry] {
        var entries: [JournalEntry] = []
        if let found = try await eventually(timeout: timeout, every: .milliseconds(200), { () async throws -> [JournalEntry]? in
            entries = try await journal(path).entries()
            return test(entries) ? entries : nil
        }) { return found }
        Issue.record("the journal never showed \(what): \(entries.suffix(12).map(\.kind))", sourceLocation: sourceLocation)
        return entries
    }

    /// 6280 twice, then the capture succeeds: PAID after the retries, one capture at
    /// Vipps MobilePay, the two deferrals journaled with their count.
    @Test func tryLaterTwiceThenPaid() async throws {
        let sim = try await SimulatorHarness.start()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-capture-\(UUID().uuidString.prefix(8))").path
        let journalPath = directory + "/journal.sqlite"
        let till = try await TillSession(simulator: sim, extraConfig: "[journal]\npath = \"\(journalPath)\"", reusing: directory)
        try await till.waitFor("Testbutikken")
        let reference = try await Self.sellAndApprove(till, sim, failure: #"{"code":6280,"times":2}"#)
        try await till.waitFor("PAID", timeout: .seconds(120))
        let record = try await sim.control(.GET, "/simulator/v1/payments/\(reference)")
        #expect(record.aggregate("capturedAmount") == 2490)
        #expect((record.json["events"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["CREATED", "AUTHORIZED", "CAPTURED"])
        let entries = try await Self.journal(journalPath).entries(reference: reference)
        let tries = entries.compactMap { entry -> Int? in
            if case .captureDeferred(_, _, let tries, _)? = entry.event { tries } else { nil }
        }
        #expect(tries == [1, 2])
        #expect(entries.contains { $0.kind == "sale-completed" })
        await till.close()
        try await sim.finish(checkRequests: "all")
    }

    /// 6260 while the customer is at the counter: the cashier is told to ask for another way
    /// to pay, the basket stays, and the reservation is released.
    @Test func fundsUnavailableTellsTheCashierAndCancels() async throws {
        let sim = try await SimulatorHarness.start()
        let till = try await TillSession(simulator: sim)
        try await till.waitFor("Testbutikken")
        let reference = try await Self.sellAndApprove(till, sim, failure: #"{"code":6260}"#)
        let screen = try await till.waitFor("ask for another way to pay", timeout: .seconds(120))
        #expect(screen.contains("NOT PAID"))
        try await Self.expectReleased(reference, sim)
        // The basket is kept for another way to pay.
        try await till.keys("Escape")
        try await till.waitFor("Lettmelk 1 l")
        await till.close()
        try await sim.finish(checkRequests: "all")
    }

    /// 6280 on and on: the cashier lets the customer go, quits; after the restart the capture
    /// is tried again (the pauses go on from the journal's count); when Vipps MobilePay finally
    /// refuses (the guarantee is over), the sale is "not captured" on the X report and in
    /// `kasse journal list`, and the reservation is released.
    @Test func aCaptureFailingAfterARestartEndsOnTheXReport() async throws {
        let sim = try await SimulatorHarness.start()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-capture-\(UUID().uuidString.prefix(8))").path
        let journalPath = directory + "/journal.sqlite"
        let extra = "[journal]\npath = \"\(journalPath)\""
        let till = try await TillSession(simulator: sim, extraConfig: extra, reusing: directory)
        try await till.waitFor("Testbutikken")
        let reference = try await Self.sellAndApprove(till, sim, failure: #"{"code":6280}"#)
        try await till.waitFor("Customer may go", timeout: .seconds(120))
        try await till.keys("Enter")
        try await till.waitFor("the customer may go")
        try await till.keys("F10")
        try await till.keys("y")
        try await till.waitFor("KASSE-EXITED-0")
        await till.close()
        #expect(!(try await Self.journal(journalPath).entries().contains { $0.kind == "sale-abandoned" }))
        let mark = try await Self.journal(journalPath).entries().last?.sequence ?? 0

        let restarted = try await TillSession(simulator: sim, extraConfig: extra, reusing: directory)
        try await restarted.waitFor("Testbutikken")
        // Tried again after the restart, and deferred again, the count going on.
        let entries = try await Self.waitForJournal(journalPath, "a capture tried again after the restart") { entries in
            entries.contains { $0.sequence > mark && $0.kind == "capture-deferred" }
        }
        let counts = entries.compactMap { entry -> Int? in
            if case .captureDeferred(_, _, let tries, _)? = entry.event { tries } else { nil }
        }
        #expect(counts == counts.sorted() && (counts.last ?? 0) >= 2, "\(counts)")
        // Meanwhile a manager sees it on the X report: still being tried («Venter på trekk»).
        try await restarted.keys("F11")
        let trying = try await restarted.waitFor("Venter på trekk (1)")
        #expect(trying.contains("salg 000001"))
        try await restarted.keys("Escape")
        // The guarantee runs out: Vipps MobilePay refuses for good.
        _ = try await sim.control(.POST, "/simulator/v1/clock/advance", body: #"{"seconds": 691200}"#)
        _ = try await Self.waitForJournal(journalPath, "the sale not captured") { entries in
            entries.contains { $0.kind == "capture-failed" }
        }
        // Reports are documents: in Norway always in Norwegian («Ikke trukket»: not captured).
        try await restarted.keys("F11")
        let report = try await restarted.waitFor("Ikke trukket (1)")
        #expect(report.contains("salg 000001") && report.contains("kr 24,90"))
        try await restarted.keys("Escape")
        let listed = try await runProgram(KasseBinary.path, ["journal", "list", "--config", directory + "/kasse.toml"])
        #expect(listed.output.contains("000001") && listed.output.contains("NOT CAPTURED"), "\(listed.output)")
        try await Self.expectReleased(reference, sim)
        await restarted.close()
        try await sim.finish(checkRequests: "all")
    }
}
