import KasseLanguage
import KasseCore
import VippsModels

/// An X report (running totals since the last Z report) or a Z report (the same, closing the
/// day: numbered, stored in the journal, never changed).
public struct JournalReport: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case x = "X", z = "Z"

        /// The report as a printed document (`PendingPrint.document`): named as its journal entry.
        public var documentName: String { self == .z ? JournalKind.zReport.rawValue : JournalKind.xReport.rawValue }
    }

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
    /// Approved sales Vipps MobilePay never paid for after the customer had left (absent in
    /// reports stored before Kasse kept them): a manager must see each one.
    public var notCaptured: [NotCaptured]?
    /// Approved sales whose capture Vipps MobilePay asked to try again later and that are
    /// neither captured nor given up yet (absent when none): the till is still trying.
    public var awaitingCapture: [NotCaptured]?

    /// One sale the customer approved and left with, whose money Vipps MobilePay did not capture.
    public struct NotCaptured: Sendable, Hashable, Codable {
        public var sale: Int
        public var reference: String
        public var amount: Int
        public var reason: String

        public init(sale: Int, reference: String, amount: Int, reason: String) {
            self.sale = sale
            self.reference = reference
            self.amount = amount
            self.reason = reason
        }
    }

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
        var captureAmounts: [String: Int] = [:]
        var deferred: [(sale: Int, reference: String)] = []
        var ended = Set<String>()
        for (_, event) in entries {
            switch event {
            case .captureStarted(_, let reference, let amount, _):
                captureAmounts[reference] = amount
            case .captureDeferred(let sale, let reference, _, _):
                if !deferred.contains(where: { $0.reference == reference }) { deferred.append((sale, reference)) }
                ended.remove(reference)
            case .saleCompleted(let sale) where sale.isTraining:
                break  // counted apart, in the figures; never a sale
            case .saleCompleted(let sale):
                ended.insert(sale.reference)
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
            case .paymentEnded(_, let reference, _):
                ended.insert(reference)
                report.endedPayments += 1
            case .captureFailed(let sale, let reference, let amount, let reason):
                report.notCaptured = (report.notCaptured ?? []) + [NotCaptured(sale: sale, reference: reference, amount: amount, reason: reason)]
            default:
                break
            }
        }
        let waiting = deferred.filter { !ended.contains($0.reference) }.map {
            NotCaptured(sale: $0.sale, reference: $0.reference, amount: captureAmounts[$0.reference] ?? 0, reason: "capture to be tried again")
        }
        if !waiting.isEmpty { report.awaitingCapture = waiting }
        report.vat = vat.values.sorted { $0.rateBasisPoints > $1.rateBasisPoints }
        if let before = grandTotalsBefore {
            var tally = ReportTally()
            for (sequence, event) in entries { tally.record(event, employee: employees[sequence] ?? "") }
            report.figures = tally.figures(grandTotalSales: before.sales + tally.salesAmount,
                                           grandTotalReturns: before.returns + tally.returnsAmount)
        }
        return report
    }

    /// The report as printed: fixed-width text for a receipt printer or a terminal, in
    /// `language`. With its figures (Norway) every item kassasystemforskrifta § 2-8-2 lists, the
    /// company (`company`); the local date and time of the shop (`zone`).
    /// `width`: characters a line (40 on screen and on 80 mm paper; 32 on 58 mm paper).
    /// `heading`: instead of the title and the journal's entries (a store's totals over several tills' journals).
    public func text(language: Language, company: CompanyIdentity? = nil, zone: ShopTimeZone? = nil, width: Int = 40,
                     heading: String? = nil) -> String {
        let currency = Currency(rawValue: self.currency) ?? .NOK
        func money(_ value: Int) -> String { language.money(value, currency) }
        func say(_ key: MessageKey, _ arguments: [String: MessageArgument] = [:]) -> String { language.text(Message(key, arguments)) }
        /// The label at the left and the value at the right edge; on paper too narrow for both,
        /// the value on a line of its own under the label (never a line wider than the paper).
        func row(_ label: String, _ value: String) -> String {
            if label.count + 1 + value.count <= width {
                return label + String(repeating: " ", count: width - label.count - value.count) + value
            }
            return String(label.prefix(width)) + "\n" + String(repeating: " ", count: max(0, width - value.count)) + value
        }
        func count(_ key: MessageKey, _ count: Int) -> String { say(key, ["count": .number(count)]) }
        let rule = String(repeating: "-", count: width)
        var lines = [heading ?? (kind == .z ? say(.reportZTitle, ["number": .number(number)]) : say(.reportXTitle, ["number": .number(number)]))]
        if let company, figures != nil {
            lines.append(company.name)
            lines.append(say(.reportOrganisation, ["number": .text(company.organisationNumber)])
                         + (company.vatRegistered ? " " + say(.receiptVATRegistered) : ""))
        }
        lines.append(say(.reportStoreTill, ["store": .text(store), "till": .text(till)]))
        if let zone, let seconds = InternetTime.parseRFC3339(generatedAt) {
            let (date, time) = zone.localTime(atUTC: Int64(seconds))
            lines.append(say(.reportDateTime, ["date": .date(date), "time": .text(language.time(time, seconds: true))]))
        } else {
            lines.append(generatedAt)
        }
        if heading == nil { lines.append(say(.reportJournal, ["first": .number(firstEntry), "last": .number(lastEntry)])) }
        lines.append(rule)
        guard let figures else {
            lines += [
                row(count(.reportSales, salesCount), money(salesTotal)),
                row(count(.reportReturns, returnsCount), money(-returnsTotal)),
                row(say(.reportNet), money(netTotal)),
                rule,
            ]
            for rate in vat {
                lines.append(row(say(.reportVATSales, ["rate": .vatRate(VATRate(rate.rateBasisPoints))]), money(rate.gross)))
                lines.append(row(say(.reportOfWhichVAT), money(rate.tax)))
            }
            lines.append(row(say(.reportUnpaidSales), String(abandonedSales)))
            lines.append(row(say(.reportEndedPayments), String(endedPayments)))
            uncaptured(&lines)
            closing(&lines)
            return lines.joined(separator: "\n")
        }
        let none = row("  " + say(.reportNone), money(0))
        lines.append(row(say(.reportCashSalesTotal), money(netTotal)))
        lines.append(say(.reportArticleGroups))
        for group in figures.articleGroups {
            let name = ArticleGroup(group.key).map { "\($0.id) \($0.name(languageCode: language.code))" } ?? group.key
            lines.append(row("  \(String(name.prefix(24))) (\(group.count))", money(group.amount)))
        }
        if figures.articleGroups.isEmpty { lines.append(none) }
        lines.append(say(.reportPaymentMethods))
        lines.append(row("  Vipps MobilePay (\(salesCount + returnsCount))", money(netTotal)))
        lines.append(say(.reportPerOperator))
        for employee in figures.employees {
            lines.append(row("  \(String(employee.key.prefix(20))) (\(employee.count))", money(employee.amount)))
        }
        if figures.employees.isEmpty { lines.append(none) }
        lines.append(say(.reportVAT))
        for rate in figures.vat {
            let label: [String: MessageArgument] = ["rate": .vatRate(VATRate(rate.rateBasisPoints))]
            lines.append(row("  " + say(.reportVATBase, label), money(rate.base)))
            lines.append(row("  " + say(.reportVATTax, label), money(rate.tax)))
        }
        if figures.vat.isEmpty { lines.append(none) }
        lines.append(rule)
        let lookUps = figures.priceLookUps ?? []
        lines += [
            row(say(.reportFloat), money(0)),
            row(say(.reportSalesReceipts), String(figures.receipts)),
            row(say(.reportDrawerOpenings), "0"),
            row(count(.reportCopies, figures.copies?.count ?? 0), money(figures.copies?.amount ?? 0)),
            row(say(.reportProvisional), money(0)),
            row(count(.reportReturns, returnsCount), money(-returnsTotal)),
            row(count(.reportDiscounts, figures.discounts.count), money(figures.discounts.amount)),
            row(count(.reportVoids, figures.voids?.count ?? 0), money(figures.voids?.amount ?? 0)),
            row(count(.reportLineCorrections, figures.lineCorrections.count), money(figures.lineCorrections.amount)),
            row(count(.reportPriceLookUps, lookUps.reduce(0) { $0 + $1.count }), money(lookUps.reduce(0) { $0 + $1.amount })),
            row(say(.reportOtherCorrections), money(0)),
            row(say(.reportDeliveryReceipts), money(0)),
            row(count(.reportTrainingReceipts, figures.training?.count ?? 0), money(figures.training?.amount ?? 0)),
            rule,
            row(say(.reportGrandSales), money(figures.grandTotalSales)),
            row(say(.reportGrandReturns), money(figures.grandTotalReturns)),
            row(say(.reportGrandNet), money(figures.grandTotalNet)),
            row(say(.reportUnpaidSales), String(abandonedSales)),
            row(say(.reportEndedPayments), String(endedPayments)),
        ]
        uncaptured(&lines)
        closing(&lines)
        return lines.joined(separator: "\n")

        /// Approved sales whose money never came, one by one (none: nothing printed).
        func uncaptured(_ lines: inout [String]) {
            for (key, sales) in [(MessageKey.reportNotCaptured, notCaptured ?? []), (.reportAwaitingCapture, awaitingCapture ?? [])] where !sales.isEmpty {
                lines.append(row(count(key, sales.count), money(sales.reduce(0) { $0 + $1.amount })))
                for sale in sales {
                    lines.append(row(say(.reportNotCapturedSale, ["number": .text(JournalSale.receiptNumber(forSale: sale.sale))]), money(sale.amount)))
                }
            }
        }

        /// The anchor on paper: `kasse journal verify --expect SEQUENCE:HASH` checks it later.
        func closing(_ lines: inout [String]) {
            guard let sequence = closedAtSequence, let hash = closedAtHash else { return }
            lines.append(rule)
            lines.append(say(.reportClosedAt, ["sequence": .number(sequence)]))
            // As much of the hash as the paper holds, and at least the 16 digits `kasse journal verify --expect` needs.
            lines.append("  \(sequence):\(hash.prefix(max(16, min(32, width - 3 - String(sequence).count))))")
        }
    }
}

extension JournalReport {
    /// One journal entry as reports read it.
    public struct Entry: Sendable {
        public var sequence: Int
        public var cashier: String
        public var event: JournalEvent

        public init(sequence: Int, cashier: String, event: JournalEvent) {
            self.sequence = sequence
            self.cashier = cashier
            self.event = event
        }
    }

    /// The report over the entries after the last Z report, with the figures' grand totals
    /// going on from that Z report: the till's own rule, used by the till's journal and by the
    /// store server on its copy, so both give the same report to the øre.
    /// - Parameters:
    ///   - after: the entries after the last Z report, in order.
    ///   - zReports: how many Z reports the journal holds.
    ///   - lastZ: the last Z report (nil: none yet).
    ///   - totalsBeforeFigures: the cumulative sales and returns up to the last Z report, summed
    ///     from the journal: asked for only when that Z report was stored without its figures.
    public static func sinceLastZ(
        kind: Kind, store: String, till: String, currency: String, generatedAt: String, after entries: [Entry], zReports: Int,
        lastZ: JournalReport?, totalsBeforeFigures: () -> (sales: Int, returns: Int)
    ) -> JournalReport {
        var employees: [Int: String] = [:]
        for entry in entries { employees[entry.sequence] = entry.cashier }
        let before: (sales: Int, returns: Int)
        if let lastZ {
            before = lastZ.figures.map { ($0.grandTotalSales, $0.grandTotalReturns) } ?? totalsBeforeFigures()
        } else {
            before = (0, 0)
        }
        return make(kind: kind, number: zReports + 1, store: store, till: till, currency: currency, generatedAt: generatedAt,
                    entries: entries.map { ($0.sequence, $0.event) }, employees: employees, grandTotalsBefore: before)
    }

    /// The same over a whole journal (the store server's copy of a till's).
    public static func sinceLastZ(kind: Kind, store: String, till: String, currency: String, generatedAt: String,
                                  journal: [Entry]) -> JournalReport {
        var lastZIndex: Int?
        var zReports = 0
        for (index, entry) in journal.enumerated() {
            if case .zReport = entry.event {
                lastZIndex = index
                zReports += 1
            }
        }
        var lastZ: JournalReport?
        if let lastZIndex, case .zReport(let report) = journal[lastZIndex].event { lastZ = report }
        let after = lastZIndex.map { Array(journal[($0 + 1)...]) } ?? journal
        let before = lastZIndex.map { Array(journal[...$0]) } ?? []
        return sinceLastZ(kind: kind, store: store, till: till, currency: currency, generatedAt: generatedAt, after: after,
                          zReports: zReports, lastZ: lastZ) {
            var totals = (sales: 0, returns: 0)
            for entry in before {
                switch entry.event {
                case .saleCompleted(let sale) where !sale.isTraining: totals.sales += sale.captured
                case .refunded(_, _, _, let amount): totals.returns += amount
                default: break
                }
            }
            return totals
        }
    }
}

extension JournalReport {
    /// Several tills' reports as one (a store's): counts, totals and VAT per rate summed; the
    /// detailed figures stay with each till's own report. `till` names the tills it covers.
    public static func combined(_ reports: [JournalReport], kind: Kind, store: String, till: String, currency: String,
                                generatedAt: String) -> JournalReport {
        var total = JournalReport(kind: kind, number: 0, store: store, till: till, currency: currency, firstEntry: 0, lastEntry: 0,
                                  generatedAt: generatedAt, salesCount: 0, salesTotal: 0, returnsCount: 0, returnsTotal: 0,
                                  abandonedSales: 0, endedPayments: 0, vat: [])
        var vat: [Int: JournalVAT] = [:]
        for report in reports {
            total.salesCount += report.salesCount
            total.salesTotal += report.salesTotal
            total.returnsCount += report.returnsCount
            total.returnsTotal += report.returnsTotal
            total.abandonedSales += report.abandonedSales
            total.endedPayments += report.endedPayments
            for line in report.vat {
                var sum = vat[line.rateBasisPoints] ?? JournalVAT(rateBasisPoints: line.rateBasisPoints, gross: 0, tax: 0)
                sum.gross += line.gross
                sum.tax += line.tax
                vat[line.rateBasisPoints] = sum
            }
        }
        total.vat = vat.values.sorted { $0.rateBasisPoints > $1.rateBasisPoints }
        return total
    }

    /// Whether two reports of the same entries agree on every figure (not on when they were
    /// made): a Z report the till stored against the same report made again from a copy.
    public func sameFigures(as other: JournalReport) -> Bool {
        number == other.number && salesCount == other.salesCount && salesTotal == other.salesTotal
            && returnsCount == other.returnsCount && returnsTotal == other.returnsTotal && abandonedSales == other.abandonedSales
            && endedPayments == other.endedPayments && vat == other.vat && (figures == nil || other.figures == nil || figures == other.figures)
    }
}
