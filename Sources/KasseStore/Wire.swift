import KasseJournal

/// What crosses between a till and the store server, as JSON. Every type here is the wire
/// format; both ends encode and decode these and nothing else.

/// `POST /till/journal`: the next entries of the till's journal, in order.
public struct JournalBatch: Codable, Sendable, Equatable {
    public var entries: [JournalEntry]

    /// The most entries one batch may hold; the server refuses more (413).
    public static let maxEntries = 500
    /// The most bytes one batch's JSON may take; the server reads no more (413). The till
    /// makes its batches smaller than this whatever their entries hold.
    public static let maxBytes = 8 << 20

    public init(entries: [JournalEntry]) { self.entries = entries }
}

/// The newest entry the server holds of a till's journal (`GET /till/journal/head`, and the
/// answer to every batch): where the till goes on from, and a second anchor for the till's
/// own journal. Sequence 0 with the genesis hash: nothing yet.
public struct JournalHead: Codable, Sendable, Equatable {
    public var till: String
    public var sequence: Int
    public var hash: String

    public init(till: String, sequence: Int, hash: String) {
        self.till = till
        self.sequence = sequence
        self.hash = hash
    }
}

/// A refusal, with what a person needs to know to put it right.
public struct StoreRefusal: Codable, Sendable, Equatable, Error, CustomStringConvertible {
    /// `gap`, `fork`, `bad-hash`, `out-of-order`, `wrong-till`, `unauthorized`, `forbidden`, `bad-request`.
    public var error: String
    public var message: String
    /// For `gap` and `fork`: the server's newest entry of this till.
    public var head: JournalHead?

    public init(error: String, message: String, head: JournalHead? = nil) {
        self.error = error
        self.message = message
        self.head = head
    }

    public var description: String { "\(error): \(message)" }
}

/// One Vipps MobilePay event, as the server pushes it to the till whose payment it is.
/// `id` orders a till's events and is what the till resumes from after a reconnect.
public struct StoreEvent: Codable, Sendable, Hashable {
    public var id: Int64
    public var reference: String
    /// The ePayment event name: `AUTHORIZED`, `ABORTED`, `EXPIRED`, `CAPTURED`, …
    public var name: String
    public var pspReference: String
    public var amount: Int
    public var currency: String
    /// When Vipps MobilePay says it happened (the webhook's timestamp).
    public var timestamp: String

    public init(id: Int64, reference: String, name: String, pspReference: String, amount: Int, currency: String,
                timestamp: String) {
        self.id = id
        self.reference = reference
        self.name = name
        self.pspReference = pspReference
        self.amount = amount
        self.currency = currency
        self.timestamp = timestamp
    }

    /// Events after which the till should read the payment back at once (the payment's state
    /// changed in a way the till acts on).
    public var settlesWaiting: Bool {
        ["AUTHORIZED", "ABORTED", "EXPIRED", "TERMINATED", "CANCELLED"].contains(name)
    }
}

/// A frame on the event WebSocket (`GET /till/events?after=ID`), server to till.
public enum StoreFrame: Codable, Sendable, Equatable {
    /// First frame: who the server takes the till for, the newest event id it holds for it
    /// (a till with nothing to resume from goes on from here) and the catalog's version (0: the
    /// server holds none; the till sells its own).
    case hello(till: String, newestEvent: Int64, catalog: Int64)
    case event(StoreEvent)
    /// The catalog changed: fetch it (`GET /till/catalog`).
    case catalogChanged(version: Int64)
}
