import Foundation
import KasseCore
import VippsModels

/// The settlement side of the simulator: what the Report API (`report-api.yaml`) shows. One
/// ledger per sales unit; every capture and refund becomes a funds entry with its own
/// `pspReference`; each closed ledger date gets its fees (`fees-retained`, at the configured
/// rate) and the next business day a payout of the balance (`scheduled-for-payout`). A date
/// is closed once it has ended in the sales unit's time zone and the configured lag has
/// passed; until then its report says `tryLater`, and an entry shows only after the lag.
/// Faults a test asks for (an entry missing, one the shop never sold, an amount changed) are
/// applied as the ledger is read, the balances following them, as a real ledger's would.
struct SimulatedLedger: Sendable {
    struct Entry: Sendable {
        var msn: String
        var pspReference: String
        var time: Date
        var entryType: LedgerEntryType
        var reference: String
        var currency: CurrencyCode
        var amount: Int
    }

    /// What a test asked the ledger to get wrong.
    struct Faults: Sendable {
        /// Captures of these references never reach the ledger.
        var missing: [String]?
        /// Captures of these references settle another amount.
        var changed: [Change]?
        /// Captures the shop never made, in the ledger (until the faults are cleared).
        var unknown: [Entry] = []

        struct Change: Codable, Sendable, Hashable {
            var reference: String
            var amount: Int
        }
    }

    private(set) var entries: [Entry] = []
    var faults = Faults()

    mutating func record(_ entry: Entry) { entries.append(entry) }

    static func market(of currency: CurrencyCode) -> Market {
        switch currency {
        case .DKK: .denmark
        case .EUR: .finland
        default: .norway
        }
    }

    static func ledgerID(msn: String) -> String { "3\(msn)" }

    static func ledger(for merchant: SimulatedMerchant) -> Ledger {
        let market = market(of: merchant.currency)
        let (owner, account): (Organization, BankAccount) = switch market {
        case .denmark: (Organization(scheme: "business:DK:CVR", id: "12345678"), BankAccount(scheme: "BBAN:DK", id: "30000001234567"))
        case .finland: (Organization(scheme: "business:FI:Y-tunnus", id: "1234567-8"), BankAccount(scheme: "IBAN:FI", id: "FI2112345600000785"))
        case .norway: (Organization(scheme: "business:NO:ORG", id: "999999999"), BankAccount(scheme: "BBAN:NO", id: "86011117947"))
        }
        return Ledger(ledgerId: ledgerID(msn: merchant.msn), currency: merchant.currency.rawValue, payoutBankAccount: account,
                      owner: owner, settlesForRecipientHandles: ["api:\(merchant.msn)"])
    }

    /// Midnight at the start of `date` in `zone`, in seconds since 1970.
    static func start(of date: CivilDate, in zone: ShopTimeZone) -> Int64 {
        let midnightUTC = InternetTime.days(fromCivil: date.year, date.month, date.day) * 86_400
        return midnightUTC - Int64(zone.offset(atUTC: midnightUTC - 43_200))
    }

    /// Every line of a sales unit's funds (or fees) ledger up to `now`, with balances, in order.
    func lines(merchant: SimulatedMerchant, topic: String, now: Date, lag: TimeInterval, feeBasisPoints: Int) -> [LedgerTransaction] {
        let market = Self.market(of: merchant.currency)
        let zone = ShopTimeZone.of(market)
        let handle = "\(market.rawValue.uppercased()):\(merchant.msn)"
        let visible = now.addingTimeInterval(-lag)
        let missing = Set(faults.missing ?? [])
        var sales: [Entry] = []
        for var entry in entries + faults.unknown where entry.msn == merchant.msn && entry.time <= visible {
            if entry.entryType == .capture, missing.contains(entry.reference) { continue }
            if entry.entryType == .capture, let change = faults.changed?.first(where: { $0.reference == entry.reference }) {
                entry.amount = change.amount
            }
            sales.append(entry)
        }
        sales.sort { $0.time < $1.time }
        func day(_ time: Date) -> CivilDate { zone.date(atUTC: Int64(time.timeIntervalSince1970.rounded(.down))) }
        func fee(_ entry: Entry) -> Int { entry.entryType == .capture ? (entry.amount * feeBasisPoints + 5_000) / 10_000 : 0 }
        // The dates closed by now: their fees, and their payouts on the next business day.
        var closing: [(time: Date, entry: Entry)] = []
        if let first = sales.first {
            var date = day(first.time)
            let today = day(visible)
            while date < today {
                let end = Date(timeIntervalSince1970: TimeInterval(Self.start(of: date.adding(days: 1), in: zone)))
                let fees = sales.filter { day($0.time) == date }.reduce(0) { $0 + fee($1) }
                if fees > 0 {
                    closing.append((end.addingTimeInterval(-0.001), Entry(
                        msn: merchant.msn, pspReference: "fees-\(merchant.msn)-\(date.compact)", time: end.addingTimeInterval(-0.001),
                        entryType: .feesRetained, reference: "", currency: merchant.currency, amount: -fees)))
                }
                date = date.adding(days: 1)
            }
        }
        if topic == "fees" {
            return sales.filter { $0.entryType == .capture }.map { entry in
                LedgerTransaction(pspReference: "fee-\(entry.pspReference)", time: Timestamps.rfc3339(entry.time),
                                  ledgerDate: day(entry.time).iso, entryType: .captureFee, reference: entry.reference,
                                  currency: entry.currency.rawValue, amount: fee(entry), balanceBefore: nil, balanceAfter: nil,
                                  recipientHandle: handle)
            }
        }
        var all = (sales + closing.map(\.entry)).sorted { $0.time < $1.time }
        // Payouts: at 06:00 on each business day, the balance until the day before, once that day is closed.
        var withPayouts: [Entry] = []
        var balance = 0
        var index = 0
        if let first = all.first {
            var date = day(first.time).adding(days: 1)
            let today = day(visible)
            while index < all.count || date <= today {
                let payoutTime = Date(timeIntervalSince1970: TimeInterval(Self.start(of: date, in: zone) + 6 * 3600))
                while index < all.count, all[index].time < payoutTime {
                    balance += all[index].amount
                    withPayouts.append(all[index])
                    index += 1
                }
                if date > today || payoutTime > visible { break }
                if date.isWeekday, balance > 0 {
                    withPayouts.append(Entry(msn: merchant.msn, pspReference: "payout-\(merchant.msn)-\(date.compact)", time: payoutTime,
                                             entryType: .scheduledForPayout, reference: "", currency: merchant.currency, amount: -balance))
                    balance = 0
                }
                date = date.adding(days: 1)
            }
            while index < all.count {
                withPayouts.append(all[index])
                index += 1
            }
        }
        all = withPayouts
        var running = 0
        return all.map { entry in
            let before = running
            running += entry.amount
            return LedgerTransaction(
                pspReference: entry.pspReference, time: Timestamps.rfc3339(entry.time), ledgerDate: day(entry.time).iso,
                entryType: entry.entryType, reference: entry.reference.isEmpty ? nil : entry.reference, currency: entry.currency.rawValue,
                amount: entry.amount, balanceBefore: before, balanceAfter: running, recipientHandle: handle)
        }
    }

    /// Whether `date` is closed at `now`: over in the sales unit's time zone, and the lag passed.
    static func isClosed(_ date: CivilDate, market: Market, now: Date, lag: TimeInterval) -> Bool {
        let end = start(of: date.adding(days: 1), in: ShopTimeZone.of(market))
        return now.addingTimeInterval(-lag).timeIntervalSince1970 >= TimeInterval(end)
    }
}
