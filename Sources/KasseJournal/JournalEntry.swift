import FoundationEssentials

/// One stored journal entry: every field its hash covers, and the hash. The till keeps it in
/// its SQLite journal and sends it as it is to the store server, so a till's entry and the
/// server's copy are compared as they are.
public struct JournalEntry: Codable, Sendable, Hashable {
    public var sequence: Int
    public var at: String
    public var till: String
    public var cashier: String
    public var kind: String
    public var sale: Int?
    public var reference: String?
    public var payload: String
    public var previousHash: String
    public var hash: String

    public init(sequence: Int, at: String, till: String, cashier: String, kind: String, sale: Int?, reference: String?,
                payload: String, previousHash: String, hash: String) {
        self.sequence = sequence
        self.at = at
        self.till = till
        self.cashier = cashier
        self.kind = kind
        self.sale = sale
        self.reference = reference
        self.payload = payload
        self.previousHash = previousHash
        self.hash = hash
    }

    /// The hash its fields give (equal to `hash` unless the entry was changed).
    public var computedHash: String {
        JournalChain.hash(sequence: sequence, at: at, till: till, cashier: cashier, kind: kind, payload: payload,
                          previousHash: previousHash)
    }
}

extension JournalEntry {
    public var event: JournalEvent? {
        try? JSONDecoder().decode(JournalEvent.self, from: Data(payload.utf8))
    }

    /// Whether the `sale` and `reference` columns, which the till looks entries up by but the
    /// hash does not cover, say what the entry's own (hashed) payload says.
    public var columnsMatchPayload: Bool {
        guard let event else { return false }
        return event.sale == sale && event.reference == reference
    }

    /// SHA-256 over every field and the previous entry's hash, hex (`JournalChain`, which the
    /// store server checks replicated entries with too).
    public static func hash(sequence: Int, at: String, till: String, cashier: String, kind: String, payload: String,
                            previousHash: String) -> String {
        JournalChain.hash(sequence: sequence, at: at, till: till, cashier: cashier, kind: kind, payload: payload,
                          previousHash: previousHash)
    }
}


extension JournalEntry {
    /// The kinds an X or Z report is stored as (`isReportWithoutFigures` reads them).
    public static let reportKinds: [JournalKind] = [.operatorAction, .zReport, .xReport]

    /// An X or Z report stored without its figures: written before Kasse kept them, or an X
    /// report recorded only as viewed. A SAF-T export must then tally every report anew. An
    /// entry whose payload cannot be read counts as one, so the export tallies rather than trusts.
    public var isReportWithoutFigures: Bool {
        switch event {
        case .operatorAction(let action)?: action.hasPrefix("X report viewed")
        case .zReport(let report)?, .xReport(let report)?: report.figures == nil
        case nil: kind == JournalKind.zReport.rawValue || kind == JournalKind.xReport.rawValue
        default: false
        }
    }
}
