import ArgumentParser
import Foundation
import KasseCore
import KasseTill
import VippsModels

/// Speed and memory of the till's core with a large catalog. Run a release build:
/// `swift run -c release kasse benchmark`. Targets: catalog to first frame < 300 ms, keystroke
/// to screen < 10 ms at p99, name search < 20 ms per keystroke, resident memory < 50 MB.
struct BenchmarkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "benchmark", abstract: "Measure catalog loading, keystroke-to-screen and search times with a large catalog.")

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
