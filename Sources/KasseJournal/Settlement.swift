import KasseCore
import KasseLanguage
import VippsModels

/// A day of Vipps MobilePay money as the journals know it, matched with what Vipps MobilePay's
/// ledger says it settled (the Report API), per payment reference. Pure: the command line and
/// the store server read the journals and the ledger, and decide here.
public enum Settlement {
    /// Money the journal says moved through Vipps MobilePay: a sale's capture, a return's refund.
    public struct Movement: Sendable, Hashable, Codable {
        public enum Kind: String, Sendable, Hashable, Codable { case capture, refund }
        public var till: String
        public var sale: Int
        public var reference: String
        public var kind: Kind
        /// Positive, minor units.
        public var amount: Int

        public init(till: String, sale: Int, reference: String, kind: Kind, amount: Int) {
            self.till = till
            self.sale = sale
            self.reference = reference
            self.kind = kind
            self.amount = amount
        }

        public var receiptNumber: String { JournalSale.receiptNumber(forSale: sale) }
    }

    /// A ledger entry for a capture or refund, as matched.
    public struct LedgerEntry: Sendable, Hashable, Codable {
        public var pspReference: String
        public var reference: String
        public var kind: Movement.Kind
        /// Positive, minor units.
        public var amount: Int
        public var time: String
    }

    public struct Difference: Sendable, Hashable, Codable {
        public var movement: Movement
        /// What the ledger settled for it (the sum of its entries).
        public var ledgerAmount: Int
        public var pspReferences: [String]
    }

    public struct Payout: Sendable, Hashable, Codable {
        public var ledgerDate: String
        /// Positive: what went to the bank account.
        public var amount: Int
        public var pspReference: String

        public init(ledgerDate: String, amount: Int, pspReference: String) {
            self.ledgerDate = ledgerDate
            self.amount = amount
            self.pspReference = pspReference
        }
    }

    public struct Result: Sendable, Hashable, Codable {
        /// The ledger date, `YYYY-MM-DD`.
        public var date: String
        public var ledgerID: String
        public var currency: String
        /// The ledger date is closed: what is not in it now will not come for this date.
        public var closed: Bool
        public var matched: [Movement]
        /// In the journal, not (yet) in the ledger.
        public var notInLedger: [Movement]
        /// In the ledger, never sold by these tills: money Kasse knows nothing of.
        public var unknown: [LedgerEntry]
        public var differing: [Difference]
        /// Fees the ledger retained for the date (positive).
        public var fees: Int
        public var sales: Int
        public var refunds: Int
        /// The payout that pays the date's balance out, once there is one.
        public var payout: Payout?

        /// A finding a person must look at: money unknown to the journal, an amount changed, or
        /// (once the date is closed) a sale the ledger never settled.
        public var hasDiscrepancies: Bool { !unknown.isEmpty || !differing.isEmpty || (closed && !notInLedger.isEmpty) }
        /// Everything matched, the date closed and paid out: nothing more will change.
        public var isSettled: Bool { closed && !hasDiscrepancies && notInLedger.isEmpty && payout != nil }
        public var net: Int { sales - refunds - fees }
    }

    /// A till's journal entries (`at`: the entry's UTC time, RFC 3339) as the movements of one
    /// local date: each completed sale's capture (training sales never reach Vipps MobilePay)
    /// and each return's refund, on the date the till recorded it in the shop's time zone.
    public static func movements(till: String, entries: [(at: String, event: JournalEvent)], date: CivilDate,
                                 zone: ShopTimeZone) -> [Movement] {
        var movements: [Movement] = []
        for (at, event) in entries {
            guard let seconds = InternetTime.parseRFC3339(at), zone.date(atUTC: Int64(seconds.rounded(.down))) == date else { continue }
            switch event {
            case .saleCompleted(let sale) where !sale.isTraining && sale.captured > 0:
                movements.append(Movement(till: till, sale: sale.sale, reference: sale.reference, kind: .capture, amount: sale.captured))
            case .refunded(let sale, let reference, _, let amount):
                movements.append(Movement(till: till, sale: sale, reference: reference, kind: .refund, amount: amount))
            default:
                break
            }
        }
        return movements
    }

    /// Matches the journals' movements of a date with the ledger's entries of that date.
    /// `later`: the ledger's entries of the days after, where the date's payout is found.
    public static func reconcile(date: String, ledgerID: String, currency: String, movements: [Movement],
                                 ledger: [LedgerTransaction], closed: Bool, later: [LedgerTransaction] = []) -> Result {
        var entries: [LedgerEntry] = []
        var fees = 0
        for line in ledger {
            switch line.entryType {
            case .capture, .refund:
                entries.append(LedgerEntry(pspReference: line.pspReference, reference: line.reference ?? "",
                                           kind: line.entryType == .capture ? .capture : .refund, amount: abs(line.amount), time: line.time))
            case .feesRetained:
                fees += -line.amount
            default:
                break
            }
        }
        struct Key: Hashable { var reference: String; var kind: Movement.Kind }
        var ledgerByKey: [Key: [LedgerEntry]] = [:]
        for entry in entries { ledgerByKey[Key(reference: entry.reference, kind: entry.kind), default: []].append(entry) }
        var journalByKey: [Key: Movement] = [:]
        var order: [Key] = []
        for movement in movements {
            let key = Key(reference: movement.reference, kind: movement.kind)
            if var known = journalByKey[key] {
                known.amount += movement.amount
                journalByKey[key] = known
            } else {
                journalByKey[key] = movement
                order.append(key)
            }
        }
        var result = Result(date: date, ledgerID: ledgerID, currency: currency, closed: closed, matched: [], notInLedger: [], unknown: [],
                            differing: [], fees: fees, sales: 0, refunds: 0, payout: nil)
        for key in order {
            guard let movement = journalByKey[key] else { continue }
            switch movement.kind {
            case .capture: result.sales += movement.amount
            case .refund: result.refunds += movement.amount
            }
            guard let found = ledgerByKey[key] else {
                result.notInLedger.append(movement)
                continue
            }
            let settled = found.reduce(0) { $0 + $1.amount }
            if settled == movement.amount {
                result.matched.append(movement)
            } else {
                result.differing.append(Difference(movement: movement, ledgerAmount: settled, pspReferences: found.map(\.pspReference)))
            }
        }
        result.unknown = entries.filter { journalByKey[Key(reference: $0.reference, kind: $0.kind)] == nil }
        if let payout = later.first(where: { $0.entryType == .scheduledForPayout }) {
            result.payout = Payout(ledgerDate: payout.ledgerDate, amount: -payout.amount, pspReference: payout.pspReference)
        }
        return result
    }

    /// The result for a person, in English (the command line's language), one line each.
    public static func text(_ result: Result) -> [String] {
        let currency = CurrencyCode(rawValue: result.currency) ?? .NOK
        func money(_ value: Int) -> String { Language.english.money(value, currency) }
        func name(_ movement: Movement) -> String {
            "till \(movement.till) receipt \(movement.receiptNumber) \(movement.reference) (\(movement.kind.rawValue))"
        }
        var lines = ["Settlement \(result.date), ledger \(result.ledgerID): "
            + (result.closed ? "the ledger date is closed" : "the ledger date is not closed yet (more may come)")]
        lines.append("Sales \(money(result.sales)), refunds \(money(result.refunds)), fees \(money(result.fees)), net \(money(result.net))")
        lines.append("Matched: \(result.matched.count)")
        for difference in result.differing {
            lines.append("AMOUNT DIFFERS: \(name(difference.movement)): journal \(money(difference.movement.amount)), "
                + "ledger \(money(difference.ledgerAmount)) (\(difference.pspReferences.joined(separator: ", ")))")
        }
        for entry in result.unknown {
            lines.append("NOT SOLD BY KASSE: the ledger settled \(money(entry.amount)) for \(entry.reference.isEmpty ? "no reference" : entry.reference) "
                + "(\(entry.kind.rawValue), pspReference \(entry.pspReference), \(entry.time)): no till's journal has it")
        }
        for movement in result.notInLedger {
            lines.append(result.closed
                ? "MISSING FROM THE LEDGER: \(name(movement)) \(money(movement.amount)): the journal has it, the closed ledger date does not"
                : "not in the ledger yet: \(name(movement)) \(money(movement.amount))")
        }
        if let payout = result.payout {
            lines.append("Paid out \(payout.ledgerDate): \(money(payout.amount)) (pspReference \(payout.pspReference))")
        } else {
            lines.append("Payout: not yet")
        }
        lines.append(result.hasDiscrepancies ? "Findings: the day does not reconcile."
                     : result.isSettled ? "Settled: every sale and refund matched, the day paid out." : "Nothing wrong so far; not settled yet.")
        return lines
    }
}
