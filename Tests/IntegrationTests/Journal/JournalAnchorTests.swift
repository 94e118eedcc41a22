import Foundation
import GRDB
import KasseJournal
import KasseJournalSQLite
import KasseTill
import Testing

/// Rewrites a journal as someone holding the file could: triggers dropped, entries changed or
/// removed, and (when `rechain`) every hash recomputed with the documented formula, so that
/// the chain alone verifies again.
enum JournalTampering {
    static func rewrite(_ path: String, rechain: Bool, _ change: (inout [JournalEntry]) -> Void) throws {
        let database = try DatabaseQueue(path: path)
        try database.write { db in
            try db.execute(sql: "DROP TRIGGER entry_no_update; DROP TRIGGER entry_no_delete")
            var entries = try Row.fetchAll(db, sql: "SELECT * FROM entry ORDER BY sequence").map { row in
                JournalEntry(sequence: row["sequence"], at: row["at"], till: row["till"], cashier: row["cashier"], kind: row["kind"],
                             sale: row["sale"], reference: row["reference"], payload: row["payload"],
                             previousHash: row["previousHash"], hash: row["hash"])
            }
            change(&entries)
            if rechain {
                var previous = Journal.genesisHash
                for index in entries.indices {
                    entries[index].sequence = index + 1
                    entries[index].previousHash = previous
                    entries[index].hash = JournalEntry.hash(
                        sequence: entries[index].sequence, at: entries[index].at, till: entries[index].till,
                        cashier: entries[index].cashier, kind: entries[index].kind, payload: entries[index].payload,
                        previousHash: previous)
                    previous = entries[index].hash
                }
            }
            try db.execute(sql: "DELETE FROM entry")
            for entry in entries {
                try db.execute(
                    sql: "INSERT INTO entry (sequence, at, till, cashier, kind, sale, reference, payload, previousHash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    arguments: [entry.sequence, entry.at, entry.till, entry.cashier, entry.kind, entry.sale, entry.reference,
                                entry.payload, entry.previousHash, entry.hash])
            }
        }
        _ = try database.writeWithoutTransaction { try $0.checkpoint(.truncate) }
    }
}

/// The anchor outside the SQLite file, and the Z report's closing hash, catch what the hash
/// chain alone cannot: entries cut off the end, and a change with every later hash recomputed.
@Suite struct JournalAnchorTests {
    static let line = JournalTests.line

    /// A journal of three paid sales (8 entries) with a Z report (entry 6) after the second; its path.
    static func journal() async throws -> String {
        let path = JournalTests.temporaryPath()
        let journal = try Journal(path: path, till: "1", cashier: "anna")
        try await journal.append([.tillStarted(mode: "TEST", store: "S", till: "1")])
        for sale in 1...3 {
            let reference = "S-1-20261121-00000\(sale)-1"
            try await journal.append([.lineAdded(sale: sale, line: line)])
            try await journal.append([.saleCompleted(JournalTests.sale(sale, reference: reference))])
            if sale == 2 { _ = try await journal.zReport(store: "S", currency: "NOK") }
        }
        #expect(try await journal.anchorCheck() == .matches(sequence: 8))
        return path
    }

    static func verify(_ path: String, _ extra: [String] = []) async throws -> (status: Int32, text: String) {
        let result = try await KasseBinary.run(["journal", "verify", "--journal", path] + extra)
        return (result.status, result.output + result.errors)
    }

    /// The till at start, on this journal (DEMO mode): refused before anything is sold.
    static func tillStart(_ path: String) async throws -> (status: Int32, errors: String) {
        let home = (path as NSString).deletingLastPathComponent
        let result = try await KasseBinary.run(["till"], environment: ["HOME": home, "KASSE_JOURNAL": path, "KASSE_LOG": home + "/log"])
        return (result.status, result.errors)
    }

    @Test func theAnchorFollowsEveryCommitAndAnIntactJournalVerifies() async throws {
        let path = try await Self.journal()
        let anchor = try #require(try JournalAnchor.read(journalPath: path))
        let journal = try Journal(path: path, till: "1", cashier: "anna", readOnly: true)
        let newest = try await journal.newestEntry()
        #expect(anchor.sequence == newest.sequence && anchor.hash == newest.hash && anchor.journal == "journal.sqlite")
        let (status, text) = try await Self.verify(path)
        #expect(status == 0, "\(text)")
        #expect(text.contains("chain intact") && text.contains("names entry 8, the newest") && text.contains("Z report 1 closed at entry 5"))
        // The Z report's closing entry and hash, as printed, check out too.
        let z = try #require(try await journal.zReportCheck())
        #expect(z == .matches(number: 1, sequence: 5))
        let hash = try #require(try await journal.entry(5)).hash
        #expect(try await Self.verify(path, ["--expect", "5:\(hash.prefix(16))"]).status == 0)
        // A new Z report prints the entry and hash it closed at.
        let z2 = try await KasseBinary.run(["report", "z", "--journal", path], environment: ["HOME": (path as NSString).deletingLastPathComponent])
        let eighth = try await Journal(path: path, till: "1", cashier: "anna", readOnly: true).entry(8)
        #expect(z2.status == 0, "\(z2.errors)")
        #expect(z2.output.contains("Lukket ved journalpost 8") && z2.output.contains("8:\(eighth?.hash.prefix(32) ?? "?")"), "\(z2.output)")
    }

    @Test(arguments: [1, 3])
    func entriesCutOffTheEndAreNamed(count: Int) async throws {
        let path = try await Self.journal()
        try JournalTampering.rewrite(path, rechain: false) { $0.removeLast(count) }
        // The chain alone still verifies: what is left is a valid, shorter chain.
        #expect(try await Journal(path: path, till: "1", cashier: "a", readOnly: true).verify() == .intact(entries: 8 - count))
        let (status, text) = try await Self.verify(path)
        #expect(status == 1, "\(text)")
        let expected = count == 1 ? "entry 8 is missing" : "entries 6–8 are missing"
        #expect(text.contains(expected) && text.contains("ends before the last entry the till wrote"), "\(text)")
        // The till refuses to sell on it, and says what to do.
        let till = try await Self.tillStart(path)
        #expect(till.status != 0)
        #expect(till.errors.contains(expected) && till.errors.contains("restore the newest copy"), "\(till.errors)")
        #expect(throws: JournalError.self) { try Journal(path: path, till: "1", cashier: "a") }
    }

    @Test func aChangedAmountWithEveryLaterHashRecomputedIsFound() async throws {
        let path = try await Self.journal()
        // What the Z report printed: the entry and hash the day closed at.
        let printed = try #require(try await Journal(path: path, till: "1", cashier: "a", readOnly: true).entry(5)).hash
        try JournalTampering.rewrite(path, rechain: true) { entries in
            let index = entries.firstIndex { $0.kind == "sale-completed" }!
            entries[index].payload = entries[index].payload.replacingOccurrences(of: "\"captured\":4980", with: "\"captured\":980")
        }
        // The chain alone verifies: every later hash was recomputed with the documented formula.
        #expect(try await Journal(path: path, till: "1", cashier: "a", readOnly: true).verify() == .intact(entries: 8))
        let (status, text) = try await Self.verify(path)
        #expect(status == 1)
        #expect(text.contains("entry 8 does not match the anchor file: the journal was rewritten"), "\(text)")
        // The Z report's own record was rewritten with the rest, but the paper was not.
        let paper = try await Self.verify(path, ["--expect", "5:\(printed.prefix(16))"])
        #expect(paper.status == 1)
        #expect(paper.text.contains("entry 5 no longer has the hash printed on paper"), "\(paper.text)")
        let till = try await Self.tillStart(path)
        #expect(till.status != 0 && till.errors.contains("was rewritten"), "\(till.errors)")
    }

    /// A missing anchor, or one replaced by garbage, is how cutting entries off the end would be
    /// hidden: a finding of its own (exit 3), not a warning; nothing writes to the journal until
    /// a manager has acknowledged it with `kasse journal reanchor`, which journals it.
    @Test(arguments: [false, true])
    func aLostOrGarbledAnchorIsAFindingAManagerAcknowledges(garbled: Bool) async throws {
        let path = try await Self.journal()
        let anchorPath = JournalAnchor.path(forJournal: path)
        try FileManager.default.removeItem(atPath: anchorPath)
        if garbled { try Data("\u{00}not json at all\n".utf8).write(to: URL(fileURLWithPath: anchorPath)) }
        let (status, text) = try await Self.verify(path)
        #expect(status == 3, "\(text)")
        #expect(text.contains("Anchor (finding)") && !text.contains("rewritten"), "\(text)")
        #expect(text.contains(garbled ? "cannot be read" : "anchor file is missing"), "\(text)")
        // Nothing that writes opens it: the till, kasse return, kasse report z.
        #expect(throws: JournalError.self) { try Journal(path: path, till: "1", cashier: "a") }
        let till = try await Self.tillStart(path)
        #expect(till.status != 0 && till.errors.contains("cannot be checked") && till.errors.contains("kasse journal reanchor"),
                "\(till.errors)")
        // Acknowledged: the finding is in the journal, anchored anew, and the till goes on.
        let acknowledged = try await KasseBinary.run(["journal", "reanchor", "--journal", path, "--reason", "anchor lost with the old disk"])
        #expect(acknowledged.status == 0, "\(acknowledged.errors)")
        let journal = try Journal(path: path, till: "1", cashier: "a")
        #expect(journal.anchorAtOpen == .matches(sequence: 9))
        guard case .operatorAction(let note)? = try await journal.entries().last?.event else {
            Issue.record("the finding is not in the journal")
            return
        }
        #expect(note.contains("journal re-anchored") && note.contains("anchor lost with the old disk"), "\(note)")
        #expect(try await Self.verify(path).status == 0)
    }

    @Test func anAnchorOlderThanTheJournalIsAWarning() async throws {
        let path = try await Self.journal()
        let anchorPath = JournalAnchor.path(forJournal: path)
        let saved = try Data(contentsOf: URL(fileURLWithPath: anchorPath))
        let journal = try Journal(path: path, till: "1", cashier: "a")
        try await journal.append([.operatorAction("later")])
        try saved.write(to: URL(fileURLWithPath: anchorPath))  // the backup's anchor put back
        let (status, text) = try await Self.verify(path)
        #expect(status == 0, "\(text)")
        #expect(text.contains("older than the journal: it names entry 8, which matches, but the journal goes on to 9"), "\(text)")
        #expect(try Journal(path: path, till: "1", cashier: "a").anchorAtOpen == .older(anchor: 8, last: 9))
    }

    @Test func reanchorRecordsTheGapAndLetsTheTillGoOn() async throws {
        let path = try await Self.journal()
        try JournalTampering.rewrite(path, rechain: false) { $0.removeLast(2) }
        let refused = try await KasseBinary.run(["journal", "reanchor", "--journal", path, "--reason", "disk replaced"])
        #expect(refused.status == 0, "\(refused.errors)")
        let journal = try Journal(path: path, till: "1", cashier: "a")
        let last = try #require(try await journal.entries().last)
        guard case .operatorAction(let text)? = last.event else {
            Issue.record("no note")
            return
        }
        #expect(text.contains("entries 7–8 are missing") && text.contains("disk replaced") && text.contains(".replaced-"))
        #expect(try await journal.anchorCheck() == .matches(sequence: 7))
    }

    @Test func aNewJournalAfterALostOneKeepsTheOldAnchorAsideAndSaysSo() async throws {
        let path = try await Self.journal()
        try FileManager.default.removeItem(atPath: path)
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        // A till would refuse the anchor of the lost journal; init starts anew and records it.
        let created = try await KasseBinary.run(["journal", "init", "--journal", path, "--first-sale", "10"],
                                                environment: ["HOME": (path as NSString).deletingLastPathComponent])
        #expect(created.status == 0, "\(created.errors)")
        let journal = try Journal(path: path, till: "1", cashier: "a")
        #expect(journal.anchorAtOpen == .matches(sequence: 2))
        guard case .operatorAction(let note)? = try await journal.entries().last?.event else {
            Issue.record("no note of the old anchor")
            return
        }
        #expect(note.contains("previous journal's anchor (entry 8"), "\(note)")
    }
}
