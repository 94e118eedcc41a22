import Foundation
import KasseCore
import KasseJournal
import KasseStore
import KasseStoreServer
import KasseTill
import Testing

/// The till in a real terminal with a store server: the simulator delivers the signed
/// AUTHORIZED webhook to one server instance, the till is connected to another, and the
/// till's first poll is set so late that PAID can only come through the server's push.
@Suite struct TillStoreServerEndToEndTests {
    @Test func aPushedApprovalShowsPaidBeforeTheFirstPollAndTheJournalIsCopied() async throws {
        let cluster = try await PostgresCluster.shared.value
        let database = try await cluster.newDatabase()
        let sim = try await SimulatorHarness.start()
        let portA = try PostgresCluster.freePort()
        let publicURL = "http://127.0.0.1:\(portA)/vipps/webhooks"
        let registered = try await sim.api(.POST, "/webhooks/v1/webhooks", body: """
            {"url":"\(publicURL)","events":["epayments.payment.authorized.v1","epayments.payment.captured.v1"]}
            """)
        let secret = try #require(registered.json["secret"] as? String)
        let token = "till-two-token-for-the-end-to-end-test"
        let tills = try StoreTills([StoreTill(store: "TEST1", till: "2", tokenHash: StoreTills.tokenHash(token))])
        func configuration(port: Int) throws -> StoreServerConfiguration {
            StoreServerConfiguration(host: "127.0.0.1", port: port, database: try StoreServerConfiguration.database(url: database),
                                     publicURL: publicURL, webhookSecret: secret, tills: tills)
        }
        let a = try await StoreServer.start(try configuration(port: portA), logger: StoreServerTests.logger)
        let b = try await StoreServer.start(try configuration(port: 0), logger: StoreServerTests.logger)

        let till = try await TillSession(
            simulator: sim, extraConfig: "[server]\nurl = \"\(b.baseURL)\"\ntoken = \"\(token)\"",
            environment: "KASSE_FIRST_POLL_MS=600000")
        try await till.waitFor("Testbutikken")
        try await till.type("7040000000016")
        try await till.keys("Enter")
        try await till.waitFor("Lettmelk 1 l")
        try await till.keys("F2")
        try await till.type("900 00 001")
        try await till.keys("Enter")
        try await till.waitFor("Customer: +47 ******01")
        // The till's log says when its event socket is open; only then is a push expected.
        try await StoreServerTests.eventually("the till connected to the store server") {
            ((try? String(contentsOfFile: till.directory + "/kasse.log", encoding: .utf8)) ?? "").contains("store server: connected as till TEST1-2")
        }
        try await till.keys("F4")
        try await till.waitFor("WAITING FOR THE CUSTOMER")
        let payments = try await sim.control(.GET, "/simulator/v1/payments").array
        let reference = try #require(payments.first?["reference"] as? String)
        _ = try await sim.control(.POST, "/simulator/v1/payments/\(reference)/approve")
        // The first poll is ten minutes away: only the pushed AUTHORIZED can get here.
        try await till.waitFor("PAID", timeout: .seconds(60))
        let record = try await sim.control(.GET, "/simulator/v1/payments/\(reference)")
        #expect(record.aggregate("capturedAmount") == record.aggregate("authorizedAmount"))
        let log = (try? String(contentsOfFile: till.directory + "/kasse.log", encoding: .utf8)) ?? ""
        #expect(log.contains("store server: AUTHORIZED for \(reference)"))

        // The sale reached the server's copy of the journal.
        let store = StoreDatabase(client: .init(configuration: try StoreServerConfiguration.database(url: database),
                                                backgroundLogger: StoreServerTests.logger), logger: StoreServerTests.logger)
        try await store.client.withRunning {
            try await StoreServerTests.eventually("the sale replicated") {
                try await store.entries(till: "TEST1-2").contains { $0.kind == "sale-completed" && $0.reference == reference }
            }
        }
        try await till.keys("Enter")
        try await till.waitFor("sale 000002")
        // Once the server holds the whole journal, its X report is the till's own, to the øre.
        let tillJournal = try Journal(path: till.directory + "/.local/share/kasse/demo-journal.sqlite", till: "2", cashier: "", readOnly: true)
        // (A client runs once: a new one for the reports.)
        let copy = StoreDatabase(client: .init(configuration: try StoreServerConfiguration.database(url: database),
                                               backgroundLogger: StoreServerTests.logger), logger: StoreServerTests.logger)
        let reports = StoreReports(database: copy, tills: tills)
        let (own, fromServer) = try await copy.client.withRunning {
            try await StoreServerTests.eventually("the whole journal replicated") {
                try await copy.head(till: "TEST1-2").hash == tillJournal.newestEntry().hash
            }
            let own = try await tillJournal.xReport(store: "TEST1", currency: "NOK")
            return (own, try await reports.xReport(tills.tills[0], currency: "NOK", generatedAt: own.generatedAt))
        }
        #expect(own.salesCount == 1)
        #expect(own.salesTotal == 2490)
        #expect(fromServer == own)
        try await till.keys("F10")
        try await till.waitFor("KASSE-EXITED-0")
        await till.close()
        await a.stop()
        await b.stop()
        try await sim.finish()
    }
}
