import Testing
import VippsModels
import KasseJournal

/// The pure matching of a day's journal movements with the ledger.
struct SettlementTests {
    static func line(_ type: LedgerEntryType, _ reference: String?, _ amount: Int, psp: String, date: String = "2026-12-07") -> LedgerTransaction {
        LedgerTransaction(pspReference: psp, time: "\(date)T10:00:00Z", ledgerDate: date, entryType: type, reference: reference,
                          currency: "NOK", amount: amount, balanceBefore: nil, balanceAfter: nil, recipientHandle: "NO:123456")
    }

    static let movements = [
        Settlement.Movement(till: "1", sale: 1, reference: "S-1-1", kind: .capture, amount: 1000),
        Settlement.Movement(till: "1", sale: 2, reference: "S-1-2", kind: .capture, amount: 2000),
        Settlement.Movement(till: "2", sale: 1, reference: "S-2-1", kind: .capture, amount: 500),
        Settlement.Movement(till: "1", sale: 2, reference: "S-1-2", kind: .refund, amount: 300),
    ]

    @Test func everythingMatchedAndPaidOutIsSettled() {
        let ledger = [Self.line(.capture, "S-1-1", 1000, psp: "a"), Self.line(.capture, "S-1-2", 2000, psp: "b"),
                      Self.line(.capture, "S-2-1", 500, psp: "c"), Self.line(.refund, "S-1-2", -300, psp: "d"),
                      Self.line(.feesRetained, nil, -35, psp: "e")]
        let later = [Self.line(.scheduledForPayout, nil, -3165, psp: "f", date: "2026-12-08")]
        let result = Settlement.reconcile(date: "2026-12-07", ledgerID: "3123456", currency: "NOK", movements: Self.movements,
                                          ledger: ledger, closed: true, later: later)
        #expect(result.matched.count == 4 && result.notInLedger.isEmpty && result.unknown.isEmpty && result.differing.isEmpty)
        #expect(result.fees == 35 && result.sales == 3500 && result.refunds == 300 && result.net == 3165)
        #expect(result.payout == Settlement.Payout(ledgerDate: "2026-12-08", amount: 3165, pspReference: "f"))
        #expect(result.isSettled && !result.hasDiscrepancies)
        // Not closed yet: nothing wrong, not settled.
        let open = Settlement.reconcile(date: "2026-12-07", ledgerID: "3123456", currency: "NOK", movements: Self.movements,
                                        ledger: Array(ledger.prefix(2)), closed: false)
        #expect(open.notInLedger.count == 2 && !open.hasDiscrepancies && !open.isSettled)
        #expect(Settlement.text(open).contains { $0.hasPrefix("not in the ledger yet: till 2 receipt 000001 S-2-1") })
    }

    @Test func eachDiscrepancyIsNamed() {
        let ledger = [Self.line(.capture, "S-1-2", 1999, psp: "b"), Self.line(.capture, "S-2-1", 500, psp: "c"),
                      Self.line(.refund, "S-1-2", -300, psp: "d"), Self.line(.capture, "FOREIGN", 4242, psp: "x")]
        let result = Settlement.reconcile(date: "2026-12-07", ledgerID: "3123456", currency: "NOK", movements: Self.movements,
                                          ledger: ledger, closed: true)
        #expect(result.notInLedger.map(\.reference) == ["S-1-1"])
        #expect(result.differing.map(\.movement.reference) == ["S-1-2"] && result.differing.first?.ledgerAmount == 1999)
        #expect(result.unknown.map(\.reference) == ["FOREIGN"])
        #expect(result.hasDiscrepancies && !result.isSettled)
        let text = Settlement.text(result)
        #expect(text.contains { $0.hasPrefix("MISSING FROM THE LEDGER: till 1 receipt 000001 S-1-1 (capture) NOK 10.00") })
        #expect(text.contains { $0.hasPrefix("AMOUNT DIFFERS: till 1 receipt 000002 S-1-2 (capture): journal NOK 20.00, ledger NOK 19.99") })
        #expect(text.contains { $0.hasPrefix("NOT SOLD BY KASSE: the ledger settled NOK 42.42 for FOREIGN") })
    }
}
