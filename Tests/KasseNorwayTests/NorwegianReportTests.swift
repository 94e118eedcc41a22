import Foundation
import KasseCore
import KasseLanguage
import KasseTill
import Testing
import KasseJournal
import KasseTesting

/// X and Z reports in Norway: every item kassasystemforskrifta § 2-8-2 lists, with Norwegian
/// labels, compared with golden text in __Snapshots__ (`RECORD_SNAPSHOTS=1` writes them anew);
/// the figures against sums made here from the same events.
struct NorwegianReportTests {
    static let lines = Samples.lines

    /// A day: a sale by 1001 with a line removed first, a sale by 1002, a return of one line.
    static let entries: [(Int, JournalEvent)] = {
        let extra = JournalLine(lineID: 9, sku: "1002", gtin: nil, name: "Helmelk 1 l", unitPrice: 2590, vatRateBasisPoints: 1500,
                                weighed: false, quantity: 1, discount: 0, isReturn: false, total: 2590, articleGroup: .food)
        var grouped = lines
        grouped[0].articleGroup = .food
        grouped[2].articleGroup = .otherGoods
        let first = JournalSale(sale: 1, receiptNumber: "000001", reference: "S1-2-20261130-000001-1", currency: "NOK",
                                total: 14_394, captured: 14_394, customer: "+47 ******67", lines: grouped, vat: JournalSale.vat(of: grouped))
        let second = JournalSale(sale: 2, receiptNumber: "000002", reference: "S1-2-20261130-000002-1", currency: "NOK",
                                 total: 4990, captured: 4990, customer: "+47 ******67", lines: [grouped[2]], vat: JournalSale.vat(of: [grouped[2]]))
        let refund = JournalRefund(sale: 1, reference: first.reference, returnNumber: 1, amount: 4980, currency: "NOK",
                                   key: "r1-\(first.reference)", lines: [grouped[0]])
        return [
            (1, .lineAdded(sale: 1, line: extra)), (2, .lineVoided(sale: 1, lineID: 9, sku: "1002")),
            (3, .saleCompleted(first)), (4, .saleCompleted(second)),
            (5, .refundStarted(refund)), (6, .refunded(sale: 1, reference: first.reference, returnNumber: 1, amount: 4980)),
        ]
    }()

    static func report(_ kind: JournalReport.Kind) -> JournalReport {
        var report = JournalReport.make(
            kind: kind, number: 7, store: "S1", till: "2", currency: "NOK", generatedAt: "2026-11-30T21:05:09Z", entries: entries,
            employees: [1: "1001", 2: "1001", 3: "1001", 4: "1002", 5: "1002", 6: "1002"], grandTotalsBefore: (1_000_000, 20_000))
        if kind == .z {
            report.closedAtSequence = 6
            report.closedAtHash = String(repeating: "ab", count: 32)
        }
        return report
    }

    @Test func figuresAreTheDaysSums() throws {
        let figures = try #require(Self.report(.x).figures)
        #expect(figures.receipts == 2)
        #expect(figures.articleGroups.map(\.key) == ["04003", "04006", "04014"])
        // Food: milk 49,80 sold and returned; Sale of goods: apples 44,24; other goods: 2 × 49,90.
        #expect(figures.articleGroups.map(\.amount) == [4424, 0, 9980])
        #expect(figures.employees.map(\.key) == ["1001", "1002"])
        #expect(figures.employees.map(\.amount) == [14_394, 4990 - 4980])
        #expect(figures.lineCorrections.count == 1 && figures.lineCorrections.amount == 2590)
        #expect(figures.discounts.count == 1 && figures.discounts.amount == 500)
        #expect(figures.grandTotalSales == 1_000_000 + 14_394 + 4990)
        #expect(figures.grandTotalReturns == 20_000 + 4980)
        // VAT: the base and the tax of each rate add up to the day's net.
        let net = figures.vat.reduce(0) { $0 + $1.base + $1.tax }
        #expect(net == 14_394 + 4990 - 4980)
    }

    @Test(arguments: [JournalReport.Kind.x, .z])
    func reportTextMatchesItsSnapshot(kind: JournalReport.Kind) throws {
        let text = Self.report(kind).text(language: .norwegian, company: Samples.company, zone: .of(.norway)) + "\n"
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 40 }, "a line is wider than the paper")
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("__Snapshots__/report-\(kind.rawValue.lowercased()).txt")
        expectGolden(text, at: url)
    }

    /// On paper a report fills the paper's width, as receipts do: 48 columns on 80 mm paper,
    /// 32 on 58 mm; nothing is wider, and the amounts stand at the right edge.
    @Test(arguments: [(JournalReport.Kind.x, 48), (.z, 48), (.x, 32), (.z, 32)])
    func reportsFillThePapersWidth(kind: JournalReport.Kind, width: Int) throws {
        let text = Self.report(kind).text(language: .norwegian, company: Samples.company, zone: .of(.norway), width: width) + "\n"
        let lines = text.split(separator: "\n")
        #expect(lines.allSatisfy { $0.count <= width }, "a line is wider than the paper")
        #expect(lines.filter { $0.count == width }.count >= 5, "the report does not use the paper's width")
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("__Snapshots__/report-\(kind.rawValue.lowercased())-\(width).txt")
        expectGolden(text, at: url)
    }

    /// Every label follows the report's language, the article groups' names too (a Danish X
    /// report said "04006 Food").
    @Test func articleGroupsAreNamedInTheReportsLanguage() {
        let report = Self.report(.x)
        let names: [(Language, [String])] = [
            (.norwegian, ["04006 Mat", "04003 Varesalg", "04014 Andre varer"]),
            (.danish, ["04006 Mad", "04003 Varesalg", "04014 Andre varer"]),
            (.finnish, ["04006 Ruoka", "04003 Tavaramyynti", "04014 Muut tavarat"]),
            (.english, ["04006 Food", "04003 Sale of goods", "04014 Other goods"]),
        ]
        for (language, expected) in names {
            let text = report.text(language: language, company: Samples.company, zone: .of(.norway), width: 48)
            for name in expected { #expect(text.contains(name), "\(language.code): no '\(name)' in\n\(text)") }
            if language != .english { #expect(!text.contains("Food") && !text.contains("Other goods"), "\(language.code):\n\(text)") }
        }
        // Every group of Skatteetaten's code list has a name in each language, never its English one by default.
        for code in [4001, 4002, 4003, 4004, 4005, 4006, 4007, 4008, 4009, 4010, 4011, 4012, 4013, 4014, 4015, 4016, 4017, 4018, 4019, 4020, 4021, 4999] {
            let group = ArticleGroup(String(format: "%05d", code))!
            for code in ["da", "fi"] { #expect(group.name(languageCode: code) != group.englishName, "\(group.id) \(code)") }
        }
    }

    /// Reports stored before the figures were kept, or outside Norway: the totals as before.
    @Test func withoutFiguresTheTotalsAreShown() {
        var report = Self.report(.x)
        report.figures = nil
        #expect(report.text(language: .norwegian).contains("X-RAPPORT"))
        #expect(report.text(language: .english).contains("X REPORT"))
        #expect(!report.text(language: .norwegian).contains("Vekselbeholdning"), "without figures, only the totals")
        #expect(Self.report(.x).text(language: .danish).contains("X-RAPPORT (næste Z: 7)"))
    }
}
