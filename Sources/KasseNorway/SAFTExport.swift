import KasseCore
import KasseTill
import KasseJournal

/// The SAF-T Cash Register file (Skatteetaten's `urn:StandardAuditFile-Taxation-CashRegister:NO`,
/// schema 1.00) made from the journal alone, in three passes over its entries so that any
/// number of them streams to a file in little memory:
///
/// 1. `learn` every entry of the period: the articles, VAT rates, employees and article groups
///    the master data must name;
/// 2. `event` every entry from the journal's start: each becomes an `<event>` when it lies in
///    the period (log-ins, receipts, line corrections, X and Z reports with their figures…);
///    the figures of each report are tallied from the journal as it goes, grand totals from
///    the very first entry;
/// 3. `transaction` every entry of the period: each signed sale and return becomes a
///    `<cashtransaction>` with its lines, VAT, Vipps MobilePay payment and signature, exactly
///    as signed.
///
/// When `transaction` sees the signed transactions first (as `kasse saft export` does), it keeps
/// their receipt events (a few fields each) and `event` writes them in their places, so pass 2
/// reads no transaction at all (`eventKinds(storedFigures:)`); `finishEvents` writes the last.
///
/// `opening`, then the events, then the transactions, then `closing`: the file. Pure; no I/O.
/// `learn` and `transaction` may share one reading of the journal (`kasse saft export` does,
/// keeping the transactions aside until the events are written); tell it the copied sales first.
public struct SAFTExport: Sendable {
    /// What the file is made for.
    public struct Settings: Sendable {
        public var company: CompanyIdentity
        public var store: String
        public var register: String
        public var currency: String
        public var zone: ShopTimeZone
        public var from: CivilDate
        public var to: CivilDate
        public var createdDate: CivilDate
        public var createdTime: LocalTime
        public var softwareVersion: String

        public init(company: CompanyIdentity, store: String, register: String, currency: String, zone: ShopTimeZone,
                    from: CivilDate, to: CivilDate, createdDate: CivilDate, createdTime: LocalTime, softwareVersion: String) {
            self.company = company
            self.store = store
            self.register = register
            self.currency = currency
            self.zone = zone
            self.from = from
            self.to = to
            self.createdDate = createdDate
            self.createdTime = createdTime
            self.softwareVersion = softwareVersion
        }
    }

    /// One journal entry as the export reads it: its kind first, its event decoded only when
    /// the export needs it (most entries of a busy journal are never decoded).
    public struct Entry: Sendable {
        public var sequence: Int
        public var secondsSince1970: Int64
        /// The employee the entry was made under.
        public var employee: String
        /// The stored kind (`JournalEvent.kind`): `sale-completed`, `line-added`, …
        public var kind: String
        public var sale: Int?
        private let decode: @Sendable () -> JournalEvent?

        public init(sequence: Int, secondsSince1970: Int64, employee: String, kind: String, sale: Int?,
                    decode: @escaping @Sendable () -> JournalEvent?) {
            self.sequence = sequence
            self.secondsSince1970 = secondsSince1970
            self.employee = employee
            self.kind = kind
            self.sale = sale
            self.decode = decode
        }

        public init(sequence: Int, secondsSince1970: Int64, employee: String, event: JournalEvent) {
            self.init(sequence: sequence, secondsSince1970: secondsSince1970, employee: employee, kind: event.kind, sale: event.sale,
                      decode: { event })
        }

        public var event: JournalEvent? { decode() }
    }

    /// The kinds each pass reads; the others need not be read at all. Pass 2 reads the lines of
    /// a sale (`line-added`, `line-changed`) only when one of its lines was removed: hand them
    /// to `event` before the `line-voided` entry.
    public static let learnKinds = [JournalKind.tillStarted, .lineVoided, .saleAbandoned, .saleCompleted, .saleVoided, .refundStarted,
                                    .transactionSigned, .zReport, .xReport, .operatorAction, .recovered, .receiptCopied, .loggedIn, .loggedOut,
                                    .logInRefused, .managerApproved, .trainingMode, .priceLookUp, .receiptNotPrinted, .captureFailed].names
    public static let eventKinds = [JournalKind.tillStarted, .lineVoided, .saleAbandoned, .saleCompleted, .saleVoided, .refundStarted, .refunded,
                                    .transactionSigned, .zReport, .xReport, .operatorAction, .recovered, .receiptCopied, .loggedIn, .loggedOut,
                                    .logInRefused, .managerApproved, .trainingMode, .priceLookUp, .receiptNotPrinted, .captureFailed].names
    public static let transactionKinds = [JournalKind.saleCompleted, .saleVoided, .refundStarted, .transactionSigned].names

    /// Pass 2's kinds when every report in the journal carries its figures (`storedFigures`):
    /// sales and returns need not be read again to tally them.
    public static let eventKindsWithStoredFigures = eventKinds.filter { ![JournalKind.saleCompleted, .saleVoided, .refundStarted, .refunded].contains($0) }

    /// Pass 2's kinds after the transactions pass: the signed transactions' receipt events were
    /// learnt there, so pass 2 reads no `transaction-signed` entry.
    public static func eventKinds(storedFigures: Bool) -> [String] {
        (storedFigures ? eventKindsWithStoredFigures : eventKinds).filter { $0 != .transactionSigned }
    }

    /// Kinds that never become an event and hold nothing the master data needs.
    static let silentKinds = Set([JournalKind.paymentStarted, .paymentOutcome, .captureStarted, .cancelStarted, .customerIdentified,
                                  .paymentEnded, .refundFailed, .journalCreated, .receiptIssued, .captureDeferred].names)

    public let settings: Settings
    /// Every X and Z report in the journal was stored with its figures: the events take them
    /// from there (pass 2 then reads no sale); otherwise every report is tallied again.
    public var storedFigures = false

    // Master data (pass 1).
    private var articles: [String: (date: CivilDate, group: ArticleGroup, name: String)] = [:]
    private var articleOrder: [String] = []
    private var employees: [String: (date: CivilDate, time: LocalTime)] = [:]
    private var employeeOrder: [String] = []
    /// Names and roles from the log-ins (the staff list as it was then).
    private var staff: [String: StaffMember] = [:]
    private var vatRates: [Int: CivilDate] = [:]
    private var groups: Set<ArticleGroup> = []
    /// Sales that had their copy receipt (`receiptCopyNum`).
    private var copied: Set<Int> = []

    // Events (pass 2).
    private var tally = ReportTally()
    private var grandTotals = (sales: 0, returns: 0)
    /// The line entries of each open sale, not yet decoded (needed only when a line is removed).
    private var openLines: [Int: [Entry]] = [:]
    private var pendingReturns: [String: JournalRefund] = [:]
    /// Each signed sale's transaction number, for the events about it that follow.
    private var saleTransactions: [Int: Int] = [:]
    /// The receipt event of each signed transaction, learnt in the pass that makes the
    /// transactions and written in its place among the events (so the events pass need not
    /// read a single transaction): in journal order.
    struct ReceiptEvent {
        var sequence: Int
        var secondsSince1970: Int64
        var employee: String
        var type: String
        var number: Int
    }
    private var receiptEvents: [ReceiptEvent] = []
    private var nextReceiptEvent = 0
    /// The transactions pass saw the signed transactions: their receipt events are written from
    /// what it learnt, and the events pass need not (and does not) read them again.
    private var learntReceipts = false

    // Transactions (pass 3).
    private var sales: [Int: JournalSale] = [:]
    private var voided: [Int: JournalSale] = [:]
    private var refunds: [String: JournalRefund] = [:]

    public init(settings: Settings) {
        self.settings = settings
    }

    /// `SAF-T Cash Register_<orgnr>_<YYYYMMDDhhmmss>.xml`, as Skatteetaten's example names its file.
    public var fileName: String {
        let date = settings.createdDate, time = settings.createdTime
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "SAF-T Cash Register_\(settings.company.organisationNumber)_\(date.year)\(two(date.month))\(two(date.day))"
            + "\(two(time.hour))\(two(time.minute))\(two(time.second)).xml"
    }

    private func localDate(_ entry: Entry) -> (date: CivilDate, time: LocalTime) {
        settings.zone.localTime(atUTC: entry.secondsSince1970)
    }

    private func inPeriod(_ date: CivilDate) -> Bool { date >= settings.from && date <= settings.to }

    // MARK: - Pass 1: master data

    /// The sales that had their copy receipt, from anywhere in the journal (a copy may come
    /// after its sale's transaction is written): known before the transactions are made.
    public mutating func copiedSales(_ sales: some Sequence<Int>) {
        copied.formUnion(sales)
    }

    public mutating func learn(_ entry: Entry) {
        // Only entries that become an event or a transaction name an employee or an article.
        guard !Self.silentKinds.contains(entry.kind), ![JournalKind.lineAdded, .lineChanged, .refunded].contains(entry.kind) else { return }
        let (date, time) = localDate(entry)
        guard inPeriod(date) else { return }
        // Entries made while nobody was logged in name no employee.
        if !entry.employee.isEmpty, employees[entry.employee] == nil {
            employees[entry.employee] = (date, time)
            employeeOrder.append(entry.employee)
        }
        if entry.kind == .loggedIn, case .loggedIn(let member) = entry.event { staff[member.id] = member }
        var lines: [JournalLine] = []
        if entry.kind == .saleCompleted || entry.kind == .saleVoided || entry.kind == .refundStarted {
            switch entry.event {
            case .saleCompleted(let sale), .saleVoided(let sale): lines = sale.lines
            case .refundStarted(let refund): lines = refund.lines
            default: break
            }
        }
        for line in lines {
            groups.insert(line.group)
            if vatRates[line.vatRateBasisPoints] == nil { vatRates[line.vatRateBasisPoints] = date }
            if articles[line.sku] == nil {
                articles[line.sku] = (date, line.group, line.name)
                articleOrder.append(line.sku)
            }
        }
    }

    // MARK: - Codes

    /// basicIDs: unique across every basic type (the schema means it but does not enforce it).
    enum Code {
        static let saleLine = "SAL", returnLine = "RET"
        static let cashSale = "CASHSAL", returnSale = "RETURNSAL"
        static let vipps = "VIPPSMP"
        static let posStart = "POSSTART", posEnd = "POSEND", employeeIn = "EMPIN", employeeOut = "EMPOUT"
        static let xReport = "XREP", zReport = "ZREP"
        static let salesReceipt = "SALREC", returnReceipt = "RETREC", copyReceipt = "COPYREC"
        static let other = "OTHER", lineDelete = "LINEDELETE"
        static let trainingReceipt = "TRAINREC", trainingOn = "TRAINON", trainingOff = "TRAINOFF", priceLookUp = "PRICELOOKUP"
        static let voidTransaction = "VOIDTRANS"
    }

    /// Every basic the file may use: (type, basicID, predefined code, description).
    static let basics: [(type: String, id: String, predefined: String?, description: String)] = [
        ("05", Code.saleLine, nil, "Sale line / Salgslinje"),
        ("05", Code.returnLine, nil, "Return line / Returlinje"),
        ("11", Code.cashSale, "11001", "Cash sale / Kontantsalg"),
        ("11", Code.returnSale, "11006", "Return payment / Utbetaling til kunde ved vareretur"),
        ("12", Code.vipps, "12011", "Vipps MobilePay / Mobiltelefon løsninger"),
        ("13", Code.posStart, "13001", "POS application start / Oppstart av POS applikasjon"),
        ("13", Code.posEnd, "13002", "POS application shut down / Avslutning av POS applikasjon"),
        ("13", Code.employeeIn, "13003", "Employee log in / Pålogging bruker/ansatt"),
        ("13", Code.employeeOut, "13004", "Employee log out / Avlogging bruker/ansatt"),
        ("13", Code.xReport, "13008", "X report / Kjøring av X-rapport"),
        ("13", Code.zReport, "13009", "Z report / Kjøring av Z-rapport"),
        ("13", Code.salesReceipt, "13012", "Sales receipt / Salgskvittering"),
        ("13", Code.returnReceipt, "13013", "Return receipt / Returkvittering"),
        ("13", Code.copyReceipt, "13014", "Copy receipt / Kopi av kvittering"),
        ("13", Code.trainingReceipt, "13017", "Training receipt / Treningskvittering"),
        ("13", Code.trainingOn, "13023", "Training mode on / Treningsmodus på"),
        ("13", Code.trainingOff, "13024", "Training mode off / Treningsmodus av"),
        ("13", Code.priceLookUp, "13022", "Price look-up / Prisoppslag"),
        ("13", Code.voidTransaction, "13028", "Voided transaction / Annullert kvittering"),
        ("13", Code.lineDelete, "13999", "Line deleted before the sale was completed / Linjekorreksjon"),
        ("13", Code.other, "13999", "Other / Øvrige hendelser"),
    ]

    /// The shop's VAT code for a rate: the standard tax code itself (Standard_Tax_Codes: 3 output
    /// VAT regular rate, 31 middle, 33 low, 5 zero rate).
    public static func vatCode(basisPoints: Int) -> String {
        switch basisPoints {
        case 2500: "3"
        case 1500: "31"
        case 1200: "33"
        case 0: "5"
        default: "6"
        }
    }

    static func percent(_ basisPoints: Int) -> String {
        let whole = basisPoints / 100, fraction = basisPoints % 100
        return "\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    static func amount(_ minorUnits: Int) -> String { SignedTransaction.amount(minorUnits) }

    // MARK: - The file's head and tail

    /// The file's head for one till: master data, its store's `<location>` and its `<cashregister>`;
    /// its events and transactions follow, then `closing`.
    public func opening() -> String {
        masterData() + Self.location(store: settings.store) + register()
    }

    public static let closing = registerClosing + locationClosing + fileClosing

    /// What the selection criteria say in the header (default: this till's store and register).
    public var selection: String?
    /// Before each report's ID: report IDs are unique in a file (`reportIDKey`), and a store's
    /// file holds every till's Z1 (there: `STORE-TILL-`).
    public var reportIDPrefix = ""

    /// The header and the company's master data (VAT codes, employees, articles, basics): what
    /// every register in the file shares. A store's file has each till's merged in first
    /// (`takeMasterData(of:)`).
    public func masterData() -> String {
        let s = settings, c = settings.company
        var x = XMLText()
        x.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        x.raw("<auditfile xmlns=\"urn:StandardAuditFile-Taxation-CashRegister:NO\">\n")
        x.open("header")
        x.element("fiscalYear", String(s.from.year))
        x.element("startDate", s.from.iso)
        x.element("endDate", s.to.iso)
        x.element("curCode", s.currency)
        x.element("dateCreated", s.createdDate.iso)
        x.element("timeCreated", s.createdTime.text)
        x.element("softwareDesc", "Kasse")
        x.element("softwareVersion", s.softwareVersion)
        x.element("softwareCompanyName", "Kasse contributors")
        x.element("auditfileVersion", "1.0")
        x.element("headerComment", "Selection criteria: \(selection ?? "store \(s.store), register \(s.register)"), \(s.from.iso) to \(s.to.iso)")
        x.close("header")
        x.open("company")
        x.element("companyIdent", c.organisationNumber)
        x.element("companyName", c.name)
        x.element("taxRegistrationCountry", "NO")
        if c.vatRegistered { x.element("taxRegIdent", c.organisationNumber + "MVA") }
        x.open("streetAddress")
        x.element("streetname", c.address)
        x.element("city", c.city)
        x.element("postalCode", c.postalCode)
        x.element("country", "NO")
        x.close("streetAddress")
        if !vatRates.isEmpty {
            x.open("vatCodeDetails")
            for rate in vatRates.keys.sorted() {
                x.open("vatCodeDetail")
                x.element("vatCode", Self.vatCode(basisPoints: rate))
                x.element("dateOfEntry", vatRates[rate]!.iso)
                x.element("vatDesc", "MVA \(VATRate(rate).label)")
                x.element("standardVatCode", Self.vatCode(basisPoints: rate))
                x.close("vatCodeDetail")
            }
            x.close("vatCodeDetails")
        }
        if !employeeOrder.isEmpty {
            x.open("employees")
            for id in employeeOrder {
                let first = employees[id]!
                x.open("employee")
                x.element("empID", id)
                x.element("dateOfEntry", first.date.iso)
                x.element("timeOfEntry", first.time.text)
                if let member = staff[id] {
                    // "Kari Nordmann": first name Kari, surname Nordmann; a single word is the surname.
                    var words = member.name.split(separator: " ").map(String.init)
                    let surname = words.popLast() ?? id
                    if !words.isEmpty { x.element("firstName", words.joined(separator: " ")) }
                    x.element("surName", surname)
                    x.open("employeeRole")
                    x.element("roleType", member.role == .manager ? "Manager" : "Employee")
                    x.close("employeeRole")
                } else {
                    x.element("surName", id)
                }
                x.close("employee")
            }
            x.close("employees")
        }
        if !articleOrder.isEmpty {
            x.open("articles")
            for sku in articleOrder {
                let article = articles[sku]!
                x.open("article")
                x.element("artID", sku)
                x.element("dateOfEntry", article.date.iso)
                x.element("artGroupID", article.group.id)
                x.element("artDesc", article.name)
                x.close("article")
            }
            x.close("articles")
        }
        x.open("basics")
        for group in groups.sorted() {
            x.open("basic")
            x.element("basicType", "04")
            x.element("basicID", group.id)
            x.element("predefinedBasicID", group.id)
            x.element("basicDesc", "\(group.englishName) / \(group.norwegianName)")
            x.close("basic")
        }
        for basic in Self.basics {
            x.open("basic")
            x.element("basicType", basic.type)
            x.element("basicID", basic.id)
            if let predefined = basic.predefined { x.element("predefinedBasicID", predefined) }
            x.element("basicDesc", basic.description)
            x.close("basic")
        }
        x.close("basics")
        return x.text
    }

    /// A store's `<location>`: its registers follow, then `locationClosing`.
    public static func location(store: String) -> String {
        "\t\t<location>\n\t\t\t<name>\(XMLText.escape("Store \(store)"))</name>\n"
    }

    /// This till's `<cashregister>`: its events, then its transactions, then `registerClosing`.
    public func register() -> String {
        let s = settings
        return "\t\t\t<cashregister>\n\t\t\t\t<registerID>\(XMLText.escape(s.register))</registerID>\n"
            + "\t\t\t\t<regDesc>\(XMLText.escape("Kasse till \(s.register), store \(s.store)"))</regDesc>\n"
    }

    public static let registerClosing = "\t\t\t</cashregister>\n"
    public static let locationClosing = "\t\t</location>\n"
    public static let fileClosing = "\t</company>\n</auditfile>\n"

    /// Another till's master data merged into this export's, for one file with every till of a
    /// store (or a chain): each employee, article, VAT rate and group once, dated by its first use.
    public mutating func takeMasterData(of other: SAFTExport) {
        for id in other.employeeOrder {
            guard let theirs = other.employees[id] else { continue }
            if let mine = employees[id] {
                if (theirs.date, theirs.time) < (mine.date, mine.time) { employees[id] = theirs }
            } else {
                employees[id] = theirs
                employeeOrder.append(id)
            }
        }
        staff.merge(other.staff) { mine, _ in mine }
        for sku in other.articleOrder {
            guard let theirs = other.articles[sku] else { continue }
            if let mine = articles[sku] {
                if theirs.date < mine.date { articles[sku] = theirs }
            } else {
                articles[sku] = theirs
                articleOrder.append(sku)
            }
        }
        vatRates.merge(other.vatRates) { min($0, $1) }
        groups.formUnion(other.groups)
        // In the order each first appeared, whichever till it was at (ties: as they were).
        employeeOrder = employeeOrder.enumerated().sorted { a, b in
            let first = employees[a.element]!, second = employees[b.element]!
            return (first.date, first.time, a.offset) < (second.date, second.time, b.offset)
        }.map(\.element)
        articleOrder = articleOrder.enumerated().sorted { a, b in
            (articles[a.element]!.date, a.offset) < (articles[b.element]!.date, b.offset)
        }.map(\.element)
    }

    // MARK: - Pass 2: events

    /// The entry's `<event>`s (none when it lies outside the period or means nothing to SAF-T).
    /// Every entry from the journal's start must pass through, in order: reports are tallied.
    public mutating func event(_ entry: Entry) -> String {
        // The signed transactions' receipt events that come before this entry.
        let before = receiptEvents(before: entry.sequence)
        return before.isEmpty ? entryEvent(entry) : before + entryEvent(entry)
    }

    /// The receipt events not yet written (after the last entry of the events pass).
    public mutating func finishEvents() -> String {
        receiptEvents(before: Int.max)
    }

    private mutating func receiptEvents(before sequence: Int) -> String {
        var x = XMLText()
        while nextReceiptEvent < receiptEvents.count, receiptEvents[nextReceiptEvent].sequence < sequence {
            let receipt = receiptEvents[nextReceiptEvent]
            nextReceiptEvent += 1
            let (date, time) = settings.zone.localTime(atUTC: receipt.secondsSince1970)
            guard inPeriod(date) else { continue }
            x.open("event")
            x.element("eventID", String(receipt.sequence))
            x.element("eventType", receipt.type)
            x.element("transID", String(receipt.number))
            if !receipt.employee.isEmpty { x.element("empID", receipt.employee) }
            x.element("eventDate", date.iso)
            x.element("eventTime", time.text)
            x.close("event")
        }
        if nextReceiptEvent == receiptEvents.count, !receiptEvents.isEmpty {
            receiptEvents = []
            nextReceiptEvent = 0
        }
        return x.text
    }

    static func receiptType(_ signed: JournalSignature) -> String {
        signed.transaction == "return" ? Code.returnReceipt : signed.transaction == "void" ? Code.voidTransaction
            : signed.training == true ? Code.trainingReceipt : Code.salesReceipt
    }

    private mutating func entryEvent(_ entry: Entry) -> String {
        if Self.silentKinds.contains(entry.kind) { return "" }
        if entry.kind == .lineAdded || entry.kind == .lineChanged {
            if let sale = entry.sale { openLines[sale, default: []].append(entry) }
            return ""
        }
        guard let event = entry.event else { return "" }
        let (date, time) = localDate(entry)
        let shown = inPeriod(date)
        var x = XMLText()
        func write(_ type: String, transID: String? = nil, text: String? = nil, report: String? = nil) {
            guard shown else { return }
            x.open("event")
            x.element("eventID", String(entry.sequence))
            x.element("eventType", type)
            if let transID { x.element("transID", transID) }
            if !entry.employee.isEmpty { x.element("empID", entry.employee) }
            x.element("eventDate", date.iso)
            x.element("eventTime", time.text)
            if let text { x.element("eventText", text) }
            if let report { x.raw(report) }
            x.close("event")
        }
        switch event {
        case .tillStarted(let mode, _, _):
            write(Code.posStart, text: "mode \(mode)")
        case .lineAdded, .lineChanged:
            break
        case .lineVoided(let sale, let lineID, let sku):
            // The line as last added or changed.
            var line: JournalLine?
            for earlier in openLines[sale] ?? [] {
                switch earlier.event {
                case .lineAdded(_, let added) where added.lineID == lineID: line = added
                case .lineChanged(_, let changed) where changed.lineID == lineID: line = changed
                default: break
                }
            }
            // The lines come again before each removal: nothing of them need be kept.
            openLines[sale] = nil
            let amount = line.map { $0.isReturn ? -$0.total : $0.total } ?? 0
            tally.lineCorrection(amount: abs(amount))
            let quantity = line.map { Self.quantity($0) } ?? "0"
            write(Code.lineDelete, text: "artID \(sku); qnt \(quantity); lineAmntIn \(Self.amount(amount)); sale \(sale)")
        case .saleAbandoned(let sale, let reason):
            openLines[sale] = nil
            write(Code.other, text: "sale \(sale) left unpaid: \(reason)")
        case .saleVoided:
            tally.record(event, employee: entry.employee)
        case .saleCompleted(let sale):
            openLines[sale.sale] = nil
            tally.record(event, employee: entry.employee)
            if !sale.isTraining { grandTotals.sales += sale.captured }
        case .refundStarted(let refund):
            pendingReturns["\(refund.reference)#\(refund.returnNumber)"] = refund
        case .refunded(_, let reference, let returnNumber, let amount):
            let refund = pendingReturns.removeValue(forKey: "\(reference)#\(returnNumber)")
            tally.refund(amount: amount, refund: refund, employee: entry.employee)
            grandTotals.returns += amount
        case .transactionSigned(let signed):
            // Only when the transactions pass did not learn it already (then it is written in its place).
            guard !learntReceipts else { break }
            if signed.transaction == "sale" { saleTransactions[signed.sale] = signed.number }
            write(Self.receiptType(signed), transID: String(signed.number))
        case .receiptCopied(let sale, _, let receiptNumber, let amount, _):
            tally.copy(amount: amount)
            write(Code.copyReceipt, transID: saleTransactions[sale].map(String.init), text: "copy of receipt \(receiptNumber)")
        case .zReport(let report):
            write(Code.zReport, text: "Z report \(report.number)",
                  report: shown ? reportXML(report, id: "\(reportIDPrefix)Z\(report.number)", kind: "Z report", date: date, time: time) : nil)
            tally = ReportTally()
        case .xReport(let report):
            write(Code.xReport, text: "X report (next Z: \(report.number))",
                  report: shown ? reportXML(report, id: "\(reportIDPrefix)X\(entry.sequence)", kind: "X report", date: date, time: time) : nil)
        case .operatorAction(let action) where action.hasPrefix("X report"):
            write(Code.xReport, text: action,
                  report: shown ? reportXML(nil, id: "\(reportIDPrefix)X\(entry.sequence)", kind: "X report", date: date, time: time) : nil)
        case .operatorAction("quit"):
            write(Code.posEnd)
        case .operatorAction(let action):
            write(Code.other, text: action)
        case .recovered(let sale, let reference, let summary):
            write(Code.other, text: "sale \(sale) (\(reference)) recovered at start: \(summary)")
        case .loggedIn(let member):
            write(Code.employeeIn, text: member.name)
        case .loggedOut:
            write(Code.employeeOut)
        case .logInRefused(let employee):
            write(Code.other, text: "log-in refused: wrong employee number or PIN for \(employee)")
        case .managerApproved(let employee, let action):
            write(Code.other, text: "\(action) approved by manager \(employee)")
        case .trainingMode(let on, let manager):
            write(on ? Code.trainingOn : Code.trainingOff, text: "approved by manager \(manager)")
        case .priceLookUp(let sku, let name, let price, let group):
            tally.priceLookUp(price: price, group: group)
            write(Code.priceLookUp, text: "artID \(sku); \(name); ppu \(Self.amount(price))")
        case .receiptIssued:
            break  // the receipt's event is its transaction's (SALREC, RETREC, TRAINREC)
        case .receiptNotPrinted(_, let receiptNumber, let reason):
            // Not 13030 (a sale concluded without any receipt): the sale's original went to the
            // customer's app, which the regulation counts as printing it electronically (its
            // SALREC is the transaction's); only paper was not printed. Said for the auditor.
            write(Code.other, text: "receipt \(receiptNumber): the original went to the customer's app, no paper copy (\(reason))")
        case .captureFailed(let sale, let reference, let amount, let reason):
            // The customer approved and left with the goods; Vipps MobilePay never paid. No
            // transaction was committed for it: said for the auditor.
            write(Code.other, text: "sale \(sale) (\(reference)): approved but not captured, \(amount) minor units: \(reason)")
        case .paymentEnded, .paymentStarted, .paymentOutcome, .captureStarted, .cancelStarted, .customerIdentified,
             .refundFailed, .journalCreated, .documentPrinted, .printQueued, .captureDeferred:
            break
        }
        return x.text
    }

    static func quantity(_ line: JournalLine) -> String {
        guard line.weighed else { return String(line.quantity) }
        let grams = line.quantity
        let fraction = String(grams % 1000)
        return "\(grams / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }

    /// An X or Z report's `<eventReport>`: every item of § 2-8-2, from the figures stored with
    /// the report, or (`storedFigures` off, or none stored) from the tally since the last Z.
    private func reportXML(_ stored: JournalReport?, id: String, kind: String, date: CivilDate, time: LocalTime) -> String {
        if storedFigures, let stored, let figures = stored.figures {
            return Self.reportXML(figures, sales: (stored.salesCount, stored.salesTotal), returns: (stored.returnsCount, stored.returnsTotal),
                                  id: id, kind: kind, date: date, time: time, settings: settings)
        }
        let t = tally
        return Self.reportXML(t.figures(grandTotalSales: grandTotals.sales, grandTotalReturns: grandTotals.returns),
                              sales: (t.salesCount, t.salesAmount), returns: (t.returnsCount, t.returnsAmount),
                              id: id, kind: kind, date: date, time: time, settings: settings)
    }

    static func reportXML(_ f: ReportFigures, sales: (count: Int, amount: Int), returns: (count: Int, amount: Int), id: String,
                          kind: String, date: CivilDate, time: LocalTime, settings: Settings) -> String {
        var x = XMLText()
        x.open("eventReport")
        x.element("reportID", id)
        x.element("reportType", kind)
        x.element("companyIdent", settings.company.organisationNumber)
        x.element("companyName", settings.company.name)
        x.element("reportDate", date.iso)
        x.element("reportTime", time.text)
        x.element("registerID", settings.register)
        x.open("reportTotalCashSales")
        x.element("totalCashSaleAmnt", amount(sales.amount - returns.amount))
        x.close("reportTotalCashSales")
        x.open("reportArtGroups")
        let groups = f.articleGroups.isEmpty ? [ReportFigures.Row(key: ArticleGroup.saleOfGoods.id, count: 0, amount: 0)] : f.articleGroups
        for group in groups {
            x.open("reportArtGroup")
            x.element("artGroupID", group.key)
            x.element("artGroupNum", String(group.count))
            x.element("artGroupAmnt", amount(group.amount))
            x.close("reportArtGroup")
        }
        x.close("reportArtGroups")
        if let rows = f.employeeGroups, !rows.isEmpty {
            x.open("reportEmpArtGroups")
            for row in rows {
                x.open("reportEmpArtGroup")
                x.element("empID", row.employee)
                x.element("artGroupID", row.group)
                x.element("artGroupNum", String(row.count))
                x.element("artGroupAmnt", amount(row.amount))
                x.close("reportEmpArtGroup")
            }
            x.close("reportEmpArtGroups")
        }
        x.open("reportPayments")
        x.open("reportPayment")
        x.element("paymentType", Code.vipps)
        x.element("paymentNum", String(sales.count + returns.count))
        x.element("paymentAmnt", amount(sales.amount - returns.amount))
        x.close("reportPayment")
        x.close("reportPayments")
        if !f.employees.isEmpty {
            x.open("reportEmpPayments")
            for row in f.employees {
                x.open("reportEmpPayment")
                x.element("empID", row.key)
                x.element("paymentType", Code.vipps)
                x.element("paymentNum", String(row.count))
                x.element("paymentAmnt", amount(row.amount))
                x.close("reportEmpPayment")
            }
            x.close("reportEmpPayments")
        }
        x.open("reportCashSalesVat")
        let rates = f.vat.isEmpty ? [ReportFigures.VATRow(rateBasisPoints: 2500, base: 0, tax: 0)] : f.vat.sorted { $0.rateBasisPoints < $1.rateBasisPoints }
        for line in rates {
            x.open("reportCashSaleVat")
            x.element("vatCode", vatCode(basisPoints: line.rateBasisPoints))
            x.element("vatPerc", percent(line.rateBasisPoints))
            x.element("cashSaleAmnt", amount(line.base))
            x.element("vatAmnt", amount(line.tax))
            x.element("vatAmntTp", line.tax < 0 ? "D" : "C")
            x.close("reportCashSaleVat")
        }
        x.close("reportCashSalesVat")
        x.element("reportOpeningChangeFloat", amount(0))
        x.element("reportReceiptNum", String(f.receipts))
        x.element("reportOpenCashBoxNum", "0")
        x.element("reportReceiptCopyNum", String(f.copies?.count ?? 0))
        x.element("reportReceiptCopyAmnt", amount(f.copies?.amount ?? 0))
        x.element("reportReceiptProformaNum", "0")
        x.element("reportReceiptProformaAmnt", amount(0))
        x.element("reportReturnNum", String(returns.count))
        x.element("reportReturnAmnt", amount(returns.amount))
        x.element("reportDiscountNum", String(f.discounts.count))
        x.element("reportDiscountAmnt", amount(f.discounts.amount))
        x.element("reportVoidTransNum", String(f.voids?.count ?? 0))
        x.element("reportVoidTransAmnt", amount(f.voids?.amount ?? 0))
        x.open("reportCorrLines")
        x.open("reportCorrLine")
        x.element("corrLineType", "Delete line")
        x.element("corrLineNum", String(f.lineCorrections.count))
        x.element("corrLineAmnt", amount(f.lineCorrections.amount))
        x.close("reportCorrLine")
        x.close("reportCorrLines")
        x.open("reportPriceInquiries")
        let lookUps = (f.priceLookUps ?? []).isEmpty ? [ReportFigures.Row(key: "None", count: 0, amount: 0)] : f.priceLookUps ?? []
        for row in lookUps {
            x.open("reportPriceInquiry")
            x.element("priceInquiryGroup", row.key)
            x.element("priceInquiryNum", String(row.count))
            x.element("priceInquiryAmnt", amount(row.amount))
            x.close("reportPriceInquiry")
        }
        x.close("reportPriceInquiries")
        x.open("reportOtherCorrs")
        x.open("reportOtherCorr")
        x.element("otherCorrType", "None")
        x.element("otherCorrNum", "0")
        x.element("otherCorrAmnt", amount(0))
        x.close("reportOtherCorr")
        x.close("reportOtherCorrs")
        x.element("reportReceiptDeliveryNum", "0")
        x.element("reportReceiptDeliveryAmnt", amount(0))
        x.element("reportTrainingNum", String(f.training?.count ?? 0))
        x.element("reportTrainingAmnt", amount(f.training?.amount ?? 0))
        x.element("reportGrandTotalSales", amount(f.grandTotalSales))
        x.element("reportGrandTotalReturn", amount(f.grandTotalReturns))
        x.element("reportGrandTotalSalesNet", amount(f.grandTotalSales - f.grandTotalReturns))
        x.close("eventReport")
        return x.text
    }

    // MARK: - Pass 3: transactions

    /// The entry's `<cashtransaction>` when it is a signed transaction of the period.
    public mutating func transaction(_ entry: Entry) -> String {
        guard [JournalKind.saleCompleted, .saleVoided, .refundStarted, .transactionSigned].contains(entry.kind) else { return "" }
        switch entry.event {
        case .saleCompleted(let sale):
            sales[sale.sale] = sale
            return ""
        case .saleVoided(let sale):
            voided[sale.sale] = sale
            return ""
        case .refundStarted(let refund):
            refunds["\(refund.reference)#\(refund.returnNumber)"] = refund
            return ""
        case .transactionSigned(let signed):
            learntReceipts = true
            if signed.transaction == "sale" { saleTransactions[signed.sale] = signed.number }
            receiptEvents.append(ReceiptEvent(sequence: entry.sequence, secondsSince1970: entry.secondsSince1970, employee: entry.employee,
                                              type: Self.receiptType(signed), number: signed.number))
            let isReturn = signed.transaction == "return"
            let lines: [JournalLine]
            let vat: [JournalVAT]
            if isReturn {
                let refund = refunds.removeValue(forKey: "\(signed.reference)#\(signed.returnNumber ?? 0)")
                lines = refund?.lines ?? []
                vat = refund?.vat ?? []
            } else {
                let sale = signed.transaction == "void" ? voided.removeValue(forKey: signed.sale) : sales.removeValue(forKey: signed.sale)
                lines = sale?.lines ?? []
                vat = sale?.vat ?? []
            }
            guard let date = CivilDate.parse(signed.date, today: settings.from), inPeriod(date) else { return "" }
            return Self.cashTransaction(signed, isReturn: isReturn, lines: lines, vat: vat, employee: entry.employee,
                                        currency: settings.currency, copies: !isReturn && copied.contains(signed.sale) ? 1 : 0)
        default:
            return ""
        }
    }

    static func cashTransaction(_ signed: JournalSignature, isReturn: Bool, lines: [JournalLine], vat: [JournalVAT],
                                employee: String, currency: String, copies: Int) -> String {
        // A return's amounts are negative (debit); a sale's return lines likewise.
        let sign = isReturn ? -1 : 1
        func kind(_ value: Int) -> String { value < 0 ? "D" : "C" }
        var x = XMLText()
        x.open("cashtransaction")
        x.element("nr", String(signed.number))
        x.element("transID", String(signed.number))
        x.element("transType", isReturn ? Code.returnSale : Code.cashSale)
        x.element("transAmntIn", amount(signed.amountIncludingVAT))
        x.element("transAmntEx", amount(signed.amountExcludingVAT))
        x.element("amntTp", kind(signed.amountIncludingVAT))
        x.element("empID", employee)
        x.element("transDate", signed.date)
        x.element("transTime", signed.time)
        if !signed.reference.isEmpty { x.element("refID", signed.reference) }
        for line in lines {
            let lineSign = sign * (line.isReturn ? -1 : 1)
            let gross = lineSign * line.total
            let tax = lineSign * VATRate(line.vatRateBasisPoints).taxIncluded(inGross: line.total)
            x.open("ctLine")
            x.element("nr", String(signed.number))
            x.element("lineID", String(line.lineID))
            x.element("lineType", lineSign < 0 ? Code.returnLine : Code.saleLine)
            x.element("artGroupID", line.group.id)
            x.element("artID", line.sku)
            x.element("qnt", (lineSign < 0 ? "-" : "") + quantity(line))
            x.element("lineAmntIn", amount(gross))
            x.element("lineAmntEx", amount(gross - tax))
            x.element("amntTp", kind(gross))
            x.element("ppu", amount(line.unitPrice))
            x.element("empID", employee)
            x.element("cashTransLineDescr", line.name)
            x.open("vat")
            x.element("vatCode", vatCode(basisPoints: line.vatRateBasisPoints))
            x.element("vatPerc", percent(line.vatRateBasisPoints))
            x.element("vatAmnt", amount(tax))
            x.element("vatAmntTp", kind(tax))
            x.element("vatBasAmnt", amount(gross - tax))
            x.close("vat")
            if line.discount > 0 {
                x.open("discount")
                x.element("dscTp", "Manual")
                x.element("dscAmnt", amount(line.discount))
                x.close("discount")
            }
            x.close("ctLine")
        }
        for rate in vat {
            let gross = sign * rate.gross, tax = sign * rate.tax
            x.open("vat")
            x.element("vatCode", vatCode(basisPoints: rate.rateBasisPoints))
            x.element("vatPerc", percent(rate.rateBasisPoints))
            x.element("vatAmnt", amount(tax))
            x.element("vatAmntTp", kind(tax))
            x.element("vatBasAmnt", amount(gross - tax))
            x.close("vat")
        }
        // A voided sale was never paid.
        if signed.transaction != "void" {
            x.open("payment")
            x.element("paymentType", Code.vipps)
            x.element("paidAmnt", amount(signed.amountIncludingVAT))
            x.element("empID", employee)
            x.element("curCode", currency)
            x.element("paymentRefID", signed.reference)
            x.close("payment")
        }
        x.element("signature", signed.signature)
        x.element("keyVersion", signed.keyVersion)
        x.element("receiptNum", signed.transaction == "void" ? "0" : "1")
        x.element("receiptCopyNum", String(copies))
        x.element("receiptProformaNum", "0")
        x.element("receiptDeliveryNum", "0")
        x.element("voidTransaction", signed.transaction == "void" ? "true" : "false")
        x.element("trainingID", signed.training == true ? "true" : "false")
        x.close("cashtransaction")
        return x.text
    }
}

/// XML written as text, indented, escaped.
struct XMLText {
    private(set) var text = ""
    private var depth = 0

    mutating func raw(_ string: String) { text += string }

    private static let tabs = (0..<16).map { String(repeating: "\t", count: $0) }

    mutating func open(_ name: String) {
        text += Self.tabs[min(depth, 15)]
        text += "<"
        text += name
        text += ">\n"
        depth += 1
    }

    mutating func close(_ name: String) {
        depth -= 1
        text += Self.tabs[min(depth, 15)]
        text += "</"
        text += name
        text += ">\n"
    }

    mutating func element(_ name: String, _ value: String) {
        text += Self.tabs[min(depth, 15)]
        text += "<"
        text += name
        text += ">"
        text += Self.escape(value)
        text += "</"
        text += name
        text += ">\n"
    }

    static func escape(_ value: String) -> String {
        // Most values need nothing: look at the bytes, not at characters.
        let needsWork = value.utf8.contains { $0 == 38 || $0 == 60 || $0 == 62 || $0 == 34 || ($0 < 32 && $0 != 9 && $0 != 10 && $0 != 13) }
        guard needsWork else { return value }
        var out = ""
        out.reserveCapacity(value.utf8.count + 16)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            // Control characters are not allowed in XML 1.0 text.
            case _ where scalar.value < 0x20 && scalar != "\t" && scalar != "\n" && scalar != "\r": out += " "
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

}
