import Foundation
@testable import IntegrationSupport
import KasseJournal
import KasseJournalSQLite
import KassePrinter
import KasseSimulator
import KasseTill
import Testing

/// Returns through the real binary: a paid sale in a journal on disk, its payment in the
/// simulator, `kasse return` refunding chosen lines, then the rest, never more.
@Suite struct ReturnCommandTests {
    static let lines = [
        JournalLine(lineID: 1, sku: "1001", gtin: "7040000000016", name: "Lettmelk 1 l", unitPrice: 2490, vatRateBasisPoints: 1500,
                    weighed: false, quantity: 3, discount: 0, isReturn: false, total: 7470),
        JournalLine(lineID: 2, sku: "7004", gtin: nil, name: "Oppvaskmiddel", unitPrice: 3990, vatRateBasisPoints: 2500,
                    weighed: false, quantity: 1, discount: 0, isReturn: false, total: 3990),
    ]

    func paidSale(_ sim: SimulatorHarness, journalPath: String, reference: String) async throws {
        try await sim.authorized(reference, amount: 11_460)
        #expect(try await sim.capture(reference, 11_460, key: "k-" + reference).status == 200)
        let journal = try Journal(path: journalPath, till: "1", cashier: "1")
        try await journal.append([.saleCompleted(JournalSale(
            sale: 12, receiptNumber: "000012", reference: reference, currency: "NOK", total: 11_460, captured: 11_460,
            customer: "+47 ******01", lines: Self.lines, vat: JournalSale.vat(of: Self.lines)))])
    }

    func environment(_ sim: SimulatorHarness, journal: String) -> [String: String] {
        [
            "KASSE_API_URL": sim.baseURL, "KASSE_CLIENT_ID": SimulatorConfiguration.demoClientID,
            "KASSE_CLIENT_SECRET": SimulatorConfiguration.demoClientSecret,
            "KASSE_SUBSCRIPTION_KEY": SimulatorConfiguration.demoSubscriptionKey, "KASSE_MSN": sim.msn,
            "KASSE_CONFIG": "/nonexistent/kasse.toml", "KASSE_JOURNAL": journal,
        ]
    }

    /// With a receipt printer configured, `kasse return` prints the return receipt it stored.
    @Test func theReturnReceiptIsPrintedWhenThereIsAPrinter() async throws {
        let sim = try await SimulatorHarness.start()
        let journalPath = JournalFixture.temporaryPath()
        let reference = "RET3-1-20261121-000012-1"
        try await paidSale(sim, journalPath: journalPath, reference: reference)
        let emulator = PrinterEmulator()
        try emulator.listen(port: 0)
        defer { emulator.stop() }
        let config = journalPath + ".toml"
        try "[printer]\nnetwork = \"127.0.0.1:\(emulator.port)\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        var env = environment(sim, journal: journalPath)
        env["KASSE_CONFIG"] = config
        let one = try await KasseBinary.run(["return", "000012", "--line", "1:1"], environment: env)
        #expect(one.status == 0, "\(one.errors)")
        let printed = try #require(await waitForDocuments(emulator, 1).first)
        #expect(printed.lines.contains { $0.text == "Returkvittering" })
        #expect(printed.lines.contains { $0.text == "Retur av kvittering nr. 000012" })
        #expect(printed.barcodes == ["R1"])
        let journal = try Journal(path: journalPath, till: "1", cashier: "1", readOnly: true)
        let entries = try await journal.entries(kinds: ["print-queued", "printed"]).map(\.kind)
        #expect(entries == ["print-queued", "printed"])
        try await sim.finish(checkRequests: "all")
    }

    @Test func chosenLinesThenTheRestNeverMore() async throws {
        let sim = try await SimulatorHarness.start()
        let journalPath = JournalFixture.temporaryPath()
        let reference = "RET1-1-20261121-000012-1"
        try await paidSale(sim, journalPath: journalPath, reference: reference)
        let env = environment(sim, journal: journalPath)

        let one = try await KasseBinary.run(["return", "000012", "--line", "1:1"], environment: env)
        #expect(one.status == 0, "\(one.errors)")
        #expect(one.output.contains("RETUR 1  for kvittering 000012"), "the return receipt, a Norwegian shop's document, is in Norwegian")
        #expect(one.output.contains("-kr 24,90") || one.output.contains("−kr 24,90"), "\(one.output)")
        #expect(try await sim.get(reference).aggregate("refundedAmount") == 2490)

        let tooMany = try await KasseBinary.run(["return", reference, "--line", "1:3"], environment: env)
        #expect(tooMany.status != 0)
        #expect(tooMany.errors.contains("only 2 left"), "\(tooMany.errors)")

        let rest = try await KasseBinary.run(["return", "12", "--all", "--json"], environment: env)
        #expect(rest.status == 0, "\(rest.errors)")
        #expect(rest.output.contains("\"amount\" : 8970"), "\(rest.output)")
        #expect(try await sim.get(reference).aggregate("refundedAmount") == 11_460)

        let nothing = try await KasseBinary.run(["return", "12", "--all"], environment: env)
        #expect(nothing.status != 0)
        #expect(nothing.errors.contains("already been returned"))

        // Each return had its own key, stored before it was sent; the journal lists both and still verifies.
        let journal = try Journal(path: journalPath, till: "1", cashier: "1", readOnly: true)
        let refunds = try await journal.refunds(reference: reference)
        #expect(refunds.started.map(\.key.value) == ["r1-" + reference, "r2-" + reference])
        #expect(refunds.refunded == 11_460 && refunds.pending.isEmpty)
        #expect(try await journal.verify() == .intact(entries: 9))  // with the two return receipts
        // Norway: each refund was signed as it was stored, like a return at the till (DEMO: the
        // demo key beside the journal), and the signatures verify.
        let signatures = try await journal.signatures()
        #expect(signatures.map(\.transaction) == ["return", "return"])
        #expect(signatures.map(\.number) == [1, 2])
        #expect(signatures.map(\.amountIncludingVAT) == [-2490, -8970])
        // Each return's receipt («Returkvittering», naming the sale) is stored in full beside it.
        let receipts = try await journal.entries(kinds: ["receipt"]).compactMap { entry -> (String, [String])? in
            if case .receiptIssued(_, let document, _, let text)? = entry.event { (document, text) } else { nil }
        }
        #expect(receipts.map(\.0) == ["return", "return"])
        #expect(receipts.allSatisfy { $0.1.contains { $0.contains("Returkvittering") } && $0.1.contains { $0.contains("000012") } })
        let verified = try await KasseBinary.run(["journal", "verify"], environment: env)
        #expect(verified.status == 0 && verified.output.contains("2 signed"), "\(verified.output) \(verified.errors)")
        let list = try await KasseBinary.run(["journal", "list"], environment: env)
        #expect(list.output.contains("000012") && list.output.contains("returned kr 114,60"), "\(list.output)")
        let report = try await KasseBinary.run(["report", "x", "--json"], environment: env)
        #expect(report.output.contains("\"returnsTotal\" : 11460"), "\(report.output)")
        // The sale, its receipt and every entry about it.
        let show = try await KasseBinary.run(["journal", "show", "000012"], environment: env)
        #expect(show.status == 0, "\(show.errors)")
        #expect(show.output.contains("RECEIPT 000012") && show.output.contains("refund-started") && show.output.contains("refunded"))
        // Z closes the day: numbered, stored; the next X starts from nothing and names the next Z.
        let z = try await KasseBinary.run(["report", "z"], environment: env)
        #expect(z.status == 0 && z.output.contains("Z-RAPPORT 1") && z.output.contains("Kontantsalg totalt") && z.output.contains("Grand total netto"), "\(z.output)\(z.errors)")
        let after = try await KasseBinary.run(["report", "x", "--json"], environment: env)
        #expect(after.output.contains("\"number\" : 2") && after.output.contains("\"salesCount\" : 0"), "\(after.output)")
        try await sim.finish(checkRequests: "all")
    }

    /// No answer to the refund: the return stays pending in the journal; running the command
    /// again finishes that return with the same key and does nothing more.
    @Test func aReturnWithoutAnAnswerIsFinishedNotRepeated() async throws {
        let sim = try await SimulatorHarness.start()
        let journalPath = JournalFixture.temporaryPath()
        let reference = "RET2-1-20261121-000012-1"
        try await paidSale(sim, journalPath: journalPath, reference: reference)
        let env = environment(sim, journal: journalPath)
        _ = try await sim.control(.PUT, "/simulator/v1/faults", body: #"[{"route":"refund","serverErrors":20}]"#)
        let lost = try await KasseBinary.run(["return", "000012", "--line", "2"], environment: env)
        #expect(lost.status != 0)
        #expect(lost.errors.contains("Run the same command again"), "\(lost.errors)")
        #expect(try await sim.get(reference).aggregate("refundedAmount") == 0)
        _ = try await sim.control(.DELETE, "/simulator/v1/faults")
        let again = try await KasseBinary.run(["return", "000012", "--line", "2"], environment: env)
        #expect(again.status == 0, "\(again.errors)")
        #expect(again.errors.contains("now confirmed"))
        #expect(try await sim.get(reference).aggregate("refundedAmount") == 3990)
        let journal = try Journal(path: journalPath, till: "1", cashier: "1", readOnly: true)
        #expect(try await journal.refunds(reference: reference).started.count == 1)
        try await sim.finish(checkRequests: "all")
    }
}
