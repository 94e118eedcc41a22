import Foundation
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
    static let schema = Repository.root.deletingLastPathComponent()
        .appendingPathComponent("shared/norway-saft/Norwegian_SAF-T_Cash_Register_Schema_v_1.00.xsd").path
    static let checker = Repository.root.appendingPathComponent("Tests/Conformance/saft_check.py").path

    /// A clock for the journal that moves on a few seconds each time it is read.
    final class StepClock: Sendable {
        let seconds: Mutex<Double>
        init(_ start: Double) { seconds = Mutex(start) }
        func date() -> Date { Date(timeIntervalSince1970: seconds.withLock { $0 += 3; return $0 }) }
        func set(_ value: Double) { seconds.withLock { $0 = value } }
        var now: Double { seconds.withLock { $0 } }
    }

    struct Generated {
        var directory: String
        var journalPath: String
        var configPath: String
        var publicKeyPath: String
    }

    /// A till's business days, made the way the till makes them: lines added and some removed,
    /// sales completed and signed, returns refunded and signed, an X report, a Z report each day.
    static func generate(days: [CivilDate], seed: UInt64, store: String = "TEST1", till: String = "2") async throws -> Generated {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-saft-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let made = try await runProgram(KasseBinary.path, ["saft", "keygen", "--out", directory, "--key-version", "1"])
        #expect(made.status == 0, "\(made.errors)")
        let signer = try TransactionSigner(
            privateKeyPEM: try String(contentsOfFile: directory + "/kasse-signing-key-v1.pem", encoding: .utf8), keyVersion: "1")
        let zone = ShopTimeZone.of(.norway)
        let catalog = CatalogCSV.parse(try String(contentsOf: Repository.root.appendingPathComponent("assets/catalog.csv"), encoding: .utf8))
            .catalog
        let products = Array(catalog.products)
        let journalPath = directory + "/journal.sqlite"
        let clock = StepClock(0)
        let journal = try Journal(path: journalPath, till: till, cashier: "1001", now: { clock.date() })
        var chain = TransactionChain(signer: signer, register: till, zone: zone, last: nil)
        var random = SeededRandom(seed: seed)
        var saleNumber = 0
        var paid: [JournalSale] = []
        var returnNumber = 0
        for day in days {
            // 08:00 in Oslo (UTC+1 in winter).
            clock.set(Double(InternetTime.days(fromCivil: day.year, day.month, day.day)) * 86_400 + 7 * 3600)
            try await journal.append([.tillStarted(mode: "TEST", store: store, till: till)], employee: "")
            try await journal.append([.logInRefused(employee: "1001")], employee: "")
            try await journal.append([.loggedIn(StaffMember(id: "1001", name: "Kari Nordmann", role: .cashier))])
            for index in 0..<Int.random(in: 6...12, using: &random) {
                saleNumber += 1
                var lines: [JournalLine] = []
                for lineID in 1...Int.random(in: 1...5, using: &random) {
                    let product = products[Int.random(in: 0..<products.count, using: &random)]
                    let quantity = product.unit == .kilogram ? Int.random(in: 150...1500, using: &random) : Int.random(in: 1...3, using: &random)
                    let gross = product.unit == .kilogram ? product.unitPrice * quantity / 1000 : product.unitPrice * quantity
                    let discount = Int.random(in: 0..<8, using: &random) == 0 ? gross / 10 : 0
                    let line = JournalLine(
                        lineID: lineID, sku: product.sku, gtin: product.gtin?.original, name: product.name, unitPrice: product.unitPrice,
                        vatRateBasisPoints: product.vatRate.basisPoints, weighed: product.unit == .kilogram, quantity: quantity,
                        discount: discount, isReturn: false, total: gross - discount, articleGroup: product.articleGroup)
                    lines.append(line)
                    try await journal.append([.lineAdded(sale: saleNumber, line: line)])
                }
                // Now and then the cashier removes a line before the sale is completed.
                if lines.count > 1, Bool.random(using: &random) {
                    let removed = lines.removeLast()
                    try await journal.append([.lineVoided(sale: saleNumber, lineID: removed.lineID, sku: removed.sku)])
                }
                let total = lines.reduce(0) { $0 + $1.total }
                let reference = PaymentReference(store: store, till: till, date: day, sequence: saleNumber, attempt: 1).value
                let sale = JournalSale(
                    sale: saleNumber, receiptNumber: String(format: "%06d", saleNumber), reference: reference, currency: "NOK",
                    total: total, captured: total, customer: "+47 ******01", lines: lines, vat: JournalSale.vat(of: lines))
                try await append(journal, &chain, [.saleCompleted(sale)], refunds: [], clock: clock)
                try await journal.append([.receiptNotPrinted(sale: sale.sale, receiptNumber: sale.receiptNumber, reason: "no receipt printer")])
                paid.append(sale)
                // Now and then the customer wants a copy of the receipt.
                if Int.random(in: 0..<5, using: &random) == 0 {
                    try await journal.append([.receiptCopied(sale: sale.sale, reference: sale.reference, receiptNumber: sale.receiptNumber,
                                                             amount: sale.total, text: ["KOPI - Salgskvittering"])])
                }
                // An X report mid-day: stored in full as the till stores it; seed 3 writes it the
                // way older Kasse did (only "viewed"), so the export must tally every report anew.
                if index == 3 {
                    if seed == 3 {
                        try await journal.append([.operatorAction("X report viewed (next Z: \(days.firstIndex(of: day)! + 1))")])
                    } else {
                        try await journal.append([.xReport(try await journal.xReport(store: store, currency: "NOK"))])
                    }
                }
                // Once a day a customer walks away and the cashier voids the whole sale.
                if index == 4 {
                    saleNumber += 1
                    let line = lines[0]
                    let voided = JournalSale(sale: saleNumber, receiptNumber: String(format: "%06d", saleNumber), reference: "",
                                             currency: "NOK", total: line.total, captured: 0, customer: "", lines: [line],
                                             vat: JournalSale.vat(of: [line]))
                    try await journal.append([.lineAdded(sale: saleNumber, line: line)])
                    try await append(journal, &chain, [.saleVoided(voided)], refunds: [], clock: clock)
                }
                // A customer asks what something costs, and does not buy it.
                if index == 1 {
                    let asked = products[Int.random(in: 0..<products.count, using: &random)]
                    try await journal.append([.priceLookUp(sku: asked.sku, name: asked.name, price: asked.unitPrice,
                                                           articleGroup: asked.articleGroup)])
                }
                // Once a day a manager lets the cashier practise: a training sale, signed, never a sale.
                if index == 2 {
                    try await journal.append([.trainingMode(on: true, manager: "9001")])
                    saleNumber += 1
                    let line = lines[0]
                    let training = JournalSale(
                        sale: saleNumber, receiptNumber: String(format: "%06d", saleNumber),
                        reference: PaymentReference(store: store, till: till, date: day, sequence: saleNumber, attempt: 1).value,
                        currency: "NOK", total: line.total, captured: line.total, customer: "+47 ******67", lines: [line],
                        vat: JournalSale.vat(of: [line]), training: true)
                    try await append(journal, &chain, [.saleCompleted(training)], refunds: [], clock: clock)
                    try await journal.append([.trainingMode(on: false, manager: "9001")])
                }
                // Now and then a customer brings something back from an earlier sale.
                if Int.random(in: 0..<4, using: &random) == 0, let original = paid.randomElement(using: &random) {
                    returnNumber += 1
                    let line = original.lines[0]
                    let refund = JournalRefund(sale: original.sale, reference: original.reference, returnNumber: returnNumber,
                                               amount: line.total, currency: "NOK", key: "r\(returnNumber)-\(original.reference)",
                                               lines: [line])
                    try await journal.append([.refundStarted(refund)])
                    try await append(journal, &chain,
                                     [.refunded(sale: original.sale, reference: original.reference, returnNumber: returnNumber, amount: line.total)],
                                     refunds: [refund], clock: clock)
                    paid.removeAll { $0.sale == original.sale }
                }
            }
            try await journal.append([.managerApproved(employee: "9001", action: "Z report")])
            _ = try await journal.zReport(store: store, currency: "NOK")
            try await journal.append([.loggedOut(employee: "1001")])
        }
        let configPath = directory + "/kasse.toml"
        try """
            [till]
            store_id = "\(store)"
            till_id = "\(till)"
            market = "NO"
            [journal]
            path = "\(journalPath)"
            [company]
            name = "Testbutikken AS"
            organisation_number = "999999999"
            address = "Storgata 1"
            postal_code = "0155"
            city = "Oslo"
            vat_registered = true
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
        return Generated(directory: directory, journalPath: journalPath, configPath: configPath,
                         publicKeyPath: directory + "/kasse-signing-key-v1.pub.pem")
    }

    /// Signs as the till does: the transaction and its signature in one append.
    static func append(_ journal: Journal, _ chain: inout TransactionChain, _ events: [JournalEvent], refunds: [JournalRefund],
                       clock: StepClock) async throws {
        var next = chain
        let signed = try next.sign(events, refunds: refunds, atUTC: Int64(clock.now))
        try await journal.append(signed)
        chain = next
    }

    static func export(_ generated: Generated, from: String, to: String, out: String) async throws -> String {
        let result = try await KasseBinary.run(["saft", "export", "--config", generated.configPath, "--from", from, "--to", to, "--out", out])
        #expect(result.status == 0, "\(result.output) \(result.errors)")
        return try #require(result.output.components(separatedBy: "Wrote ").last?.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static func validate(_ file: String) async throws -> (status: Int32, output: String, errors: String) {
        try await runProgram("/usr/bin/xmllint", ["--noout", "--schema", schema, file])
    }

    static func check(_ file: String, publicKey: String...) async throws -> (status: Int32, output: String, errors: String) {
        try await runProgram("/usr/bin/python3", [checker, file] + publicKey)
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func generatedDaysExportValidateAndVerify(seed: UInt64) async throws {
        let days = [CivilDate(year: 2026, month: 3, day: 13), CivilDate(year: 2026, month: 3, day: 14)]
        let generated = try await Self.generate(days: days, seed: seed)
        let file = try await Self.export(generated, from: "2026-03-13", to: "2026-03-14", out: generated.directory)
        #expect((file as NSString).lastPathComponent.hasPrefix("SAF-T Cash Register_999999999_"))
        #expect(file.hasSuffix(".xml"))

        let valid = try await Self.validate(file)
        #expect(valid.status == 0, "\(valid.errors.suffix(2000))")
        let checked = try await Self.check(file, publicKey: generated.publicKeyPath)
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
        let single = try await Self.export(generated, from: "14.03.2026", to: "14.03.2026", out: generated.directory + "/day2.xml")
        #expect(try await Self.validate(single).status == 0)
        let dayText = try String(contentsOfFile: single, encoding: .utf8)
        #expect(!dayText.contains("<transDate>2026-03-13</transDate>") && dayText.contains("<transDate>2026-03-14</transDate>"))
        #expect(!dayText.contains("<eventDate>2026-03-13</eventDate>"))
    }

    @Test func anEmptyPeriodIsAValidFile() async throws {
        let generated = try await Self.generate(days: [CivilDate(year: 2026, month: 3, day: 13)], seed: 9)
        let file = try await Self.export(generated, from: "2026-04-01", to: "2026-04-30", out: generated.directory)
        let valid = try await Self.validate(file)
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
        let generated = try await Self.generate(days: [CivilDate(year: 2026, month: 3, day: 13)], seed: 4)
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

        let file = try await Self.export(generated, from: "2026-03-13", to: "2026-03-13", out: generated.directory)
        #expect(try await Self.validate(file).status == 0)
        let checked = try await Self.check(file, publicKey: generated.publicKeyPath)
        #expect(checked.status != 0)
        #expect(checked.output.contains("signature of transaction 1 does not verify"), "\(checked.output)")
    }

    /// `kasse journal copy`: the copy receipt marked KOPI, stored in the journal in full; a
    /// second copy of the same sale is refused; the export counts it.
    @Test func oneCopyPerSaleThroughTheCommandLine() async throws {
        let generated = try await Self.generate(days: [CivilDate(year: 2026, month: 3, day: 13)], seed: 5)
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

        let file = try await Self.export(generated, from: "2026-03-13", to: "2026-03-13", out: generated.directory)
        #expect(try await Self.validate(file).status == 0)
        let checked = try await Self.check(file, publicKey: generated.publicKeyPath)
        #expect(checked.status == 0, "\(checked.output.suffix(3000))")
    }
}
