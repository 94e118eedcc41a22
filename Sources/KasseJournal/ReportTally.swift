import KasseLanguage
import KasseCore

/// The figures of an X or Z report, tallied from the journal since the last Z report.
public struct ReportTally: Sendable, Equatable {
    public struct Figure: Sendable, Equatable {
        public var count = 0
        public var amount = 0
    }

    public struct EmployeeGroup: Sendable, Hashable {
        public var employee: String
        public var group: ArticleGroup
    }

    public var salesCount = 0
    public var salesAmount = 0
    public var returnsCount = 0
    public var returnsAmount = 0
    public var discountCount = 0
    public var discountAmount = 0
    public var correctionCount = 0
    public var correctionAmount = 0
    /// Copy receipts («KOPI») and the amounts of the sales they copy.
    public var copyCount = 0
    public var copyAmount = 0
    /// Training receipts (sales made in training mode) and their amounts: never in the sales.
    public var trainingCount = 0
    public var trainingAmount = 0
    /// Sales voided with their lines on them, and what they came to.
    public var voidCount = 0
    public var voidAmount = 0
    /// Prices looked up without a sale, per article group: how many, and the prices shown.
    public var priceLookUps: [ArticleGroup: Figure] = [:]
    /// Lines sold (less lines returned) per article group: number of lines and amount.
    public var groups: [ArticleGroup: Figure] = [:]
    public var employeeGroups: [EmployeeGroup: Figure] = [:]
    public var employeePayments: [String: Figure] = [:]
    /// Per VAT rate (basis points): the amount excluding VAT and the VAT, sales less returns.
    public var vat: [Int: (base: Int, tax: Int)] = [:]

    /// Lines of sales not yet completed, to know what a removed line came to.
    private var openLines: [Int: [Int: JournalLine]] = [:]
    private var pendingRefunds: [String: JournalRefund] = [:]

    public init() {}

    /// Tallies one journal entry made under `employee`.
    public mutating func record(_ event: JournalEvent, employee: String) {
        switch event {
        case .lineAdded(let sale, let line), .lineChanged(let sale, let line):
            openLines[sale, default: [:]][line.lineID] = line
        case .lineVoided(let sale, let lineID, _):
            if let line = openLines[sale]?.removeValue(forKey: lineID) { lineCorrection(amount: line.total) }
        case .saleAbandoned(let sale, _):
            openLines[sale] = nil
        case .saleCompleted(let completed) where completed.isTraining:
            openLines[completed.sale] = nil
            trainingCount += 1
            trainingAmount += completed.total
        case .saleCompleted(let completed):
            openLines[completed.sale] = nil
            sale(completed, employee: employee)
        case .refundStarted(let refund):
            pendingRefunds["\(refund.reference)#\(refund.returnNumber)"] = refund
        case .refunded(_, let reference, let returnNumber, let amount):
            refund(amount: amount, refund: pendingRefunds.removeValue(forKey: "\(reference)#\(returnNumber)"), employee: employee)
        case .receiptCopied(_, _, _, let amount, _):
            copy(amount: amount)
        case .priceLookUp(_, _, let price, let group):
            priceLookUp(price: price, group: group)
        case .saleVoided(let voided):
            openLines[voided.sale] = nil
            void(voided)
        default:
            break
        }
    }

    public static func == (lhs: ReportTally, rhs: ReportTally) -> Bool {
        lhs.salesCount == rhs.salesCount && lhs.salesAmount == rhs.salesAmount && lhs.returnsCount == rhs.returnsCount
            && lhs.returnsAmount == rhs.returnsAmount && lhs.groups == rhs.groups && lhs.discountAmount == rhs.discountAmount
            && lhs.correctionAmount == rhs.correctionAmount && lhs.trainingCount == rhs.trainingCount
            && lhs.trainingAmount == rhs.trainingAmount && lhs.priceLookUps == rhs.priceLookUps
            && lhs.voidCount == rhs.voidCount && lhs.voidAmount == rhs.voidAmount
            && lhs.vat.mapValues { [$0.base, $0.tax] } == rhs.vat.mapValues { [$0.base, $0.tax] }
    }

    public mutating func sale(_ sale: JournalSale, employee: String) {
        salesCount += 1
        salesAmount += sale.captured
        employeePayments[employee, default: Figure()].count += 1
        employeePayments[employee, default: Figure()].amount += sale.captured
        for line in sale.lines {
            let amount = line.isReturn ? -line.total : line.total
            groups[line.group, default: Figure()].count += line.isReturn ? 0 : 1
            groups[line.group, default: Figure()].amount += amount
            let key = EmployeeGroup(employee: employee, group: line.group)
            employeeGroups[key, default: Figure()].count += line.isReturn ? 0 : 1
            employeeGroups[key, default: Figure()].amount += amount
            if line.discount > 0 {
                discountCount += 1
                discountAmount += line.discount
            }
        }
        addVAT(sale.vat, sign: 1)
    }

    public mutating func refund(amount: Int, refund: JournalRefund?, employee: String) {
        returnsCount += 1
        returnsAmount += amount
        employeePayments[employee, default: Figure()].count += 1
        employeePayments[employee, default: Figure()].amount -= amount
        if let refund {
            for line in refund.lines {
                groups[line.group, default: Figure()].amount -= line.total
                employeeGroups[EmployeeGroup(employee: employee, group: line.group), default: Figure()].amount -= line.total
            }
            addVAT(refund.vat, sign: -1)
        }
    }

    public mutating func copy(amount: Int) {
        copyCount += 1
        copyAmount += amount
    }

    public mutating func void(_ sale: JournalSale) {
        voidCount += 1
        voidAmount += sale.total
    }

    public mutating func priceLookUp(price: Int, group: ArticleGroup) {
        priceLookUps[group, default: Figure()].count += 1
        priceLookUps[group, default: Figure()].amount += price
    }

    public mutating func lineCorrection(amount: Int) {
        correctionCount += 1
        correctionAmount += amount
    }

    private mutating func addVAT(_ lines: [JournalVAT], sign: Int) {
        for line in lines {
            var total = vat[line.rateBasisPoints] ?? (0, 0)
            total.base += sign * (line.gross - line.tax)
            total.tax += sign * line.tax
            vat[line.rateBasisPoints] = total
        }
    }
}


extension ReportTally {
    /// The tally as an X or Z report stores it, with the grand totals (cumulative, never reset by
    /// a Z report) so far.
    public func figures(grandTotalSales: Int, grandTotalReturns: Int) -> ReportFigures {
        ReportFigures(
            articleGroups: groups.keys.sorted().map { ReportFigures.Row(key: $0.id, count: groups[$0]!.count, amount: groups[$0]!.amount) },
            employees: employeePayments.keys.sorted().map {
                ReportFigures.Row(key: $0, count: employeePayments[$0]!.count, amount: employeePayments[$0]!.amount)
            },
            vat: vat.keys.sorted(by: >).map { ReportFigures.VATRow(rateBasisPoints: $0, base: vat[$0]!.base, tax: vat[$0]!.tax) },
            receipts: salesCount, discounts: ReportFigures.Row(key: "discounts", count: discountCount, amount: discountAmount),
            lineCorrections: ReportFigures.Row(key: "Delete line", count: correctionCount, amount: correctionAmount),
            copies: ReportFigures.Row(key: "copies", count: copyCount, amount: copyAmount),
            training: ReportFigures.Row(key: "training", count: trainingCount, amount: trainingAmount),
            voids: ReportFigures.Row(key: "voids", count: voidCount, amount: voidAmount),
            employeeGroups: employeeGroups.keys.sorted { ($0.employee, $0.group) < ($1.employee, $1.group) }.map {
                ReportFigures.EmployeeGroupRow(employee: $0.employee, group: $0.group.id, count: employeeGroups[$0]!.count,
                                               amount: employeeGroups[$0]!.amount)
            },
            priceLookUps: priceLookUps.keys.sorted().map {
                ReportFigures.Row(key: $0.id, count: priceLookUps[$0]!.count, amount: priceLookUps[$0]!.amount)
            },
            grandTotalSales: grandTotalSales, grandTotalReturns: grandTotalReturns)
    }
}

/// What Norwegian law (kassasystemforskrifta § 2-8-2) asks an X or Z report to show beyond
/// the totals, as the report stores it: per article group, per operator, VAT per rate with
/// its base, receipts, discounts, line corrections, and the cumulative grand totals.
/// Pro forma receipts and drawer openings are zero: the till has none of them.
public struct ReportFigures: Sendable, Hashable, Codable {
    public struct Row: Sendable, Hashable, Codable {
        public var key: String
        public var count: Int
        public var amount: Int

        public init(key: String, count: Int, amount: Int) {
            self.key = key
            self.count = count
            self.amount = amount
        }
    }

    public struct EmployeeGroupRow: Sendable, Hashable, Codable {
        public var employee: String
        /// The article group's code.
        public var group: String
        public var count: Int
        public var amount: Int
    }

    public struct VATRow: Sendable, Hashable, Codable {
        public var rateBasisPoints: Int
        /// Excluding VAT.
        public var base: Int
        public var tax: Int

        public init(rateBasisPoints: Int, base: Int, tax: Int) {
            self.rateBasisPoints = rateBasisPoints
            self.base = base
            self.tax = tax
        }
    }

    /// Per article group (SAF-T code): lines sold and the amount, returns deducted.
    public var articleGroups: [Row]
    /// Per operator (employee id): payments and their amount, returns deducted.
    public var employees: [Row]
    public var vat: [VATRow]
    /// Sales receipts.
    public var receipts: Int
    public var discounts: Row
    /// Lines removed before a sale was completed (reductions only).
    public var lineCorrections: Row
    /// Copy receipts and the amounts they show (absent in reports stored before copies were kept).
    public var copies: Row?
    /// Training receipts and their amounts (absent in reports stored before training mode).
    public var training: Row?
    /// Voided sales and their amounts (absent in reports stored before voids were kept).
    public var voids: Row?
    /// Per operator and article group (absent in reports stored before they were kept).
    public var employeeGroups: [EmployeeGroupRow]?
    /// Price look-ups per article group: how many, and the prices shown (absent before they were kept).
    public var priceLookUps: [Row]?
    /// Cumulative since the journal's first entry.
    public var grandTotalSales: Int
    public var grandTotalReturns: Int

    public var grandTotalNet: Int { grandTotalSales - grandTotalReturns }
}
