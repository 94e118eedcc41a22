import KasseCore
import KasseLanguage
import VippsModels
import KasseJournal

/// Where the till runs against.
public enum RunMode: String, Sendable, Hashable {
    case demo = "DEMO", test = "TEST", production = "PRODUCTION"
}

/// Which scanner a scan came from decides what it may do.
public enum ScannerRole: String, Sendable, Hashable, Codable {
    /// At the counter: products and customer QR codes.
    case cashier
    /// Facing the customer: only personal QR codes.
    case kiosk
}

/// Fixed facts about this till, from the configuration.
public struct TillSettings: Sendable, Hashable {
    public var mode: RunMode
    public var shopName: String
    public var storeID: String
    public var tillID: String
    public var market: Market
    /// The shop's local time, which decides the business day (the market's zone unless the
    /// configuration names another).
    public var timeZone: ShopTimeZone
    /// Who runs the shop, as reports and receipts name it (Norway).
    public var company: CompanyIdentity?
    /// Whether there is a receipt printer, and whether a paid sale's receipt is printed.
    public var receipts: ReceiptPrinting = .noPrinter
    /// Characters a receipt line holds: the printer's, or the journal's 48 without one.
    public var receiptColumns = 48
    /// The language of the screens (the market's unless `till.language` names another); a
    /// cashier with a language of their own sees theirs once logged in.
    public var language: Language
    /// The language receipts and reports are printed in: the shop's language, and in Norway
    /// always Norwegian (the law's documents).
    public var documentLanguage: Language { market == .norway ? .norwegian : language }

    /// The language of receipts and reports on `date`, the app named as that day calls it.
    public func documentLanguage(on date: CivilDate) -> Language {
        documentLanguage.branded(AppBrand.inUse(in: market, on: date))
    }

    public init(mode: RunMode, shopName: String, storeID: String, tillID: String, market: Market, timeZone: ShopTimeZone? = nil,
                company: CompanyIdentity? = nil, language: Language? = nil) {
        self.company = company
        self.language = language ?? .of(market)
        self.mode = mode
        self.shopName = shopName
        self.storeID = storeID
        self.tillID = tillID
        self.market = market
        self.timeZone = timeZone ?? .of(market)
    }
}

/// The receipt printer, as the till's screens and rules see it (`[printer]`, `receipt`).
public enum ReceiptPrinting: String, Sendable, Hashable {
    /// No printer: every receipt goes to the customer's app only.
    case noPrinter = "none"
    /// After PAID the cashier asks the customer and presses y or n.
    case ask
    /// Every paid sale's receipt is printed.
    case always
    /// Paid sales' receipts are never printed (returns, copies and reports still are).
    case never

    public var hasPrinter: Bool { self != .noPrinter }
}

/// A paid sale's receipt at the printer, as the paid panel shows it.
public enum ReceiptPrint: Sendable, Hashable {
    /// The customer is being asked whether they want it on paper.
    case asking
    case printing
    case printed
    /// Not printed yet; it prints when the printer is back (why not yet).
    case waiting(Message)
    /// Not printed, and why (the customer's app has it).
    case notPrinted(Message)
}

/// The printer in the status bar.
public struct PrinterIndicator: Sendable, Hashable {
    public var status: Message
    public var ok: Bool

    public init(_ status: Message, ok: Bool) {
        self.status = status
        self.ok = ok
    }

    /// In English, for logs and tests.
    public var text: String { status.description }
}

/// What the cashier is typing into the entry line.
public enum EntryMode: Sendable, Hashable {
    /// A GTIN, SKU, `3*` quantity prefix, or the start of a name.
    case code
    case phone
    case weight(sku: String)
    case quantity(lineID: Int)
    case discount(lineID: Int)
    case search
}

/// What the till is doing, exactly one thing at a time: the reducer, the screen and the help
/// bar all switch on it, so which panel has the keys is decided in one place.
public indirect enum TillMode: Sendable, Hashable {
    /// The basket, with the entry line in one of its modes.
    case selling(EntryMode)
    /// A payment attempt for the sale on screen, from sending to paid or not paid.
    case paying(PaymentAttempt)
    /// A sale from before a restart that recovery completed, shown as paid until Enter.
    case recoveredSale(JournalSale)
    /// An X or Z report from the journal; `confirmingZ`: asking whether to close the day.
    case report(JournalReport, confirmingZ: Bool)
    case returning(ReturnSession)
    /// "Quit anyway?" over what was on screen, which comes back on no.
    case confirmingQuit(TillMode)
    /// "Void the whole sale?" over the basket (F9 with lines on it).
    case confirmingVoid
    /// Nobody is logged in: the employee id, then the PIN.
    case loggingIn(LogInForm)
    /// A manager's id and PIN for something only a manager may do, over what was on screen.
    case authorizing(ManagerApproval)
}

/// The log-in form: an employee id, then a PIN (never shown, never journaled).
public struct LogInForm: Sendable, Hashable {
    public enum Field: Sendable, Hashable { case employee, pin }
    public var field: Field
    public var employeeID: String
    public var pin: String
    /// The PIN is being checked (a slow hash, off the till's loop).
    public var checking: Bool

    public init(field: Field = .employee, employeeID: String = "", pin: String = "", checking: Bool = false) {
        self.field = field
        self.employeeID = employeeID
        self.pin = pin
        self.checking = checking
    }
}

/// What a manager is asked to approve, and the screen to go back to.
public struct ManagerApproval: Sendable, Hashable {
    public enum Purpose: Sendable, Hashable {
        /// Close the day with this X report's figures as a Z report.
        case zReport(JournalReport)
        case training(on: Bool)

        public var message: Message {
            switch self {
            case .zReport(let report): Message(.purposeZReport, ["number": .number(report.number)])
            case .training(let on): Message(on ? .purposeTrainingOn : .purposeTrainingOff)
            }
        }
    }

    public var purpose: Purpose
    public var form: LogInForm
    public var returnTo: TillMode

    public init(purpose: Purpose, form: LogInForm, returnTo: TillMode) {
        self.purpose = purpose
        self.form = form
        self.returnTo = returnTo
    }
}

public struct Banner: Sendable, Hashable {
    public enum Kind: Sendable, Hashable { case info, success, warning, error }
    public var kind: Kind
    public var message: Message

    public init(_ kind: Kind, _ message: Message) {
        self.kind = kind
        self.message = message
    }

    public init(_ kind: Kind, _ key: MessageKey, _ arguments: [String: MessageArgument] = [:]) {
        self.init(kind, Message(key, arguments))
    }

    /// In English, for logs and tests.
    public var text: String { message.description }
}

/// One payment attempt for the sale on screen.
public struct PaymentAttempt: Sendable, Hashable {
    public enum Phase: Sendable, Hashable {
        case creating
        /// Sent to the customer's phone; waiting for them.
        case waiting
        /// No answer to create, a poll or a capture: Kasse keeps checking; no new attempt meanwhile.
        case checking(VippsFailure)
        case capturing
        /// Vipps MobilePay answered "capture failed, try again later" (6280) `tries` times in a
        /// row: the capture is sent again after a pause, with the same key.
        case captureDelayed(tries: Int)
        case cancelling(retries: Int)
        case paid(captured: Int)
        /// Ended without money, and why.
        case failed(PaymentEnd)
    }

    public var reference: String
    public var attempt: Int
    public var amount: Int
    public var phase: Phase
    public var startedAt: ContinuousClock.Instant
    public var expiresAt: ContinuousClock.Instant
    public var customer: CustomerIdentity
    public var receipt: Receipt
    /// Once paid: the receipt at the printer.
    public var receiptPrint: ReceiptPrint?
    /// The shop's QR code for the customer's camera (`userFlow: QR`): the address it holds,
    /// once Vipps MobilePay has made the payment.
    public var qrURL: String?
    /// Once authorized: until when Vipps MobilePay guarantees that a capture can succeed.
    public var captureGuaranteedUntil: ContinuousClock.Instant?

    public var createKey: IdempotencyKey { IdempotencyKey(.create, reference: reference) }
    public var captureKey: IdempotencyKey { IdempotencyKey(.capture, reference: reference) }
    public func cancelKey(_ retry: Int) -> IdempotencyKey { IdempotencyKey(.cancel(retry), reference: reference) }

    public var isOpen: Bool {
        switch phase {
        case .paid, .failed: false
        default: true
        }
    }
}

/// Why a payment attempt ended without money.
public enum PaymentEnd: Sendable, Hashable {
    /// Vipps MobilePay refused the request, or Kasse could not send it.
    case refused(VippsFailure)
    /// Vipps MobilePay has no payment with the reference: the request never arrived.
    case notCreated
    case declined
    case expired
    case cancelled
    /// Authorized, but Vipps MobilePay could not take the money (6260, or still failing when
    /// the capture guarantee ran out); the reservation is released.
    case notCaptured

    /// For the cashier.
    public var message: Message {
        switch self {
        case .refused(let failure): failure.message
        case .notCreated: Message(.endNotCreated, ["key": .text(KeyMap.label(for: .pay))])
        case .declined: Message(.endDeclined)
        case .expired: Message(.endExpired)
        case .cancelled: Message(.endCancelled)
        case .notCaptured: Message(.endNotCaptured)
        }
    }

    /// For the journal (English, as journal reasons always are).
    public var text: String { message.description }
}

public struct TillState: Sendable {
    public var settings: TillSettings
    public var basket: Basket
    public var entry = ""
    /// What is on screen and has the keys.
    public var mode = TillMode.selling(.code)
    public var selectedLine: Int?
    public var searchResults: [Product] = []
    public var searchSelection = 0
    public var customer: CustomerIdentity?
    /// The answer to the customer's last scan, for the customer display (cleared with the sale).
    public var customerScan: CustomerView.ScanAnswer?
    /// The last attempt that ended for this sale, so the next one gets a new reference.
    public var lastFailedAttempt = 0
    /// The sale number of the basket on screen; the receipt number too.
    public var saleNumber: Int
    public var banner: Banner?
    public var scanners: [String: Bool] = [:]
    public var apiReachable: Bool?
    /// The receipt printer as last heard of ("ready", "paper out", "not reachable"), and
    /// whether it can print; nil until it was asked, or without a printer.
    public var printer: PrinterIndicator?
    public var now: ContinuousClock.Instant
    /// The wall clock as the shell last set it (seconds since 1970, UTC): what receipts and
    /// signatures are dated with.
    public var secondsSince1970: Int64 = 0
    public var today: CivilDate
    public var isQuitting = false
    /// Payments from before a restart that recovery is still settling, by reference.
    public var recovering: [String: RecoveringPayment] = [:]
    /// Who is logged in (nil at the log-in screen, and on a till without a staff list).
    public var employee: StaffMember?
    /// Training mode: sales go to the embedded simulator, are marked as training everywhere and
    /// never count as sales.
    public var training = false
    /// Wrong PINs in a row, and until when log-in is refused after too many.
    public var wrongPINs = 0
    public var lockedUntil: ContinuousClock.Instant?
    /// What start-up recovery settled while nobody was logged in, shown to whoever logs in.
    public var heldNotices: [RecoveryNotice] = []
    /// A warning from start (a day without its Z report, a lost anchor file), shown on the
    /// log-in screen and again to whoever logs in first.
    public var startNotice: Banner?
    public init(settings: TillSettings, saleNumber: Int = 1, now: ContinuousClock.Instant, today: CivilDate) {
        self.settings = settings
        self.basket = Basket(currency: settings.market.currency)
        self.saleNumber = saleNumber
        self.now = now
        self.today = today
    }

    public var receiptNumber: String { Self.receiptNumber(forSale: saleNumber) }

    /// The language on screen: the logged-in cashier's own, or the till's.
    public var language: Language {
        (employee?.language.flatMap(Language.named) ?? settings.language).branded(AppBrand.inUse(in: settings.market, on: today))
    }

    /// Receipts and reports today (the app named as today calls it).
    public var documentLanguage: Language { settings.documentLanguage(on: today) }

    /// `000042`: a sale's number as printed on its receipt.
    public static func receiptNumber(forSale sale: Int) -> String { JournalSale.receiptNumber(forSale: sale) }

    var hasOpenSale: Bool { !basket.isEmpty || (payment?.isOpen ?? false) }

    /// The basket on screen as a voided sale (cancelled with its lines, never paid).
    public func voidedSale() -> JournalSale {
        let lines = basket.lines.map(JournalLine.init)
        return JournalSale(
            sale: saleNumber, receiptNumber: receiptNumber, reference: "", currency: basket.currency.rawValue, total: basket.total,
            captured: 0, customer: customer?.masked ?? "", lines: lines, vat: JournalSale.vat(of: lines), training: training ? true : nil)
    }

    // Read-only views of `mode`, for the journal rules, the runtime and tests.

    /// The payment attempt on screen (also under the quit question).
    public var payment: PaymentAttempt? {
        switch mode {
        case .paying(let payment), .confirmingQuit(.paying(let payment)): payment
        default: nil
        }
    }

    /// Replaces the attempt on screen where it is (under the quit question too).
    mutating func update(_ payment: PaymentAttempt) {
        if case .confirmingQuit(.paying) = mode { mode = .confirmingQuit(.paying(payment)) } else { mode = .paying(payment) }
    }

    public var entryMode: EntryMode? { if case .selling(let entry) = mode { entry } else { nil } }
    public var report: JournalReport? { if case .report(let report, _) = mode { report } else { nil } }
    public var confirmingZReport: Bool { if case .report(_, true) = mode { true } else { false } }
    public var returning: ReturnSession? { if case .returning(let session) = mode { session } else { nil } }
    public var recoveredSale: JournalSale? { if case .recoveredSale(let sale) = mode { sale } else { nil } }
    public var isConfirmingQuit: Bool { if case .confirmingQuit = mode { true } else { false } }
    public var logIn: LogInForm? { if case .loggingIn(let form) = mode { form } else { nil } }
    public var approval: ManagerApproval? { if case .authorizing(let approval) = mode { approval } else { nil } }
}

func pad6(_ value: Int) -> String {
    let text = String(value)
    return text.count >= 6 ? text : String(repeating: "0", count: 6 - text.count) + text
}
