import Foundation
import KasseStore
import KasseTill
import Logging
import PostgresNIO
import KasseJournal

/// Everything the store server keeps, in PostgreSQL: the server itself keeps nothing, so any
/// number of instances can serve the same shop or chain.
///
/// - `kasse_event`: each Vipps MobilePay event once (unique on reference, event and PSP
///   reference), with the till it belongs to. A new row is announced with `NOTIFY kasse_events`
///   in the same transaction, so every instance hears of it once it is committed.
/// - `kasse_journal`: every till's journal entries, once per (till, sequence);
///   `kasse_journal_head`: each till's newest entry, the row a batch locks while it is checked.
/// - `kasse_catalog`: the catalog, one CSV text per version.
///
/// No token, secret or full phone number is stored: events carry none, and tills' journals
/// hold masked numbers only.
public struct StoreDatabase: Sendable {
    public let client: PostgresClient
    let logger: Logger
    public static let channel = "kasse_events"
    /// How long a request waits for PostgreSQL before it is answered "send it again" (the pool
    /// waits for a connection for as long as the database is away).
    public var patience: Duration = .seconds(5)

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Connects to the server's database for the length of `body` (the server's commands), with
    /// the tables made when missing.
    public static func with<T: Sendable>(_ configuration: StoreServerConfiguration, _ body: (StoreDatabase) async throws -> T) async throws -> T {
        let logger = Logger(label: "kasse.server.command") { _ in SwiftLogNoOpLogHandler() }
        var database = StoreDatabase(client: PostgresClient(configuration: configuration.database, backgroundLogger: logger), logger: logger)
        // A command (a report, the nightly settlement) may wait longer than a webhook's answer can.
        database.patience = .seconds(60)
        let ready = database
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await ready.client.run() }
            defer { group.cancelAll() }
            try await within(.seconds(60)) { try await ready.migrate() }
            return try await body(ready)
        }
    }

    /// Creates the tables when missing (every instance at start; safe to run concurrently).
    public func migrate() async throws {
        try await client.withTransaction(logger: logger) { connection in
            // One instance at a time creates the tables.
            try await connection.query("SELECT pg_advisory_xact_lock(7301530)", logger: logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS kasse_event (
                    id BIGSERIAL PRIMARY KEY,
                    till TEXT NOT NULL,
                    reference TEXT NOT NULL,
                    name TEXT NOT NULL,
                    psp_reference TEXT NOT NULL,
                    amount BIGINT NOT NULL,
                    currency TEXT NOT NULL,
                    happened_at TEXT NOT NULL,
                    received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                    deliveries INTEGER NOT NULL DEFAULT 1,
                    UNIQUE (reference, name, psp_reference)
                )
                """, logger: logger)
            try await connection.query("CREATE INDEX IF NOT EXISTS kasse_event_till ON kasse_event (till, id)", logger: logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS kasse_journal (
                    till TEXT NOT NULL,
                    sequence BIGINT NOT NULL,
                    till_id TEXT NOT NULL,
                    at TEXT NOT NULL,
                    cashier TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    sale BIGINT,
                    reference TEXT,
                    payload TEXT NOT NULL,
                    previous_hash TEXT NOT NULL,
                    hash TEXT NOT NULL,
                    received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                    PRIMARY KEY (till, sequence)
                )
                """, logger: logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS kasse_journal_head (
                    till TEXT PRIMARY KEY,
                    sequence BIGINT NOT NULL,
                    hash TEXT NOT NULL,
                    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
                )
                """, logger: logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS kasse_settlement (
                    msn TEXT NOT NULL,
                    day TEXT NOT NULL,
                    checked_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                    checks INTEGER NOT NULL DEFAULT 1,
                    settled BOOLEAN NOT NULL,
                    findings BOOLEAN NOT NULL,
                    result TEXT NOT NULL,
                    PRIMARY KEY (msn, day)
                )
                """, logger: logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS kasse_catalog (
                    version BIGSERIAL PRIMARY KEY,
                    csv TEXT NOT NULL,
                    products INTEGER NOT NULL,
                    imported_at TIMESTAMPTZ NOT NULL DEFAULT now()
                )
                """, logger: logger)
        }
    }

    // MARK: Events

    /// Stores an event for a till and announces it; nil when it was stored before (a duplicate
    /// delivery: counted, not stored or announced again).
    public func record(_ event: StoreEvent, till: String) async throws -> Int64? {
        try await within(patience) { try await recordNow(event, till: till) }
    }

    func recordNow(_ event: StoreEvent, till: String) async throws -> Int64? {
        try await client.withTransaction(logger: logger) { connection in
            let rows = try await connection.query("""
                INSERT INTO kasse_event (till, reference, name, psp_reference, amount, currency, happened_at)
                VALUES (\(till), \(event.reference), \(event.name), \(event.pspReference), \(Int64(event.amount)), \(event.currency), \(event.timestamp))
                ON CONFLICT (reference, name, psp_reference) DO UPDATE SET deliveries = kasse_event.deliveries + 1
                RETURNING id, deliveries
                """, logger: logger)
            var result: (Int64, Int32)?
            for try await row in rows.decode((Int64, Int32).self) { result = row }
            guard let (id, deliveries) = result, deliveries == 1 else { return nil }
            try await connection.query("SELECT pg_notify(\(Self.channel), \(till))", logger: logger)
            return id
        }
    }

    // MARK: Settlement

    /// One day of one sales unit as last matched with Vipps MobilePay's ledger (`result`: the
    /// `Settlement.Result` as JSON), replacing an earlier check of the same day.
    public func saveSettlement(msn: String, day: String, settled: Bool, findings: Bool, result: String) async throws {
        _ = try await within(patience) {
            try await client.query("""
                INSERT INTO kasse_settlement (msn, day, settled, findings, result) VALUES (\(msn), \(day), \(settled), \(findings), \(result))
                ON CONFLICT (msn, day) DO UPDATE SET settled = EXCLUDED.settled, findings = EXCLUDED.findings, result = EXCLUDED.result,
                    checked_at = now(), checks = kasse_settlement.checks + 1
                """, logger: logger)
        }
    }

    public struct StoredSettlement: Sendable {
        public var msn: String
        public var day: String
        public var checks: Int
        public var settled: Bool
        public var findings: Bool
        public var result: String
    }

    /// Every stored day, newest first (`unsettledOnly`: those still to be checked again).
    public func settlements(unsettledOnly: Bool = false, limit: Int = 400) async throws -> [StoredSettlement] {
        try await within(patience) {
            let rows = try await client.query("""
                SELECT msn, day, checks, settled, findings, result FROM kasse_settlement
                WHERE (NOT settled OR NOT \(unsettledOnly)) ORDER BY day DESC, msn LIMIT \(limit)
                """, logger: logger)
            var found: [StoredSettlement] = []
            for try await (msn, day, checks, settled, findings, result) in rows.decode((String, String, Int32, Bool, Bool, String).self) {
                found.append(StoredSettlement(msn: msn, day: day, checks: Int(checks), settled: settled, findings: findings, result: result))
            }
            return found
        }
    }

    // MARK: Catalog

    /// Stores a new catalog version and tells every instance (and so every till); its version.
    public func importCatalog(csv: String, products: Int) async throws -> Int64 {
        try await within(patience) {
            try await client.withTransaction(logger: logger) { connection in
                let rows = try await connection.query(
                    "INSERT INTO kasse_catalog (csv, products) VALUES (\(csv), \(Int32(products))) RETURNING version", logger: logger)
                var version: Int64 = 0
                for try await value in rows.decode(Int64.self) { version = value }
                try await connection.query("SELECT pg_notify(\(Self.channel), \("catalog:\(version)"))", logger: logger)
                return version
            }
        }
    }

    /// The newest catalog version (0: none).
    public func catalogVersion() async throws -> Int64 {
        let rows = try await client.query("SELECT COALESCE(MAX(version), 0) FROM kasse_catalog", logger: logger)
        for try await version in rows.decode(Int64.self) { return version }
        return 0
    }

    /// The newest catalog: its version and CSV text; nil when none was imported.
    public func latestCatalog() async throws -> (version: Int64, csv: String)? {
        try await within(patience) {
            let rows = try await client.query("SELECT version, csv FROM kasse_catalog ORDER BY version DESC LIMIT 1", logger: logger)
            for try await (version, csv) in rows.decode((Int64, String).self) { return (version, csv) }
            return nil
        }
    }

    /// A till's events after `id`, oldest first.
    public func events(till: String, after id: Int64, limit: Int = 500) async throws -> [StoreEvent] {
        let rows = try await client.query("""
            SELECT id, reference, name, psp_reference, amount, currency, happened_at FROM kasse_event
            WHERE till = \(till) AND id > \(id) ORDER BY id LIMIT \(Int64(limit))
            """, logger: logger)
        var events: [StoreEvent] = []
        for try await (id, reference, name, psp, amount, currency, at) in rows.decode((Int64, String, String, String, Int64, String, String).self) {
            events.append(StoreEvent(id: id, reference: reference, name: name, pspReference: psp, amount: Int(amount),
                                     currency: currency, timestamp: at))
        }
        return events
    }

    /// The newest event id of a till (0: none).
    public func newestEvent(till: String) async throws -> Int64 {
        let rows = try await client.query("SELECT COALESCE(MAX(id), 0) FROM kasse_event WHERE till = \(till)", logger: logger)
        for try await id in rows.decode(Int64.self) { return id }
        return 0
    }

    /// How many times an event was delivered (tests and the server report).
    public func deliveries(reference: String, name: String) async throws -> Int {
        let rows = try await client.query(
            "SELECT COALESCE(SUM(deliveries), 0)::BIGINT FROM kasse_event WHERE reference = \(reference) AND name = \(name)", logger: logger)
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return 0
    }

    // MARK: Journals

    /// The server's newest entry of a till's journal.
    public func head(till: String) async throws -> JournalHead {
        try await within(patience) { try await headNow(till: till) }
    }

    func headNow(till: String) async throws -> JournalHead {
        let rows = try await client.query("SELECT sequence, hash FROM kasse_journal_head WHERE till = \(till)", logger: logger)
        for try await (sequence, hash) in rows.decode((Int64, String).self) {
            return JournalHead(till: till, sequence: Int(sequence), hash: hash)
        }
        return JournalHead(till: till, sequence: 0, hash: JournalChain.genesisHash)
    }

    /// Checks a batch against the till's chain and stores its new entries, all in one
    /// transaction holding the till's head row: two instances receiving the same till's
    /// batches at once take them one after the other, and a batch is stored whole or not at all.
    public func append(_ batch: JournalBatch, till store: StoreTill) async throws -> Result<JournalHead, StoreRefusal> {
        try await within(patience) { try await appendNow(batch, till: store) }
    }

    func appendNow(_ batch: JournalBatch, till store: StoreTill) async throws -> Result<JournalHead, StoreRefusal> {
        let till = store.key
        return try await client.withTransaction(logger: logger) { connection in
            try await connection.query("""
                INSERT INTO kasse_journal_head (till, sequence, hash) VALUES (\(till), 0, \(JournalChain.genesisHash))
                ON CONFLICT (till) DO NOTHING
                """, logger: logger)
            var head = JournalHead(till: till, sequence: 0, hash: JournalChain.genesisHash)
            let rows = try await connection.query("SELECT sequence, hash FROM kasse_journal_head WHERE till = \(till) FOR UPDATE", logger: logger)
            for try await (sequence, hash) in rows.decode((Int64, String).self) {
                head = JournalHead(till: till, sequence: Int(sequence), hash: hash)
            }
            var stored: [Int: String] = [:]
            let resent = batch.entries.map(\.sequence).filter { $0 <= head.sequence }
            if let first = resent.min(), let last = resent.max() {
                let old = try await connection.query("""
                    SELECT sequence, hash FROM kasse_journal WHERE till = \(till) AND sequence BETWEEN \(Int64(first)) AND \(Int64(last))
                    """, logger: logger)
                for try await (sequence, hash) in old.decode((Int64, String).self) { stored[Int(sequence)] = hash }
            }
            switch ChainCheck.check(batch.entries, till: store.till, head: head, stored: { stored[$0] }, columns: Self.columns) {
            case .refuse(let refusal):
                return .failure(refusal)
            case .append(let new):
                guard let last = new.last else { return .success(head) }
                // Many rows per statement: a day's journal arrives in a few round trips.
                for chunk in stride(from: 0, to: new.count, by: 500).map({ Array(new[$0..<min($0 + 500, new.count)]) }) {
                    try await connection.query(Self.insert(chunk, till: till), logger: logger)
                }
                try await connection.query("""
                    UPDATE kasse_journal_head SET sequence = \(Int64(last.sequence)), hash = \(last.hash), updated_at = now()
                    WHERE till = \(till)
                    """, logger: logger)
                return .success(JournalHead(till: till, sequence: last.sequence, hash: last.hash))
            }
        }
    }

    static func insert(_ entries: [JournalEntry], till: String) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: entries.count * 11)
        var rows: [String] = []
        for entry in entries {
            let base = bindings.count
            rows.append("(" + (1...11).map { "$\(base + $0)" }.joined(separator: ", ") + ")")
            bindings.append(till)
            bindings.append(Int64(entry.sequence))
            bindings.append(entry.till)
            bindings.append(entry.at)
            bindings.append(entry.cashier)
            bindings.append(entry.kind)
            bindings.append(entry.sale.map(Int64.init))
            bindings.append(entry.reference)
            bindings.append(entry.payload)
            bindings.append(entry.previousHash)
            bindings.append(entry.hash)
        }
        return PostgresQuery(
            unsafeSQL: "INSERT INTO kasse_journal (till, sequence, till_id, at, cashier, kind, sale, reference, payload, previous_hash, hash) VALUES "
                + rows.joined(separator: ", "),
            binds: bindings)
    }

    /// A till's entries from the server's copy, oldest first.
    public func entries(till: String, after sequence: Int = 0, limit: Int = 10_000) async throws -> [JournalEntry] {
        try await decode(client.query("""
            SELECT sequence, till_id, at, cashier, kind, sale, reference, payload, previous_hash, hash FROM kasse_journal
            WHERE till = \(till) AND sequence > \(Int64(sequence)) ORDER BY sequence LIMIT \(Int64(limit))
            """, logger: logger))
    }

    /// A page of a till's entries of some kinds (the SAF-T export's passes): the others are never read.
    public func entries(till: String, after sequence: Int, kinds: [String], limit: Int) async throws -> [JournalEntry] {
        try await decode(client.query("""
            SELECT sequence, till_id, at, cashier, kind, sale, reference, payload, previous_hash, hash FROM kasse_journal
            WHERE till = \(till) AND sequence > \(Int64(sequence)) AND kind = ANY(\(kinds)) ORDER BY sequence LIMIT \(Int64(limit))
            """, logger: logger))
    }

    /// Every entry of one sale of a till.
    public func entries(till: String, sale: Int) async throws -> [JournalEntry] {
        try await decode(client.query("""
            SELECT sequence, till_id, at, cashier, kind, sale, reference, payload, previous_hash, hash FROM kasse_journal
            WHERE till = \(till) AND sale = \(Int64(sale)) ORDER BY sequence
            """, logger: logger))
    }

    /// The till's X and Z reports stored without their figures (as the till's journal counts them).
    public func reportsWithoutFigures(till: String) async throws -> Int {
        let kinds = JournalEntry.reportKinds.names
        return try await decode(client.query("""
            SELECT sequence, till_id, at, cashier, kind, sale, reference, payload, previous_hash, hash FROM kasse_journal
            WHERE till = \(till) AND kind = ANY(\(kinds)) ORDER BY sequence
            """, logger: logger)).count(where: \.isReportWithoutFigures)
    }

    private func decode(_ rows: PostgresRowSequence) async throws -> [JournalEntry] {
        var entries: [JournalEntry] = []
        for try await (sequence, tillID, at, cashier, kind, sale, reference, payload, previous, hash)
            in rows.decode((Int64, String, String, String, String, Int64?, String?, String, String, String).self)
        {
            entries.append(JournalEntry(sequence: Int(sequence), at: at, till: tillID, cashier: cashier, kind: kind,
                                           sale: sale.map(Int.init), reference: reference, payload: payload,
                                           previousHash: previous, hash: hash))
        }
        return entries
    }
}

/// PostgreSQL did not answer in time.
public struct DatabaseTimeout: Error, CustomStringConvertible {
    public var description: String { "PostgreSQL did not answer in time" }
}

/// Runs `body`, or gives up after `limit` (the body is cancelled).
func within<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw DatabaseTimeout() }
        return value
    }
}

extension StoreDatabase {
    /// The sale and reference an entry's payload names (nil when it is not a journal event).
    static func columns(_ entry: JournalEntry) -> (sale: Int?, reference: String?)? {
        guard let event = try? JSONDecoder().decode(JournalEvent.self, from: Data(entry.payload.utf8)) else { return nil }
        return (event.sale, event.reference)
    }
}
