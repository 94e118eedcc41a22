import KasseLanguage
import KasseCore
import VippsModels

/// One line of a sale as the journal keeps it: enough to print it again, restore it to the
/// screen, and refund it, without the catalog (prices change; the journal does not).
public struct JournalLine: Sendable, Hashable, Codable {
    public var lineID: Int
    public var sku: String
    public var gtin: String?
    public var name: String
    public var unitPrice: Int
    public var vatRateBasisPoints: Int
    public var weighed: Bool
    /// Pieces, or grams for weighed products.
    public var quantity: Int
    public var discount: Int
    public var isReturn: Bool
    /// What the line comes to, VAT included, after its discount.
    public var total: Int
    /// The product's main group (absent in entries written before groups were kept: Sale of goods).
    public var articleGroup: ArticleGroup?

    public init(lineID: Int, sku: String, gtin: String?, name: String, unitPrice: Int, vatRateBasisPoints: Int, weighed: Bool,
                quantity: Int, discount: Int, isReturn: Bool, total: Int, articleGroup: ArticleGroup? = nil) {
        self.lineID = lineID
        self.sku = sku
        self.gtin = gtin
        self.name = name
        self.unitPrice = unitPrice
        self.vatRateBasisPoints = vatRateBasisPoints
        self.weighed = weighed
        self.quantity = quantity
        self.discount = discount
        self.isReturn = isReturn
        self.total = total
        self.articleGroup = articleGroup
    }

    public init(_ line: BasketLine) {
        lineID = line.id
        sku = line.product.sku
        gtin = line.product.gtin?.original
        name = line.product.name
        unitPrice = line.product.unitPrice
        vatRateBasisPoints = line.product.vatRate.basisPoints
        weighed = line.product.unit == .kilogram
        switch line.quantity {
        case .pieces(let count): quantity = count
        case .grams(let grams): quantity = grams
        }
        discount = line.discount
        isReturn = line.isReturn
        total = line.totalAmount
        articleGroup = line.product.articleGroup
    }

    /// The group the reports count the line in.
    public var group: ArticleGroup { articleGroup ?? .saleOfGoods }

    public var product: Product {
        Product(sku: sku, gtin: gtin.flatMap { try? GTIN($0) }, name: name, unitPrice: unitPrice,
                vatRate: VATRate(vatRateBasisPoints), unit: weighed ? .kilogram : .piece, articleGroup: group)
    }

    public var quantityValue: Quantity { weighed ? .grams(quantity) : .pieces(quantity) }
}

/// Totals per VAT rate, as a report or receipt shows them.
public struct JournalVAT: Sendable, Hashable, Codable {
    public var rateBasisPoints: Int
    public var gross: Int
    public var tax: Int

    public init(rateBasisPoints: Int, gross: Int, tax: Int) {
        self.rateBasisPoints = rateBasisPoints
        self.gross = gross
        self.tax = tax
    }
}

/// A payment request about to be sent: written to the journal before it is.
public struct JournalPaymentStart: Sendable, Hashable, Codable {
    public var sale: Int
    public var reference: String
    public var attempt: Int
    public var amount: Int
    public var currency: String
    public var createKey: IdempotencyKey
    public var captureKey: IdempotencyKey
    public var customer: String
    public var lines: [JournalLine]
    /// Training mode: sent to the embedded simulator, never to Vipps MobilePay (absent: false).
    public var training: Bool?

    public init(sale: Int, reference: String, attempt: Int, amount: Int, currency: String, createKey: IdempotencyKey,
                captureKey: IdempotencyKey, customer: String, lines: [JournalLine], training: Bool? = nil) {
        self.training = training
        self.sale = sale
        self.reference = reference
        self.attempt = attempt
        self.amount = amount
        self.currency = currency
        self.createKey = createKey
        self.captureKey = captureKey
        self.customer = customer
        self.lines = lines
    }
}

/// A sale paid in full: what the receipt and the reports are made of.
public struct JournalSale: Sendable, Hashable, Codable {
    /// A sale's receipt number: its sale number, six digits at least.
    public static func receiptNumber(forSale sale: Int) -> String {
        let text = String(sale)
        return text.count >= 6 ? text : String(repeating: "0", count: 6 - text.count) + text
    }

    public var sale: Int
    public var receiptNumber: String
    public var reference: String
    public var currency: String
    public var total: Int
    public var captured: Int
    public var customer: String
    public var lines: [JournalLine]
    public var vat: [JournalVAT]
    /// Made in training mode: not a sale (signed and exported as training, counted apart).
    public var training: Bool?

    public var isTraining: Bool { training ?? false }

    public init(sale: Int, receiptNumber: String, reference: String, currency: String, total: Int, captured: Int,
                customer: String, lines: [JournalLine], vat: [JournalVAT], training: Bool? = nil) {
        self.training = training
        self.sale = sale
        self.receiptNumber = receiptNumber
        self.reference = reference
        self.currency = currency
        self.total = total
        self.captured = captured
        self.customer = customer
        self.lines = lines
        self.vat = vat
    }

    /// VAT per rate, as the screen, the receipt sent with the payment and every printed document
    /// state it: the sum of each line's own tax (`VATBreakdown`, the one computation).
    public static func vat(of lines: [JournalLine]) -> [JournalVAT] {
        VATBreakdown.of(lines.map { (VATRate($0.vatRateBasisPoints), $0.isReturn ? -$0.total : $0.total) })
            .map { JournalVAT(rateBasisPoints: $0.rate.basisPoints, gross: $0.gross, tax: $0.tax) }
    }
}

/// A refund of some or all of a sale.
public struct JournalRefund: Sendable, Hashable, Codable {
    public var sale: Int
    public var reference: String
    public var returnNumber: Int
    public var amount: Int
    public var currency: String
    public var key: IdempotencyKey
    public var lines: [JournalLine]
    public var vat: [JournalVAT]

    public init(sale: Int, reference: String, returnNumber: Int, amount: Int, currency: String, key: IdempotencyKey,
                lines: [JournalLine]) {
        self.sale = sale
        self.reference = reference
        self.returnNumber = returnNumber
        self.amount = amount
        self.currency = currency
        self.key = key
        self.lines = lines
        self.vat = JournalSale.vat(of: lines)
    }

    /// Return `number` of `sale`: `amount` back for `lines`, with the refund's own idempotency
    /// key. The till and `kasse return` both record it so, before anything is sent.
    public init(returnNumber number: Int, of sale: JournalSale, amount: Int, lines: [JournalLine]) {
        self.init(sale: sale.sale, reference: sale.reference, returnNumber: number, amount: amount, currency: sale.currency,
                  key: IdempotencyKey(.refund(number), reference: sale.reference), lines: lines)
    }
}

extension JournalEvent {
    /// A manager approved the Z report that closes the day (at the till or `kasse report z`).
    public static func zReportApproved(number: Int, by manager: String) -> JournalEvent {
        .managerApproved(employee: manager, action: "Z report \(number)")
    }
}

/// A committed transaction's signature (Norway): its number in the register's chain, the
/// fields that were signed, the signature and the key's version.
public struct JournalSignature: Sendable, Hashable, Codable {
    /// The register (the till id) whose chain this is.
    public var register: String
    /// Consecutive per register, from 1.
    public var number: Int
    /// `sale` or `return`.
    public var transaction: String
    public var sale: Int
    public var reference: String
    public var returnNumber: Int?
    /// `YYYY-MM-DD` and `HH:MM:SS`, the shop's local time when the transaction was committed.
    public var date: String
    public var time: String
    public var amountIncludingVAT: Int
    public var amountExcludingVAT: Int
    /// Base64, over `previous;date;time;number;amountIn;amountEx`.
    public var signature: String
    public var keyVersion: String
    /// A training transaction (exported with `trainingID`); absent: false.
    public var training: Bool?

    public init(register: String, number: Int, transaction: String, sale: Int, reference: String, returnNumber: Int?, date: String,
                time: String, amountIncludingVAT: Int, amountExcludingVAT: Int, signature: String, keyVersion: String,
                training: Bool? = nil) {
        self.training = training
        self.register = register
        self.number = number
        self.transaction = transaction
        self.sale = sale
        self.reference = reference
        self.returnNumber = returnNumber
        self.date = date
        self.time = time
        self.amountIncludingVAT = amountIncludingVAT
        self.amountExcludingVAT = amountExcludingVAT
        self.signature = signature
        self.keyVersion = keyVersion
    }
}

/// The kind of a journal entry: its `type` in the stored JSON and its `kind` column. The one
/// place these names are written; everything else names a kind by its case.
public enum JournalKind: String, Sendable, Hashable, CaseIterable, Codable {
    case tillStarted = "till-started"
    case journalCreated = "journal-created"
    case lineAdded = "line-added"
    case lineChanged = "line-changed"
    case lineVoided = "line-voided"
    case customerIdentified = "customer"
    case paymentStarted = "payment-started"
    case paymentOutcome = "payment-outcome"
    case captureStarted = "capture-started"
    case cancelStarted = "cancel-started"
    case captureDeferred = "capture-deferred"
    case captureFailed = "capture-failed"
    case paymentEnded = "payment-ended"
    case saleCompleted = "sale-completed"
    case saleAbandoned = "sale-abandoned"
    case saleVoided = "sale-voided"
    case refundStarted = "refund-started"
    case refunded = "refunded"
    case refundFailed = "refund-failed"
    case recovered = "recovered"
    case zReport = "z-report"
    case xReport = "x-report"
    case operatorAction = "operator"
    case transactionSigned = "transaction-signed"
    case receiptCopied = "receipt-copied"
    case loggedIn = "logged-in"
    case loggedOut = "logged-out"
    case logInRefused = "log-in-refused"
    case managerApproved = "manager-approved"
    case trainingMode = "training"
    case priceLookUp = "price-look-up"
    case receiptIssued = "receipt"
    case receiptNotPrinted = "receipt-not-printed"
    case documentPrinted = "printed"
    case printQueued = "print-queued"

    /// `'z-report', 'x-report'`: kinds in an SQL `IN (…)` list (names from this enum only).
    public static func sqlList(_ kinds: [JournalKind]) -> String {
        kinds.map { "'" + $0.rawValue + "'" }.joined(separator: ", ")
    }

    /// A stored kind column compared with a kind.
    public static func == (lhs: String, rhs: JournalKind) -> Bool { lhs == rhs.rawValue }
    public static func != (lhs: String, rhs: JournalKind) -> Bool { lhs != rhs.rawValue }
}

extension Collection where Element == JournalKind {
    /// Whether a stored kind column is one of these kinds.
    public func contains(_ kind: String) -> Bool { contains { $0.rawValue == kind } }

    /// The stored names, for queries.
    public var names: [String] { map(\.rawValue) }
}

/// Everything the journal records. Each is one entry; none is ever changed or removed.
public enum JournalEvent: Sendable, Hashable {
    case tillStarted(mode: String, store: String, till: String)
    /// `kasse journal init`: the journal begins; sales are numbered from `firstSale`.
    case journalCreated(firstSale: Int)
    case lineAdded(sale: Int, line: JournalLine)
    case lineChanged(sale: Int, line: JournalLine)
    case lineVoided(sale: Int, lineID: Int, sku: String)
    /// Masked: `+47 9** ** 567`, or the QR code's masked form.
    case customerIdentified(sale: Int, customer: String)
    /// Written before the create request is sent; its keys are the ones every retry reuses.
    case paymentStarted(JournalPaymentStart)
    /// What Vipps MobilePay said about a payment (a state, or an error with its message).
    case paymentOutcome(sale: Int, reference: String, outcome: String)
    /// Written before the capture request is sent.
    case captureStarted(sale: Int, reference: String, amount: Int, key: IdempotencyKey)
    /// Written before the cancel request is sent.
    case cancelStarted(sale: Int, reference: String, key: IdempotencyKey)
    /// Vipps MobilePay asked for a capture to be tried again later (6280): the `tries`-th time in
    /// a row, or the customer left while it was (`reason` says which). Counted after a restart.
    case captureDeferred(sale: Int, reference: String, tries: Int, reason: String)
    /// An approved payment Vipps MobilePay would not capture after the customer had left with the
    /// goods: "not captured", for a manager (on the X and Z reports and `kasse journal list`).
    case captureFailed(sale: Int, reference: String, amount: Int, reason: String)
    /// The payment ended without money: declined, expired, cancelled, never created.
    case paymentEnded(sale: Int, reference: String, reason: String)
    case saleCompleted(JournalSale)
    /// The cashier left an unpaid sale (new sale, or quit with a basket open).
    case saleAbandoned(sale: Int, reason: String)
    /// The whole sale cancelled with its lines on it (F9 and yes, or quitting): in Norway a
    /// voided transaction, signed (13028). `reference` is empty, `captured` 0.
    case saleVoided(JournalSale)
    /// Written before the refund request is sent.
    case refundStarted(JournalRefund)
    case refunded(sale: Int, reference: String, returnNumber: Int, amount: Int)
    case refundFailed(sale: Int, reference: String, returnNumber: Int, reason: String)
    /// What start-up recovery found and did about one payment.
    case recovered(sale: Int, reference: String, summary: String)
    case zReport(JournalReport)
    /// An X report as it was shown or printed, stored in full (kassasystemforskrifta § 2-7).
    case xReport(JournalReport)
    case operatorAction(String)
    /// Norway: the signature of the transaction committed just before (a sale, a return).
    case transactionSigned(JournalSignature)
    /// A copy of a sale's receipt («KOPI»; at most one per sale), stored in full as handed out.
    case receiptCopied(sale: Int, reference: String, receiptNumber: String, amount: Int, text: [String])
    /// An employee logged in (13003), with their name and role as the staff list had them then.
    case loggedIn(StaffMember)
    /// An employee logged out (13004).
    case loggedOut(employee: String)
    /// A log-in or manager approval with a wrong employee number or PIN (never the PIN).
    case logInRefused(employee: String)
    /// A manager's PIN approved a manager-only action (a Z report).
    case managerApproved(employee: String, action: String)
    /// Training mode on (13023) or off (13024), approved by a manager.
    case trainingMode(on: Bool, manager: String)
    /// A product's price looked up without selling it (13022): the search closed without adding.
    case priceLookUp(sku: String, name: String, price: Int, articleGroup: ArticleGroup)
    /// A receipt as it was handed out (Norway: «Salgskvittering», «Returkvittering», a training
    /// receipt), stored in full. `document`: `sale`, `return` or `training`.
    case receiptIssued(sale: Int, document: String, receiptNumber: String, text: [String])
    /// The sale was concluded without a printed receipt (13030): the receipt went to the
    /// customer's app only (no printer, or the customer wanted no paper).
    case receiptNotPrinted(sale: Int, receiptNumber: String, reason: String)
    /// A document came out of the receipt printer: `document` is `sale`, `return`, `copy`,
    /// `training`, `x-report`, `z-report` or `test`, `number` the receipt's or report's number.
    /// `confirmed`: the printer answered after the job (false: the bytes went out but the
    /// printer said nothing more; the job is not sent again).
    case documentPrinted(sale: Int?, document: String, number: String, confirmed: Bool)
    /// A document was sent to the print queue (stored first, so a job the printer never took
    /// is printed at the next start); `printed` closes it.
    case printQueued(sale: Int?, document: String, number: String)

    /// A short name for lists and the database's `kind` column.
    public var kind: String { journalKind.rawValue }

    public var journalKind: JournalKind {
        switch self {
        case .tillStarted: .tillStarted
        case .journalCreated: .journalCreated
        case .lineAdded: .lineAdded
        case .lineChanged: .lineChanged
        case .lineVoided: .lineVoided
        case .customerIdentified: .customerIdentified
        case .paymentStarted: .paymentStarted
        case .paymentOutcome: .paymentOutcome
        case .captureStarted: .captureStarted
        case .cancelStarted: .cancelStarted
        case .captureDeferred: .captureDeferred
        case .captureFailed: .captureFailed
        case .paymentEnded: .paymentEnded
        case .saleCompleted: .saleCompleted
        case .saleAbandoned: .saleAbandoned
        case .saleVoided: .saleVoided
        case .refundStarted: .refundStarted
        case .refunded: .refunded
        case .refundFailed: .refundFailed
        case .recovered: .recovered
        case .zReport: .zReport
        case .xReport: .xReport
        case .operatorAction: .operatorAction
        case .transactionSigned: .transactionSigned
        case .receiptCopied: .receiptCopied
        case .loggedIn: .loggedIn
        case .loggedOut: .loggedOut
        case .logInRefused: .logInRefused
        case .managerApproved: .managerApproved
        case .trainingMode: .trainingMode
        case .priceLookUp: .priceLookUp
        case .receiptIssued: .receiptIssued
        case .receiptNotPrinted: .receiptNotPrinted
        case .documentPrinted: .documentPrinted
        case .printQueued: .printQueued
        }
    }

    /// The sale the entry belongs to, if any.
    public var sale: Int? {
        switch self {
        case .lineAdded(let sale, _), .lineChanged(let sale, _), .lineVoided(let sale, _, _),
             .customerIdentified(let sale, _), .paymentOutcome(let sale, _, _), .captureStarted(let sale, _, _, _),
             .cancelStarted(let sale, _, _), .paymentEnded(let sale, _, _), .saleAbandoned(let sale, _),
             .captureDeferred(let sale, _, _, _), .captureFailed(let sale, _, _, _),
             .refunded(let sale, _, _, _), .refundFailed(let sale, _, _, _), .recovered(let sale, _, _),
             .receiptCopied(let sale, _, _, _, _), .receiptIssued(let sale, _, _, _), .receiptNotPrinted(let sale, _, _):
            sale
        case .paymentStarted(let start): start.sale
        case .saleCompleted(let sale), .saleVoided(let sale): sale.sale
        case .documentPrinted(let sale, _, _, _), .printQueued(let sale, _, _): sale
        case .refundStarted(let refund): refund.sale
        case .transactionSigned(let signed): signed.sale
        case .tillStarted, .zReport, .xReport, .operatorAction, .journalCreated, .loggedIn, .loggedOut, .logInRefused, .managerApproved,
             .trainingMode, .priceLookUp:
            nil
        }
    }

    /// The payment reference the entry is about, if any.
    public var reference: String? {
        switch self {
        case .paymentOutcome(_, let reference, _), .captureStarted(_, let reference, _, _), .cancelStarted(_, let reference, _),
             .paymentEnded(_, let reference, _), .refunded(_, let reference, _, _), .refundFailed(_, let reference, _, _),
             .recovered(_, let reference, _), .receiptCopied(_, let reference, _, _, _),
             .captureDeferred(_, let reference, _, _), .captureFailed(_, let reference, _, _):
            reference
        case .paymentStarted(let start): start.reference
        case .saleCompleted(let sale): sale.reference
        case .refundStarted(let refund): refund.reference
        case .transactionSigned(let signed): signed.reference
        default: nil
        }
    }
}

