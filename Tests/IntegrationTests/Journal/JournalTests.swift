import Foundation
import GRDB
@testable import IntegrationSupport
import KasseJournal
import KasseJournalSQLite
import KasseTill
import Testing

/// The journal as a SQLite file on disk, and the real binary's answers about it.
struct JournalTests {

    @Test func entriesAreChainedAndSurviveReopening() async throws {
        let path = JournalFixture.temporaryPath()
        let journal = try Journal(path: path, till: "2", cashier: "anna")
        try await journal.append([.tillStarted(mode: "TEST", store: "S", till: "2"), .lineAdded(sale: 1, line: JournalFixture.line)])
        try await journal.append([.saleCompleted(JournalFixture.sale(1, reference: "S-2-20261121-000001-1"))])
        let reopened = try Journal(path: path, till: "2", cashier: "anna")
        let entries = try await reopened.entries()
        #expect(entries.map(\.sequence) == [1, 2, 3])
        #expect(entries[0].previousHash == Journal.genesisHash)
        #expect(entries[1].previousHash == entries[0].hash)
        #expect(entries[2].previousHash == entries[1].hash)
        #expect(entries.allSatisfy { $0.till == "2" && $0.cashier == "anna" })
        #expect(entries[2].reference == "S-2-20261121-000001-1")
        #expect(try await reopened.verify() == .intact(entries: 3))
        #expect(try await reopened.nextSaleNumber() == 2)
        // WAL mode, for a reader (the report command) beside the writing till.
        let mode = try await DatabaseQueue(path: path).read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }

    @Test func updatesAndDeletionsAreRefused() async throws {
        let path = JournalFixture.temporaryPath()
        let journal = try Journal(path: path, till: "1", cashier: "1")
        try await journal.append([.operatorAction("one"), .operatorAction("two")])
        let database = try DatabaseQueue(path: path)
        await #expect(throws: DatabaseError.self) {
            try await database.write { try $0.execute(sql: "UPDATE entry SET payload = '{}' WHERE sequence = 1") }
        }
        await #expect(throws: DatabaseError.self) {
            try await database.write { try $0.execute(sql: "DELETE FROM entry WHERE sequence = 2") }
        }
        #expect(try await journal.verify() == .intact(entries: 2))
    }

    /// Someone who removes the triggers and edits, deletes or inserts is found out by the chain,
    /// at the first entry that no longer fits.
    @Test func editsAroundTheTriggersBreakTheChainAtTheRightEntry() async throws {
        for tamper in [
            "UPDATE entry SET payload = replace(payload, '4980', '498') WHERE sequence = 3",
            "DELETE FROM entry WHERE sequence = 2",
            "UPDATE entry SET at = '2020-01-01T00:00:00.000Z' WHERE sequence = 4",
        ] {
            let path = JournalFixture.temporaryPath()
            let journal = try Journal(path: path, till: "1", cashier: "1")
            try await journal.append([.operatorAction("a"), .lineAdded(sale: 1, line: JournalFixture.line)])
            try await journal.append([.saleCompleted(JournalFixture.sale(1, reference: "R-1")), .operatorAction("b")])
            let database = try DatabaseQueue(path: path)
            try await database.write { db in
                try db.execute(sql: "DROP TRIGGER entry_no_update; DROP TRIGGER entry_no_delete")
                try db.execute(sql: tamper)
            }
            let result = try await journal.verify()
            switch tamper.first {
            case "D": #expect(result == .broken(sequence: 2, reason: "entry 2 is missing"), "\(tamper)")
            default:
                guard case .broken(let sequence, _) = result else { Issue.record("not detected: \(tamper)"); continue }
                #expect(sequence == (tamper.contains("sequence = 3") ? 3 : 4), "\(tamper)")
            }
            // The command line says so too, and fails.
            let verify = try await KasseBinary.run(["journal", "verify", "--journal", path])
            #expect(verify.status == 1)
            #expect(verify.errors.contains("breaks the chain"))
        }
    }

    @Test func unsettledPaymentsAreThoseWithoutAnOutcome() async throws {
        let journal = try Journal(path: JournalFixture.temporaryPath(), till: "1", cashier: "1")
        func start(_ sale: Int, _ attempt: Int) -> JournalEvent {
            .paymentStarted(JournalPaymentStart(
                sale: sale, reference: "R-\(sale)-\(attempt)", attempt: attempt, amount: 4980, currency: "NOK",
                createKey: "c-R-\(sale)-\(attempt)", captureKey: "k-R-\(sale)-\(attempt)", customer: "x", lines: [JournalFixture.line]))
        }
        try await journal.append([
            start(1, 1), .saleCompleted(JournalFixture.sale(1, reference: "R-1-1")),
            start(2, 1), .paymentEnded(sale: 2, reference: "R-2-1", reason: "declined"), start(2, 2),
            start(3, 1), .captureStarted(sale: 3, reference: "R-3-1", amount: 4980, key: "k-R-3-1"),
            start(4, 1), .saleAbandoned(sale: 4, reason: "left"),
        ])
        let unsettled = try await journal.unsettledPayments()
        #expect(unsettled.map(\.start.reference) == ["R-2-2", "R-3-1", "R-4-1"])
        #expect(unsettled[1].captureStarted)
        #expect(!unsettled[0].saleAbandoned && unsettled[2].saleAbandoned)
        #expect(try await journal.nextSaleNumber() == 5)
    }

    @Test func zReportsAreNumberedStoredAndStartTheNextDay() async throws {
        let journal = try Journal(path: JournalFixture.temporaryPath(), till: "1", cashier: "1")
        try await journal.append([.saleCompleted(JournalFixture.sale(1, reference: "R-1"))])
        let z1 = try await journal.zReport(store: "S", currency: "NOK")
        #expect(z1.number == 1 && z1.salesCount == 1 && z1.salesTotal == 4980)
        #expect(z1.vat == [JournalVAT(rateBasisPoints: 1500, gross: 4980, tax: 650)])
        let x = try await journal.xReport(store: "S", currency: "NOK")
        #expect(x.number == 2 && x.salesCount == 0 && x.salesTotal == 0)
        try await journal.append([.saleCompleted(JournalFixture.sale(2, reference: "R-2"))])
        let z2 = try await journal.zReport(store: "S", currency: "NOK")
        #expect(z2.number == 2 && z2.salesCount == 1)
        #expect(try await journal.entries(kinds: ["z-report"]).count == 2)
        #expect(try await journal.verify() == .intact(entries: 4))
    }

    /// A journal that cannot be trusted stops the till before anything is sold, with a message
    /// that says what to do; a missing one is created.
    @Test func damagedReadOnlyAndMissingJournals() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-journal-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        func till(_ journal: String) async throws -> (status: Int32, output: String, errors: String) {
            try await KasseBinary.run(["till"], environment: ["HOME": directory, "KASSE_JOURNAL": journal, "KASSE_LOG": directory + "/log"])
        }
        let corrupt = directory + "/corrupt.sqlite"
        try Data(repeating: 0x5A, count: 8192).write(to: URL(fileURLWithPath: corrupt))
        let corruptRun = try await till(corrupt)
        #expect(corruptRun.status != 0)
        #expect(corruptRun.errors.contains("is damaged"), "\(corruptRun.errors)")

        let readOnly = directory + "/readonly.sqlite"
        _ = try Journal(path: readOnly, till: "1", cashier: "1")
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: readOnly)
        let readOnlyRun = try await till(readOnly)
        #expect(readOnlyRun.status != 0)
        #expect(readOnlyRun.errors.contains("is read-only"), "\(readOnlyRun.errors)")
        #expect(readOnlyRun.errors.contains("chmod u+w"))
        // Nothing was written to either.
        #expect(try await Journal(path: readOnly, till: "1", cashier: "1", readOnly: true).entries().isEmpty)

        // A missing journal in a missing folder is created, chain and all.
        let fresh = directory + "/new/folder/journal.sqlite"
        let journal = try Journal(path: fresh, till: "1", cashier: "1")
        #expect(FileManager.default.fileExists(atPath: fresh))
        #expect(try await journal.verify() == .intact(entries: 0))
        let missing = try await KasseBinary.run(["journal", "verify", "--journal", directory + "/none.sqlite"])
        #expect(missing.status != 0)
        #expect(missing.errors.contains("cannot be opened"))
    }

    /// Damage inside an otherwise valid database file is found by `kasse journal verify`.
    @Test func damagedPagesAreFoundByVerify() async throws {
        let path = JournalFixture.temporaryPath()
        let journal = try Journal(path: path, till: "1", cashier: "1")
        for batch in 0..<20 {
            try await journal.append((0..<25).map { .operatorAction("entry \(batch)-\($0) " + String(repeating: "x", count: 200)) })
        }
        _ = try await DatabaseQueue(path: path).writeWithoutTransaction { try $0.checkpoint(.truncate) }
        // Scribble over the page that holds one entry's text.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let offset = try #require(bytes.range(of: Data("entry 10-5 ".utf8))).lowerBound
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        try handle.seek(toOffset: UInt64(offset - 50))
        handle.write(Data(repeating: 0xFF, count: 600))
        try handle.close()
        let verify = try await KasseBinary.run(["journal", "verify", "--journal", path])
        #expect(verify.status != 0)
        #expect(verify.errors.contains("damaged") || verify.errors.contains("breaks the chain"), "\(verify.errors)")
    }

    /// Outside DEMO, a till without its journal does not start over from sale 1 (its references
    /// would repeat); `kasse journal init` creates it once, optionally numbering from a given sale.
    @Test func aConfiguredTillNeedsItsJournalCreatedOnce() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-journal-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let config = directory + "/kasse.toml"
        let text = """
            [api]
            url = "test"
            client_id = "id"
            client_secret = "secret"
            subscription_key = "key"
            msn = "123456"
            [till]
            log = "\(directory)/kasse.log"
            market = "DK"    # the journal's rules are the same everywhere; Norway's own start-up checks have their test
            [scanners]
            enabled = false
            [journal]
            path = "\(directory)/journal.sqlite"
            """
        #expect(FileManager.default.createFile(atPath: config, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]))
        let refused = try await KasseBinary.run(["till", "--config", config], environment: ["HOME": directory])
        #expect(refused.status != 0)
        #expect(refused.errors.contains("There is no journal") && refused.errors.contains("kasse journal init"), "\(refused.errors)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/journal.sqlite"))

        let created = try await KasseBinary.run(["journal", "init", "--config", config, "--first-sale", "500"], environment: ["HOME": directory])
        #expect(created.status == 0, "\(created.errors)")
        let again = try await KasseBinary.run(["journal", "init", "--config", config], environment: ["HOME": directory])
        #expect(again.status != 0 && again.errors.contains("never replaced"))
        let journal = try Journal(path: directory + "/journal.sqlite", till: "1", cashier: "1", readOnly: true)
        #expect(try await journal.nextSaleNumber() == 500)
        #expect(try await journal.verify() == .intact(entries: 1))
    }
}

/// A journal written by Kasse before the explicit format (a real file from that version).
struct JournalMigrationTests {
    @Test func aJournalFromBeforeTheExplicitFormatStillVerifiesAndReads() async throws {
        let fixture = Repository.root.appendingPathComponent("Tests/Fixtures/journal-format1.sqlite").path
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-migration-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("journal.sqlite").path
        try FileManager.default.copyItem(atPath: fixture, toPath: path)
        // It predates anchor files: a till will not write to it until a manager has looked
        // (`kasse journal reanchor`); this test writes past that, as reanchor does.
        #expect(throws: JournalError.self) { try Journal(path: path, till: "1", cashier: "1") }
        let journal = try Journal(path: path, till: "1", cashier: "1", checkAnchor: false)
        #expect(try await journal.verify() == .intact(entries: 22))
        let entries = try await journal.entries()
        #expect(entries.allSatisfy { $0.event?.kind == $0.kind }, "\(entries.filter { $0.event == nil }.map(\.sequence))")
        #expect(entries[4].payload.hasPrefix(#"{"paymentStarted":{"_0":"#))
        let sale = try #require(try await journal.completedSale(receiptOrReference: "1"))
        #expect(sale.captured == 10260 && sale.lines.count == 2)
        #expect(try await journal.refunds(reference: sale.reference).refunded == 2590)
        #expect(try await journal.nextSaleNumber() == 3)
        // New entries are written in format 2 after the old ones, and the chain goes on.
        try await journal.append([.operatorAction("after the upgrade")])
        let last = try #require(try await journal.entries(after: 22).first)
        #expect(last.payload.contains(#""format":2"#) && last.payload.contains(#""type":"operator""#))
        #expect(last.previousHash == entries.last?.hash)
        #expect(try await journal.verify() == .intact(entries: 23))
        // The Z report written in format 1 still reads.
        guard case .zReport(let report)? = entries[20].event else {
            Issue.record("entry 21 is not a Z report")
            return
        }
        #expect(report.number == 1 && report.salesTotal == 10260 && report.returnsTotal == 2590)
    }
}
