/// The Report API (`report-api.yaml`, v2): what Vipps MobilePay settled, per ledger and
/// ledger date. A shop matches its sales against it.

public struct BankAccount: Codable, Sendable, Hashable {
    public var scheme: String
    public var id: String
    public init(scheme: String, id: String) {
        self.scheme = scheme
        self.id = id
    }
}

public struct Organization: Codable, Sendable, Hashable {
    public var scheme: String
    public var id: String
    public init(scheme: String, id: String) {
        self.scheme = scheme
        self.id = id
    }
}

/// One settlement account: the sales units (`api:MSN`) it settles for, and where it pays out.
public struct Ledger: Codable, Sendable, Hashable {
    public var ledgerId: String
    /// In the document's example, not its schema: optional.
    public var currency: String?
    public var payoutBankAccount: BankAccount?
    public var owner: Organization?
    public var settlesForRecipientHandles: [String]

    public init(ledgerId: String, currency: String?, payoutBankAccount: BankAccount?, owner: Organization?,
                settlesForRecipientHandles: [String]) {
        self.ledgerId = ledgerId
        self.currency = currency
        self.payoutBankAccount = payoutBankAccount
        self.owner = owner
        self.settlesForRecipientHandles = settlesForRecipientHandles
    }
}

public struct LedgerList: Codable, Sendable, Hashable {
    public var cursor: String?
    public var items: [Ledger]
    public init(cursor: String?, items: [Ledger]) {
        self.cursor = cursor
        self.items = items
    }
}

/// What kind of entry a ledger line is (the document's `entryType`).
public struct LedgerEntryType: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public static let capture = LedgerEntryType(rawValue: "capture")
    public static let refund = LedgerEntryType(rawValue: "refund")
    public static let feesRetained = LedgerEntryType(rawValue: "fees-retained")
    public static let feesInvoiced = LedgerEntryType(rawValue: "fees-invoiced")
    public static let scheduledForPayout = LedgerEntryType(rawValue: "scheduled-for-payout")
    public static let payoutAborted = LedgerEntryType(rawValue: "payout-aborted")
    public static let captureFee = LedgerEntryType(rawValue: "capture-fee")
    public static let correction = LedgerEntryType(rawValue: "correction")

    public var description: String { rawValue }
}

/// One line of a ledger: a capture, a refund, fees, a payout. Amounts in minor units, signed
/// as they move the ledger's balance (a refund and a payout are negative).
public struct LedgerTransaction: Codable, Sendable, Hashable {
    public var pspReference: String
    /// UTC, RFC 3339.
    public var time: String
    /// `YYYY-MM-DD`.
    public var ledgerDate: String
    public var entryType: LedgerEntryType
    public var reference: String?
    public var currency: String
    public var amount: Int
    public var balanceBefore: Int?
    public var balanceAfter: Int?
    /// The sales unit, as `NO:123456`.
    public var recipientHandle: String?

    public init(pspReference: String, time: String, ledgerDate: String, entryType: LedgerEntryType, reference: String?,
                currency: String, amount: Int, balanceBefore: Int?, balanceAfter: Int?, recipientHandle: String?) {
        self.pspReference = pspReference
        self.time = time
        self.ledgerDate = ledgerDate
        self.entryType = entryType
        self.reference = reference
        self.currency = currency
        self.amount = amount
        self.balanceBefore = balanceBefore
        self.balanceAfter = balanceAfter
        self.recipientHandle = recipientHandle
    }
}

/// A page of a ledger date's report (`.../dates/{ledgerDate}`).
public struct LedgerReportPage: Codable, Sendable, Hashable {
    public var cursor: String?
    public var hasMore: Bool?
    /// The date is not closed yet: what is here is not all; ask again later.
    public var tryLater: Bool?
    public var items: [LedgerTransaction]

    public init(cursor: String?, hasMore: Bool?, tryLater: Bool?, items: [LedgerTransaction]) {
        self.cursor = cursor
        self.hasMore = hasMore
        self.tryLater = tryLater
        self.items = items
    }
}
