import Foundation
import KasseCore
import KasseStore
import KasseTill
import VippsModels
import KasseJournal

/// Settlement at the store server (`[api]` and `[settlement]` in its configuration): when it
/// runs each night, in the shops' time zone, and which sales unit each till sells on.
public struct SettlementSettings: Sendable, Hashable {
    /// The local time of the nightly run (05:00 by default: the day before is over everywhere).
    public var at: LocalTime
    public var market: Market
    /// The sales unit (MSN) of each till, by `STORE-TILL` (`[[till]] msn`, else `[api] msn`).
    public var salesUnits: [String: String]

    public init(at: LocalTime, market: Market, salesUnits: [String: String]) {
        self.at = at
        self.market = market
        self.salesUnits = salesUnits
    }

    public var zone: ShopTimeZone { ShopTimeZone.of(market) }

    /// Seconds from `now` (UTC seconds) to the next run: the next `at` in the shops' time zone.
    public func secondsUntilNextRun(now: Int64) -> Int64 {
        let local = zone.localTime(atUTC: now)
        let secondsToday = Int64(local.time.hour * 3600 + local.time.minute * 60 + local.time.second)
        let target = Int64(at.hour * 3600 + at.minute * 60 + at.second)
        let wait = target - secondsToday
        return wait > 0 ? wait : wait + 86_400
    }
}

/// The nightly settlement of every sales unit: each day's captures and refunds of all the
/// tills that sell on it (from the server's copy of their journals) matched with Vipps
/// MobilePay's ledger, the result kept in PostgreSQL. A day is checked again every night until
/// it is settled (for two weeks).
public struct StoreSettlement: Sendable {
    /// Reads the ledger and matches (the Report API, made by the executable that has the client).
    public typealias Check = @Sendable (_ msn: String, _ day: CivilDate, _ movements: [Settlement.Movement]) async throws -> Settlement.Result

    let database: StoreDatabase
    let tills: StoreTills
    let settings: SettlementSettings

    public init(database: StoreDatabase, tills: StoreTills, settings: SettlementSettings) {
        self.database = database
        self.tills = tills
        self.settings = settings
    }

    /// The days a run checks: `days` if given; else yesterday and every stored day of the last
    /// two weeks not settled yet.
    public func daysToCheck(today: CivilDate) async throws -> [CivilDate] {
        var days = [today.adding(days: -1)]
        let oldest = today.adding(days: -14)
        for stored in try await database.settlements(unsettledOnly: true) {
            guard let day = CivilDate.parse(stored.day, today: today), day >= oldest, !days.contains(day) else { continue }
            days.append(day)
        }
        return days.sorted()
    }

    /// Checks each day for each sales unit and stores the results; what was found.
    public func run(days: [CivilDate], check: Check) async throws -> [(msn: String, result: Settlement.Result)] {
        let units = Set(tills.tills.compactMap { settings.salesUnits[$0.key] }).sorted()
        var results: [(msn: String, result: Settlement.Result)] = []
        for msn in units {
            let selling = tills.tills.filter { settings.salesUnits[$0.key] == msn }
            var entries: [(till: StoreTill, entries: [(at: String, event: JournalEvent)])] = []
            for till in selling { entries.append((till, try await self.entries(till))) }
            for day in days {
                let movements = entries.flatMap { till, entries in
                    Settlement.movements(till: till.key, entries: entries, date: day, zone: settings.zone)
                }
                let result = try await check(msn, day, movements)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                let json = String(decoding: try encoder.encode(result), as: UTF8.self)
                try await database.saveSettlement(msn: msn, day: day.iso, settled: result.isSettled, findings: result.hasDiscrepancies, result: json)
                results.append((msn, result))
            }
        }
        return results
    }

    /// A till's sales and refunds as the server holds them.
    func entries(_ till: StoreTill) async throws -> [(at: String, event: JournalEvent)] {
        let decoder = JSONDecoder()
        var found: [(at: String, event: JournalEvent)] = []
        var after = 0
        while true {
            let page = try await database.entries(till: till.key, after: after, kinds: [JournalKind.saleCompleted, .refunded].names, limit: 10_000)
            for entry in page {
                if let event = try? decoder.decode(JournalEvent.self, from: Data(entry.payload.utf8)) { found.append((entry.at, event)) }
            }
            guard let last = page.last, page.count == 10_000 else { break }
            after = last.sequence
        }
        return found
    }
}
