import Foundation
import Synchronization
import GRDB
import KasseFiles
import KasseCore
import VippsModels
import KasseJournal

/// Why the journal cannot be used; each message tells the person at the till what to do.
public enum JournalError: Error, Sendable, CustomStringConvertible {
    case readOnly(path: String)
    case corrupt(path: String, detail: String)
    case cannotOpen(path: String, detail: String)
    case writeFailed(detail: String)
    /// No journal where one is expected: a till that has sold before must not start over.
    case missing(path: String)
    /// The journal disagrees with its anchor file: entries are missing or were rewritten.
    case anchorMismatch(path: String, check: AnchorCheck)

    public var description: String {
        switch self {
        case .readOnly(let path):
            "The journal \(path) is read-only, so no sale could be recorded. "
                + "Make it writable for the till's user (chmod u+w) and start Kasse again."
        case .corrupt(let path, let detail):
            "The journal \(path) is damaged (\(detail)). Kasse will not write to it. "
                + "Keep the file for the accountant, restore the last backup or move it aside, and start again."
        case .cannotOpen(let path, let detail):
            "The journal \(path) cannot be opened (\(detail)). Check the path (journal.path) and its folder's permissions."
        case .missing(let path):
            "There is no journal at \(path). If this is the first start of this till, create it with "
                + "`kasse journal init`. If this till has sold before, its journal is lost: restore it from the backup, "
                + "because sale numbers and payment references must not start over (then `kasse journal init --first-sale N` "
                + "with N above every sale number used today)."
        case .anchorMismatch(let path, let check) where !check.isTampering:
            "The journal \(path) cannot be checked: \(check). Kasse will not write to it until a manager has looked: keep the "
                + "journal as it is, run `kasse journal verify`, and if the journal is complete, record it with "
                + "`kasse journal reanchor --reason \"…\" --manager ID`, which notes the finding in the journal; then start again."
        case .anchorMismatch(let path, let check):
            "The journal \(path) cannot be trusted: \(check). Kasse will not sell on it. Keep both files "
                + "(\(JournalAnchor.path(forJournal: path)) too) for the accountant, and restore the newest copy of the journal "
                + "(with its -wal file); `kasse journal verify` shows what differs. If no complete copy exists, record what happened "
                + "with `kasse journal reanchor --reason \"…\"`, which notes the gap in the journal and lets the till go on."
        case .writeFailed(let detail):
            "The journal could not be written (\(detail)). Nothing was sent to Vipps MobilePay."
        }
    }
}

/// The result of checking the hash chain.
public enum JournalVerification: Sendable, Equatable {
    case intact(entries: Int)
    case broken(sequence: Int, reason: String)
}

/// A payment whose outcome the journal does not know yet.
public struct UnsettledPayment: Sendable, Hashable {
    public var start: JournalPaymentStart
    public var captureStarted: Bool
    public var cancelStarted: Bool
    /// The cashier moved on from this sale (or closed the till with it open) without it being paid.
    public var saleAbandoned: Bool
    /// Another attempt of the same sale was started after this one.
    public var supersededByLaterAttempt: Bool
    /// Who started the payment (the `payment-started` entry's employee): whoever settles it
    /// later, the sale is theirs.
    public var startedBy: String = ""
    /// Captures Vipps MobilePay asked to try again later, so far (the newest `capture-deferred`).
    public var captureTries = 0
}

/// The till's electronic journal: an append-only, hash-chained table in a SQLite file
/// (WAL, `synchronous=FULL`: a committed entry survives a power cut).
///
/// Updates and deletions are refused by triggers, and any edit made around them (another
/// program, a hex editor) breaks the chain, which `verify()` reports with the first bad entry.
public final class Journal: Sendable {
    public static let genesisHash = JournalChain.genesisHash

    public let path: String
    public let till: String
    public let cashier: String
    /// One serialized connection: the till writes from one place; other processes (reports,
    /// returns) read beside it thanks to WAL.
    private let database: DatabaseQueue
    private let now: @Sendable () -> Date

    /// Opens (and creates, with its folder, if missing) the journal at `path`.
    /// `create`: make the file when it is missing (DEMO mode, `kasse journal init`); a till
    /// in TEST or PRODUCTION refuses to start without its journal instead.
    /// How the journal compared with its anchor file when it was opened for writing.
    public let anchorAtOpen: AnchorCheck

    /// `checkAnchor`: refuse a journal that is shorter than its anchor or was rewritten (the
    /// till, and every command that writes); only `kasse journal reanchor` opens one anyway.
    public init(path: String, till: String, cashier: String, readOnly: Bool = false, create: Bool = true,
                checkAnchor: Bool = true, now: @escaping @Sendable () -> Date = { Date() }) throws(JournalError) {
        self.path = path
        self.till = till
        self.cashier = cashier
        self.now = now
        let manager = FileManager.default
        let exists = manager.fileExists(atPath: path)
        if exists, !readOnly, let attributes = try? manager.attributesOfItem(atPath: path),
           let mode = attributes[.posixPermissions] as? Int, mode & 0o222 == 0 {
            // Even root, who could write anyway, must not write to a journal someone made read-only.
            throw .readOnly(path: path)
        }
        if exists, !create, let size = (try? manager.attributesOfItem(atPath: path))?[.size] as? Int, size == 0 {
            // An empty file is no journal: lost, or cut to nothing.
            throw .cannotOpen(path: path, detail: "the file is empty (0 bytes), so it holds no journal; if this till has sold before, "
                + "restore the journal from the backup (or from the store server: kasse server restore); if it is new, remove the empty file "
                + "and create the journal with kasse journal init")
        }
        if !exists {
            if readOnly { throw .cannotOpen(path: path, detail: "no such file") }
            if !create { throw .missing(path: path) }
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty {
                do {
                    try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
                } catch {
                    throw .cannotOpen(path: path, detail: "cannot create the folder \(folder)")
                }
            }
            // Mode 600 before SQLite opens it: its -wal and -shm files take the journal's mode.
            do {
                try PrivateFile.createEmpty(path)
            } catch {
                throw .cannotOpen(path: path, detail: error.description)
            }
        }
        var configuration = Configuration()
        configuration.readonly = readOnly
        if !readOnly { configuration.journalMode = .wal }
        configuration.label = "kasse-journal"
        // The till and a `kasse return` or `kasse report z` may write at the same moment.
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // A journal is appended to and read back in small pieces: a small page cache will do.
            try db.execute(sql: "PRAGMA cache_size = -512")
        }
        var opened = AnchorCheck.empty
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            if !readOnly { try Self.migrator.migrate(queue) }
            // Cheap enough for every start however long the journal: the last entry must still
            // match its hash. `kasse journal verify` checks every page and the whole chain.
            // Read-only opens (verify, list, show) skip this, so verify can say which entry is wrong.
            if !readOnly { try queue.read { db in
                if let row = try Row.fetchOne(db, sql: "SELECT * FROM entry ORDER BY sequence DESC LIMIT 1") {
                    let last = Self.entry(row)
                    let hash = JournalEntry.hash(
                        sequence: last.sequence, at: last.at, till: last.till, cashier: last.cashier, kind: last.kind,
                        payload: last.payload, previousHash: last.previousHash)
                    if hash != last.hash {
                        throw JournalError.corrupt(path: path, detail: "the last entry, \(last.sequence), does not match its hash")
                    }
                }
            } }
            if !readOnly {
                let check = try queue.read { db in try Self.compareAnchor(db, path: path) }
                opened = check
                if checkAnchor && check.isFinding { throw JournalError.anchorMismatch(path: path, check: check) }
            }
            database = queue
            anchorAtOpen = opened
        } catch let error as JournalError {
            throw error
        } catch let error as DatabaseError {
            throw Self.classify(error, path: path)
        } catch {
            throw .cannotOpen(path: path, detail: "\(error)")
        }
    }

    static func classify(_ error: DatabaseError, path: String) -> JournalError {
        switch error.resultCode {
        case .SQLITE_NOTADB: .corrupt(path: path, detail: "not a database")
        case .SQLITE_CORRUPT: .corrupt(path: path, detail: "damaged pages")
        case .SQLITE_READONLY: .readOnly(path: path)
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_AUTH: .cannotOpen(path: path, detail: error.message ?? "\(error.resultCode)")
        default: .cannotOpen(path: path, detail: error.message ?? "\(error.resultCode)")
        }
    }

    /// Numbered migrations; a shipped migration is never edited, only followed by a new one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1-entries") { db in
            try db.execute(sql: """
                CREATE TABLE entry (
                    sequence INTEGER PRIMARY KEY,
                    at TEXT NOT NULL,
                    till TEXT NOT NULL,
                    cashier TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    sale INTEGER,
                    reference TEXT,
                    payload TEXT NOT NULL,
                    previousHash TEXT NOT NULL,
                    hash TEXT NOT NULL
                );
                CREATE INDEX entry_sale ON entry(sale);
                CREATE INDEX entry_reference ON entry(reference);
                CREATE INDEX entry_kind ON entry(kind);
                CREATE TRIGGER entry_no_update BEFORE UPDATE ON entry
                    BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
                CREATE TRIGGER entry_no_delete BEFORE DELETE ON entry
                    BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
                """)
        }
        return migrator
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Appends events in one transaction, durable when this returns; their sequence numbers.
    /// `employee`: who made them (nil: the journal's `cashier`; empty: nobody is logged in).
    @discardableResult
    public func append(_ events: [JournalEvent], employee: String? = nil) async throws(JournalError) -> [Int] {
        guard !events.isEmpty else { return [] }
        return try await write(readingLastSignature: false, employee: employee) { _, _ in events }
    }

    /// Appends events made inside the write from the journal's last signed transaction (nil
    /// before the first), so that two writers (the till and `kasse return`) can never give two
    /// transactions the same number or sign over a stale one: whoever writes second signs after
    /// the first. `make` runs inside the transaction; what it throws, nothing is written.
    @discardableResult
    public func append(employee: String? = nil, signing make: @escaping @Sendable (JournalSignature?) throws -> [JournalEvent])
        async throws(JournalError) -> [Int]
    {
        try await write(readingLastSignature: true, employee: employee) { _, signature in try make(signature) }
    }

    /// `make` runs inside the write's transaction, with the database as it is there (what it
    /// reads, no other writer can change before the entries it makes are written).
    private func write(readingLastSignature: Bool, employee: String?,
                       _ make: @escaping @Sendable (Database, JournalSignature?) throws -> [JournalEvent]) async throws(JournalError) -> [Int]
    {
        let at = InternetTime.rfc3339(now().timeIntervalSince1970)
        let till = self.till, cashier = employee ?? self.cashier
        let journalName = (path as NSString).lastPathComponent
        let path = self.path
        let sequences: [Int]
        let anchorFailure: (any Error)?
        do {
            // One serialized access: the commit, then the anchor, so two appends from this
            // process (the till's loop and its recovery) never write the anchor out of order.
            (sequences, anchorFailure) = try await database.writeWithoutTransaction { db in
                var sequences: [Int] = []
                var last: (sequence: Int, hash: String) = (0, Self.genesisHash)
                // Immediate: the write lock first, so another process cannot write between what
                // is read here (the last entry, the last signature) and what is written.
                try db.inTransaction(.immediate) {
                    if let row = try Row.fetchOne(db, sql: "SELECT sequence, hash FROM entry ORDER BY sequence DESC LIMIT 1") {
                        last = (row["sequence"], row["hash"])
                    }
                    var lastSignature: JournalSignature?
                    if readingLastSignature,
                       let payload = try String.fetchOne(
                           db, sql: "SELECT payload FROM entry WHERE kind = \(JournalKind.sqlList([.transactionSigned])) ORDER BY sequence DESC LIMIT 1"),
                       case .transactionSigned(let signed) = try JSONDecoder().decode(JournalEvent.self, from: Data(payload.utf8)) {
                        lastSignature = signed
                    }
                    let payloads = try make(db, lastSignature).map { ($0, String(decoding: try Self.encoder.encode($0), as: UTF8.self)) }
                    for (event, payload) in payloads {
                        let sequence = last.sequence + 1
                        let hash = JournalEntry.hash(sequence: sequence, at: at, till: till, cashier: cashier, kind: event.kind,
                                                     payload: payload, previousHash: last.hash)
                        try db.execute(
                            sql: """
                                INSERT INTO entry (sequence, at, till, cashier, kind, sale, reference, payload, previousHash, hash)
                                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                                """,
                            arguments: [sequence, at, till, cashier, event.kind, event.sale, event.reference, payload, last.hash, hash])
                        sequences.append(sequence)
                        last = (sequence, hash)
                    }
                    return .commit
                }
                // The anchor outside the file, after the commit.
                do {
                    try JournalAnchor(journal: journalName, sequence: last.sequence, hash: last.hash, at: at).write(journalPath: path)
                    return (sequences, nil)
                } catch {
                    return (sequences, error)
                }
            }
        } catch let error as DatabaseError {
            throw .writeFailed(detail: Self.classify(error, path: path).description)
        } catch {
            throw .writeFailed(detail: "\(error)")
        }
        // If the anchor cannot be written the caller is told (and sends nothing): the entries
        // stand, and the next commit writes it again.
        if let anchorFailure {
            throw .writeFailed(detail: "the entries were recorded but the anchor file could not be written: \(anchorFailure)")
        }
        return sequences
    }

    /// Writes entries exactly as they were (another copy's: the store server's), after this
    /// journal's last one: each must match its hash and go on from the entry before it, or
    /// nothing of the batch is written. Rebuilds a till's journal after its disk was lost.
    public func restore(_ entries: [JournalEntry]) async throws(JournalError) {
        let journalName = (path as NSString).lastPathComponent
        let path = self.path
        do {
            try await database.writeWithoutTransaction { db in
                var last: (sequence: Int, hash: String) = (0, Self.genesisHash)
                try db.inTransaction(.immediate) {
                    if let row = try Row.fetchOne(db, sql: "SELECT sequence, hash FROM entry ORDER BY sequence DESC LIMIT 1") {
                        last = (row["sequence"], row["hash"])
                    }
                    for entry in entries {
                        guard entry.sequence == last.sequence + 1, entry.previousHash == last.hash, entry.computedHash == entry.hash else {
                            throw JournalError.corrupt(path: path, detail: "entry \(entry.sequence) of the copy does not go on from entry \(last.sequence)")
                        }
                        guard entry.columnsMatchPayload else {
                            throw JournalError.corrupt(
                                path: path, detail: "entry \(entry.sequence) of the copy has a sale or reference that differs from what the entry itself says")
                        }
                        try db.execute(
                            sql: """
                                INSERT INTO entry (sequence, at, till, cashier, kind, sale, reference, payload, previousHash, hash)
                                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                                """,
                            arguments: [entry.sequence, entry.at, entry.till, entry.cashier, entry.kind, entry.sale, entry.reference,
                                        entry.payload, entry.previousHash, entry.hash])
                        last = (entry.sequence, entry.hash)
                    }
                    return .commit
                }
                try JournalAnchor(journal: journalName, sequence: last.sequence, hash: last.hash,
                                  at: entries.last?.at ?? "").write(journalPath: path)
            }
        } catch let error as JournalError {
            throw error
        } catch let error as DatabaseError {
            throw .writeFailed(detail: Self.classify(error, path: path).description)
        } catch {
            throw .writeFailed(detail: "\(error)")
        }
    }

    /// Compares the journal with its anchor file.
    static func compareAnchor(_ db: Database, path: String) throws -> AnchorCheck {
        let anchor: JournalAnchor?
        do {
            anchor = try JournalAnchor.read(journalPath: path)
        } catch {
            return .unreadable("\(error)")
        }
        let last = try Row.fetchOne(db, sql: "SELECT sequence, hash FROM entry ORDER BY sequence DESC LIMIT 1")
            .map { (sequence: $0["sequence"] as Int, hash: $0["hash"] as String) }
        guard let anchor else { return last == nil ? .empty : .missing }
        guard let last, last.sequence >= anchor.sequence else {
            return .entriesMissing(first: (last?.sequence ?? 0) + 1, last: anchor.sequence)
        }
        let hash = try String.fetchOne(db, sql: "SELECT hash FROM entry WHERE sequence = ?", arguments: [anchor.sequence])
        guard let hash else { return .entriesMissing(first: anchor.sequence, last: anchor.sequence) }
        guard hash == anchor.hash else { return .rewritten(sequence: anchor.sequence) }
        return anchor.sequence == last.sequence ? .matches(sequence: last.sequence) : .older(anchor: anchor.sequence, last: last.sequence)
    }

    /// How the journal compares with its anchor file now.
    public func anchorCheck() async throws(JournalError) -> AnchorCheck {
        let path = self.path
        do {
            return try await database.read { db in try Self.compareAnchor(db, path: path) }
        } catch let error as DatabaseError {
            throw Self.classify(error, path: path)
        } catch {
            throw .cannotOpen(path: path, detail: "\(error)")
        }
    }

    /// How the journal compares with the entry and hash its newest Z report closed at.
    public func zReportCheck() async throws(JournalError) -> ZReportCheck {
        guard let entry = try await fetch("SELECT * FROM entry WHERE kind = \(JournalKind.sqlList([.zReport])) ORDER BY sequence DESC LIMIT 1").first,
              case .zReport(let report)? = entry.event else { return .none }
        guard let sequence = report.closedAtSequence, let hash = report.closedAtHash else { return .unanchored(number: report.number) }
        let closed = try await fetch("SELECT * FROM entry WHERE sequence = ?", [sequence]).first
        return closed?.hash == hash ? .matches(number: report.number, sequence: sequence) : .mismatch(number: report.number, sequence: sequence)
    }

    /// The newest entry's sequence number and hash (0 and the genesis hash when empty).
    public func newestEntry() async throws(JournalError) -> (sequence: Int, hash: String) {
        let last = try await fetch("SELECT * FROM entry ORDER BY sequence DESC LIMIT 1").first
        return (last?.sequence ?? 0, last?.hash ?? Self.genesisHash)
    }

    /// The entry with this sequence number.
    public func entry(_ sequence: Int) async throws(JournalError) -> JournalEntry? {
        try await fetch("SELECT * FROM entry WHERE sequence = ?", [sequence]).first
    }

    private static func entry(_ row: Row) -> JournalEntry {
        JournalEntry(
            sequence: row["sequence"], at: row["at"], till: row["till"], cashier: row["cashier"], kind: row["kind"],
            sale: row["sale"], reference: row["reference"], payload: row["payload"], previousHash: row["previousHash"],
            hash: row["hash"])
    }

    /// Reads run on GRDB's own queue, never blocking a caller's thread (the till's runtime is
    /// on the cooperative pool).
    private func fetch(_ sql: String, _ arguments: StatementArguments = []) async throws(JournalError) -> [JournalEntry] {
        do {
            return try await database.read { db in try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.entry) }
        } catch let error as DatabaseError {
            throw Self.classify(error, path: path)
        } catch {
            throw .cannotOpen(path: path, detail: "\(error)")
        }
    }

    public func entries(after sequence: Int = 0, limit: Int = Int.max) async throws(JournalError) -> [JournalEntry] {
        try await fetch("SELECT * FROM entry WHERE sequence > ? ORDER BY sequence LIMIT ?", [sequence, min(limit, Int(Int32.max))])
    }

    /// A page of the entries of some kinds after `sequence`, in order: the other entries are
    /// skipped inside SQLite, never read.
    public func entries(after sequence: Int, kinds: [String], limit: Int) async throws(JournalError) -> [JournalEntry] {
        let marks = kinds.map { _ in "?" }.joined(separator: ",")
        // `+kind`: walk the primary key and filter, never the kind index (which would sort every page).
        return try await fetch("SELECT * FROM entry WHERE sequence > ? AND +kind IN (\(marks)) ORDER BY sequence LIMIT ?",
                               StatementArguments([sequence]) + StatementArguments(kinds) + StatementArguments([min(limit, Int(Int32.max))]))
    }

    /// The newest `limit` entries of a kind, newest first.
    public func newestEntries(kind: String, limit: Int) async throws(JournalError) -> [JournalEntry] {
        try await fetch("SELECT * FROM entry WHERE kind = ? ORDER BY sequence DESC LIMIT ?", [kind, limit])
    }

    public func entries(sale: Int) async throws(JournalError) -> [JournalEntry] {
        try await fetch("SELECT * FROM entry WHERE sale = ? ORDER BY sequence", [sale])
    }

    public func entries(reference: String) async throws(JournalError) -> [JournalEntry] {
        try await fetch("SELECT * FROM entry WHERE reference = ? ORDER BY sequence", [reference])
    }

    /// The newest `limit` entries of these kinds, oldest first.
    public func newestEntries(kinds: [String], limit: Int) async throws(JournalError) -> [JournalEntry] {
        let marks = kinds.map { _ in "?" }.joined(separator: ",")
        return try await fetch("SELECT * FROM entry WHERE kind IN (\(marks)) ORDER BY sequence DESC LIMIT \(max(1, limit))",
                               StatementArguments(kinds)).reversed()
    }

    public func entries(kinds: [String]) async throws(JournalError) -> [JournalEntry] {
        let marks = kinds.map { _ in "?" }.joined(separator: ",")
        return try await fetch("SELECT * FROM entry WHERE kind IN (\(marks)) ORDER BY sequence", StatementArguments(kinds))
    }

    /// Recomputes every hash from the first entry; the first entry that does not match.
    public func verify() async throws(JournalError) -> JournalVerification {
        do {
            let check = try await database.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
            if check != ["ok"] {
                return .broken(sequence: 0, reason: "the database file is damaged: " + check.prefix(3).joined(separator: "; "))
            }
        } catch let error as DatabaseError {
            throw Self.classify(error, path: path)
        } catch {
            throw .cannotOpen(path: path, detail: "\(error)")
        }
        do {
            return try await database.read { db in
                var previous = Self.genesisHash
                var expectedSequence = 1
                let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM entry ORDER BY sequence")
                while let row = try cursor.next() {
                    let entry = Self.entry(row)
                    if entry.sequence != expectedSequence {
                        return .broken(sequence: expectedSequence, reason: "entry \(expectedSequence) is missing")
                    }
                    if entry.previousHash != previous {
                        return .broken(sequence: entry.sequence, reason: "does not follow entry \(entry.sequence - 1)")
                    }
                    let hash = JournalEntry.hash(
                        sequence: entry.sequence, at: entry.at, till: entry.till, cashier: entry.cashier, kind: entry.kind,
                        payload: entry.payload, previousHash: entry.previousHash)
                    if hash != entry.hash {
                        return .broken(sequence: entry.sequence, reason: "its content was changed after it was written")
                    }
                    if entry.event?.kind != entry.kind {
                        return .broken(sequence: entry.sequence, reason: "its payload cannot be read")
                    }
                    if !entry.columnsMatchPayload {
                        return .broken(sequence: entry.sequence,
                                       reason: "its sale or reference column differs from what the entry itself says: changed after it was written")
                    }
                    previous = hash
                    expectedSequence += 1
                }
                return .intact(entries: expectedSequence - 1)
            }
        } catch let error as DatabaseError {
            throw Self.classify(error, path: path)
        } catch {
            throw .cannotOpen(path: path, detail: "\(error)")
        }
    }

    /// The next sale (and receipt) number: one more than any the journal has seen.
    public func nextSaleNumber() async throws(JournalError) -> Int {
        var first = 1
        for entry in try await fetch("SELECT * FROM entry WHERE kind = \(JournalKind.sqlList([.journalCreated])) ORDER BY sequence") {
            if case .journalCreated(let firstSale)? = entry.event { first = max(first, firstSale) }
        }
        do {
            let used = try await database.read { db in (try Int.fetchOne(db, sql: "SELECT max(sale) FROM entry") ?? 0) + 1 }
            return max(used, first)
        } catch let error as DatabaseError {
            throw Self.classify(error, path: path)
        } catch {
            throw .cannotOpen(path: path, detail: "\(error)")
        }
    }

    /// Payments started but neither completed nor ended, oldest first.
    public func unsettledPayments() async throws(JournalError) -> [UnsettledPayment] {
        // Only the payments without an outcome, and what else the journal says about their sales:
        // a few rows however long the journal is.
        let open = try await fetch("""
            SELECT * FROM entry WHERE kind = \(JournalKind.sqlList([.paymentStarted])) AND reference NOT IN (
                SELECT reference FROM entry WHERE kind IN (\(JournalKind.sqlList([.paymentEnded, .saleCompleted]))) AND reference IS NOT NULL)
            ORDER BY sequence
            """)
        guard !open.isEmpty else { return [] }
        let sales = Set(open.compactMap(\.sale))
        let marks = sales.map { _ in "?" }.joined(separator: ",")
        let relevant = try await fetch("""
            SELECT * FROM entry WHERE sale IN (\(marks)) AND kind IN (
                \(JournalKind.sqlList([.paymentStarted, .captureStarted, .cancelStarted, .paymentEnded, .saleCompleted, .saleAbandoned,
                                       .captureDeferred])))
            ORDER BY sequence
            """, StatementArguments(Array(sales)))
        var starts: [String: JournalPaymentStart] = [:]
        var startedBy: [String: String] = [:]
        var order: [String] = []
        var settled = Set<String>()
        var captures = Set<String>(), cancels = Set<String>()
        var tries: [String: Int] = [:]
        var abandonedSales = Set<Int>(), completedSales = Set<Int>()
        var latestAttempt: [Int: Int] = [:]
        for entry in relevant {
            switch entry.event {
            case .paymentStarted(let start):
                starts[start.reference] = start
                startedBy[start.reference] = entry.cashier
                order.append(start.reference)
                latestAttempt[start.sale] = max(latestAttempt[start.sale] ?? 0, start.attempt)
            case .captureStarted(_, let reference, _, _): captures.insert(reference)
            case .cancelStarted(_, let reference, _): cancels.insert(reference)
            case .captureDeferred(_, let reference, let count, _): tries[reference] = count
            case .paymentEnded(_, let reference, _): settled.insert(reference)
            case .saleCompleted(let sale):
                settled.insert(sale.reference)
                completedSales.insert(sale.sale)
            case .saleAbandoned(let sale, _): abandonedSales.insert(sale)
            default: break
            }
        }
        return order.filter { !settled.contains($0) }.compactMap { reference in
            guard let start = starts[reference] else { return nil }
            return UnsettledPayment(
                start: start, captureStarted: captures.contains(reference), cancelStarted: cancels.contains(reference),
                saleAbandoned: abandonedSales.contains(start.sale) || completedSales.contains(start.sale),
                supersededByLaterAttempt: (latestAttempt[start.sale] ?? 0) > start.attempt,
                startedBy: startedBy[reference] ?? "", captureTries: tries[reference] ?? 0)
        }
    }

    /// The events since the last Z report, with their sequence numbers, and the next Z number.
    public func sinceLastZ() async throws(JournalError) -> (entries: [(Int, JournalEvent)], nextZ: Int) {
        let reports: (last: Int, count: Int)
        do {
            reports = try await database.read { db in
                let row = try Row.fetchOne(db, sql: "SELECT max(sequence) AS last, count(*) AS count FROM entry WHERE kind = \(JournalKind.sqlList([.zReport]))")
                return ((row?["last"] as Int?) ?? 0, (row?["count"] as Int?) ?? 0)
            }
        } catch let error as DatabaseError {
            throw Self.classify(error, path: path)
        } catch {
            throw .cannotOpen(path: path, detail: "\(error)")
        }
        let events = try await entries(after: reports.last).compactMap { entry in entry.event.map { (entry.sequence, $0) } }
        return (events, reports.count + 1)
    }

    /// An X report: totals since the last Z report; nothing is written.
    public func xReport(store: String, currency: String) async throws(JournalError) -> JournalReport {
        try await report(.x, store: store, currency: currency)
    }

    /// The report's totals and figures from the entries since the last Z report.
    private func report(_ kind: JournalReport.Kind, store: String, currency: String) async throws(JournalError) -> JournalReport {
        let till = self.till
        let generatedAt = InternetTime.rfc3339(now().timeIntervalSince1970)
        do {
            return try await database.read { db in
                try Self.report(kind, in: db, store: store, till: till, currency: currency, generatedAt: generatedAt)
            }
        } catch let error as DatabaseError {
            throw Self.classify(error, path: path)
        } catch {
            throw .cannotOpen(path: path, detail: "\(error)")
        }
    }

    /// The same, read in one go from `db` (a read, or the transaction a Z report is written in).
    private static func report(_ kind: JournalReport.Kind, in db: Database, store: String, till: String, currency: String,
                               generatedAt: String) throws -> JournalReport {
        let zKind = JournalKind.sqlList([.zReport])
        let reports = try Int.fetchOne(db, sql: "SELECT max(sequence) FROM entry WHERE kind = \(zKind)") ?? 0
        let after = try Row.fetchAll(db, sql: "SELECT * FROM entry WHERE sequence > ? ORDER BY sequence", arguments: [reports])
            .map(Self.entry).compactMap { entry in
                entry.event.map { JournalReport.Entry(sequence: entry.sequence, cashier: entry.cashier, event: $0) }
            }
        let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM entry WHERE kind = \(zKind)") ?? 0
        var lastZ: JournalReport?
        if reports > 0, let row = try Row.fetchOne(db, sql: "SELECT * FROM entry WHERE sequence = ?", arguments: [reports]),
           case .zReport(let report)? = Self.entry(row).event {
            lastZ = report
        }
        // Only a Z report stored without its figures needs the journal summed from the start.
        let legacyTotals = lastZ != nil && lastZ?.figures == nil ? try grandTotals(upTo: reports, in: db) : (0, 0)
        return JournalReport.sinceLastZ(
            kind: kind, store: store, till: till, currency: currency, generatedAt: generatedAt,
            after: after, zReports: count, lastZ: lastZ, totalsBeforeFigures: { legacyTotals })
    }

    /// How many X and Z reports were stored without their figures (before Kasse kept them, or
    /// an X report recorded only as viewed): the SAF-T export must then tally every report anew.
    public func reportsWithoutFigures() async throws(JournalError) -> Int {
        try await entries(kinds: JournalEntry.reportKinds.names).count(where: \.isReportWithoutFigures)
    }

    /// Cumulative sales and returns up to and including entry `sequence`: the last Z report's
    /// grand totals, or (for Z reports stored before Kasse kept them) summed from the journal.
    private static func grandTotals(upTo sequence: Int, in db: Database) throws -> (sales: Int, returns: Int) {
        if sequence > 0, let row = try Row.fetchOne(db, sql: "SELECT * FROM entry WHERE sequence = ?", arguments: [sequence]),
           case .zReport(let report)? = Self.entry(row).event, let figures = report.figures {
            return (figures.grandTotalSales, figures.grandTotalReturns)
        }
        var totals = (sales: 0, returns: 0)
        let kinds = JournalKind.sqlList([.saleCompleted, .refunded])
        for row in try Row.fetchAll(db, sql: "SELECT * FROM entry WHERE kind IN (\(kinds)) AND sequence <= ? ORDER BY sequence",
                                    arguments: [sequence]) {
            switch Self.entry(row).event {
            case .saleCompleted(let sale)? where !sale.isTraining: totals.sales += sale.captured
            case .refunded(_, _, _, let amount)?: totals.returns += amount
            default: break
            }
        }
        return totals
    }

    /// A Z report: the same totals, stored in the journal, closing the day.
    public func zReport(store: String, currency: String, employee: String? = nil) async throws(JournalError) -> JournalReport {
        let till = self.till
        let generatedAt = InternetTime.rfc3339(now().timeIntervalSince1970)
        let made = Mutex<JournalReport?>(nil)
        // Read and written in one transaction: no entry can come between the totals and the report.
        _ = try await write(readingLastSignature: false, employee: employee) { db, _ in
            var report = try Self.report(.z, in: db, store: store, till: till, currency: currency, generatedAt: generatedAt)
            // The entry and hash the day closed at, printed with the report: an anchor on paper.
            let newest = try Row.fetchOne(db, sql: "SELECT sequence, hash FROM entry ORDER BY sequence DESC LIMIT 1")
            report.closedAtSequence = newest?["sequence"] ?? 0
            report.closedAtHash = newest?["hash"] ?? Self.genesisHash
            made.withLock { $0 = report }
            return [.zReport(report)]
        }
        guard let report = made.withLock({ $0 }) else { throw .writeFailed(detail: "the Z report was not made") }
        return report
    }

    /// The returns recorded against a payment.
    public struct Refunds: Sendable {
        public init() {}

        /// The returns against one payment, from the journal's events (others are passed over).
        public init(reference: String, events: [JournalEvent]) {
            for event in events {
                switch event {
                case .refundStarted(let refund) where refund.reference == reference: started.append(refund)
                case .refunded(_, let paid, let number, let amount) where paid == reference:
                    refunded += amount
                    refundedNumbers.insert(number)
                case .refundFailed(_, let failed, let number, _) where failed == reference: failedNumbers.insert(number)
                default: break
                }
            }
        }
        public var started: [JournalRefund] = []
        public var refundedNumbers: Set<Int> = []
        public var failedNumbers: Set<Int> = []
        public var refunded = 0
        /// Started and neither confirmed nor failed: their outcome is not known yet.
        public var pending: [JournalRefund] {
            started.filter { !refundedNumbers.contains($0.returnNumber) && !failedNumbers.contains($0.returnNumber) }
        }
        /// Every return that took, or may have taken, money back.
        public var notFailed: [JournalRefund] { started.filter { !failedNumbers.contains($0.returnNumber) } }
    }

    public func refunds(reference: String) async throws(JournalError) -> Refunds {
        Refunds(reference: reference, events: try await entries(reference: reference).compactMap(\.event))
    }

    /// The next return number (numbered per journal, like sales).
    public func nextReturnNumber() async throws(JournalError) -> Int {
        do {
            return try await database.read { db in
                (try Int.fetchOne(db, sql: "SELECT count(*) FROM entry WHERE kind = \(JournalKind.sqlList([.refundStarted]))") ?? 0) + 1
            }
        } catch let error as DatabaseError {
            throw Self.classify(error, path: path)
        } catch {
            throw .cannotOpen(path: path, detail: "\(error)")
        }
    }

    /// The completed sale with this payment reference, or this receipt (sale) number.
    public func completedSale(receiptOrReference key: String) async throws(JournalError) -> JournalSale? {
        let number = Int(key) ?? -1
        let found = try await fetch(
            "SELECT * FROM entry WHERE kind = \(JournalKind.sqlList([.saleCompleted])) AND (reference = ? OR sale = ?) ORDER BY sequence DESC LIMIT 1",
            [key, number])
        guard case .saleCompleted(let sale)? = found.first?.event else { return nil }
        return sale
    }

    /// The newest signed transaction (Norway): where the register's chain goes on.
    public func lastSignature() async throws(JournalError) -> JournalSignature? {
        let found = try await fetch("SELECT * FROM entry WHERE kind = \(JournalKind.sqlList([.transactionSigned])) ORDER BY sequence DESC LIMIT 1")
        guard case .transactionSigned(let signed)? = found.first?.event else { return nil }
        return signed
    }

    /// Every signed transaction, in order.
    public func signatures() async throws(JournalError) -> [JournalSignature] {
        try await fetch("SELECT * FROM entry WHERE kind = \(JournalKind.sqlList([.transactionSigned])) ORDER BY sequence").compactMap { entry in
            guard case .transactionSigned(let signed)? = entry.event else { return nil }
            return signed
        }
    }

    /// The completed sales of a business day: those whose payment reference carries the day
    /// (the till's local date when the payment was made), as everywhere else.
    public func completedSales(businessDay day: CivilDate) async throws(JournalError) -> [(entry: JournalEntry, sale: JournalSale)] {
        try await completedSales(like: "%-\(day.compact)-%").filter { PaymentReference.businessDay(of: $0.sale.reference) == day }
    }

    /// Every completed sale.
    public func completedSales() async throws(JournalError) -> [(entry: JournalEntry, sale: JournalSale)] {
        try await completedSales(like: "%")
    }

    private func completedSales(like pattern: String) async throws(JournalError) -> [(entry: JournalEntry, sale: JournalSale)] {
        try await fetch("SELECT * FROM entry WHERE kind = \(JournalKind.sqlList([.saleCompleted])) AND reference LIKE ? ORDER BY sequence", [pattern])
            .compactMap { entry in
                guard case .saleCompleted(let sale) = entry.event else { return nil }
                return (entry, sale)
            }
    }
}
