import ArgumentParser
import Foundation
import KasseCore
import KasseJournal
import KasseJournalSQLite
import KasseNorway
import KasseTill
import Synchronization
import VippsModels

/// Speed and memory of the till's core with a large catalog. Run a release build:
/// `swift run -c release kasse benchmark`. Targets: catalog to first frame < 300 ms, keystroke
/// to screen < 10 ms at p99, name search < 20 ms per keystroke, resident memory < 50 MB.
struct BenchmarkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "benchmark", abstract: "Measure the till's core and the SAF-T export with large data.",
        subcommands: [TillBenchmark.self, SAFTBenchmark.self, PrinterBenchmark.self, ServerBenchmark.self], defaultSubcommand: TillBenchmark.self)
}

struct TillBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "till", abstract: "Measure catalog loading, keystroke-to-screen and search times with a large catalog.")

    @Option(help: "Products in the generated catalog.") var products = 100_000
    @Option(help: "Keystrokes to time.") var keystrokes = 3_000

    func run() async throws {
        let clock = ContinuousClock()
        let csv = CatalogGenerator.csv(count: products, seed: 11)
        let rssBefore = residentMegabytes()

        let loadStart = clock.now
        let parsed = CatalogCSV.parse(csv, market: .norway)
        let till = Till(catalog: parsed.catalog)
        var state = TillState(
            settings: TillSettings(mode: .demo, shopName: "Bench", storeID: "B1", tillID: "1", market: .norway),
            now: clock.now, today: CivilDate(year: 2026, month: 11, day: 21))
        let size = TerminalSize(columns: 120, rows: 40)
        _ = TillScreen.render(state, size: size)
        let firstFrame = clock.now - loadStart

        var keyTimes: [Duration] = []
        var random = SeededRandom(seed: 3)
        let gtins = parsed.catalog.products.compactMap(\.gtin?.original)
        var typed = 0
        while typed < keystrokes {
            let code = gtins[Int(random.next() % UInt64(gtins.count))]
            for key in Array(code).map(Key.character) + [.enter] {
                let start = clock.now
                _ = till.reduce(&state, .keyPressed(key))
                _ = TillScreen.render(state, size: size)
                keyTimes.append(clock.now - start)
                typed += 1
            }
            if case .weight = state.entryMode {
                for key in Array("0,5").map(Key.character) + [.enter] { _ = till.reduce(&state, .keyPressed(key)) }
            }
            if state.basket.lines.count > 40 { state.basket = Basket(currency: .NOK) }
        }

        var searchTimes: [Duration] = []
        for word in ["melk", "bønne", "fjord ost", "kjøttdeig økologisk", "zzz", "l", "gr"] {
            var query = ""
            for character in word {
                query.append(character)
                let start = clock.now
                _ = parsed.catalog.search(name: query, limit: 8)
                searchTimes.append(clock.now - start)
            }
        }
        let rssAfter = residentMegabytes()

        func ms(_ duration: Duration) -> String {
            String(format: "%.2f ms", Double(duration.components.attoseconds) / 1e15 + Double(duration.components.seconds) * 1000)
        }
        func percentile(_ values: [Duration], _ p: Double) -> Duration {
            let sorted = values.sorted()
            return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
        }
        emit("catalog: \(parsed.catalog.count) products (\(parsed.problems.count) problems)")
        emit("catalog parsed and indexed, first frame rendered: \(ms(firstFrame))   (target < 300 ms)")
        emit("keystroke to rendered screen: p50 \(ms(percentile(keyTimes, 0.5))), p99 \(ms(percentile(keyTimes, 0.99)))   (target p99 < 10 ms)")
        emit("name search per keystroke: p50 \(ms(percentile(searchTimes, 0.5))), max \(ms(searchTimes.max() ?? .zero))   (target < 20 ms)")
        emit("resident memory: \(rssAfter) MB (\(rssBefore) MB before the catalog)   (target < 50 MB)")
        emit("polling: first look 5 s after create, then every 2 s: an authorization is seen within 2 s, 30 requests a minute (limit 120)")
    }

    func residentMegabytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return -1 }
        return kilobytes / 1024
    }
}

/// The SAF-T export of a busy till's year, and signing at the till. Run a release build:
/// `swift run -c release kasse benchmark saft`. Targets: 250 000 sales export in < 60 s with
/// resident memory < 200 MB; signing < 1 ms per transaction.
struct SAFTBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "saft", abstract: "Generate a year of signed sales in a journal, then time `kasse saft export` over it.")

    @Option(help: "Sales to generate (a return every 40 sales, a Z report every 700).") var sales = 250_000
    @Option(help: "Folder for the journal and the file (default: a new temporary folder, removed afterwards).") var directory: String?

    func run() async throws {
        let folder = directory ?? NSTemporaryDirectory() + "kasse-saft-bench-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { if directory == nil { try? FileManager.default.removeItem(atPath: folder) } }
        let clock = ContinuousClock()
        let signer = try TransactionSigner(privateKeyPEM: try TransactionSigner.generateKey().privatePEM, keyVersion: "1")
        let zone = ShopTimeZone.of(.norway)
        let products = Array(CatalogGenerator.products(count: 2_000, seed: 5))
        final class Seconds: Sendable {
            let value = Mutex(0.0)
        }
        let seconds = Seconds()
        seconds.value.withLock { $0 = Double(InternetTime.days(fromCivil: 2025, 1, 2)) * 86_400 + 7 * 3600 }
        let journalPath = folder + "/journal.sqlite"
        let journal = try Journal(path: journalPath, till: "1", cashier: "1001", checkAnchor: false,
                                  now: { Date(timeIntervalSince1970: seconds.value.withLock { $0 += 1; return $0 }) })
        var chain = TransactionChain(signer: signer, register: "1", zone: zone, last: nil)
        var random = SeededRandom(seed: 7)
        var signing: [Duration] = []
        signing.reserveCapacity(sales)
        let generationStart = clock.now
        var day = 0
        for number in 1...sales {
            if number % 700 == 1 {
                day += 1
                seconds.value.withLock { $0 = Double(InternetTime.days(fromCivil: 2025, 1, 2) + Int64(day)) * 86_400 + 7 * 3600 }
                try await journal.append([.tillStarted(mode: "PRODUCTION", store: "S1", till: "1")])
            }
            var lines: [JournalLine] = []
            for lineID in 1...Int.random(in: 1...4, using: &random) {
                let product = products[Int.random(in: 0..<products.count, using: &random)]
                let quantity = product.unit == .kilogram ? 500 : 1
                let total = product.unit == .kilogram ? product.unitPrice / 2 : product.unitPrice
                lines.append(JournalLine(
                    lineID: lineID, sku: product.sku, gtin: nil, name: product.name, unitPrice: product.unitPrice,
                    vatRateBasisPoints: product.vatRate.basisPoints, weighed: product.unit == .kilogram, quantity: quantity, discount: 0,
                    isReturn: false, total: total, articleGroup: product.articleGroup))
            }
            let total = lines.reduce(0) { $0 + $1.total }
            let date = zone.date(atUTC: Int64(seconds.value.withLock { $0 }))
            let reference = PaymentReference(store: "S1", till: "1", date: date, sequence: number, attempt: 1).value
            let sale = JournalSale(sale: number, receiptNumber: String(number), reference: reference, currency: "NOK", total: total,
                                   captured: total, customer: "+47 ******01", lines: lines, vat: JournalSale.vat(of: lines))
            var events: [JournalEvent] = lines.map { .lineAdded(sale: number, line: $0) }
            events.append(.captureStarted(sale: number, reference: reference, amount: total, key: "k-\(reference)"))
            let start = clock.now
            events += try chain.sign([.saleCompleted(sale)], refunds: [], atUTC: Int64(seconds.value.withLock { $0 }))
            signing.append(clock.now - start)
            if number % 40 == 0 {
                let refund = JournalRefund(sale: number, reference: reference, returnNumber: number / 40, amount: lines[0].total,
                                           currency: "NOK", key: "r\(number / 40)-\(reference)", lines: [lines[0]])
                events.append(.refundStarted(refund))
                events += try chain.sign([.refunded(sale: number, reference: reference, returnNumber: number / 40, amount: refund.amount)],
                                         refunds: [refund], atUTC: Int64(seconds.value.withLock { $0 }))
            }
            try await journal.append(events)
            // An X report mid-day, stored in full as the till stores it; a Z report closes each day.
            if number % 700 == 350 { try await journal.append([.xReport(try await journal.xReport(store: "S1", currency: "NOK"))]) }
            if number % 700 == 0 { _ = try await journal.zReport(store: "S1", currency: "NOK") }
        }
        let generation = clock.now - generationStart
        let config = folder + "/kasse.toml"
        try """
            [till]
            store_id = "S1"
            till_id = "1"
            market = "NO"
            [journal]
            path = "\(journalPath)"
            """.write(toFile: config, atomically: true, encoding: .utf8)

        // The export as a shop runs it: the real binary, a separate process, its peak memory read back.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        process.arguments = ["saft", "export", "--config", config, "--from", "2025-01-01", "--to", "2025-12-31", "--out", folder]
        process.standardOutput = FileHandle.nullDevice
        let exportStart = clock.now
        try process.run()
        process.waitUntilExit()
        let export = clock.now - exportStart
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage)
        let file = try FileManager.default.contentsOfDirectory(atPath: folder).first { $0.hasSuffix(".xml") }
        let size = file.flatMap { try? FileManager.default.attributesOfItem(atPath: folder + "/" + $0)[.size] as? Int } ?? 0

        func inSeconds(_ duration: Duration) -> String {
            String(format: "%.1f s", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
        }
        let sorted = signing.sorted()
        func ms(_ duration: Duration) -> String {
            String(format: "%.3f ms", Double(duration.components.attoseconds) / 1e15 + Double(duration.components.seconds) * 1000)
        }
        emit("generated \(sales) signed sales (\(sales / 40) returns, \(sales / 700) X and \(sales / 700) Z reports) in \(inSeconds(generation))")
        emit("signing at the till: p50 \(ms(sorted[sorted.count / 2])), p99 \(ms(sorted[sorted.count * 99 / 100]))   (target < 1 ms)")
        emit("kasse saft export (exit \(process.terminationStatus)): \(inSeconds(export)), \(size / 1_048_576) MB file, "
            + "peak resident memory \(usage.ru_maxrss / 1024) MB   (targets < 60 s, < 200 MB)")
    }
}

