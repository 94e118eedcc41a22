import Foundation
import KasseCore
import KasseJournal
import KasseJournalSQLite
import KasseLanguage
import KasseStore
import KasseTill
import Synchronization
import VippsModels

/// What the till's runtime needs of its journal. `Journal` (SQLite on disk, hash-chained,
/// anchored) is the real one; `MemoryJournal` keeps entries in memory, for testing the runtime
/// in-process (and for a training till that must leave the shop's journal alone).
public protocol TillJournal: Sendable {
    /// `employee`: who made the entries (nil: the journal's own default; empty: nobody logged in).
    @discardableResult
    func append(_ events: [JournalEvent], employee: String?) async throws(JournalError) -> [Int]
    /// Appends what `make` makes from the newest signed transaction, in one write.
    @discardableResult
    func append(employee: String?, signing make: @escaping @Sendable (JournalSignature?) throws -> [JournalEvent])
        async throws(JournalError) -> [Int]
    /// Whether a copy of the sale's receipt was handed out already (the law allows one).
    func receiptCopied(sale: Int) async throws(JournalError) -> Bool
    /// The sale's receipt as it was handed out (stored in full when it was issued), if stored.
    func issuedReceipt(sale: Int) async throws(JournalError) -> [String]?
    func completedSales(businessDay day: CivilDate) async throws(JournalError) -> [(entry: JournalEntry, sale: JournalSale)]
    func completedSale(receiptOrReference key: String) async throws(JournalError) -> JournalSale?
    func refunds(reference: String) async throws(JournalError) -> Journal.Refunds
    func nextReturnNumber() async throws(JournalError) -> Int
    func xReport(store: String, currency: String) async throws(JournalError) -> JournalReport
    func zReport(store: String, currency: String, employee: String?) async throws(JournalError) -> JournalReport
    /// Documents sent to the printer lately that never came out (the till stopped first).
    func pendingPrints() async throws(JournalError) -> [PendingPrint]
}

extension TillJournal {
    @discardableResult
    public func append(_ events: [JournalEvent]) async throws(JournalError) -> [Int] { try await append(events, employee: nil) }

    @discardableResult
    public func append(signing make: @escaping @Sendable (JournalSignature?) throws -> [JournalEvent]) async throws(JournalError) -> [Int] {
        try await append(employee: nil, signing: make)
    }
}

extension Journal: TillJournal {
    public func receiptCopied(sale: Int) async throws(JournalError) -> Bool {
        try await entries(sale: sale).contains { $0.kind == .receiptCopied }
    }

    public func issuedReceipt(sale: Int) async throws(JournalError) -> [String]? {
        for entry in try await entries(sale: sale) {
            if case .receiptIssued(sale, "sale", _, let text)? = entry.event { return text }
        }
        return nil
    }

    /// Reads only the print entries after the 200th-newest queued one, and the documents of
    /// what is still open: fast on a year's journal.
    public func pendingPrints() async throws(JournalError) -> [PendingPrint] {
        let recent = try await newestEntries(kind: JournalKind.printQueued.rawValue, limit: 200)
        guard let first = recent.map(\.sequence).min() else { return [] }
        let prints = try await entries(after: first - 1, kinds: [JournalKind.printQueued, .documentPrinted].names, limit: Int.max).compactMap(\.event)
        var documents: [JournalEvent] = []
        var sales = Set<Int>()
        var reports = false
        for event in prints {
            if case .printQueued(let sale, let document, _) = event {
                if let sale { sales.insert(sale) }
                if document.hasSuffix("report") { reports = true }
            }
        }
        let printedKeys = Set(prints.compactMap { event -> String? in
            if case .documentPrinted(_, let document, let number, _) = event { "\(document)\t\(number)" } else { nil }
        })
        for sale in sales.sorted() {
            // Only sales with a job that has not printed need their receipts read.
            let queued = prints.contains { event in
                if case .printQueued(sale, let document, let number) = event { !printedKeys.contains("\(document)\t\(number)") } else { false }
            }
            if queued {
                documents += try await entries(sale: sale).filter { $0.kind == .receiptIssued || $0.kind == .receiptCopied }.compactMap(\.event)
            }
        }
        if reports { documents += try await entries(after: first - 1, kinds: [JournalKind.zReport, .xReport].names, limit: Int.max).compactMap(\.event) }
        return PendingPrint.find(in: documents + prints)
    }
}

/// A journal in memory: the same answers as `Journal` for what the till asks, nothing on disk,
/// no chain. `failing`: make every append fail (a full disk), to test what the till does then.
public final class MemoryJournal: TillJournal {
    private let state = Mutex<(events: [JournalEvent], failing: String?, employees: [String?])>(([], nil, []))
    private let till: String
    private let now: @Sendable () -> Date

    public init(till: String = "1", now: @escaping @Sendable () -> Date = { Date() }) {
        self.till = till
        self.now = now
    }

    public func pendingPrints() async throws(JournalError) -> [PendingPrint] { PendingPrint.find(in: events) }

    /// Everything appended, in order.
    public var events: [JournalEvent] { state.withLock { $0.events } }
    /// Who made each entry, in order (nil: the default).
    public var employees: [String?] { state.withLock { $0.employees } }

    public func failAppends(_ reason: String?) { state.withLock { $0.failing = reason } }

    public func append(_ events: [JournalEvent], employee: String?) async throws(JournalError) -> [Int] {
        let result: Result<[Int], JournalError> = state.withLock { state in
            if let reason = state.failing { return .failure(.writeFailed(detail: reason)) }
            let first = state.events.count + 1
            state.events += events
            state.employees += events.map { _ in employee }
            return .success(Array(first..<(first + events.count)))
        }
        return try result.get()
    }

    public func append(employee: String?, signing make: @escaping @Sendable (JournalSignature?) throws -> [JournalEvent])
        async throws(JournalError) -> [Int]
    {
        let result: Result<[Int], JournalError> = state.withLock { state in
            if let reason = state.failing { return .failure(.writeFailed(detail: reason)) }
            let last = state.events.reversed().lazy.compactMap { event -> JournalSignature? in
                if case .transactionSigned(let signed) = event { signed } else { nil }
            }.first
            do {
                let events = try make(last)
                let first = state.events.count + 1
                state.events += events
                state.employees += events.map { _ in employee }
                return .success(Array(first..<(first + events.count)))
            } catch {
                return .failure(.writeFailed(detail: "\(error)"))
            }
        }
        return try result.get()
    }

    private var completed: [(entry: JournalEntry, sale: JournalSale)] {
        events.enumerated().compactMap { index, event in
            guard case .saleCompleted(let sale) = event else { return nil }
            return (JournalEntry(sequence: index + 1, at: "", till: till, cashier: "", kind: event.kind, sale: sale.sale,
                                 reference: sale.reference, payload: "", previousHash: "", hash: ""), sale)
        }
    }

    public func completedSales(businessDay day: CivilDate) async throws(JournalError) -> [(entry: JournalEntry, sale: JournalSale)] {
        completed.filter { PaymentReference.businessDay(of: $0.sale.reference) == day }
    }

    public func completedSale(receiptOrReference key: String) async throws(JournalError) -> JournalSale? {
        completed.last { $0.sale.reference == key || $0.sale.sale == Int(key) }?.sale
    }

    public func refunds(reference: String) async throws(JournalError) -> Journal.Refunds {
        Journal.Refunds(reference: reference, events: events)
    }

    public func nextReturnNumber() async throws(JournalError) -> Int {
        events.filter { if case .refundStarted = $0 { true } else { false } }.count + 1
    }

    private func employeeBySequence(_ entries: [(Int, JournalEvent)]) -> [Int: String] {
        let employees = self.employees
        return Dictionary(uniqueKeysWithValues: entries.map { ($0.0, employees.indices.contains($0.0 - 1) ? employees[$0.0 - 1] ?? "1" : "1") })
    }

    private func sinceLastZ() -> (entries: [(Int, JournalEvent)], nextZ: Int) {
        let all = Array(events.enumerated().map { ($0.offset + 1, $0.element) })
        let zs = all.filter { if case .zReport = $0.1 { true } else { false } }
        let after = zs.last?.0 ?? 0
        return (all.filter { $0.0 > after }, zs.count + 1)
    }

    /// Sales and refunds before the entries since the last Z report.
    private func grandTotalsBefore(_ first: Int) -> (sales: Int, returns: Int) {
        var totals = (sales: 0, returns: 0)
        for (offset, event) in events.enumerated() where offset + 1 < first {
            switch event {
            case .saleCompleted(let sale) where !sale.isTraining: totals.sales += sale.captured
            case .refunded(_, _, _, let amount): totals.returns += amount
            default: break
            }
        }
        return totals
    }

    public func xReport(store: String, currency: String) async throws(JournalError) -> JournalReport {
        let (entries, next) = sinceLastZ()
        return JournalReport.make(kind: .x, number: next, store: store, till: till, currency: currency,
                                  generatedAt: InternetTime.rfc3339(now().timeIntervalSince1970), entries: entries,
                                  employees: employeeBySequence(entries),
                                  grandTotalsBefore: grandTotalsBefore(entries.first?.0 ?? events.count + 1))
    }

    public func receiptCopied(sale: Int) async throws(JournalError) -> Bool {
        events.contains { if case .receiptCopied(sale, _, _, _, _) = $0 { true } else { false } }
    }

    public func issuedReceipt(sale: Int) async throws(JournalError) -> [String]? {
        for event in events { if case .receiptIssued(sale, "sale", _, let text) = event { return text } }
        return nil
    }

    public func zReport(store: String, currency: String, employee: String?) async throws(JournalError) -> JournalReport {
        let (entries, next) = sinceLastZ()
        var report = JournalReport.make(kind: .z, number: next, store: store, till: till, currency: currency,
                                        generatedAt: InternetTime.rfc3339(now().timeIntervalSince1970), entries: entries,
                                        employees: employeeBySequence(entries),
                                        grandTotalsBefore: grandTotalsBefore(entries.first?.0 ?? events.count + 1))
        report.closedAtSequence = events.count
        report.closedAtHash = "memory"
        _ = try await append([.zReport(report)], employee: employee)
        return report
    }
}

extension Journal {
    /// Log-in's lock-out as the journal has it: the wrong PINs in a row at its end.
    public func logInLockOut() async throws(JournalError) -> LogInLockOut {
        let entries = try await newestEntries(kinds: [JournalKind.logInRefused, .loggedIn, .managerApproved].names, limit: 64)
        return LogInLockOut.from(entries.compactMap { entry in
            entry.event.map { ($0, InternetTime.parseRFC3339(entry.at) ?? 0) }
        })
    }
}
