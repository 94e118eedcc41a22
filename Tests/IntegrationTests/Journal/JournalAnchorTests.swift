import Foundation
import GRDB
@testable import IntegrationSupport
import KasseJournal
import KasseJournalSQLite
import KasseTill
import Testing


/// The anchor outside the SQLite file, and the Z report's closing hash, catch what the hash
/// chain alone cannot: entries cut off the end, and a change with every later hash recomputed.
@Suite struct JournalAnchorTests {
    @Test func theAnchorFollowsEveryCommitAndAnIntactJournalVerifies() async throws {
        let path = try await AnchorFixture.journal()
        let anchor = try #require(try JournalAnchor.read(journalPath: path))
        let journal = try Journal(path: path, till: "1", cashier: "anna", readOnly: true)
        let newest = try await journal.newestEntry()
        #expect(anchor.sequence == newest.sequence && anchor.hash == newest.hash && anchor.journal == "journal.sqlite")
        let (status, text) = try await AnchorFixture.verify(path)
        #expect(status == 0, "\(text)")
        #expect(text.contains("chain intact") && text.contains("names entry 8, the newest") && text.contains("Z report 1 closed at entry 5"))
        // The Z report's closing entry and hash, as printed, check out too.
        let z = try await journal.zReportCheck()
        #expect(z == .matches(number: 1, sequence: 5))
        let hash = try #require(try await journal.entry(5)).hash
        #expect(try await AnchorFixture.verify(path, ["--expect", "5:\(hash.prefix(16))"]).status == 0)
        // A new Z report prints the entry and hash it closed at.
        let z2 = try await KasseBinary.run(["report", "z", "--journal", path], environment: ["HOME": (path as NSString).deletingLastPathComponent])
        let eighth = try await Journal(path: path, till: "1", cashier: "anna", readOnly: true).entry(8)
        #expect(z2.status == 0, "\(z2.errors)")
        #expect(z2.output.contains("Lukket ved journalpost 8") && z2.output.contains("8:\(eighth?.hash.prefix(32) ?? "?")"), "\(z2.output)")
    }

    @Test(arguments: [1, 3])
    func entriesCutOffTheEndAreNamed(count: Int) async throws {
        let path = try await AnchorFixture.journal()
        try JournalTampering.rewrite(path, rechain: false) { $0.removeLast(count) }
        // The chain alone still verifies: what is left is a valid, shorter chain.
        #expect(try await Journal(path: path, till: "1", cashier: "a", readOnly: true).verify() == .intact(entries: 8 - count))
        let (status, text) = try await AnchorFixture.verify(path)
        #expect(status == 1, "\(text)")
        let expected = count == 1 ? "entry 8 is missing" : "entries 6–8 are missing"
        #expect(text.contains(expected) && text.contains("ends before the last entry the till wrote"), "\(text)")
        // The till refuses to sell on it, and says what to do.
        let till = try await AnchorFixture.tillStart(path)
        #expect(till.status != 0)
        #expect(till.errors.contains(expected) && till.errors.contains("restore the newest copy"), "\(till.errors)")
        #expect(throws: JournalError.self) { try Journal(path: path, till: "1", cashier: "a") }
    }

    @Test func aChangedAmountWithEveryLaterHashRecomputedIsFound() async throws {
        let path = try await AnchorFixture.journal()
        // What the Z report printed: the entry and hash the day closed at.
        let printed = try #require(try await Journal(path: path, till: "1", cashier: "a", readOnly: true).entry(5)).hash
        try JournalTampering.rewrite(path, rechain: true) { entries in
            let index = entries.firstIndex { $0.kind == "sale-completed" }!
            entries[index].payload = entries[index].payload.replacingOccurrences(of: "\"captured\":4980", with: "\"captured\":980")
        }
        // The chain alone verifies: every later hash was recomputed with the documented formula.
        #expect(try await Journal(path: path, till: "1", cashier: "a", readOnly: true).verify() == .intact(entries: 8))
        let (status, text) = try await AnchorFixture.verify(path)
        #expect(status == 1)
        #expect(text.contains("entry 8 does not match the anchor file: the journal was rewritten"), "\(text)")
        // The Z report's own record was rewritten with the rest, but the paper was not.
        let paper = try await AnchorFixture.verify(path, ["--expect", "5:\(printed.prefix(16))"])
        #expect(paper.status == 1)
        #expect(paper.text.contains("entry 5 no longer has the hash printed on paper"), "\(paper.text)")
        let till = try await AnchorFixture.tillStart(path)
        #expect(till.status != 0 && till.errors.contains("was rewritten"), "\(till.errors)")
    }

    /// A missing anchor, or one replaced by garbage, is how cutting entries off the end would be
    /// hidden: a finding of its own (exit 3), not a warning; nothing writes to the journal until
    /// a manager has acknowledged it with `kasse journal reanchor`, which journals it.
    @Test(arguments: [false, true])
    func aLostOrGarbledAnchorIsAFindingAManagerAcknowledges(garbled: Bool) async throws {
        let path = try await AnchorFixture.journal()
        let anchorPath = JournalAnchor.path(forJournal: path)
        try FileManager.default.removeItem(atPath: anchorPath)
        if garbled { try Data("\u{00}not json at all\n".utf8).write(to: URL(fileURLWithPath: anchorPath)) }
        let (status, text) = try await AnchorFixture.verify(path)
        #expect(status == 3, "\(text)")
        #expect(text.contains("Anchor (finding)") && !text.contains("rewritten"), "\(text)")
        #expect(text.contains(garbled ? "cannot be read" : "anchor file is missing"), "\(text)")
        // Nothing that writes opens it: the till, kasse return, kasse report z.
        #expect(throws: JournalError.self) { try Journal(path: path, till: "1", cashier: "a") }
        let till = try await AnchorFixture.tillStart(path)
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
        #expect(try await AnchorFixture.verify(path).status == 0)
    }

    @Test func anAnchorOlderThanTheJournalIsAWarning() async throws {
        let path = try await AnchorFixture.journal()
        let anchorPath = JournalAnchor.path(forJournal: path)
        let saved = try Data(contentsOf: URL(fileURLWithPath: anchorPath))
        let journal = try Journal(path: path, till: "1", cashier: "a")
        try await journal.append([.operatorAction("later")])
        try saved.write(to: URL(fileURLWithPath: anchorPath))  // the backup's anchor put back
        let (status, text) = try await AnchorFixture.verify(path)
        #expect(status == 0, "\(text)")
        #expect(text.contains("older than the journal: it names entry 8, which matches, but the journal goes on to 9"), "\(text)")
        #expect(try Journal(path: path, till: "1", cashier: "a").anchorAtOpen == .older(anchor: 8, last: 9))
    }

    @Test func reanchorRecordsTheGapAndLetsTheTillGoOn() async throws {
        let path = try await AnchorFixture.journal()
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
        let path = try await AnchorFixture.journal()
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
