import Foundation
@testable import IntegrationSupport
import KasseJournal
import KasseJournalSQLite
import KassePrinter
import KasseTill
import Testing

/// One sale, one VAT figure: a basket whose VAT taken line by line differs from the VAT taken
/// from each rate's total (several lines at one rate, two rates, a weighed item, a discount),
/// sold at the real till with a printer, and the same VAT found on the screen, in the receipt
/// attached to the payment, in the journal, on paper, in the X report and in the SAF-T export.
@Suite(.serialized) struct VATEverywhereEndToEndTests {
    /// Kasse's one rounding rule, written out again here: a line's tax from its own total, half up.
    static func lineTax(_ gross: Int, _ rate: Int) -> Int {
        let magnitude = (2 * abs(gross) * rate + (10000 + rate)) / (2 * (10000 + rate))
        return gross < 0 ? -magnitude : magnitude
    }

    static func amount(_ minor: Int, decimal: String) -> String {
        "\(minor / 100)\(decimal)\(String(format: "%02d", minor % 100))"
    }

    @Test func theSameVATOnTheScreenTheAttachedReceiptTheJournalPaperTheXReportAndTheExport() async throws {
        let sim = try await SimulatorHarness.start()
        let emulator = PrinterEmulator()
        try emulator.listen(port: 0)
        defer { emulator.stop() }
        let directory = try TillPrinterEndToEndTests.directory()
        let journalPath = directory + "/journal.sqlite"
        let till = try await TillSession(
            simulator: sim, extraConfig: TillPrinterEndToEndTests.config(journal: journalPath, port: emulator.port, receipt: "always"),
            reusing: directory)
        try await till.waitFor("printer: ready")
        try await till.type("1001")  // Lettmelk 24,90, 15 %
        try await till.keys("Enter")
        try await till.type("2*1002")  // Helmelk 2 × 25,90, 15 %
        try await till.keys("Enter")
        try await till.type("4001")  // Bananer by weight, 29,90/kg, 15 %
        try await till.keys("Enter")
        try await till.waitFor("type the weight")
        try await till.type("0,745")
        try await till.keys("Enter")
        try await till.type("3*7000")  // Bærepose 3 × 3,00, 25 %
        try await till.keys("Enter")
        try await till.type("7004")  // Sjampo 49,90, 25 %, then 10 % off
        try await till.keys("Enter")
        try await till.waitFor("Sjampo")
        try await till.keys("F7")
        try await till.waitFor("Discount for Sjampo")
        try await till.type("10%")
        try await till.keys("Enter")
        try await till.waitFor("-4.99")

        // What the lines are, and the VAT the one rule gives: it differs from the per-total figure at 15 %.
        let lines: [(gross: Int, rate: Int)] = [(2490, 1500), (5180, 1500), (2228, 1500), (900, 2500), (4491, 2500)]
        var expected: [Int: (gross: Int, tax: Int)] = [:]
        for line in lines {
            let sum = expected[line.rate] ?? (0, 0)
            expected[line.rate] = (sum.gross + line.gross, sum.tax + Self.lineTax(line.gross, line.rate))
        }
        #expect(expected[1500]! == (9898, 1292) && expected[2500]! == (5391, 1078))
        #expect(Self.lineTax(9898, 1500) != 1292, "the basket must tell the two ways apart")

        // The screen.
        let screen = try await till.screen()
        for (rate, figure) in expected {
            let shown = "VAT \(rate / 100)%: \(Self.amount(figure.tax, decimal: ".")) of \(Self.amount(figure.gross, decimal: "."))"
            #expect(screen.contains(shown), "'\(shown)' not on the screen:\n\(screen)")
        }

        let reference = try await till.payApprovedByTypedNumber(sim)

        // The receipt attached to the payment: each line's tax, adding up per rate.
        let record = try await sim.control(.GET, "/simulator/v1/payments/\(reference)")
        let orderLines = try #require((record.json["receipt"] as? [String: Any])?["orderLines"] as? [[String: Any]])
        var attached: [Int: Int] = [:]
        for line in orderLines {
            attached[line["taxRate"] as? Int ?? -1, default: 0] += line["totalTaxAmount"] as? Int ?? 0
        }
        #expect(attached == expected.mapValues(\.tax), "\(orderLines)")

        // Paper (the sale's copy, printed at once): the VAT table.
        let paper = try #require(await waitForDocuments(emulator, 1).first).lines.map(\.text)
        for (rate, figure) in expected {
            let row = paper.first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("MVA \(rate / 100) % av \(Self.amount(figure.gross, decimal: ","))") }
            #expect(row?.hasSuffix(" " + Self.amount(figure.tax, decimal: ",")) == true, "\(paper)")
        }
        try await till.keys("Enter")
        try await till.waitFor("sale 000002")

        // The X report.
        try await till.keys("F11")
        try await till.waitFor("X-RAPPORT")
        try await till.keys("Escape", "F10")
        try await till.waitFor("KASSE-EXITED-0")
        await till.close()

        // The journal: the sale as stored, and the X report made from the journal.
        let journal = try Journal(path: journalPath, till: "2", cashier: "t", readOnly: true)
        let sales = try await journal.entries(kinds: ["sale-completed"]).compactMap { entry -> JournalSale? in
            if case .saleCompleted(let sale) = entry.event { sale } else { nil }
        }
        let sale = try #require(sales.first)
        #expect(sale.lines.map(\.total) == lines.map(\.gross))
        #expect(sale.vat.map { [$0.rateBasisPoints, $0.gross, $0.tax] } == [[2500, 5391, 1078], [1500, 9898, 1292]])
        let xReports = try await journal.entries(kinds: ["x-report"]).compactMap { entry -> JournalReport? in
            if case .xReport(let report) = entry.event { report } else { nil }
        }
        let x = try #require(xReports.last)
        #expect(x.vat.map { [$0.rateBasisPoints, $0.gross, $0.tax] } == [[2500, 5391, 1078], [1500, 9898, 1292]])
        #expect(x.figures?.vat.map { [$0.rateBasisPoints, $0.base, $0.tax] }.sorted { $0[0] > $1[0] }
                    == [[2500, 5391 - 1078, 1078], [1500, 9898 - 1292, 1292]])

        // The SAF-T export: each line's VAT, adding up per rate, and the transaction's net.
        let exported = try await runProgram(KasseBinary.path, ["saft", "export", "--config", till.directory + "/kasse.toml", "--from", "today",
                                                                "--out", directory], environment: ["HOME": till.directory])
        #expect(exported.status == 0, "\(exported.errors)")
        let file = try #require(exported.output.components(separatedBy: "Wrote ").last?.trimmingCharacters(in: .whitespacesAndNewlines))
        let xml = try String(contentsOfFile: file, encoding: .utf8).filter { !$0.isWhitespace }
        var exportedTax: [String: Int] = [:]
        for line in xml.components(separatedBy: "<ctLine>").dropFirst() {
            guard let perc = line.between("<vatPerc>", "</vatPerc>"), let tax = line.between("<vatAmnt>", "</vatAmnt>") else { continue }
            exportedTax[perc, default: 0] += Int(tax.replacingOccurrences(of: ".", with: "")) ?? 0
        }
        #expect(exportedTax == ["15.00": 1292, "25.00": 1078], "\(exportedTax)")
        #expect(xml.contains("<transAmntIn>152.89</transAmntIn><transAmntEx>129.19</transAmntEx>"), "\(xml.prefix(6000))")
        try await sim.finish(checkRequests: "all")
    }
}

private extension String {
    func between(_ start: String, _ end: String) -> String? {
        guard let from = range(of: start), let to = range(of: end, range: from.upperBound..<endIndex) else { return nil }
        return String(self[from.upperBound..<to.lowerBound])
    }
}
