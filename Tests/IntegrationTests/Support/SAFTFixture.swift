import Foundation
import KasseCore
import KasseJournal
import KasseJournalSQLite
import KasseNorway
import KasseTill
import Synchronization
import Testing
import VippsModels

enum SAFTFixture {
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
}
