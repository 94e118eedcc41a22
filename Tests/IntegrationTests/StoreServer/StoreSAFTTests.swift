import Foundation
@testable import IntegrationSupport
import KasseCore
import KasseJournal
import KasseJournalSQLite
import KasseLanguage
import KasseStore
import KasseStoreLink
import KasseStoreServer
import Testing

/// `kasse server saft`: one SAF-T Cash Register file for a store, from the store server's copy
/// of its tills' journals (replicated for real, through a running `kasse server`, to PostgreSQL).
@Suite struct StoreSAFTTests {
    static let company = """

        [company]
        organisation_number = "999999999"
        name = "Testbutikken AS"
        address = "Storgata 1"
        postal_code = "0155"
        city = "Oslo"
        """

    /// The `<cashregister>` of a register in a file, as written.
    static func register(_ id: String, in text: String) -> String? {
        let marker = "<registerID>\(id)</registerID>"
        guard let start = text.range(of: marker) else { return nil }
        guard let end = text.range(of: "</cashregister>", range: start.upperBound..<text.endIndex) else { return nil }
        return String(text[start.lowerBound..<end.upperBound])
    }

    @Test func aStoresFileHoldsEachTillsOwnRegisterFromTheServersCopy() async throws {
        let days = [CivilDate(year: 2026, month: 3, day: 13), CivilDate(year: 2026, month: 3, day: 14)]
        let tills = [
            (key: "OSL1-1", till: "1", generated: try await SAFTFixture.generate(days: days, seed: 4, store: "OSL1", till: "1")),
            (key: "OSL1-2", till: "2", generated: try await SAFTFixture.generate(days: days, seed: 5, store: "OSL1", till: "2")),
        ]
        let cluster = try await PostgresCluster.shared.value
        let database = try await cluster.newDatabase()
        let port = try PostgresCluster.freePort()
        let path = try ServerCommandFixture.write(ServerCommandFixture.config(database: database, port: port) + Self.company)
        let folder = (path as NSString).deletingLastPathComponent

        // Without [company] the file cannot name whose it is: said before anything is read.
        let bare = try ServerCommandFixture.write(ServerCommandFixture.config(database: database, port: port))
        let refused = try await KasseBinary.run(["server", "saft", "--config", bare, "--from", "2026-03-13"])
        #expect(refused.status != 0)
        #expect(refused.errors.contains("add [company]"), "\(refused.errors)")

        // Each till's journal replicated to the server, as the tills do.
        let server = try KasseBinary.Running(["server", "--config", path])
        #expect(await server.firstLine(containing: "listening on") != nil)
        for till in tills {
            let journal = try Journal(path: till.generated.journalPath, till: till.till, cashier: "")
            let link = StoreLink(configuration: LinkKeys.link("http://127.0.0.1:\(port)", till: till.key),
                                 journal: journal, logger: StoreServerFixture.logger, onEvent: { _ in })
            let running = Task { await link.run() }
            let newest = try await journal.newestEntry()
            try await StoreServerFixture.eventually("\(till.key) replicated", within: 120) { link.acknowledged?.sequence == newest.sequence }
            await StoreServerFixture.stop(running)
        }
        _ = server.interrupt()

        let made = try await KasseBinary.run(["server", "saft", "--config", path, "--store", "osl1", "--from", "2026-03-13", "--to", "14.03.2026",
                                              "--out", folder])
        #expect(made.status == 0, "\(made.output) \(made.errors)")
        #expect(made.output.contains("(2 tills in 1 store)"), "\(made.output)")
        let file = try #require(made.output.components(separatedBy: "Wrote ").last?.components(separatedBy: " (").first)
        #expect((file as NSString).lastPathComponent.hasPrefix("SAF-T Cash Register_999999999_"))

        // Valid against Skatteetaten's schema (report IDs unique across the registers), every
        // reference held, each till's chain verified with its own key, each report's figures summed anew.
        let valid = try await SAFTFixture.validate(file)
        #expect(valid.status == 0, "\(valid.errors.suffix(2000))")
        let checked = try await SAFTFixture.check(file, publicKey: tills[0].generated.publicKeyPath, tills[1].generated.publicKeyPath)
        #expect(checked.status == 0, "\(checked.output.suffix(3000)) \(checked.errors.suffix(2000))")
        #expect(checked.output.contains("ok:"))

        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.components(separatedBy: "<location>").count == 2, "one location for the store")
        #expect(text.components(separatedBy: "<cashregister>").count == 3, "a register per till")
        #expect(text.contains("<name>Store OSL1</name>"))
        #expect(text.contains("Selection criteria: store OSL1, registers 1, 2, 2026-03-13 to 2026-03-14"))
        // The master data once: the cashier who worked at both tills is one employee.
        let flat = text.filter { !$0.isWhitespace }
        #expect(flat.components(separatedBy: "<employee><empID>1001</empID>").count == 2, "employee 1001 listed once")

        // Each till's register is exactly what the till's own export writes from its own
        // journal (the report IDs prefixed with the till, so they stay unique in the file).
        for till in tills {
            let own = try await SAFTFixture.export(till.generated, from: "2026-03-13", to: "2026-03-14",
                                                       out: till.generated.directory + "/own.xml")
            let ownText = try String(contentsOfFile: own, encoding: .utf8)
            let ownRegister = try #require(Self.register(till.till, in: ownText))
            let storeRegister = try #require(Self.register(till.till, in: text))
            #expect(storeRegister.contains("<reportID>\(till.key)-Z1</reportID>"))
            #expect(storeRegister.replacingOccurrences(of: "<reportID>\(till.key)-", with: "<reportID>") == ownRegister,
                    "till \(till.key)'s register differs from its own export")
        }

        // The reports from the same copy: each till's X report, the store's, and every Z report
        // the tills made, each made again from the copy and found equal to the øre.
        let report = try await KasseBinary.run(["server", "report", "--config", path, "--store", "OSL1", "--language", "en"])
        #expect(report.status == 0, "\(report.output) \(report.errors)")
        #expect(report.output.contains("Till OSL1-1, from the server's copy of its journal:")
                && report.output.contains("Till OSL1-2, from the server's copy of its journal:"))
        #expect(report.output.contains("Store OSL1: all tills since their last Z"))
        let zLines = report.output.split(separator: "\n").filter { $0.hasPrefix("OSL1-") }
        #expect(zLines.count == 4, "two Z reports a till:\n\(report.output)")
        // The store's day: both tills' Z reports of 13 March together.
        var zDay = (sales: 0, amount: 0)
        for till in tills {
            let journal = try Journal(path: till.generated.journalPath, till: till.till, cashier: "", readOnly: true)
            if let first = try await journal.entries(kinds: ["z-report"]).first, case .zReport(let z) = first.event {
                zDay.sales += z.salesCount
                zDay.amount += z.salesTotal
            }
        }
        let storeDay = try #require(report.output.split(separator: "\n").first { $0.hasPrefix("OSL1 ") && $0.contains("2026-03-13 store") })
        #expect(storeDay.contains(" \(zDay.sales) ") && storeDay.contains(Language.english.amount(zDay.amount)) && storeDay.hasSuffix("(2 Z reports)"),
                "\(storeDay)")
        #expect(zLines.allSatisfy { $0.hasSuffix("matches the copy") }, "\(zLines)")
        // Each Z line shows what the till stored: its sales and their total, to the øre.
        for till in tills {
            let journal = try Journal(path: till.generated.journalPath, till: till.till, cashier: "", readOnly: true)
            for entry in try await journal.entries(kinds: ["z-report"]) {
                guard case .zReport(let z) = entry.event else { continue }
                let line = try #require(zLines.first { $0.hasPrefix(till.key) && $0.split(separator: " ")[1] == "\(z.number)" })
                #expect(line.contains(" \(z.salesCount) ") && line.contains(Language.english.amount(z.salesTotal)), "\(line) vs \(z)")
            }
        }

        // A sale changed in the server's copy: the Z report that covered it no longer matches, and says so.
        let psql = try PostgresCluster.binaries() + "/psql"
        let changed = try await runProgram(psql, ["-d", database, "-v", "ON_ERROR_STOP=1", "-c", """
            UPDATE kasse_journal SET payload = regexp_replace(payload, '"captured":[0-9]+', '"captured":1')
            WHERE till = 'OSL1-1' AND sequence = (SELECT min(sequence) FROM kasse_journal WHERE till = 'OSL1-1' AND kind = 'sale-completed')
            """])
        #expect(changed.status == 0 && changed.output.contains("UPDATE 1"), "\(changed.output) \(changed.errors)")
        let differs = try await KasseBinary.run(["server", "report", "--config", path, "--till", "OSL1-1", "--language", "en"])
        #expect(differs.status != 0)
        #expect(differs.output.split(separator: "\n").contains { $0.hasPrefix("OSL1-1") && $0.contains("  1   ") && $0.contains("DIFFERS") },
                "\(differs.output)")
        #expect(differs.errors.contains("1 Z report differ"), "\(differs.errors)")

        // A store the server does not know.
        let unknown = try await KasseBinary.run(["server", "saft", "--config", path, "--store", "BGO9", "--from", "2026-03-13"])
        #expect(unknown.status != 0)
        #expect(unknown.errors.contains("no store BGO9") && unknown.errors.contains("OSL1"), "\(unknown.errors)")
    }
}
