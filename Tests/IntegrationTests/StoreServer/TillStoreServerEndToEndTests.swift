import Foundation
@testable import IntegrationSupport
import KasseCore
import KasseJournal
import KasseJournalSQLite
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
        let tills = try StoreTills([StoreTill(store: "TEST1", till: "2", tokenHash: StoreTills.tokenHash(token),
                                              publicKey: LinkKeys.tills["TEST1-2"]!.publicKey)])
        func configuration(port: Int) throws -> StoreServerConfiguration {
            var configuration = StoreServerConfiguration(host: "127.0.0.1", port: port, database: try StoreServerConfiguration.database(url: database),
                                                         publicURL: publicURL, webhookSecret: secret, tills: tills)
            configuration.catalogKey = LinkKeys.catalog
            return configuration
        }
        let a = try await StoreServer.start(try configuration(port: portA), logger: StoreServerFixture.logger)
        let b = try await StoreServer.start(try configuration(port: 0), logger: StoreServerFixture.logger)

        let till = try await TillSession(
            simulator: sim, extraConfig: LinkKeys.tillServerSection(url: b.baseURL, token: token, till: "TEST1-2"),
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
        try await StoreServerFixture.eventually("the till connected to the store server") {
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
        let store = try StoreServerFixture.database(database)
        try await store.client.withRunning {
            try await StoreServerFixture.eventually("the sale replicated") {
                try await store.entries(till: "TEST1-2").contains { $0.kind == "sale-completed" && $0.reference == reference }
            }
        }
        try await till.keys("Enter")
        try await till.waitFor("sale 000002")
        // Once the server holds the whole journal, its X report is the till's own, to the øre.
        let tillJournal = try Journal(path: till.directory + "/.local/share/kasse/demo-journal.sqlite", till: "2", cashier: "", readOnly: true)
        // (A client runs once: a new one for the reports.)
        let copy = try StoreServerFixture.database(database)
        let reports = StoreReports(database: copy, tills: tills)
        let (own, fromServer) = try await copy.client.withRunning {
            try await StoreServerFixture.eventually("the whole journal replicated") {
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
        await StoreServerFixture.stop(a)
        await StoreServerFixture.stop(b)
        try await sim.finish()
    }
}

/// The catalog from the store server: imported with `kasse server catalog`, fetched by the
/// till at once (and again when a new one is imported), kept beside the journal so the till
/// sells at the server's prices while the server is down, and every change journalled.
@Suite struct TillCatalogFromServerTests {
    static func catalog(milkPrice: Int) throws -> String {
        let sample = try String(contentsOf: Repository.root.appendingPathComponent("assets/catalog.csv"), encoding: .utf8)
        return sample.replacingOccurrences(of: "1001,7040000000016,Lettmelk 1 l,2490,", with: "1001,7040000000016,Lettmelk 1 l,\(milkPrice),")
    }

    @Test func theTillSellsTheServersCatalogAndKeepsItWhileTheServerIsDown() async throws {
        let cluster = try await PostgresCluster.shared.value
        let database = try await cluster.newDatabase()
        let port = try PostgresCluster.freePort()
        let token = "till-two-token-for-the-catalog-test"
        let config = try ServerCommandFixture.write(ServerCommandFixture.config(database: database, port: port) + """


            [[till]]
            store = "TEST1"
            till = "2"
            token_sha256 = "\(StoreTills.tokenHash(token))"
            public_key = "\(LinkKeys.tills["TEST1-2"]!.publicKey)"
            """)
        let folder = (config as NSString).deletingLastPathComponent
        try Data(try Self.catalog(milkPrice: 2990).utf8).write(to: URL(fileURLWithPath: folder + "/v1.csv"))
        try Data(try Self.catalog(milkPrice: 3190).utf8).write(to: URL(fileURLWithPath: folder + "/v2.csv"))
        let first = try await KasseBinary.run(["server", "catalog", folder + "/v1.csv", "--config", config])
        #expect(first.status == 0, "\(first.errors)")
        #expect(first.output.contains("Catalog version 1:"))
        let server = try KasseBinary.Running(["server", "--config", config])
        #expect(await server.firstLine(containing: "listening on") != nil)

        let sim = try await SimulatorHarness.start()
        let till = try await TillSession(simulator: sim, extraConfig: LinkKeys.tillServerSection(url: "http://127.0.0.1:\(port)", token: token, till: "TEST1-2"))
        // (It may come while the log-in screen shows: the till's log says when it is sold from.)
        func logged(_ text: String) async throws {
            try await StoreServerFixture.eventually(text) {
                ((try? String(contentsOfFile: till.directory + "/kasse.log", encoding: .utf8)) ?? "").contains(text)
            }
        }
        try await logged("0 added, 0 removed, 1 price change(s): 1001 2490→2990")
        try await till.type("7040000000016")
        try await till.keys("Enter")
        try await till.waitFor("29.90")
        // A new catalog while the till sells: the next line is at the new price.
        let second = try await KasseBinary.run(["server", "catalog", folder + "/v2.csv", "--config", config])
        #expect(second.output.contains("Catalog version 2:"))
        try await till.waitFor("Catalog 2 from the store server")
        try await till.type("7040000000016")
        try await till.keys("Enter")
        let both = try await till.waitFor("31.90")
        #expect(both.contains("29.90"), "the line already in the basket kept its price")
        try await till.keys("F10")
        try await till.waitFor("A sale is open. Quit anyway?")
        try await till.type("y")
        try await till.waitFor("KASSE-EXITED-0")
        await till.close()
        _ = server.interrupt()

        // The server is down: the till sells at the server's last prices, from its copy.
        let again = try await TillSession(simulator: sim, extraConfig: LinkKeys.tillServerSection(url: "http://127.0.0.1:\(port)", token: token, till: "TEST1-2"),
                                          reusing: till.directory)
        try await again.waitFor("Testbutikken")
        try await again.type("7040000000016")
        try await again.keys("Enter")
        try await again.waitFor("31.90")
        let journal = try Journal(path: till.directory + "/.local/share/kasse/demo-journal.sqlite", till: "2", cashier: "", readOnly: true)
        let notes = try await journal.entries().compactMap { entry -> String? in
            if case .operatorAction(let text)? = entry.event, text.hasPrefix("catalog ") { return text }
            return nil
        }
        #expect(notes.contains { $0.hasPrefix("catalog 1 from the store server:") && $0.contains("1001 2490→2990") }, "\(notes)")
        #expect(notes.contains { $0.hasPrefix("catalog 2 from the store server:") && $0.contains("1001 2990→3190") }, "\(notes)")
        try await again.keys("F10")
        await again.close()
        try await sim.finish()
    }
}
