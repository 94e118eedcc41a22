import Foundation
@testable import IntegrationSupport
import KasseJournal
import KasseJournalSQLite
import KasseStore
import KasseStoreLink
import KasseStoreServer
import KasseCore
import Synchronization
import KasseTesting
import Testing

/// `kasse server` as shops run it: the real binary, its configuration file, PostgreSQL.
@Suite struct ServerCommandTests {

    @Test func aTokenAndItsHashGoTogether() async throws {
        let result = try await KasseBinary.run(["server", "token", "--store", "OSL1", "--till", "3"])
        #expect(result.status == 0)
        let token = try #require(result.output.split(separator: "\n").first { $0.hasPrefix("token = ") }?.split(separator: "\"").dropFirst().first)
        let hash = try #require(result.output.split(separator: "\n").first { $0.hasPrefix("token_sha256 = ") }?.split(separator: "\"").dropFirst().first)
        #expect(token.count == 64)
        #expect(StoreTills.tokenHash(String(token)) == String(hash))
        #expect(result.output.contains("till = \"3\""))
        let again = try await KasseBinary.run(["server", "token", "--store", "OSL1", "--till", "3"])
        #expect(!again.output.contains(String(token)), "two tokens alike")
    }

    @Test(arguments: [
        ("listen = \"127.0.0.1:8790\"\npublic_url = \"https://x.example/hook\"\nwebhook_secret = \"SECRET-VALUE-1\"", "server.database: is missing", "postgres://USER@HOST"),
        ("listen = \"nowhere\"\ndatabase = \"postgres://kasse@127.0.0.1/kasse\"\npublic_url = \"https://x.example/hook\"\nwebhook_secret = \"SECRET-VALUE-1\"",
         "line 2 (server.listen)", "must be HOST:PORT"),
        ("database = \"mysql://root:SECRET-VALUE-1@db/kasse\"\npublic_url = \"https://x.example/hook\"\nwebhook_secret = \"x\"",
         "line 2 (server.database)", "postgres://USER@HOST"),
        ("database = \"postgres://kasse@127.0.0.1/kasse\"\npublic_url = \"https://x.example/hook\"\nwebhook_secret = \"SECRET-VALUE-1\"\nport = 1",
         "line 5 (server.port)", "is not a setting of kasse server"),
        ("database = \"postgres://kasse@127.0.0.1/kasse\"\npublic_url = \"https://x.example/hook\"\nwebhook_secret = \"SECRET-VALUE-1\"\n[company]\norganisation_number = \"999999998\"\nname = \"A AS\"\naddress = \"Gata 1\"\npostal_code = \"0155\"\ncity = \"Oslo\"",
         "line 6 (company.organisation_number)", "check digit is wrong"),
        ("database = \"postgres://kasse@127.0.0.1/kasse\"\npublic_url = \"https://x.example/hook\"\nwebhook_secret = \"SECRET-VALUE-1\"\n[company]\nname = \"A AS\"",
         "line 6 (company.name)", "[company] also needs organisation_number"),
    ])
    func mistakesInTheFileAreNamedWithTheirLineAndNoSecret(settings: String, location: String, message: String) async throws {
        let path = try ServerCommandFixture.write("[server]\n\(settings)\n\n[[till]]\nstore = \"A\"\ntill = \"1\"\ntoken_sha256 = \"\(String(repeating: "a", count: 64))\"\n")
        let result = try await KasseBinary.run(["server", "--config", path])
        #expect(result.status != 0)
        #expect(result.errors.contains(location), "\(result.errors)")
        #expect(result.errors.contains(message), "\(result.errors)")
        #expect(!result.errors.contains("SECRET-VALUE-1"), "a secret in an error: \(result.errors)")
    }

    @Test func aTillWithoutAGoodTokenHashIsRefused() async throws {
        let path = try ServerCommandFixture.write("""
            [server]
            database = "postgres://kasse@127.0.0.1/kasse"
            public_url = "https://x.example/hook"
            webhook_secret = "s"

            [[till]]
            store = "OSL1"
            till = "1"
            token_sha256 = "my-plain-token"
            public_key = "\(LinkKeys.tills["OSL1-1"]!.publicKey)"
            """)
        let result = try await KasseBinary.run(["server", "--config", path])
        #expect(result.status != 0)
        #expect(result.errors.contains("till OSL1-1: token_sha256 must be 64 hex digits (made by: kasse server token)"), "\(result.errors)")
        // Without its public key a till is refused too: a token alone never lets a journal in.
        let keyless = try ServerCommandFixture.write("""
            [server]
            database = "postgres://kasse@127.0.0.1/kasse"
            public_url = "https://x.example/hook"
            webhook_secret = "s"
            catalog_key = "\(LinkKeys.catalogPath)"

            [[till]]
            store = "OSL1"
            till = "1"
            token_sha256 = "\(StoreTills.tokenHash("t"))"
            """)
        let refused = try await KasseBinary.run(["server", "--config", keyless])
        #expect(refused.status != 0 && refused.errors.contains("till[1].public_key") && refused.errors.contains("kasse server keygen"),
                "\(refused.errors)")
        // Keys made by kasse server keygen: private (600), never replaced, the public part printed.
        let folder = (keyless as NSString).deletingLastPathComponent
        let made = try await KasseBinary.run(["server", "keygen", "--out", folder + "/link.key"])
        #expect(made.status == 0, "\(made.errors)")
        #expect(fileMode(folder + "/link.key") == 0o600)
        let printed = try #require(made.output.split(separator: "\n").first { $0.hasPrefix("public_key = ") }?.split(separator: "\"").dropFirst().first)
        let key = try LinkSigningKey(base64: try String(contentsOfFile: folder + "/link.key", encoding: .utf8))
        #expect(key.publicKey.description == String(printed))
        let again = try await KasseBinary.run(["server", "keygen", "--out", folder + "/link.key"])
        #expect(again.status != 0 && again.errors.contains("never replaced"), "\(again.errors)")
    }

    /// The server process killed outright (SIGKILL) while a till's batches arrive: each batch
    /// is stored whole or not at all, and the till goes on from the server's newest entry.
    @Test func theServerKilledMidBatchLosesAndDoublesNothingAndItsReportReadsTheCopy() async throws {
        let cluster = try await PostgresCluster.shared.value
        let database = try await cluster.newDatabase()
        let port = try PostgresCluster.freePort()
        let path = try ServerCommandFixture.write(ServerCommandFixture.config(database: database, port: port))
        var server = try KasseBinary.Running(["server", "--config", path])
        #expect(await server.firstLine(containing: "listening on") != nil)
        let journal = try await ReplicationFixture.journal(entries: 20_000)
        let link = StoreLink(configuration: LinkKeys.link("http://127.0.0.1:\(port)", till: "OSL1-1"),
                             journal: journal, logger: StoreServerFixture.logger, onEvent: { _ in })
        let running = Task { await link.run() }
        try await StoreServerFixture.eventually("the first batches arrived") { (link.acknowledged?.sequence ?? 0) > 0 }
        kill(server.process.processIdentifier, SIGKILL)
        server.process.waitUntilExit()
        server = try KasseBinary.Running(["server", "--config", path])
        #expect(await server.firstLine(containing: "listening on") != nil)
        let newest = try await journal.newestEntry()
        try await StoreServerFixture.eventually("every entry acknowledged", within: 180) { link.acknowledged?.sequence == newest.sequence }
        await StoreServerFixture.stop(running)
        try await ReplicationFixture.expectCopy(of: journal, in: database, till: "OSL1-1")

        let report = try await KasseBinary.run(["server", "report", "--config", path, "--till", "osl1-1", "--language", "en"])
        #expect(report.status == 0, "\(report.errors)")
        #expect(report.output.contains("Till OSL1-1, from the server's copy of its journal:"))
        #expect(report.output.contains("Sales per till and day (NOK):"))
        // The till's disk is lost: its journal comes back from the server's copy, entry for entry.
        let restoredPath = (path as NSString).deletingLastPathComponent + "/restored.sqlite"
        let restore = try await KasseBinary.run(["server", "restore", "--config", path, "--till", "OSL1-1", "--out", restoredPath])
        #expect(restore.status == 0, "\(restore.errors)")
        #expect(restore.output.contains("Restored \(newest.sequence) entries of till OSL1-1"))
        let restored = try Journal(path: restoredPath, till: "1", cashier: "", readOnly: true)
        #expect(try await restored.entries() == journal.entries())
        let tillConfig = try ServerCommandFixture.write("[till]\nstore_id = \"OSL1\"\ntill_id = \"1\"\nmarket = \"DK\"\n", name: "kasse.toml")
        let verified = try await KasseBinary.run(["journal", "verify", "--config", tillConfig, "--journal", restoredPath])
        #expect(verified.output.contains("\(newest.sequence) entries, chain intact"), "\(verified.output)\(verified.errors)")
        let twice = try await KasseBinary.run(["server", "restore", "--config", path, "--till", "OSL1-1", "--out", restoredPath])
        #expect(twice.status != 0)
        #expect(twice.errors.contains("exists already"))
        let unknown = try await KasseBinary.run(["server", "report", "--config", path, "--till", "OSL1-9"])
        #expect(unknown.status != 0)
        #expect(unknown.errors.contains("no till OSL1-9"))
        _ = server.interrupt()
    }

    /// Everything the server prints, at debug level, while webhooks (good and forged) arrive, a
    /// till sends its journal and another presents a wrong token: no webhook secret, no till
    /// token and no signature in any line.
    @Test func theServersOutputNamesNoSecretNoTokenAndNoSignature() async throws {
        let cluster = try await PostgresCluster.shared.value
        let database = try await cluster.newDatabase()
        let port = try PostgresCluster.freePort()
        let secret = "the-webhook-secret-0123456789"
        let path = try ServerCommandFixture.write(ServerCommandFixture.config(database: database, port: port, secret: secret))
        let server = try KasseBinary.Running(["server", "--config", path], environment: ["KASSE_SERVER_DEBUG": "1"], stderrLines: true)
        let printed = Mutex<[String]>([])
        let reading = Task { for await line in server.lines { printed.withLock { $0.append(line) } } }
        try await StoreServerFixture.eventually("the server listening") { printed.withLock { $0.contains { $0.contains("listening on") } } }
        let publicURL = "http://127.0.0.1:\(port)/vipps/webhooks"

        let reference = PaymentReference(store: "OSL1", till: "1", date: CivilDate(year: 2026, month: 11, day: 30), sequence: 7, attempt: 1).value
        let good = StoreServerFixture.signed(StoreServerFixture.event(reference, "AUTHORIZED"), secret: secret, url: publicURL)
        let accepted = try await StoreServerFixture.post(publicURL, good)
        #expect(accepted.0 == 200, "\(accepted) \(printed.withLock { $0.suffix(20) })")
        let forged = StoreServerFixture.signed(StoreServerFixture.event(reference, "CAPTURED"), secret: "guessed-secret-987654321", url: publicURL)
        #expect(try await StoreServerFixture.post(publicURL, forged).0 == 401)

        let journal = try await ReplicationFixture.journal(entries: 300)
        let link = StoreLink(configuration: LinkKeys.link("http://127.0.0.1:\(port)", till: "OSL1-1"),
                             journal: journal, logger: StoreServerFixture.logger, onEvent: { _ in })
        let running = Task { await link.run() }
        let newest = try await journal.newestEntry()
        try await StoreServerFixture.eventually("the journal copied") { link.acknowledged?.sequence == newest.sequence }
        await StoreServerFixture.stop(running)
        let wrongToken = "a-wrong-token-that-must-not-be-printed"
        let stranger = StoreLink(configuration: LinkKeys.link("http://127.0.0.1:\(port)", token: wrongToken),
                                 journal: journal, logger: StoreServerFixture.logger, onEvent: { _ in })
        await #expect(throws: (any Error).self) { _ = try await stranger.serverHead() }
        await stranger.shutdown()

        _ = server.interrupt()
        await reading.value
        let lines = printed.withLock { $0 }
        // What happened is there: the webhook taken and the forged one refused.
        #expect(lines.contains { $0.contains("webhook AUTHORIZED for \(reference)") }, "\(lines)")
        #expect(lines.contains { $0.contains("webhook refused") }, "\(lines)")
        let authorizations = [good, forged].compactMap { $0.headers.first { $0.0 == "Authorization" }?.1 }
        for secretText in [secret, "guessed-secret-987654321", StoreServerFixture.tokens["OSL1-1"]!, wrongToken] + authorizations {
            #expect(!lines.contains { $0.contains(secretText) }, "printed: \(secretText.prefix(6))…")
        }
        // The signature part alone (after "Signature=").
        for authorization in authorizations {
            let signature = authorization.components(separatedBy: "Signature=").last ?? authorization
            #expect(!lines.contains { $0.contains(signature) })
        }
    }

    /// A server whose port is taken says so and ends, whatever its PostgreSQL connection is doing.
    @Test func aPortInUseEndsTheServerWithTheReason() async throws {
        let cluster = try await PostgresCluster.shared.value
        let database = try await cluster.newDatabase()
        let port = try PostgresCluster.freePort()
        let path = try ServerCommandFixture.write(ServerCommandFixture.config(database: database, port: port))
        let first = try KasseBinary.Running(["server", "--config", path])
        #expect(await first.firstLine(containing: "listening on") != nil)
        for _ in 0..<3 {
            let second = try KasseBinary.Running(["server", "--config", path], stderrLines: true)
            // Generous: at the start of a full run on a loaded machine, a server process takes long to start at all.
            _ = await eventually(timeout: .seconds(120), every: .milliseconds(50)) { second.process.isRunning ? nil : true }
            let ended = !second.process.isRunning
            if !ended { second.process.terminate() }
            #expect(ended, "a second server on a taken port did not end")
            #expect(second.process.terminationStatus != 0)
            let said = await second.output()
            #expect(said.contains("Address already in use"), "\(said)")
        }
        _ = first.interrupt()
    }

    /// `kasse journal verify` checks the journal against the store server's newest entry.
    @Test func journalVerifyChecksTheServersCopyAsASecondAnchor() async throws {
        let cluster = try await PostgresCluster.shared.value
        let database = try await cluster.newDatabase()
        let instance = try await StoreServer.start(try StoreServerFixture.configuration(database: database), logger: StoreServerFixture.logger)
        let journal = try await ReplicationFixture.journal(entries: 40)
        _ = try await StoreServerFixture.replicate(journal, to: instance.baseURL)
        let till = """
            [till]
            store_id = "OSL1"
            till_id = "1"
            market = "DK"
            \(LinkKeys.tillServerSection(url: instance.baseURL, token: StoreServerFixture.tokens["OSL1-1"]!, till: "OSL1-1"))
            """
        let config = try ServerCommandFixture.write(till, name: "kasse.toml")
        let good = try await KasseBinary.run(["journal", "verify", "--config", config, "--journal", journal.path])
        #expect(good.status == 0, "\(good.output)\(good.errors)")
        #expect(good.output.contains("Store server: entry 40 matches the store server's copy"))
        // A journal cut short (the last entries removed, the anchor file with them): the server still knows.
        let short = try await ReplicationFixture.journal(entries: 0)
        try await ReplicationFixture.add(10, to: short)
        let cut = try await KasseBinary.run(["journal", "verify", "--config", config, "--journal", short.path])
        #expect(cut.status == 1)
        #expect(cut.errors.contains("Store server: holds entries up to 40, but the journal ends before: entries were removed"), "\(cut.errors)")
        await StoreServerFixture.stop(instance)
        // The server away: said, not held against the journal.
        let away = try await KasseBinary.run(["journal", "verify", "--config", config, "--journal", journal.path])
        #expect(away.status == 0)
        #expect(away.errors.contains("Store server (warning): not checked"))
        #expect(!(away.output + away.errors).contains(StoreServerFixture.tokens["OSL1-1"]!))
    }
}
