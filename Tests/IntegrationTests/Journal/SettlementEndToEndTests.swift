import Foundation
@testable import IntegrationSupport
import KasseCore
import KasseJournal
import KasseJournalSQLite
import KasseSimulator
import KasseStore
import KasseStoreLink
import KasseStoreServer
import KasseTill
import Testing
import VippsModels

/// A day of sales at two tills (their runtimes in-process, each with its SQLite journal, paying
/// through the simulator over loopback), a return made with `kasse return`, and the day
/// reconciled by the real `kasse settlement` against the simulator's ledger: all matched and
/// paid out; then, with a capture missing from the ledger, one the shop never sold and one
/// settled with another amount, each named and the command failing. The store server, holding
/// both tills' journals (replicated by the tills' own link) in PostgreSQL, finds the same with
/// its nightly run (`kasse server settle`), keeps it, shows it in `kasse server report`, and
/// checks the day again while it is not settled.
@Suite(.serialized) struct SettlementEndToEndTests {
    static func sell(_ till: InProcessTill, _ sim: SimulatorHarness) async throws -> String {
        let reference = try await till.sendPayment(sim)
        _ = try await sim.control(.POST, "/simulator/v1/payments/\(reference)/approve")
        await till.terminal.waitFor("PAID")
        till.terminal.press(.enter)
        return reference
    }

    @Test func aDayAtTwoTillsReconciledWithTheLedger() async throws {
        // Days pass in this test (the date closes, the payout comes): tokens for all of it.
        let sim = try await SimulatorHarness.start(tokenLifetime: 30 * 86_400)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-settlement-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let day = try await SettlementFixture.simulatorDay(sim)
        let testDay = TestDay(day)
        var references: [String] = []
        var journals: [String] = []
        for tillID in ["1", "2"] {
            let path = directory + "/journal-\(tillID).sqlite"
            journals.append(path)
            let till = try InProcessTill(simulator: sim, journal: try Journal(path: path, till: tillID, cashier: "t"), day: testDay,
                                         storeID: "OSL1", tillID: tillID)
            references.append(try await Self.sell(till, sim))
            if tillID == "1" { references.append(try await Self.sell(till, sim)) }
            await till.quit()
        }
        func config(till: String, journal: String) throws -> String {
            let path = directory + "/kasse-\(till).toml"
            try """
                \(sim.apiSection)
                [till]
                store_id = "OSL1"
                till_id = "\(till)"
                [journal]
                path = "\(journal)"
                """.write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            return path
        }
        // A return of the sale at till 2, refunded by the command line into its journal.
        let returned = try await KasseBinary.run(["return", references[2], "--all", "--config", try config(till: "2", journal: journals[1])])
        #expect(returned.status == 0, "\(returned.output) \(returned.errors)")
        let configPath = try config(till: "1", journal: journals[0])
        let arguments = ["settlement", "--config", configPath, "--date", day.iso, "--journal", journals[0], "--journal", journals[1]]

        // The same day, before it is closed: nothing wrong, not settled yet (3).
        let early = try await KasseBinary.run(arguments)
        #expect(early.status == 3, "\(early.output) \(early.errors)")
        #expect(early.output.contains("not closed yet") && early.output.contains("Matched: 4"), "\(early.output)")

        // Five days later the date is closed, its fees retained and the balance paid out.
        try await sim.advance(5 * 86_400)
        let settled = try await KasseBinary.run(arguments)
        #expect(settled.status == 0, "\(settled.output) \(settled.errors)")
        #expect(settled.output.contains("Matched: 4") && settled.output.contains("Paid out ") && settled.output.contains("Settled"),
                "\(settled.output)")
        #expect(!settled.output.contains("MISSING") && !settled.output.contains("NOT SOLD") && !settled.output.contains("DIFFERS"))
        let json = try await KasseBinary.run(arguments + ["--json"])
        let result = try JSONDecoder().decode(Settlement.Result.self, from: Data(json.output.utf8))
        #expect(Set(result.matched.map(\.reference)) == Set(references))
        #expect(Set(result.matched.map(\.till)) == ["1", "2"])
        #expect(result.sales == 3 * 2490 && result.refunds == 2490 && result.fees == 3 * 25)
        #expect(result.payout?.amount == 2 * 2490 - 3 * 25)

        // The ledger gets it wrong three ways: each named, the command fails.
        let faults = """
            {"missing": ["\(references[0])"], "changed": [{"reference": "\(references[1])", "amount": 2400}],
             "unknown": [{"reference": "NOT-KASSE-1", "amount": 9900, "at": "\(day.iso)T11:00:00Z"}]}
            """
        #expect(try await sim.control(.PUT, "/simulator/v1/settlement/faults", body: faults).status == 200)
        let wrong = try await KasseBinary.run(arguments)
        #expect(wrong.status == 1, "\(wrong.output) \(wrong.errors)")
        #expect(wrong.output.contains("MISSING FROM THE LEDGER: till 1 receipt 000001 \(references[0])"), "\(wrong.output)")
        #expect(wrong.output.contains("AMOUNT DIFFERS: till 1 receipt 000002 \(references[1])") && wrong.output.contains("ledger NOK 24.00"))
        #expect(wrong.output.contains("NOT SOLD BY KASSE: the ledger settled NOK 99.00 for NOT-KASSE-1"))
        #expect(wrong.output.contains("Findings: the day does not reconcile."))

        // The store server: both journals replicated to PostgreSQL, the nightly run done now.
        let cluster = try await PostgresCluster.shared.value
        let database = try await cluster.newDatabase()
        let port = try PostgresCluster.freePort()
        let serverConfig = try ServerCommandFixture.write(ServerCommandFixture.config(database: database, port: port) + """

            \(sim.apiSection)

            [settlement]
            at = "05:00"
            """)
        let server = try KasseBinary.Running(["server", "--config", serverConfig])
        defer { server.process.terminate() }
        #expect(await server.firstLine(containing: "listening on") != nil)
        for (index, path) in journals.enumerated() {
            let journal = try Journal(path: path, till: "\(index + 1)", cashier: "t")
            let link = StoreLink(configuration: LinkKeys.link("http://127.0.0.1:\(port)", till: "OSL1-\(index + 1)"),
                                 journal: journal, logger: StoreServerFixture.logger, onEvent: { _ in })
            let running = Task { await link.run() }
            let newest = try await journal.newestEntry()
            try await StoreServerFixture.eventually("till \(index + 1)'s journal at the server", within: 180) {
                link.acknowledged?.sequence == newest.sequence
            }
            await StoreServerFixture.stop(running)
        }
        let nightly = try await KasseBinary.run(["server", "settle", "--config", serverConfig, "--date", day.iso])
        #expect(nightly.status == 1, "\(nightly.output) \(nightly.errors)")
        #expect(nightly.output.contains("MISSING FROM THE LEDGER: till OSL1-1 receipt 000001 \(references[0])"), "\(nightly.output)")
        #expect(nightly.output.contains("AMOUNT DIFFERS: till OSL1-1 receipt 000002") && nightly.output.contains("NOT SOLD BY KASSE"))
        let report = try await KasseBinary.run(["server", "report", "--config", serverConfig, "--language", "en"])
        #expect(report.output.contains("\(day.iso)  sales unit \(sim.msn)  FINDINGS  (checked 1 time)"), "\(report.output) \(report.errors)")
        #expect(report.output.contains("NOT SOLD BY KASSE: the ledger settled NOK 99.00 for NOT-KASSE-1"))
        // The ledger is put right: the next night's run checks the day again (it was not
        // settled) and finds it settled.
        #expect(try await sim.control(.PUT, "/simulator/v1/settlement/faults", body: "{}").status == 200)
        let again = try await KasseBinary.run(["server", "settle", "--config", serverConfig])
        #expect(again.output.contains("Settlement \(day.iso)"), "\(again.output) \(again.errors)")
        let after = try await KasseBinary.run(["server", "report", "--config", serverConfig, "--language", "en"])
        #expect(after.output.contains("\(day.iso)  sales unit \(sim.msn)  settled  (checked 2 times)"), "\(after.output)")
        try await sim.finish(checkRequests: "all")
    }
}

/// When the store server's nightly settlement runs: the next `[settlement] at` in the shops' time zone.
struct SettlementScheduleTests {
    @Test func theNextRunIsTheNextFiveOClockInOslo() {
        let settings = SettlementSettings(at: LocalTime(hour: 5, minute: 0, second: 0), market: .norway, salesUnits: [:])
        // 2026-12-07 03:00 UTC is 04:00 in Oslo (winter): one hour to go.
        let earlyMorning = InternetTime.days(fromCivil: 2026, 12, 7) * 86_400 + 3 * 3600
        #expect(settings.secondsUntilNextRun(now: earlyMorning) == 3600)
        // 05:00 in Oslo exactly: the next night's.
        #expect(settings.secondsUntilNextRun(now: earlyMorning + 3600) == 86_400)
        // Summer time: 2026-07-01 02:30 UTC is 04:30 in Oslo.
        let summer = InternetTime.days(fromCivil: 2026, 7, 1) * 86_400 + 2 * 3600 + 1800
        #expect(settings.secondsUntilNextRun(now: summer) == 1800)
    }
}
