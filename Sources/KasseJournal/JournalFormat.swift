import KasseLanguage
import KasseCore
import VippsModels
/// The journal's stored shape of each entry: an explicit, documented, versioned JSON object
/// with a `type` (the entry kind), a `format` (this version, 2) and named fields, never the
/// shape Swift happens to synthesize for an enum. A shop keeps the journal for five years and
/// an accountant may read it; docs/the-till.md (the journal) lists every type and its fields.
///
/// Entries written before version 2 (`{"paymentStarted":{"_0":{…}}}`) are still read: their
/// stored text is never rewritten, so their hashes still verify.
extension JournalEvent: Codable {
    /// The current stored format.
    public static let format = 2

    enum Field: String, CodingKey {
        case format, type
        case mode, store, till, firstSale, sale, line, lineID, sku, customer, reference, outcome, amount, key, reason
        case returnNumber, summary, action, receiptNumber, text, tries
        case employee, name, role, on, manager, price, articleGroup, document, confirmed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Field.self)
        try container.encode(Self.format, forKey: .format)
        try container.encode(kind, forKey: .type)
        switch self {
        case .tillStarted(let mode, let store, let till):
            try container.encode(mode, forKey: .mode)
            try container.encode(store, forKey: .store)
            try container.encode(till, forKey: .till)
        case .journalCreated(let firstSale):
            try container.encode(firstSale, forKey: .firstSale)
        case .lineAdded(let sale, let line), .lineChanged(let sale, let line):
            try container.encode(sale, forKey: .sale)
            try container.encode(line, forKey: .line)
        case .lineVoided(let sale, let lineID, let sku):
            try container.encode(sale, forKey: .sale)
            try container.encode(lineID, forKey: .lineID)
            try container.encode(sku, forKey: .sku)
        case .customerIdentified(let sale, let customer):
            try container.encode(sale, forKey: .sale)
            try container.encode(customer, forKey: .customer)
        case .paymentStarted(let start):
            try start.encode(to: encoder)
        case .paymentOutcome(let sale, let reference, let outcome):
            try container.encode(sale, forKey: .sale)
            try container.encode(reference, forKey: .reference)
            try container.encode(outcome, forKey: .outcome)
        case .captureStarted(let sale, let reference, let amount, let key):
            try container.encode(sale, forKey: .sale)
            try container.encode(reference, forKey: .reference)
            try container.encode(amount, forKey: .amount)
            try container.encode(key, forKey: .key)
        case .cancelStarted(let sale, let reference, let key):
            try container.encode(sale, forKey: .sale)
            try container.encode(reference, forKey: .reference)
            try container.encode(key, forKey: .key)
        case .captureDeferred(let sale, let reference, let tries, let reason):
            try container.encode(sale, forKey: .sale)
            try container.encode(reference, forKey: .reference)
            try container.encode(tries, forKey: .tries)
            try container.encode(reason, forKey: .reason)
        case .captureFailed(let sale, let reference, let amount, let reason):
            try container.encode(sale, forKey: .sale)
            try container.encode(reference, forKey: .reference)
            try container.encode(amount, forKey: .amount)
            try container.encode(reason, forKey: .reason)
        case .paymentEnded(let sale, let reference, let reason):
            try container.encode(sale, forKey: .sale)
            try container.encode(reference, forKey: .reference)
            try container.encode(reason, forKey: .reason)
        case .saleCompleted(let sale), .saleVoided(let sale):
            try sale.encode(to: encoder)
        case .saleAbandoned(let sale, let reason):
            try container.encode(sale, forKey: .sale)
            try container.encode(reason, forKey: .reason)
        case .refundStarted(let refund):
            try refund.encode(to: encoder)
        case .refunded(let sale, let reference, let returnNumber, let amount):
            try container.encode(sale, forKey: .sale)
            try container.encode(reference, forKey: .reference)
            try container.encode(returnNumber, forKey: .returnNumber)
            try container.encode(amount, forKey: .amount)
        case .refundFailed(let sale, let reference, let returnNumber, let reason):
            try container.encode(sale, forKey: .sale)
            try container.encode(reference, forKey: .reference)
            try container.encode(returnNumber, forKey: .returnNumber)
            try container.encode(reason, forKey: .reason)
        case .recovered(let sale, let reference, let summary):
            try container.encode(sale, forKey: .sale)
            try container.encode(reference, forKey: .reference)
            try container.encode(summary, forKey: .summary)
        case .transactionSigned(let signed):
            try signed.encode(to: encoder)
        case .receiptCopied(let sale, let reference, let receiptNumber, let amount, let text):
            try container.encode(sale, forKey: .sale)
            try container.encode(reference, forKey: .reference)
            try container.encode(receiptNumber, forKey: .receiptNumber)
            try container.encode(amount, forKey: .amount)
            try container.encode(text, forKey: .text)
        case .zReport(let report), .xReport(let report):
            try report.encode(to: encoder)
        case .operatorAction(let action):
            try container.encode(action, forKey: .action)
        case .loggedIn(let member):
            try container.encode(member.id, forKey: .employee)
            try container.encode(member.name, forKey: .name)
            try container.encode(member.role, forKey: .role)
        case .loggedOut(let employee), .logInRefused(let employee):
            try container.encode(employee, forKey: .employee)
        case .managerApproved(let employee, let action):
            try container.encode(employee, forKey: .employee)
            try container.encode(action, forKey: .action)
        case .trainingMode(let on, let manager):
            try container.encode(on, forKey: .on)
            try container.encode(manager, forKey: .manager)
        case .priceLookUp(let sku, let name, let price, let group):
            try container.encode(sku, forKey: .sku)
            try container.encode(name, forKey: .name)
            try container.encode(price, forKey: .price)
            try container.encode(group, forKey: .articleGroup)
        case .receiptNotPrinted(let sale, let receiptNumber, let reason):
            try container.encode(sale, forKey: .sale)
            try container.encode(receiptNumber, forKey: .receiptNumber)
            try container.encode(reason, forKey: .reason)
        case .printQueued(let sale, let document, let number):
            try container.encodeIfPresent(sale, forKey: .sale)
            try container.encode(document, forKey: .document)
            try container.encode(number, forKey: .receiptNumber)
        case .documentPrinted(let sale, let document, let number, let confirmed):
            try container.encodeIfPresent(sale, forKey: .sale)
            try container.encode(document, forKey: .document)
            try container.encode(number, forKey: .receiptNumber)
            try container.encode(confirmed, forKey: .confirmed)
        case .receiptIssued(let sale, let document, let receiptNumber, let text):
            try container.encode(sale, forKey: .sale)
            try container.encode(document, forKey: .document)
            try container.encode(receiptNumber, forKey: .receiptNumber)
            try container.encode(text, forKey: .text)
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Field.self)
        guard let format = try container.decodeIfPresent(Int.self, forKey: .format) else {
            // Version 1: Swift's synthesized shape, read through a mirror of the old enum.
            self = try LegacyJournalEvent(from: decoder).event
            return
        }
        guard format <= Self.format else {
            throw DecodingError.dataCorruptedError(
                forKey: .format, in: container, debugDescription: "journal format \(format) is newer than this Kasse reads (\(Self.format))")
        }
        let type = try container.decode(String.self, forKey: .type)
        func value<T: Decodable>(_ field: Field) throws -> T { try container.decode(T.self, forKey: field) }
        switch JournalKind(rawValue: type) {
        case .tillStarted?: self = .tillStarted(mode: try value(.mode), store: try value(.store), till: try value(.till))
        case .journalCreated?: self = .journalCreated(firstSale: try value(.firstSale))
        case .lineAdded?: self = .lineAdded(sale: try value(.sale), line: try value(.line))
        case .lineChanged?: self = .lineChanged(sale: try value(.sale), line: try value(.line))
        case .lineVoided?: self = .lineVoided(sale: try value(.sale), lineID: try value(.lineID), sku: try value(.sku))
        case .customerIdentified?: self = .customerIdentified(sale: try value(.sale), customer: try value(.customer))
        case .paymentStarted?: self = .paymentStarted(try JournalPaymentStart(from: decoder))
        case .paymentOutcome?:
            self = .paymentOutcome(sale: try value(.sale), reference: try value(.reference), outcome: try value(.outcome))
        case .captureStarted?:
            self = .captureStarted(sale: try value(.sale), reference: try value(.reference), amount: try value(.amount), key: try value(.key))
        case .cancelStarted?: self = .cancelStarted(sale: try value(.sale), reference: try value(.reference), key: try value(.key))
        case .captureDeferred?:
            self = .captureDeferred(sale: try value(.sale), reference: try value(.reference), tries: try value(.tries), reason: try value(.reason))
        case .captureFailed?:
            self = .captureFailed(sale: try value(.sale), reference: try value(.reference), amount: try value(.amount), reason: try value(.reason))
        case .paymentEnded?: self = .paymentEnded(sale: try value(.sale), reference: try value(.reference), reason: try value(.reason))
        case .saleCompleted?: self = .saleCompleted(try JournalSale(from: decoder))
        case .saleVoided?: self = .saleVoided(try JournalSale(from: decoder))
        case .saleAbandoned?: self = .saleAbandoned(sale: try value(.sale), reason: try value(.reason))
        case .refundStarted?: self = .refundStarted(try JournalRefund(from: decoder))
        case .refunded?:
            self = .refunded(sale: try value(.sale), reference: try value(.reference), returnNumber: try value(.returnNumber),
                             amount: try value(.amount))
        case .refundFailed?:
            self = .refundFailed(sale: try value(.sale), reference: try value(.reference), returnNumber: try value(.returnNumber),
                                 reason: try value(.reason))
        case .recovered?: self = .recovered(sale: try value(.sale), reference: try value(.reference), summary: try value(.summary))
        case .zReport?: self = .zReport(try JournalReport(from: decoder))
        case .xReport?: self = .xReport(try JournalReport(from: decoder))
        case .transactionSigned?: self = .transactionSigned(try JournalSignature(from: decoder))
        case .operatorAction?: self = .operatorAction(try value(.action))
        case .receiptCopied?:
            self = .receiptCopied(sale: try value(.sale), reference: try value(.reference), receiptNumber: try value(.receiptNumber),
                                  amount: try value(.amount), text: try value(.text))
        case .loggedIn?: self = .loggedIn(StaffMember(id: try value(.employee), name: try value(.name), role: try value(.role)))
        case .loggedOut?: self = .loggedOut(employee: try value(.employee))
        case .logInRefused?: self = .logInRefused(employee: try value(.employee))
        case .managerApproved?: self = .managerApproved(employee: try value(.employee), action: try value(.action))
        case .trainingMode?: self = .trainingMode(on: try value(.on), manager: try value(.manager))
        case .priceLookUp?:
            self = .priceLookUp(sku: try value(.sku), name: try value(.name), price: try value(.price), articleGroup: try value(.articleGroup))
        case .receiptNotPrinted?:
            self = .receiptNotPrinted(sale: try value(.sale), receiptNumber: try value(.receiptNumber), reason: try value(.reason))
        case .printQueued?:
            self = .printQueued(sale: try container.decodeIfPresent(Int.self, forKey: .sale), document: try value(.document),
                                number: try value(.receiptNumber))
        case .documentPrinted?:
            self = .documentPrinted(sale: try container.decodeIfPresent(Int.self, forKey: .sale), document: try value(.document),
                                    number: try value(.receiptNumber), confirmed: try value(.confirmed))
        case .receiptIssued?:
            self = .receiptIssued(sale: try value(.sale), document: try value(.document), receiptNumber: try value(.receiptNumber),
                                  text: try value(.text))
        default:
            throw DecodingError.dataCorruptedError(forKey: .type, in: container, debugDescription: "unknown journal entry type '\(type)'")
        }
    }
}

/// The journal's entries as format 1 stored them: Swift's synthesized `Codable` of the enum
/// as it was declared then. Only read, never written; keep it exactly as it is.
private enum LegacyJournalEvent: Decodable {
    case tillStarted(mode: String, store: String, till: String)
    case journalCreated(firstSale: Int)
    case lineAdded(sale: Int, line: JournalLine)
    case lineChanged(sale: Int, line: JournalLine)
    case lineVoided(sale: Int, lineID: Int, sku: String)
    case customerIdentified(sale: Int, customer: String)
    case paymentStarted(JournalPaymentStart)
    case paymentOutcome(sale: Int, reference: String, outcome: String)
    case captureStarted(sale: Int, reference: String, amount: Int, key: String)
    case cancelStarted(sale: Int, reference: String, key: String)
    case paymentEnded(sale: Int, reference: String, reason: String)
    case saleCompleted(JournalSale)
    case saleAbandoned(sale: Int, reason: String)
    case refundStarted(JournalRefund)
    case refunded(sale: Int, reference: String, returnNumber: Int, amount: Int)
    case refundFailed(sale: Int, reference: String, returnNumber: Int, reason: String)
    case recovered(sale: Int, reference: String, summary: String)
    case zReport(JournalReport)
    case operatorAction(String)

    var event: JournalEvent {
        switch self {
        case .tillStarted(let mode, let store, let till): .tillStarted(mode: mode, store: store, till: till)
        case .journalCreated(let firstSale): .journalCreated(firstSale: firstSale)
        case .lineAdded(let sale, let line): .lineAdded(sale: sale, line: line)
        case .lineChanged(let sale, let line): .lineChanged(sale: sale, line: line)
        case .lineVoided(let sale, let lineID, let sku): .lineVoided(sale: sale, lineID: lineID, sku: sku)
        case .customerIdentified(let sale, let customer): .customerIdentified(sale: sale, customer: customer)
        case .paymentStarted(let start): .paymentStarted(start)
        case .paymentOutcome(let sale, let reference, let outcome): .paymentOutcome(sale: sale, reference: reference, outcome: outcome)
        case .captureStarted(let sale, let reference, let amount, let key):
            .captureStarted(sale: sale, reference: reference, amount: amount, key: IdempotencyKey(stored: key))
        case .cancelStarted(let sale, let reference, let key): .cancelStarted(sale: sale, reference: reference, key: IdempotencyKey(stored: key))
        case .paymentEnded(let sale, let reference, let reason): .paymentEnded(sale: sale, reference: reference, reason: reason)
        case .saleCompleted(let sale): .saleCompleted(sale)
        case .saleAbandoned(let sale, let reason): .saleAbandoned(sale: sale, reason: reason)
        case .refundStarted(let refund): .refundStarted(refund)
        case .refunded(let sale, let reference, let returnNumber, let amount):
            .refunded(sale: sale, reference: reference, returnNumber: returnNumber, amount: amount)
        case .refundFailed(let sale, let reference, let returnNumber, let reason):
            .refundFailed(sale: sale, reference: reference, returnNumber: returnNumber, reason: reason)
        case .recovered(let sale, let reference, let summary): .recovered(sale: sale, reference: reference, summary: summary)
        case .zReport(let report): .zReport(report)
        case .operatorAction(let action): .operatorAction(action)
        }
    }
}
