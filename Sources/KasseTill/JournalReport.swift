import KasseCore
import VippsModels

/// An X report (running totals since the last Z report) or a Z report (the same, closing the
/// day: numbered, stored in the journal, never changed).
public struct JournalReport: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable { case x = "X", z = "Z" }

    public var kind: Kind
    /// Z reports are numbered 1, 2, 3, … per till; an X report carries the number the next Z will get.
    public var number: Int
    public var store: String
    public var till: String
    public var currency: String
    /// Journal entries covered: after the previous Z report, up to and including `lastEntry`.
    public var firstEntry: Int
    public var lastEntry: Int
    public var generatedAt: String
    public var salesCount: Int
    public var salesTotal: Int
    public var returnsCount: Int
    public var returnsTotal: Int
    public var abandonedSales: Int
    public var endedPayments: Int
    /// Sales minus returns, per VAT rate.
    public var vat: [JournalVAT]
    /// Z reports: the newest journal entry when the day was closed, and its hash (printed with
    /// the report, so a journal rewritten later no longer matches the paper).
    public var closedAtSequence: Int?
    public var closedAtHash: String?
    /// What Norwegian law asks a report to show beyond the totals (absent in reports stored
    /// before Kasse kept them).
    public var figures: ReportFigures?

    public var netTotal: Int { salesTotal - returnsTotal }

    public init(kind: Kind, number: Int, store: String, till: String, currency: String, firstEntry: Int, lastEntry: Int,
                generatedAt: String, salesCount: Int, salesTotal: Int, returnsCount: Int, returnsTotal: Int,
                abandonedSales: Int, endedPayments: Int, vat: [JournalVAT]) {
        self.kind = kind
        self.number = number
        self.store = store
        self.till = till
        self.currency = currency
        self.firstEntry = firstEntry
        self.lastEntry = lastEntry
        self.generatedAt = generatedAt
        self.salesCount = salesCount
        self.salesTotal = salesTotal
        self.returnsCount = returnsCount
        self.returnsTotal = returnsTotal
        self.abandonedSales = abandonedSales
        self.endedPayments = endedPayments
        self.vat = vat
    }

    /// Totals over the entries since the last Z report (`entries` are `(sequence, event)` in order).
    /// `employees`: who made each entry (by sequence); `grandTotalsBefore`: the cumulative sales
    /// and returns before these entries (from the previous Z report), for the figures.
    public static func make(
        kind: Kind, number: Int, store: String, till: String, currency: String, generatedAt: String,
        entries: [(Int, JournalEvent)], employees: [Int: String] = [:], grandTotalsBefore: (sales: Int, returns: Int)? = nil
    ) -> JournalReport {
        var report = JournalReport(
            kind: kind, number: number, store: store, till: till, currency: currency,
            firstEntry: entries.first?.0 ?? 0, lastEntry: entries.last?.0 ?? 0, generatedAt: generatedAt,
            salesCount: 0, salesTotal: 0, returnsCount: 0, returnsTotal: 0, abandonedSales: 0, endedPayments: 0, vat: [])
        var vat: [Int: JournalVAT] = [:]
        func add(_ lines: [JournalVAT], sign: Int) {
            for line in lines {
                var total = vat[line.rateBasisPoints] ?? JournalVAT(rateBasisPoints: line.rateBasisPoints, gross: 0, tax: 0)
                total.gross += sign * line.gross
                total.tax += sign * line.tax
                vat[line.rateBasisPoints] = total
            }
        }
        var pendingRefunds: [Int: JournalRefund] = [:]
        for (_, event) in entries {
            switch event {
            case .saleCompleted(let sale) where sale.isTraining:
                break  // counted apart, in the figures; never a sale
            case .saleCompleted(let sale):
                report.salesCount += 1
                report.salesTotal += sale.captured
                add(sale.vat, sign: 1)
            case .refundStarted(let refund):
                pendingRefunds[refund.returnNumber] = refund
            case .refunded(_, _, let returnNumber, let amount):
                report.returnsCount += 1
                report.returnsTotal += amount
                if let refund = pendingRefunds[returnNumber] { add(refund.vat, sign: -1) }
            case .saleAbandoned:
                report.abandonedSales += 1
            case .paymentEnded:
                report.endedPayments += 1
            default:
                break
            }
        }
        report.vat = vat.values.sorted { $0.rateBasisPoints > $1.rateBasisPoints }
        if let before = grandTotalsBefore {
            var tally = ReportTally()
            for (sequence, event) in entries { tally.record(event, employee: employees[sequence] ?? "") }
            report.figures = tally.figures(grandTotalSales: before.sales + tally.salesAmount,
                                           grandTotalReturns: before.returns + tally.returnsAmount)
        }
        return report
    }

    /// The report as printed: fixed-width text for a receipt printer or a terminal. In Norway
    /// (with its figures) every item kassasystemforskrifta § 2-8-2 lists, with Norwegian labels,
    /// the company (`company`) and the local date and time (`zone`).
    /// `width`: characters a line (40 on screen and on 80 mm paper; 32 on 58 mm paper).
    public func text(locale: ShopLocale, company: CompanyIdentity? = nil, zone: ShopTimeZone? = nil, width: Int = 40) -> String {
        if locale == .nb, let figures { return norwegianText(figures, company: company, zone: zone, width: width) }
        return englishText(locale: locale, width: width)
    }

    private func norwegianText(_ figures: ReportFigures, company: CompanyIdentity?, zone: ShopTimeZone?, width: Int) -> String {
        let currency = Currency(rawValue: self.currency) ?? .NOK
        func money(_ value: Int) -> String { Money(minorUnits: value, currency: currency).formatted(in: .nb) }
        func row(_ label: String, _ value: String) -> String {
            let gap = max(1, width - label.count - value.count)
            return label + String(repeating: " ", count: gap) + value
        }
        let rule = String(repeating: "-", count: width)
        var lines = [kind == .z ? "Z-RAPPORT \(number)" : "X-RAPPORT (neste Z: \(number))"]
        if let company {
            lines.append(company.name)
            lines.append("Org.nr. \(company.organisationNumber)" + (company.vatRegistered ? " MVA" : ""))
        }
        lines.append("Butikk \(store)  Kassapunkt \(till)")
        if let zone, let seconds = InternetTime.parseRFC3339(generatedAt) {
            let (date, time) = zone.localTime(atUTC: Int64(seconds))
            lines.append("Dato \(date.dotted)  kl. \(time.text)")
        } else {
            lines.append(generatedAt)
        }
        lines.append("Journal \(firstEntry)–\(lastEntry)")
        lines.append(rule)
        lines.append(row("Kontantsalg totalt", money(netTotal)))
        lines.append("Varegrupper")
        for group in figures.articleGroups {
            let name = ArticleGroup(group.key).map { "\($0.id) \($0.norwegianName)" } ?? group.key
            lines.append(row("  \(String(name.prefix(24))) (\(group.count))", money(group.amount)))
        }
        if figures.articleGroups.isEmpty { lines.append(row("  (ingen)", money(0))) }
        lines.append("Betalingsmidler")
        lines.append(row("  Vipps MobilePay (\(salesCount + returnsCount))", money(netTotal)))
        lines.append("Per operatør")
        for employee in figures.employees {
            lines.append(row("  \(String(employee.key.prefix(20))) (\(employee.count))", money(employee.amount)))
        }
        if figures.employees.isEmpty { lines.append(row("  (ingen)", money(0))) }
        lines.append("MVA")
        for rate in figures.vat {
            let label = VATRate(rate.rateBasisPoints).label
            lines.append(row("  \(label) grunnlag", money(rate.base)))
            lines.append(row("  \(label) mva", money(rate.tax)))
        }
        if figures.vat.isEmpty { lines.append(row("  (ingen)", money(0))) }
        lines.append(rule)
        lines.append(row("Vekselbeholdning", money(0)))
        lines.append(row("Salgskvitteringer", String(figures.receipts)))
        lines.append(row("Skuffeåpninger uten salg", "0"))
        lines.append(row("Kopikvitteringer (\(figures.copies?.count ?? 0))", money(figures.copies?.amount ?? 0)))
        lines.append(row("Foreløpige kvitteringer (0)", money(0)))
        lines.append(row("Returer (\(returnsCount))", money(-returnsTotal)))
        lines.append(row("Rabatter (\(figures.discounts.count))", money(figures.discounts.amount)))
        lines.append(row("Annulleringer (\(figures.voids?.count ?? 0))", money(figures.voids?.amount ?? 0)))
        lines.append(row("Linjekorreksjoner (\(figures.lineCorrections.count))", money(figures.lineCorrections.amount)))
        let lookUps = figures.priceLookUps ?? []
        lines.append(row("Prisoppslag (\(lookUps.reduce(0) { $0 + $1.count }))", money(lookUps.reduce(0) { $0 + $1.amount })))
        lines.append(row("Andre korreksjoner (0)", money(0)))
        lines.append(row("Utleveringskvitteringer (0)", money(0)))
        lines.append(row("Treningskvitteringer (\(figures.training?.count ?? 0))", money(figures.training?.amount ?? 0)))
        lines.append(rule)
        lines.append(row("Grand total salg", money(figures.grandTotalSales)))
        lines.append(row("Grand total retur", money(figures.grandTotalReturns)))
        lines.append(row("Grand total netto", money(figures.grandTotalNet)))
        lines.append(row("Ubetalte salg", String(abandonedSales)))
        lines.append(row("Betalinger ikke fullført", String(endedPayments)))
        if let sequence = closedAtSequence, let hash = closedAtHash {
            lines.append(rule)
            lines.append("Lukket ved journalpost \(sequence)")
            lines.append("  \(sequence):\(hash.prefix(32))")
        }
        return lines.joined(separator: "\n")
    }

    private func englishText(locale: ShopLocale, width: Int) -> String {
        let currency = Currency(rawValue: self.currency) ?? .NOK
        func money(_ value: Int) -> String { Money(minorUnits: value, currency: currency).formatted(in: locale) }
        func row(_ label: String, _ value: String) -> String {
            let gap = max(1, width - label.count - value.count)
            return label + String(repeating: " ", count: gap) + value
        }
        var lines = [
            kind == .z ? "Z REPORT \(number)" : "X REPORT (next Z: \(number))",
            "Store \(store)  Till \(till)",
            generatedAt,
            "Journal entries \(firstEntry)–\(lastEntry)",
            String(repeating: "-", count: width),
            row("Sales (\(salesCount))", money(salesTotal)),
            row("Returns (\(returnsCount))", money(-returnsTotal)),
            row("Net", money(netTotal)),
            String(repeating: "-", count: width),
        ]
        for rate in vat {
            lines.append(row("VAT \(VATRate(rate.rateBasisPoints).label): sales", money(rate.gross)))
            lines.append(row("  of which VAT", money(rate.tax)))
        }
        lines.append(row("Unpaid sales left", String(abandonedSales)))
        lines.append(row("Payments not completed", String(endedPayments)))
        if let sequence = closedAtSequence, let hash = closedAtHash {
            // The anchor on paper: `kasse journal verify --expect SEQUENCE:HASH` checks it later.
            lines.append(String(repeating: "-", count: width))
            lines.append("Closed at entry \(sequence)")
            lines.append("  \(sequence):\(hash.prefix(32))")
        }
        return lines.joined(separator: "\n")
    }
}

/// One Z report per register per business day: at start, the till reminds the cashier of days
/// with sales that no Z report has closed yet.
public enum ZReportReminder {
    /// The earlier business days among the sales since the last Z report (oldest first), as a
    /// line for the cashier; nil when every earlier day is closed.
    public static func message(sinceLastZ events: [JournalEvent], today: CivilDate) -> String? {
        var days = Set<CivilDate>()
        for event in events {
            guard case .saleCompleted(let sale) = event, let day = PaymentReference.businessDay(of: sale.reference), day < today else { continue }
            days.insert(day)
        }
        guard !days.isEmpty else { return nil }
        return "No Z report has closed the sales of \(days.sorted().map(\.dotted).joined(separator: ", ")). Close the day: \(KeyMap.label(for: .report)), then F12."
    }
}
