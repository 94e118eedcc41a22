import Foundation
@testable import IntegrationSupport
import KasseJournal
import KasseJournalSQLite
import KassePrinter
import KassePrinting
import KasseTill
import Testing
import KasseTesting

/// The receipt printer at the real till, in a real terminal, printing over real loopback TCP
/// to the project's printer emulator, which reads the ESC/POS back as a printer does.
@Suite(.serialized) struct TillPrinterEndToEndTests {
    static func config(journal: String, port: Int, receipt: String = "ask") -> String {
        """
        [journal]
        path = "\(journal)"
        [company]
        organisation_number = "999999999"
        name = "Blåbær & Ærlig Øl AS"
        address = "Åsveien 1, Pääkö (ÄÖ)"
        postal_code = "0155"
        city = "Oslo"
        [printer]
        network = "127.0.0.1:\(port)"
        receipt = "\(receipt)"
        """
    }

    static func directory() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-print-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func aPaidSalesReceiptItsCopyTheBarcodeAtF3AndTheXAndZReports() async throws {
        let sim = try await SimulatorHarness.start()
        let emulator = PrinterEmulator()
        try emulator.listen(port: 0)
        defer { emulator.stop() }
        let directory = try Self.directory()
        let journalPath = directory + "/journal.sqlite"
        let till = try await TillSession(simulator: sim, extraConfig: Self.config(journal: journalPath, port: emulator.port), reusing: directory)
        try await till.waitFor("printer: ready")
        try await till.type("1006")  // Smør 250 g
        try await till.keys("Enter")
        try await till.type("1001")
        try await till.keys("Enter")
        _ = try await till.payApprovedByTypedNumber(sim)
        try await till.waitFor("Printed receipt too?")
        try await till.type("y")
        let receipt = try #require(await waitForDocuments(emulator, 1).first)
        try await till.waitFor("its paper copy is printed")

        // The original is the electronic receipt in the customer's app, stored in the journal;
        // the paper is its one copy: the original line for line, Nordic letters intact, under KOPI.
        let journal = try Journal(path: journalPath, till: "2", cashier: "t", readOnly: true)
        let stored = try await journal.entries(kinds: ["receipt"]).compactMap { entry -> [String]? in
            if case .receiptIssued(_, "sale", _, let text) = entry.event { text } else { nil }
        }
        let text = try #require(stored.first)
        #expect(text.contains { $0.trimmingCharacters(in: .whitespaces) == "Elektronisk salgskvittering" }, "\(text)")
        let printed = receipt.lines.map(\.text)
        // After the logo: the marking, then the stored original (centred heading lines are centred
        // by the printer, not by their spaces), then the barcode.
        let words = printed.filter { !$0.hasPrefix("[image") }
        #expect(words.first == "*** KOPI ***", "\(printed)")
        let trim = { (line: String) in line.trimmingCharacters(in: .whitespaces) }
        #expect(Array(words.dropFirst().prefix(text.count)).map(trim) == text.map(trim),
                "the paper differs from the stored original:\n\(printed)\n\(text)")
        #expect(words.dropFirst(1 + text.count).allSatisfy { $0.isEmpty || $0.hasPrefix("[barcode") }, "\(printed)")
        let copied = try await journal.entries(kinds: ["receipt-copied"])
        #expect(copied.count == 1)
        #expect(printed.contains { $0.hasPrefix("Smør 250 g") })
        #expect(printed.contains { $0.contains("Blåbær & Ærlig Øl AS") })
        #expect(printed.contains { $0.contains("Åsveien 1, Pääkö (ÄÖ)") })  // with Blåbær Ærlig Øl: æøå ÆØÅ äö
        #expect(printed.contains { $0.hasPrefix("TOTALT NOK") && $0.hasSuffix("64,80") })
        #expect(printed.contains { $0.hasPrefix("  MVA 15 %") })
        #expect(receipt.lines.first { $0.text == "Elektronisk salgskvittering" }?.large == true)
        #expect(receipt.barcodes == ["000001"])
        #expect(receipt.images.first?.width == 192)  // the logo from assets/
        #expect(receipt.cut)

        // The paper was the sale's one copy: another is refused and nothing more is printed.
        try await till.type("c")
        try await till.waitFor("already had its copy")
        #expect(emulator.documents.count == 1)
        try await till.keys("Enter")
        try await till.waitFor("sale 000002")

        // The receipt's barcode, scanned at F3 (a keyboard-wedge scanner types it, then Enter), finds the sale.
        try await till.keys("F3")
        try await till.waitFor("Receipt number or reference")
        try await till.type(receipt.barcodes[0])
        try await till.keys("Enter")
        try await till.waitFor("can still be refunded NOK 64.80")
        // The butter goes back: its return receipt is always printed, with its own barcode.
        try await till.type("1")
        try await till.keys("Enter")
        try await till.waitFor("Refund NOK 39.90")
        try await till.type("y")
        try await till.waitFor("RETURNED")
        let returned = try #require(await waitForDocuments(emulator, 2).last)
        #expect(returned.lines.first { $0.text == "Returkvittering" }?.large == true)
        #expect(returned.lines.contains { $0.text == "Retur av kvittering nr. 000001" })
        #expect(returned.lines.contains { $0.text.hasPrefix("Smør 250 g") && $0.text.hasSuffix("-39,90") })
        #expect(returned.barcodes == ["R1"])
        try await till.keys("Enter")

        // The X report on request (p), the Z report always.
        try await till.keys("F11")
        try await till.waitFor("X-RAPPORT")
        try await till.type("p")
        let x = try #require(await waitForDocuments(emulator, 3).last)
        #expect(x.lines.first?.text.hasPrefix("X-RAPPORT") == true)
        #expect(x.lines.contains { $0.text.hasPrefix("Grand total netto") })
        try await till.keys("F12")
        try await till.waitFor("Close the day with Z report 1?")
        try await till.type("y")
        try await till.approveAsManager()
        let z = try #require(await waitForDocuments(emulator, 4).last)
        #expect(z.lines.first?.text == "Z-RAPPORT 1")
        try await till.waitFor("Z report 1 printed")
        try await till.keys("Escape", "F10")
        try await till.waitFor("KASSE-EXITED-0")
        await till.close()

        // The journal says what was printed, and nothing was printed twice.
        let printedEntries = try await journal.entries(kinds: ["printed"]).compactMap { entry -> String? in
            if case .documentPrinted(_, let document, let number, true) = entry.event { "\(document) \(number)" } else { nil }
        }
        #expect(printedEntries == ["copy 000001", "return R1", "x-report 1", "z-report 1"])
        #expect(try await journal.entries(kinds: ["receipt-not-printed"]).isEmpty)
        #expect(emulator.documents.count == 4)

        // In the SAF-T export: the sale's receipt (SALREC, the electronic original) and its paper
        // copy (COPYREC, receiptCopyNum 1), no sale without a receipt (13030).
        let exported = try await runProgram(KasseBinary.path, ["saft", "export", "--config", till.directory + "/kasse.toml", "--from", "today",
                                                                "--out", directory], environment: ["HOME": till.directory])
        #expect(exported.status == 0, "\(exported.errors)")
        let file = try #require(exported.output.components(separatedBy: "Wrote ").last?.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(try await SAFTFixture.validate(file).status == 0)
        let export = try String(contentsOfFile: file, encoding: .utf8).filter { !$0.isWhitespace }
        #expect(export.contains("<eventType>SALREC</eventType>") && export.contains("<eventType>COPYREC</eventType>")
                && export.contains("<receiptCopyNum>1</receiptCopyNum>") && !export.contains("NOPRINTREC"), "\(export.prefix(4000))")
        try await sim.finish(checkRequests: "all")
    }

    /// Paper out, then a printer that is switched off, then one that hangs: the till sells on,
    /// says what is wrong, and prints each receipt once the printer is back, exactly once.
    @Test func paperOutUnplugAndAHungPrinterNeverStopTheTillAndNeverLoseAReceipt() async throws {
        let sim = try await SimulatorHarness.start()
        let emulator = PrinterEmulator(behaviour: .paperOut)
        try emulator.listen(port: 0)
        let port = emulator.port
        let directory = try Self.directory()
        let journalPath = directory + "/journal.sqlite"
        let till = try await TillSession(simulator: sim, extraConfig: Self.config(journal: journalPath, port: port, receipt: "always"),
                                         reusing: directory)
        try await till.waitFor("printer: paper out")
        try await till.type("1001")
        try await till.keys("Enter")
        _ = try await till.payApprovedByTypedNumber(sim)
        try await till.waitFor("not printed yet: paper out")
        #expect(emulator.documents.isEmpty)
        // Paper in: the queue tries again by itself and prints it, once.
        emulator.behaviour = .ready
        try await till.waitFor("Copy of receipt 000001 printed", timeout: .seconds(60))
        #expect(await waitForDocuments(emulator, 1).count == 1)
        try await till.keys("Enter")

        // Switched off (nothing listening): the next receipt waits; the till sells on.
        emulator.stop()
        try await till.type("1002")
        try await till.keys("Enter")
        _ = try await till.payApprovedByTypedNumber(sim)
        try await till.waitFor("not printed yet: printer not reachable", timeout: .seconds(60))
        try await till.keys("Enter")
        try await till.type("1001")
        try await till.keys("Enter")
        try await till.waitFor("Lettmelk")
        let back = PrinterEmulator()
        try back.listen(port: port)
        try await till.waitFor("Copy of receipt 000002 printed", timeout: .seconds(60))
        let reprinted = await waitForDocuments(back, 1)
        #expect(reprinted.count == 1)
        #expect(reprinted.first?.barcodes == ["000002"])
        // Printed once, as what it is: the sale's one copy (the original is in the customer's app).
        #expect(reprinted.first?.lines.filter { $0.text.contains("KOPI") }.count == 1)

        // Hung: it takes the connection and never answers. Keys still work at once.
        back.behaviour = .silent
        _ = try await till.payApprovedByTypedNumber(sim)
        try await till.waitFor("not printed yet: printer not answering", timeout: .seconds(60))
        try await till.keys("Enter")
        try await till.type("1002")
        try await till.keys("Enter")
        try await till.waitFor("Helmelk")
        back.behaviour = .ready
        try await till.waitFor("Copy of receipt 000003 printed", timeout: .seconds(60))
        let after = await waitForDocuments(back, 2)
        #expect(after.count == 2)
        #expect(after.last?.barcodes == ["000003"])
        try await till.keys("F9")
        try await till.type("y")
        try await till.keys("F10")
        try await till.waitFor("KASSE-EXITED-0")
        await till.close()
        back.stop()

        let journal = try Journal(path: journalPath, till: "2", cashier: "t", readOnly: true)
        let printedEntries = try await journal.entries(kinds: ["printed"]).compactMap { entry -> String? in
            if case .documentPrinted(_, let document, let number, _) = entry.event { "\(document) \(number)" } else { nil }
        }
        #expect(printedEntries == ["copy 000001", "copy 000002", "copy 000003"])
        try await sim.finish(checkRequests: "all")
    }

    /// The till stops while its receipt waits for paper: at the next start it is printed, once,
    /// as what it was (the sale's paper copy; the original is in the customer's app).
    @Test func aReceiptWaitingWhenTheTillStopsPrintsAtTheNextStart() async throws {
        let sim = try await SimulatorHarness.start()
        let emulator = PrinterEmulator(behaviour: .paperOut)
        try emulator.listen(port: 0)
        defer { emulator.stop() }
        let directory = try Self.directory()
        let journalPath = directory + "/journal.sqlite"
        let config = Self.config(journal: journalPath, port: emulator.port, receipt: "always")
        let first = try await TillSession(simulator: sim, extraConfig: config, reusing: directory)
        try await first.type("1001")
        try await first.keys("Enter")
        _ = try await first.payApprovedByTypedNumber(sim)
        try await first.waitFor("not printed yet: paper out")
        try await first.keys("Enter", "F10")
        try await first.waitFor("KASSE-EXITED-0")
        await first.close()
        #expect(emulator.documents.isEmpty)

        emulator.behaviour = .ready
        // Printed while the log-in screen is up, before anyone logs in.
        let second = try await TillSession(simulator: sim, extraConfig: config, reusing: directory, logIn: nil)
        try await second.waitFor("Copy of receipt 000001 printed", timeout: .seconds(60))
        try await second.logIn("1001", "1234")
        let documents = await waitForDocuments(emulator, 1)
        #expect(documents.count == 1)
        #expect(documents.first?.barcodes == ["000001"])
        #expect(documents.first?.lines.contains { $0.text == "Elektronisk salgskvittering" } == true)
        #expect(documents.first?.lines.first { !$0.text.hasPrefix("[image") }?.text == "*** KOPI ***")
        try await second.keys("F10")
        try await second.waitFor("KASSE-EXITED-0")
        await second.close()
        // A third start prints nothing more.
        let third = try await TillSession(simulator: sim, extraConfig: config, reusing: directory)
        try await third.waitFor("printer: ready")
        try await third.keys("F10")
        try await third.waitFor("KASSE-EXITED-0")
        await third.close()
        #expect(emulator.documents.count == 1)
        let journal = try Journal(path: journalPath, till: "2", cashier: "t", readOnly: true)
        #expect(try await journal.entries(kinds: ["print-queued"]).count == 1)
        #expect(try await journal.entries(kinds: ["printed"]).count == 1)
        try await sim.finish(checkRequests: "all")
    }

    /// A till stopped while its customer approved: start-up recovery completes the sale, and
    /// with receipts set to ask (nobody is there to be asked) its receipt is printed, once.
    @Test func aSaleCompletedByRecoveryHasItsReceiptPrinted() async throws {
        let sim = try await SimulatorHarness.start()
        let emulator = PrinterEmulator()
        try emulator.listen(port: 0)
        defer { emulator.stop() }
        let directory = try Self.directory()
        let journalPath = directory + "/journal.sqlite"
        let config = Self.config(journal: journalPath, port: emulator.port, receipt: "ask")
        let till = try await TillSession(simulator: sim, extraConfig: config, reusing: directory)
        try await till.type("1001")
        try await till.keys("Enter", "F2")
        try await till.type("90000001")
        try await till.keys("Enter", "F4")
        try await till.waitFor("WAITING")
        let reference = try #require(try await sim.control(.GET, "/simulator/v1/payments").array.compactMap { $0["reference"] as? String }.first)
        try await till.kill()
        await till.close()
        _ = try await sim.control(.POST, "/simulator/v1/payments/\(reference)/approve")

        let restarted = try await TillSession(simulator: sim, extraConfig: config, reusing: directory)
        try await restarted.waitFor("completed after a restart", timeout: .seconds(60))
        let documents = await waitForDocuments(emulator, 1)
        #expect(documents.count == 1)
        #expect(documents.first?.barcodes == ["000001"])
        // Journaled as printed (the banner saying so may be gone: log-in and the recovered sale have theirs).
        _ = try await eventually(timeout: .seconds(60)) { () async throws -> Bool? in
            try await Journal(path: journalPath, till: "2", cashier: "t", readOnly: true).entries(kinds: ["printed"]).isEmpty ? nil : true
        }
        try await restarted.keys("Enter", "F10")
        try await restarted.waitFor("KASSE-EXITED-0")
        await restarted.close()
        let journal = try Journal(path: journalPath, till: "2", cashier: "t", readOnly: true)
        let printed = try await journal.entries(kinds: ["printed"]).compactMap { entry -> String? in
            if case .documentPrinted(_, let document, let number, _) = entry.event { "\(document) \(number)" } else { nil }
        }
        #expect(printed == ["copy 000001"])
        #expect(try await journal.entries(kinds: ["receipt-not-printed"]).isEmpty)
        #expect(emulator.documents.count == 1)
        try await sim.finish(checkRequests: "all")
    }
}
