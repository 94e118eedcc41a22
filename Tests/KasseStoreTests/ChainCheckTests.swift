import KasseCore
import KasseStore
import Testing
import KasseJournal

/// A till's journal as the server receives it: the chain rules, with no server around them.
@Suite struct ChainCheckTests {
    static func chain(_ count: Int, till: String = "OSL1-1", from first: Int = 1, previous: String = JournalChain.genesisHash)
        -> [JournalEntry]
    {
        var entries: [JournalEntry] = []
        var previousHash = previous
        for sequence in first..<(first + count) {
            let payload = #"{"operatorAction":{"_0":"entry \#(sequence)"}}"#
            let hash = JournalChain.hash(sequence: sequence, at: "2026-11-30T10:00:00Z", till: till, cashier: "1001",
                                         kind: "operator", payload: payload, previousHash: previousHash)
            entries.append(JournalEntry(sequence: sequence, at: "2026-11-30T10:00:00Z", till: till, cashier: "1001",
                                           kind: "operator", sale: nil, reference: nil, payload: payload,
                                           previousHash: previousHash, hash: hash))
            previousHash = hash
        }
        return entries
    }

    static let empty = JournalHead(till: "OSL1-1", sequence: 0, hash: JournalChain.genesisHash)

    @Test func aFirstBatchFromTheGenesisIsTaken() {
        let batch = Self.chain(5)
        #expect(ChainCheck.check(batch, till: "OSL1-1", head: Self.empty, stored: { _ in nil }) == .append(batch))
    }

    @Test func theNextBatchGoesOnFromTheHead() {
        let all = Self.chain(10)
        let head = JournalHead(till: "OSL1-1", sequence: 4, hash: all[3].hash)
        let rest = Array(all[4...])
        #expect(ChainCheck.check(rest, till: "OSL1-1", head: head, stored: { _ in nil }) == .append(rest))
    }

    @Test func aBatchSentAgainStoresNothingAndIsNotAnError() {
        let all = Self.chain(6)
        let head = JournalHead(till: "OSL1-1", sequence: 6, hash: all[5].hash)
        let held = Dictionary(uniqueKeysWithValues: all.map { ($0.sequence, $0.hash) })
        #expect(ChainCheck.check(all, till: "OSL1-1", head: head, stored: { held[$0] }) == .append([]))
        // Overlapping: the old part is checked, the new part taken.
        let more = Self.chain(3, from: 7, previous: all[5].hash)
        let overlap = Array(all[3...]) + more
        #expect(ChainCheck.check(overlap, till: "OSL1-1", head: head, stored: { held[$0] }) == .append(more))
    }

    @Test func aGapIsRefusedWithWhatIsMissing() {
        let all = Self.chain(10)
        let head = JournalHead(till: "OSL1-1", sequence: 4, hash: all[3].hash)
        guard case .refuse(let refusal) = ChainCheck.check(Array(all[6...]), till: "OSL1-1", head: head, stored: { _ in nil }) else {
            Issue.record("a gap was taken")
            return
        }
        #expect(refusal.error == "gap")
        #expect(refusal.message.contains("5 to 6 are missing"))
        #expect(refusal.head == head)
    }

    @Test func aForkIsRefused() {
        let all = Self.chain(6)
        let head = JournalHead(till: "OSL1-1", sequence: 3, hash: all[2].hash)
        // Another journal's entry 4 (a restored backup that went on differently).
        let other = Self.chain(1, from: 4, previous: String(repeating: "1", count: 64))
        guard case .refuse(let refusal) = ChainCheck.check(other, till: "OSL1-1", head: head, stored: { _ in nil }) else {
            Issue.record("a fork was taken")
            return
        }
        #expect(refusal.error == "fork")
        // A rewritten entry the server already holds.
        let held = Dictionary(uniqueKeysWithValues: all.map { ($0.sequence, $0.hash) })
        let rewritten = Self.chain(3, till: "OSL1-1").map { entry in
            var entry = entry
            entry.at = "2026-11-30T11:00:00Z"
            entry.hash = entry.computedHash
            return entry
        }
        guard case .refuse(let again) = ChainCheck.check(rewritten, till: "OSL1-1", head: head, stored: { held[$0] }) else {
            Issue.record("a rewritten entry was taken")
            return
        }
        #expect(again.error == "fork")
    }

    @Test func anEntryThatDoesNotMatchItsHashIsRefused() {
        var batch = Self.chain(3)
        batch[1].payload = #"{"operatorAction":{"_0":"changed"}}"#
        guard case .refuse(let refusal) = ChainCheck.check(batch, till: "OSL1-1", head: Self.empty, stored: { _ in nil }) else {
            Issue.record("a changed entry was taken")
            return
        }
        #expect(refusal.error == "bad-hash")
        #expect(refusal.message.contains("entry 2"))
    }

    @Test func anotherTillsEntriesAreRefused() {
        let batch = Self.chain(2, till: "OSL1-2")
        guard case .refuse(let refusal) = ChainCheck.check(batch, till: "OSL1-1", head: Self.empty, stored: { _ in nil }) else {
            Issue.record("another till's entries were taken")
            return
        }
        #expect(refusal.error == "wrong-till")
        #expect(refusal.message.contains("OSL1-2") && refusal.message.contains("OSL1-1"))
    }

    @Test func entriesOutOfOrderAreRefused() {
        let all = Self.chain(3)
        guard case .refuse(let refusal) = ChainCheck.check([all[0], all[2], all[1]], till: "OSL1-1", head: Self.empty, stored: { _ in nil })
        else {
            Issue.record("a batch out of order was taken")
            return
        }
        #expect(refusal.error == "out-of-order")
    }
}

@Suite struct StoreTillsTests {
    static let tills = try! StoreTills([
        StoreTill(store: "OSL1", till: "1", tokenHash: StoreTills.tokenHash("token-of-till-one")),
        StoreTill(store: "OSL1", till: "2", tokenHash: StoreTills.tokenHash("token-of-till-two")),
    ])

    @Test func aTokenNamesItsTillAndNoOther() {
        #expect(Self.tills.till(presenting: "Bearer token-of-till-one")?.key == "OSL1-1")
        #expect(Self.tills.till(presenting: "Bearer token-of-till-two")?.key == "OSL1-2")
        #expect(Self.tills.till(presenting: "Bearer token-of-till-thre") == nil)
        #expect(Self.tills.till(presenting: "token-of-till-one") == nil)
        #expect(Self.tills.till(presenting: nil) == nil)
    }

    @Test func aPaymentGoesToTheTillItsReferenceNames() {
        let reference = PaymentReference(store: "OSL1", till: "2", date: CivilDate(year: 2026, month: 11, day: 30), sequence: 17, attempt: 1)
        #expect(Self.tills.till(forReference: reference.value)?.key == "OSL1-2")
        #expect(Self.tills.till(forReference: "OSL1-3-20261130-000017-1") == nil)
        #expect(Self.tills.till(forReference: "acme-order-123456") == nil)
        #expect(PaymentReference.tillPrefix(store: "Oslø 1", till: "kasse 2") == "OSLO1-KASSE2")
    }

    @Test func aBadTillListIsRefusedWithTheReason() {
        let hash = StoreTills.tokenHash("same")
        #expect(throws: StoreTills.Problem.duplicateToken("OSL1-1", "OSL1-2")) {
            try StoreTills([StoreTill(store: "OSL1", till: "1", tokenHash: hash), StoreTill(store: "OSL1", till: "2", tokenHash: hash)])
        }
        #expect(throws: StoreTills.Problem.duplicateTill("OSL1-1")) {
            try StoreTills([StoreTill(store: "OSL1", till: "1", tokenHash: hash),
                            StoreTill(store: "osl1", till: "1", tokenHash: StoreTills.tokenHash("other"))])
        }
        #expect(throws: StoreTills.Problem.badTokenHash("OSL1-1")) {
            try StoreTills([StoreTill(store: "OSL1", till: "1", tokenHash: "secret")])
        }
    }

    @Test func theJournalHashIsTheTillsOwn() {
        // The formula's known answer: a change to it would orphan every journal already written.
        #expect(JournalChain.hash(sequence: 1, at: "a", till: "b", cashier: "c", kind: "d", payload: "e", previousHash: JournalChain.genesisHash)
            == StoreTills.tokenHash("1\na\nb\nc\nd\ne\n" + JournalChain.genesisHash))
        #expect(StoreTills.tokenHash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}

@Suite struct CatalogChangesTests {
    @Test func pricesAddedAndRemovedProductsAreNamed() {
        let header = "sku,gtin,name,unit_price,vat_rate,unit,article_group\n"
        let old = CatalogCSV.parse(header + "A1,,Milk,2490,1500,PCS,04006\nB2,,Bread,3990,1500,PCS,04006\nC3,,Eggs,4590,1500,PCS,04006\n").catalog
        let new = CatalogCSV.parse(header + "A1,,Milk,2590,1500,PCS,04006\nB2,,Bread,3990,1500,PCS,04006\nD4,,Butter,5490,1500,PCS,04006\n").catalog
        #expect(old.count == 3 && new.count == 3)
        let changes = CatalogChanges(from: old, to: new)
        #expect(changes.prices == [CatalogChanges.PriceChange(sku: "A1", name: "Milk", old: 2490, new: 2590)])
        #expect(changes.added == ["D4"])
        #expect(changes.removed == ["C3"])
        #expect(changes.summary == "1 added, 1 removed, 1 price change(s): A1 2490→2590")
    }
}
