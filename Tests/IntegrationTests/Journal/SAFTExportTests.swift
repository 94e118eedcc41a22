import Foundation
@testable import IntegrationSupport
import KasseCore
import KasseJournal
import KasseJournalSQLite
import KasseNorway
import KasseTill
import Synchronization
import Testing
import VippsModels

/// `kasse saft export` through the real binary over journals on disk: the file validates
/// against Skatteetaten's schema with a real validator (xmllint), every reference the schema
/// cannot enforce holds, every signature verifies with OpenSSL from the file's text alone, and
/// each report's figures match sums made independently from the transactions
/// (`Tests/Conformance/saft_check.py`).
@Suite struct SAFTExportTests {
    @Test(arguments: [UInt64(1), 2, 3])
    func generatedDaysExportValidateAndVerify(seed: UInt64) async throws {
        let days = [CivilDate(year: 2026, month: 3, day: 13), CivilDate(year: 2026, month: 3, day: 14)]
        let generated = try await SAFTFixture.generate(days: days, seed: seed)
        let file = try await SAFTFixture.export(generated, from: "2026-03-13", to: "2026-03-14", out: generated.directory)
        #expect((file as NSString).lastPathComponent.hasPrefix("SAF-T Cash Register_999999999_"))
        #expect(file.hasSuffix(".xml"))

        let valid = try await SAFTFixture.validate(file)
        #expect(valid.status == 0, "\(valid.errors.suffix(2000))")
        let checked = try await SAFTFixture.check(file, publicKey: generated.publicKeyPath)
        #expect(checked.status == 0, "\(checked.output.suffix(3000)) \(checked.errors.suffix(2000))")
        #expect(checked.output.contains("ok:"))
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.contains("<reportType>Z report</reportType>") && text.contains("<reportType>X report</reportType>"))
        #expect(text.contains("<eventType>LINEDELETE</eventType>"))
        #expect(text.contains("<transType>RETURNSAL</transType>"))
        #expect(text.contains("<paymentType>VIPPSMP</paymentType>"))
        #expect(text.contains("<eventType>COPYREC</eventType>") && text.contains("<receiptCopyNum>1</receiptCopyNum>"))
        #expect(text.contains("<artGroupID>04006</artGroupID>"))
        // Staff: log-ins and log-outs, the employee by name; training signed and marked, counted apart.
        let flat = text.filter { !$0.isWhitespace }
        #expect(flat.contains("<empID>1001</empID><dateOfEntry>2026-03-13</dateOfEntry>"))
        #expect(flat.contains("<firstName>Kari</firstName><surName>Nordmann</surName><employeeRole><roleType>Employee</roleType></employeeRole>"),
                "\(flat.prefix(3000))")
        #expect(text.contains("<eventType>EMPIN</eventType>") && text.contains("<eventType>EMPOUT</eventType>"))
        #expect(text.contains("<eventType>TRAINON</eventType>") && text.contains("<eventType>TRAINOFF</eventType>"))
        #expect(text.contains("<eventType>TRAINREC</eventType>") && text.contains("<trainingID>true</trainingID>"))
        #expect(!flat.contains("<reportTrainingNum>0</reportTrainingNum>"))
        #expect(text.contains("<eventType>VOIDTRANS</eventType>") && text.contains("<voidTransaction>true</voidTransaction>")
                && flat.contains("<reportVoidTransNum>1</reportVoidTransNum>"))
        // A sale without paper still had its receipt, in the customer's app: never 13030.
        #expect(!text.contains("NOPRINTREC") && text.contains("the original went to the customer's app, no paper copy"))
        #expect(text.contains("<eventType>PRICELOOKUP</eventType>") && !flat.contains("<priceInquiryGroup>None</priceInquiryGroup>"))
        // Entries made while nobody was logged in name nobody.
        #expect(flat.contains("<eventType>POSSTART</eventType><eventDate>"))
        // Each Z report the till stored carries the same figures the export tallies.
        let journal = try Journal(path: generated.journalPath, till: "2", cashier: "1001", readOnly: true)
        let zReports = try await journal.entries(kinds: ["z-report"])
        #expect(zReports.count == 2)
        for entry in zReports {
            guard case .zReport(let report) = entry.event, let figures = report.figures else {
                Issue.record("Z report entry \(entry.sequence) has no figures")
                continue
            }
            let block = try #require(text.components(separatedBy: "<reportID>Z\(report.number)</reportID>").last?
                .components(separatedBy: "</eventReport>").first?.filter { !$0.isWhitespace })
            #expect(block.contains("<reportGrandTotalSales>\(SignedTransaction.amount(figures.grandTotalSales))</reportGrandTotalSales>"))
            #expect(block.contains("<reportGrandTotalReturn>\(SignedTransaction.amount(figures.grandTotalReturns))</reportGrandTotalReturn>"))
            #expect(block.contains("<reportReceiptNum>\(figures.receipts)</reportReceiptNum>"))
            #expect(block.contains("<corrLineNum>\(figures.lineCorrections.count)</corrLineNum>"))
            for group in figures.articleGroups {
                #expect(block.contains("<artGroupID>\(group.key)</artGroupID><artGroupNum>\(group.count)</artGroupNum><artGroupAmnt>\(SignedTransaction.amount(group.amount))</artGroupAmnt>"),
                        "group \(group.key) in Z \(report.number)")
            }
        }

        // One day alone: its own transactions and events only.
        let single = try await SAFTFixture.export(generated, from: "14.03.2026", to: "14.03.2026", out: generated.directory + "/day2.xml")
        #expect(try await SAFTFixture.validate(single).status == 0)
        let dayText = try String(contentsOfFile: single, encoding: .utf8)
        #expect(!dayText.contains("<transDate>2026-03-13</transDate>") && dayText.contains("<transDate>2026-03-14</transDate>"))
        #expect(!dayText.contains("<eventDate>2026-03-13</eventDate>"))
    }

    @Test func anEmptyPeriodIsAValidFile() async throws {
        let generated = try await SAFTFixture.generate(days: [CivilDate(year: 2026, month: 3, day: 13)], seed: 9)
        let file = try await SAFTFixture.export(generated, from: "2026-04-01", to: "2026-04-30", out: generated.directory)
        let valid = try await SAFTFixture.validate(file)
        #expect(valid.status == 0, "\(valid.errors.suffix(2000))")
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(!text.contains("<cashtransaction>") && !text.contains("<event>"))
        #expect(text.contains("<startDate>2026-04-01</startDate>") && text.contains("<endDate>2026-04-30</endDate>"))
        let backwards = try await KasseBinary.run(["saft", "export", "--config", generated.configPath, "--from", "2026-04-30", "--to", "2026-04-01"])
        #expect(backwards.status != 0 && backwards.errors.contains("comes after"))
    }

    /// Someone with the file changes one signed transaction's amount and recomputes the
    /// journal's own hashes: `kasse journal verify` and the export's chain check both fail.
    @Test func oneEditedTransactionFailsVerifyAndTheExportCheck() async throws {
        let generated = try await SAFTFixture.generate(days: [CivilDate(year: 2026, month: 3, day: 13)], seed: 4)
        try JournalTampering.rewrite(generated.journalPath, rechain: true) { entries in
            let index = entries.firstIndex { $0.kind == "transaction-signed" }!
            let payload = entries[index].payload
            let amount = try! #require(payload.firstMatch(of: /"amountIncludingVAT":(\d+)/)).1
            entries[index].payload = payload.replacingOccurrences(of: "\"amountIncludingVAT\":\(amount)",
                                                                  with: "\"amountIncludingVAT\":\(Int(amount)! + 100)")
        }
        try? FileManager.default.removeItem(atPath: JournalAnchor.path(forJournal: generated.journalPath))
        let verify = try await KasseBinary.run(["journal", "verify", "--config", generated.configPath, "--public-key", generated.publicKeyPath])
        #expect(verify.status != 0, "\(verify.output) \(verify.errors)")
        #expect((verify.output + verify.errors).contains("does not verify"))

        let file = try await SAFTFixture.export(generated, from: "2026-03-13", to: "2026-03-13", out: generated.directory)
        #expect(try await SAFTFixture.validate(file).status == 0)
        let checked = try await SAFTFixture.check(file, publicKey: generated.publicKeyPath)
        #expect(checked.status != 0)
        #expect(checked.output.contains("signature of transaction 1 does not verify"), "\(checked.output)")
    }

    /// `kasse journal copy`: the copy receipt marked KOPI, stored in the journal in full; a
    /// second copy of the same sale is refused; the export counts it.
    @Test func oneCopyPerSaleThroughTheCommandLine() async throws {
        let generated = try await SAFTFixture.generate(days: [CivilDate(year: 2026, month: 3, day: 13)], seed: 5)
        let journal = try Journal(path: generated.journalPath, till: "2", cashier: "1001", readOnly: true)
        let copiedAlready = Set(try await journal.entries(kinds: ["receipt-copied"]).compactMap(\.sale))
        let sale = try #require(try await journal.completedSales().map(\.sale).first { !copiedAlready.contains($0.sale) })
        let copy = try await KasseBinary.run(["journal", "copy", sale.receiptNumber, "--config", generated.configPath])
        #expect(copy.status == 0, "\(copy.errors)")
        #expect(copy.output.contains("KOPI") && copy.output.contains("Testbutikken AS") && copy.output.contains(sale.reference), "\(copy.output)")
        let stored = try await journal.entries(sale: sale.sale).compactMap { entry -> [String]? in
            if case .receiptCopied(_, _, _, _, let text) = entry.event { text } else { nil }
        }
        #expect(stored.count == 1 && stored.first?.joined(separator: "\n") == copy.output.trimmingCharacters(in: .newlines))
        let again = try await KasseBinary.run(["journal", "copy", sale.reference, "--config", generated.configPath])
        #expect(again.status != 0 && again.errors.contains("already had its copy"), "\(again.errors)")
        let missing = try await KasseBinary.run(["journal", "copy", "999999", "--config", generated.configPath])
        #expect(missing.status != 0 && missing.errors.contains("No paid sale"))

        let file = try await SAFTFixture.export(generated, from: "2026-03-13", to: "2026-03-13", out: generated.directory)
        #expect(try await SAFTFixture.validate(file).status == 0)
        let checked = try await SAFTFixture.check(file, publicKey: generated.publicKeyPath)
        #expect(checked.status == 0, "\(checked.output.suffix(3000))")
    }
}
