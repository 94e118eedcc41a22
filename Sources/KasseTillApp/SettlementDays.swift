import KasseCore
import KasseTill
import VippsClient
import VippsModels
import KasseJournal

/// Reads what a settlement check needs from the Report API: the ledger date itself, and the
/// days after it up to the payout that pays it out (at most a week: weekends and holidays).
public enum SettlementDays {
    public static func reconcile(day: CivilDate, ledger: Ledger, movements: [Settlement.Movement],
                                 client: VippsClient) async throws -> Settlement.Result {
        let currency = ledger.currency ?? ""
        var entries: [LedgerTransaction] = []
        var closed = false
        switch try await client.ledgerDay(ledgerID: ledger.ledgerId, date: day.iso) {
        case .notYet: break
        case .entries(let found, let isClosed):
            entries = found
            closed = isClosed
        }
        var later: [LedgerTransaction] = []
        if closed {
            for offset in 1...7 {
                guard case .entries(let found, _) = try await client.ledgerDay(ledgerID: ledger.ledgerId, date: day.adding(days: offset).iso)
                else { break }
                later += found
                if found.contains(where: { $0.entryType == .scheduledForPayout }) { break }
            }
        }
        return Settlement.reconcile(date: day.iso, ledgerID: ledger.ledgerId, currency: currency.isEmpty ? entries.first?.currency ?? "" : currency,
                                    movements: movements, ledger: entries, closed: closed, later: later)
    }
}
