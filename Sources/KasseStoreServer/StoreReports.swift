import Foundation
import KasseCore
import KasseStore
import KasseTill
import Logging
import PostgresNIO
import VippsModels
import KasseJournal

/// Reports from the server's copy of the tills' journals: made by the tills' own report code
/// (`JournalReport.sinceLastZ`), so they match each till's own reports to the øre.
public struct StoreReports: Sendable {
    let database: StoreDatabase
    let tills: StoreTills

    public init(database: StoreDatabase, tills: StoreTills) {
        self.database = database
        self.tills = tills
    }

    /// Connects to the server's database for the length of `body` (the report commands).
    public static func with<T: Sendable>(_ configuration: StoreServerConfiguration, _ body: (StoreReports) async throws -> T) async throws -> T {
        try await StoreDatabase.with(configuration) { database in try await body(StoreReports(database: database, tills: configuration.tills)) }
    }

    /// The nightly settlement's results, newest day first.
    public func settlements() async throws -> [StoreDatabase.StoredSettlement] {
        try await database.settlements()
    }

    /// One till's journal as reports read it (entries the reports cannot read are passed over,
    /// as the till's own reports do).
    func journal(_ till: StoreTill) async throws -> [JournalReport.Entry] {
        try await dated(till).map(\.entry)
    }

    /// With when each entry was written (RFC 3339, UTC).
    func dated(_ till: StoreTill) async throws -> [(entry: JournalReport.Entry, at: String)] {
        let decoder = JSONDecoder()
        var entries: [(entry: JournalReport.Entry, at: String)] = []
        var after = 0
        while true {
            let page = try await database.entries(till: till.key, after: after, limit: 10_000)
            for entry in page {
                if let event = try? decoder.decode(JournalEvent.self, from: Data(entry.payload.utf8)) {
                    entries.append((JournalReport.Entry(sequence: entry.sequence, cashier: entry.cashier, event: event), entry.at))
                }
            }
            guard let last = page.last, page.count == 10_000 else { break }
            after = last.sequence
        }
        return entries
    }

    /// The X report of a till: everything since its last Z report, as the server holds it.
    public func xReport(_ till: StoreTill, currency: String, generatedAt: String) async throws -> JournalReport {
        JournalReport.sinceLastZ(kind: .x, store: till.store, till: till.till, currency: currency, generatedAt: generatedAt,
                                 journal: try await journal(till))
    }

    /// A Z report a till made, as it stored it, and made again from the server's copy of the
    /// entries before it with the till's own code: they agree to the øre unless an entry was
    /// lost or changed on the way.
    public struct CheckedZ: Sendable {
        public var stored: JournalReport
        public var recomputed: JournalReport
        /// When the till stored it (RFC 3339, UTC).
        public var at: String
        public var matches: Bool { stored.sameFigures(as: recomputed) }
    }

    public func zReports(_ till: StoreTill, currency: String) async throws -> [CheckedZ] {
        let entries = try await dated(till)
        let journal = entries.map(\.entry)
        var checked: [CheckedZ] = []
        for (index, (entry, at)) in entries.enumerated() {
            guard case .zReport(let stored) = entry.event else { continue }
            let again = JournalReport.sinceLastZ(kind: .z, store: stored.store, till: stored.till, currency: currency,
                                                 generatedAt: stored.generatedAt, journal: Array(journal[..<index]))
            checked.append(CheckedZ(stored: stored, recomputed: again, at: at))
        }
        return checked
    }

    /// Sales and returns of one business day (the day in the payment references), per till.
    public struct DayTotals: Sendable, Equatable {
        public var till: String
        public var day: CivilDate
        public var salesCount = 0
        public var salesTotal = 0
        public var returnsCount = 0
        public var returnsTotal = 0
        public var netTotal: Int { salesTotal - returnsTotal }

        public init(till: String, day: CivilDate) {
            self.till = till
            self.day = day
        }

        public mutating func add(_ other: DayTotals) {
            salesCount += other.salesCount
            salesTotal += other.salesTotal
            returnsCount += other.returnsCount
            returnsTotal += other.returnsTotal
        }
    }

    /// A sale counts on the business day its payment reference carries (the shop's day when it
    /// was paid, as everywhere in Kasse); a return on the shop's day it was made (`zone`).
    public func days(_ selected: [StoreTill], day: CivilDate? = nil, zone: ShopTimeZone) async throws -> [DayTotals] {
        var rows: [DayTotals] = []
        for till in selected {
            var byDay: [CivilDate: DayTotals] = [:]
            for (entry, at) in try await dated(till) {
                switch entry.event {
                case .saleCompleted(let sale) where !sale.isTraining:
                    guard let saleDay = PaymentReference.businessDay(of: sale.reference), day == nil || saleDay == day else { continue }
                    byDay[saleDay, default: DayTotals(till: till.key, day: saleDay)].salesCount += 1
                    byDay[saleDay, default: DayTotals(till: till.key, day: saleDay)].salesTotal += sale.captured
                case .refunded(_, _, _, let amount):
                    guard let seconds = InternetTime.parseRFC3339(at) else { continue }
                    let returnDay = zone.date(atUTC: Int64(seconds))
                    guard day == nil || returnDay == day else { continue }
                    byDay[returnDay, default: DayTotals(till: till.key, day: returnDay)].returnsCount += 1
                    byDay[returnDay, default: DayTotals(till: till.key, day: returnDay)].returnsTotal += amount
                default:
                    break
                }
            }
            rows += byDay.values.sorted { $0.day < $1.day }
        }
        return rows
    }
}
