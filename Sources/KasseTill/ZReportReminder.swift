import KasseCore
import KasseJournal
import KasseLanguage
import VippsModels

/// One Z report per register per business day: at start, the till reminds the cashier of days
/// with sales that no Z report has closed yet.
public enum ZReportReminder {
    /// The earlier business days among the sales since the last Z report (oldest first), as a
    /// line for the cashier; nil when every earlier day is closed.
    public static func message(sinceLastZ events: [JournalEvent], today: CivilDate) -> Message? {
        var days = Set<CivilDate>()
        for event in events {
            guard case .saleCompleted(let sale) = event, let day = PaymentReference.businessDay(of: sale.reference), day < today else { continue }
            days.insert(day)
        }
        guard !days.isEmpty else { return nil }
        return Message(.zReportMissing, ["days": .list(days.sorted().map(MessageArgument.date)), "key": .text(KeyMap.label(for: .report))])
    }
}
