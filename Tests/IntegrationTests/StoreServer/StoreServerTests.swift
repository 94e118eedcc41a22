import AsyncHTTPClient
import Foundation
@testable import IntegrationSupport
import KasseCore
import KasseJournal
import KasseJournalSQLite
import KasseStore
import KasseStoreLink
import KasseStoreServer
import KasseTill
import Logging
import NIOCore
import PostgresNIO
import Synchronization
import Testing
import VippsModels
import KasseTesting
import VippsWebhooks

/// The store server for real: PostgreSQL from Debian's packages, the server's HTTP and
/// WebSocket endpoints on loopback, the simulator delivering signed webhooks, tills'
/// SQLite journals replicated by the till's own code.
@Suite(.serialized) struct StoreServerTests {
    @Test func signedWebhooksReachTheirTillOnceThroughAnotherInstance() async throws {
        let cluster = try await PostgresCluster.shared.value
        let database = try await cluster.newDatabase()
        let sim = try await SimulatorHarness.start()
        // The webhook is registered for instance A's address; the till is connected to B.
        let portA = try PostgresCluster.freePort()
        let publicURL = "http://127.0.0.1:\(portA)/vipps/webhooks"
        let registered = try await sim.api(.POST, "/webhooks/v1/webhooks", body: """
            {"url":"\(publicURL)","events":["epayments.payment.created.v1","epayments.payment.authorized.v1","epayments.payment.captured.v1"]}
            """)
        #expect(registered.status == 201, "\(registered.body)")
        let secret = try #require(registered.json["secret"] as? String)
        let a = try await StoreServer.start(try StoreServerFixture.configuration(database: database, port: portA, publicURL: publicURL, secret: secret), logger: StoreServerFixture.logger)
        let b = try await StoreServer.start(try StoreServerFixture.configuration(database: database, publicURL: publicURL, secret: secret), logger: StoreServerFixture.logger)
        let one = StoreServerFixture.Inbox(), two = StoreServerFixture.Inbox()
        let (linkOne, taskOne) = StoreServerFixture.link(b, till: "OSL1-1", inbox: one)
        let (linkTwo, taskTwo) = StoreServerFixture.link(a, till: "OSL1-2", inbox: two)
        try await StoreServerFixture.eventually("both tills connected") { linkOne.isConnected && linkTwo.isConnected }

        let reference = PaymentReference(store: "OSL1", till: "1", date: CivilDate(year: 2026, month: 11, day: 30), sequence: 42, attempt: 1).value
        try await sim.authorized(reference, amount: 13657)
        let authorized = await one.next(named: "AUTHORIZED", reference: reference)
        #expect(authorized?.amount == 13657)
        #expect(authorized?.currency == "NOK")

        // Vipps MobilePay sends it again (it did not hear our answer): taken, not pushed again.
        let store = try StoreServerFixture.database(database)
        let again = StoreServerFixture.signed(StoreServerFixture.event(reference, "AUTHORIZED", psp: authorized?.pspReference ?? ""), secret: secret, url: publicURL)
        let (status, answer) = try await StoreServerFixture.post(b.baseURL + "/vipps/webhooks", again)
        #expect(status == 200)
        #expect(answer.contains("duplicate"))
        // Out of order: CREATED arrives after AUTHORIZED; it is stored and pushed, and it goes after.
        let late = StoreServerFixture.signed(StoreServerFixture.event(reference, "CREATED", psp: "late-psp"), secret: secret, url: publicURL)
        #expect(try await StoreServerFixture.post(a.baseURL + "/vipps/webhooks", late).0 == 200)
        let created = await one.next(named: "CREATED", reference: reference)
        #expect(created?.pspReference == "late-psp")
        #expect((created?.id ?? 0) > (authorized?.id ?? 0))
        #expect(one.received.filter { $0.name == "AUTHORIZED" }.count == 1, "an event pushed twice")

        // Forged (another secret) and stale (signed ten minutes ago): refused, stored nowhere.
        let forgedReference = PaymentReference(store: "OSL1", till: "1", date: CivilDate(year: 2026, month: 11, day: 30), sequence: 43, attempt: 1).value
        let forged = StoreServerFixture.signed(StoreServerFixture.event(forgedReference, "AUTHORIZED"), secret: "guessed-secret", url: publicURL)
        let (forgedStatus, forgedAnswer) = try await StoreServerFixture.post(a.baseURL + "/vipps/webhooks", forged)
        #expect(forgedStatus == 401)
        #expect(forgedAnswer.contains("signature"))
        let stale = StoreServerFixture.signed(StoreServerFixture.event(forgedReference, "AUTHORIZED"), secret: secret, url: publicURL, date: Date().addingTimeInterval(-600))
        #expect(try await StoreServerFixture.post(a.baseURL + "/vipps/webhooks", stale).0 == 401)
        let counts = try await store.client.withRunning {
            (try await store.deliveries(reference: forgedReference, name: "AUTHORIZED"),
             try await store.deliveries(reference: reference, name: "AUTHORIZED"))
        }
        #expect(counts.0 == 0)
        #expect(counts.1 == 2)
        // Till 2 heard nothing of till 1's payment.
        #expect(two.received.isEmpty)
        // A token no till has: no socket, no journal.
        let stranger = StoreLink(configuration: LinkKeys.link(a.baseURL, token: "someone-else"), journal: nil, logger: StoreServerFixture.logger,
                                 onEvent: { _ in })
        await #expect(throws: StoreRefusal.self) { try await stranger.serverHead() }
        await stranger.shutdown()

        await StoreServerFixture.stop(taskOne)
        await StoreServerFixture.stop(taskTwo)
        await StoreServerFixture.stop(a)
        await StoreServerFixture.stop(b)
        try await sim.finish()
    }
}

extension StoreServerTests {
    /// The till's socket breaks (its server instance stops); an event stored meanwhile through
    /// another instance reaches the till when it is connected again: it resumes from its last event.
    @Test func aTillResumesFromItsLastEventAfterAReconnect() async throws {
        let cluster = try await PostgresCluster.shared.value
        let database = try await cluster.newDatabase()
        let secret = "resume-test-secret-0123456789"
        let port = try PostgresCluster.freePort()
        let publicURL = "http://127.0.0.1:\(port)/vipps/webhooks"
        let configuration = try StoreServerFixture.configuration(database: database, port: port, publicURL: publicURL, secret: secret)
        var a = try await StoreServer.start(configuration, logger: StoreServerFixture.logger)
        let b = try await StoreServer.start(try StoreServerFixture.configuration(database: database, publicURL: publicURL, secret: secret), logger: StoreServerFixture.logger)
        let inbox = StoreServerFixture.Inbox()
        let (link, task) = StoreServerFixture.link(a, till: "OSL1-1", inbox: inbox)
        try await StoreServerFixture.eventually("connected") { link.isConnected }
        let first = "OSL1-1-20261130-000001-1", second = "OSL1-1-20261130-000002-1"
        #expect(try await StoreServerFixture.post(b.baseURL + "/vipps/webhooks", StoreServerFixture.signed(StoreServerFixture.event(first, "AUTHORIZED"), secret: secret, url: publicURL)).0 == 200)
        #expect(await inbox.next(named: "AUTHORIZED", reference: first) != nil)

        await StoreServerFixture.stop(a)
        try await StoreServerFixture.eventually("the till noticed") { !link.isConnected }
        #expect(try await StoreServerFixture.post(b.baseURL + "/vipps/webhooks", StoreServerFixture.signed(StoreServerFixture.event(second, "AUTHORIZED"), secret: secret, url: publicURL)).0 == 200)
        var again: RunningStoreServer?
        // Starting again on the same port connects to PostgreSQL and makes its tables each try: on a
        // machine running every suite at once that may take minutes (as in the replication restart test).
        try await StoreServerFixture.eventually("instance A started again", within: 240) {
            again = try? await StoreServer.start(configuration, logger: StoreServerFixture.logger)
            return again != nil
        }
        a = try #require(again)
        let resumed = await inbox.next(named: "AUTHORIZED", reference: second)
        #expect(resumed != nil, "the event stored while the till was away never reached it")
        #expect(inbox.received.filter { $0.reference == first }.count == 1, "an event pushed again after the reconnect")
        await StoreServerFixture.stop(task)
        await StoreServerFixture.stop(a)
        await StoreServerFixture.stop(b)
    }
}



/// Journals replicated for real: SQLite journals on disk, the till's replication code, the
/// server and PostgreSQL.
@Suite(.serialized) struct JournalReplicationTests {
    @Test func aTillOfflineFor10000EntriesCatchesUpOnceEvenWhenTheServerIsStoppedMidway() async throws {
        let cluster = try await PostgresCluster.shared.value
        let database = try await cluster.newDatabase()
        let port = try PostgresCluster.freePort()
        let configuration = try StoreServerFixture.configuration(database: database, port: port)
        var server = try await StoreServer.start(configuration, logger: StoreServerFixture.logger)
        let journal = try await ReplicationFixture.journal(entries: 10_000)
        let link = StoreLink(configuration: LinkKeys.link(server.baseURL, till: "OSL1-1"),
                             journal: journal, logger: StoreServerFixture.logger, onEvent: { _ in })
        let running = Task { await link.run() }
        // Stopped while batches are on their way, and started again on the same address.
        try await StoreServerFixture.eventually("the first batches arrived") { (link.acknowledged?.sequence ?? 0) > 0 }
        await StoreServerFixture.stop(server)
        // Started again on the same address (the port may take a moment to be free again).
        var again: RunningStoreServer?
        // Each try connects to PostgreSQL and makes its tables: on a machine running every suite at
        // once that alone can take most of a minute.
        try await StoreServerFixture.eventually("the server started again", within: 240) {
            again = try? await StoreServer.start(configuration, logger: StoreServerFixture.logger)
            return again != nil
        }
        server = try #require(again)
        let newest = try await journal.newestEntry()
        try await StoreServerFixture.eventually("all 10 000 entries acknowledged", within: 120) { link.acknowledged?.sequence == newest.sequence }
        // The till goes on selling: its new entries follow.
        try await ReplicationFixture.add(5, to: journal, note: "after")
        let later = try await journal.newestEntry()
        try await StoreServerFixture.eventually("the new entries acknowledged") { link.acknowledged == JournalHead(till: "OSL1-1", sequence: later.sequence, hash: later.hash) }
        #expect(link.refusal == nil)
        await StoreServerFixture.stop(running)
        try await ReplicationFixture.expectCopy(of: journal, in: database, till: "OSL1-1")
        await StoreServerFixture.stop(server)
    }

    @Test func aForkAGapAndAnotherTillsTokenAreRefusedAndNothingIsStored() async throws {
        let cluster = try await PostgresCluster.shared.value
        let database = try await cluster.newDatabase()
        let server = try await StoreServer.start(try StoreServerFixture.configuration(database: database), logger: StoreServerFixture.logger)
        let journal = try await ReplicationFixture.journal(entries: 30)
        let link = StoreLink(configuration: LinkKeys.link(server.baseURL, till: "OSL1-1"),
                             journal: journal, logger: StoreServerFixture.logger, onEvent: { _ in })
        let head = try await link.replicateOnce(journal, batchSize: 7)
        #expect(head.sequence == 30)
        // Sent again (the answer was lost): nothing doubled.
        let first = try await journal.entries(after: 0, limit: 10)
        let resent = try await link.send(JournalBatch(entries: first))
        #expect(resent.sequence == 30)

        // A different journal for the same till (a restored backup that went on differently).
        let replaced = try await ReplicationFixture.journal(entries: 31, note: "other")
        let forked = StoreLink(configuration: LinkKeys.link(server.baseURL, till: "OSL1-1"),
                               journal: replaced, logger: StoreServerFixture.logger, onEvent: { _ in })
        let fork = await #expect(throws: StoreRefusal.self) { try await forked.replicateOnce(replaced) }
        #expect(fork?.error == "fork")
        #expect(fork?.message.contains("rewritten or replaced") == true)
        // A gap: entries 40… while the server holds up to 30.
        try await ReplicationFixture.add(20, to: journal)
        let skipped = try await journal.entries(after: 39, limit: 5)
        let gap = await #expect(throws: StoreRefusal.self) { try await link.send(JournalBatch(entries: skipped)) }
        #expect(gap?.error == "gap")
        #expect(gap?.message.contains("31 to 39 are missing") == true)
        // Till 2's journal under till 1's token.
        let other = try await ReplicationFixture.journal(till: "2", entries: 3)
        let impostor = StoreLink(configuration: LinkKeys.link(server.baseURL, till: "OSL1-1"),
                                 journal: other, logger: StoreServerFixture.logger, onEvent: { _ in })
        let wrong = await #expect(throws: StoreRefusal.self) {
            try await impostor.send(JournalBatch(entries: try await other.entries()))
        }
        #expect(wrong?.error == "wrong-till")
        // A journal shorter than what the server holds (entries lost at the till): said, not sent.
        let short = try await ReplicationFixture.journal(entries: 5)
        let behind = StoreLink(configuration: LinkKeys.link(server.baseURL, till: "OSL1-1"),
                               journal: short, logger: StoreServerFixture.logger, onEvent: { _ in })
        let lost = await #expect(throws: StoreRefusal.self) { try await behind.replicateOnce(short) }
        #expect(lost?.error == "journal-behind-server")
        // Nothing of the refused batches was stored; the real journal goes on.
        #expect(try await link.replicateOnce(journal).sequence == 50)
        try await ReplicationFixture.expectCopy(of: journal, in: database, till: "OSL1-1")
        for each in [link, forked, impostor, behind] { await each.shutdown() }
        await StoreServerFixture.stop(server)
    }

    @Test func postgreSQLRestartedLosesNoWebhookAndNoEntry() async throws {
        // A cluster of its own: this test stops PostgreSQL under the server.
        let cluster = try await PostgresCluster.start()
        let database = try await cluster.newDatabase()
        let secret = "webhook-secret-for-the-restart-test"
        let port = try PostgresCluster.freePort()
        let publicURL = "http://127.0.0.1:\(port)/vipps/webhooks"
        let server = try await StoreServer.start(
            try StoreServerFixture.configuration(database: database, port: port, publicURL: publicURL, secret: secret), logger: StoreServerFixture.logger)
        let inbox = StoreServerFixture.Inbox()
        let journal = try await ReplicationFixture.journal(entries: 10)
        let (link, running) = StoreServerFixture.link(server, till: "OSL1-1", journal: journal, inbox: inbox)
        try await StoreServerFixture.eventually("connected and replicated") { link.isConnected && link.acknowledged?.sequence == 10 }

        cluster.kill()
        let reference = "OSL1-1-20261130-000007-1"
        let webhook = StoreServerFixture.signed(StoreServerFixture.event(reference, "AUTHORIZED"), secret: secret, url: publicURL)
        // Not stored: Vipps MobilePay is told to send it again.
        #expect(try await StoreServerFixture.post(server.baseURL + "/vipps/webhooks", webhook, redeliveries: 0).0 == 503)
        try await ReplicationFixture.add(10, to: journal)

        try await cluster.restart()
        // Vipps MobilePay's retry is taken and reaches the till; the journal catches up.
        try await StoreServerFixture.eventually("the retried webhook is taken") {
            try await StoreServerFixture.post(server.baseURL + "/vipps/webhooks", webhook).0 == 200
        }
        let pushed = await inbox.next(named: "AUTHORIZED", reference: reference)
        #expect(pushed != nil)
        try await StoreServerFixture.eventually("the journal caught up", within: 120) { link.acknowledged?.sequence == 20 }
        await StoreServerFixture.stop(running)
        try await ReplicationFixture.expectCopy(of: journal, in: database, till: "OSL1-1")
        await StoreServerFixture.stop(server)
        cluster.kill()
    }
}
