import ArgumentParser
import Foundation
import KasseCore
import KassePrinter
import KassePrinting
import KasseTerminal
import KasseTill
import KasseTillApp
import Logging
import Synchronization
import VippsClient

/// Keystroke to screen in the till's real runtime while the printer hangs: the emulator takes
/// the connection and never answers, with a Z-sized job and a receipt stuck in the queue. Run a
/// release build: `swift run -c release kasse benchmark printer`. Target: p99 < 10 ms, as
/// without a printer.
struct PrinterBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "printer", abstract: "Keystroke to screen in the till's runtime while print jobs hang on a printer that never answers.")

    @Option(help: "Keystrokes to time.") var keystrokes = 2_000
    @Option(help: "Products in the generated catalog.") var products = 20_000

    func run() async throws {
        let emulator = PrinterEmulator(behaviour: .silent)
        try emulator.listen(port: 0)
        defer { emulator.stop() }
        let catalog = CatalogCSV.parse(CatalogGenerator.csv(count: products, seed: 11), market: .norway).catalog
        var settings = TillSettings(mode: .demo, shopName: "Bench", storeID: "B1", tillID: "1", market: .norway)
        settings.receipts = .always
        var logger = Logger(label: "kasse.benchmark")
        logger.logLevel = .critical
        let terminal = TimingTerminal()
        // Nothing is paid: the client is never called.
        let client = VippsClient(configuration: VippsConfiguration(baseURL: "http://127.0.0.1:9", clientID: "b", clientSecret: "b",
                                                                   subscriptionKey: "b", merchantSerialNumber: "1"), logger: logger)
        let runtime = TillRuntime(
            till: Till(catalog: catalog), state: TillState(settings: settings, now: .now, today: CivilDate(year: 2026, month: 11, day: 30)),
            client: client, terminal: terminal, scanners: nil, roles: [], logger: logger, journal: MemoryJournal(),
            printer: PrinterSettings(target: .network(host: "127.0.0.1", port: emulator.port), timeout: .seconds(3600)))
        let running = Task { await runtime.run() }
        _ = await terminal.frame()

        // An X report, printed: the job hangs at the printer, which holds its connection.
        _ = await terminal.key(.function(11))
        while !(terminal.lastFrame.contains("X REPORT") || terminal.lastFrame.contains("X-RAPPORT")) { _ = await terminal.frame() }
        _ = await terminal.key(.character("p"))
        _ = await terminal.key(.escape)
        let clock = ContinuousClock()
        let hungSince = clock.now
        while emulator.statusRequests == 0 && emulator.connectionsAccepted == 0 && clock.now - hungSince < .seconds(30) {
            try await Task.sleep(for: .milliseconds(10))
        }

        var times: [Duration] = []
        var random = SeededRandom(seed: 3)
        // Products sold by the piece (a weighed one would ask for its weight).
        let gtins = catalog.products.filter { $0.unit != .kilogram }.compactMap(\.gtin?.original)
        var sold = 0
        while times.count < keystrokes {
            let code = gtins[Int(random.next() % UInt64(gtins.count))]
            for key in Array(code).map(Key.character) + [.enter] {
                times.append(await terminal.key(key))
            }
            sold += 1
            if sold % 30 == 0 {
                // A basket of 30 is voided (F9, y), so the basket stays a shop's size.
                _ = await terminal.key(.function(9))
                _ = await terminal.key(.character("y"))
            }
        }
        let hung = clock.now - hungSince
        _ = await terminal.key(.function(9))
        _ = await terminal.key(.character("y"))
        terminal.finish()
        running.cancel()

        let sorted = times.sorted()
        func ms(_ duration: Duration) -> String {
            String(format: "%.2f ms", Double(duration.components.attoseconds) / 1e15 + Double(duration.components.seconds) * 1000)
        }
        emit("printer: hung (takes the connection, never answers); the X report's job stuck in the queue for \(ms(hung))")
        emit("keystroke to screen in the till's runtime: \(times.count) keys, p50 \(ms(sorted[sorted.count / 2])), "
            + "p99 \(ms(sorted[sorted.count * 99 / 100])), max \(ms(sorted[sorted.count - 1]))   (target p99 < 10 ms)")
        emit("connections the printer holds: \(emulator.connectionsAccepted)")
    }
}

/// A terminal for timing: each key is handed to the runtime and timed until the frame it causes.
final class TimingTerminal: TillTerminal, @unchecked Sendable {
    let events: AsyncStream<TerminalEvent>
    private let continuation: AsyncStream<TerminalEvent>.Continuation
    private let frames: AsyncStream<String>
    private let frameContinuation: AsyncStream<String>.Continuation
    private var iterator: AsyncStream<String>.Iterator
    private(set) var lastFrame = ""
    let size = TerminalSize(columns: 120, rows: 40)

    init() {
        (events, continuation) = AsyncStream.makeStream(of: TerminalEvent.self)
        (frames, frameContinuation) = AsyncStream.makeStream(of: String.self)
        iterator = frames.makeAsyncIterator()
    }

    func present(_ canvas: Canvas) {
        frameContinuation.yield((0..<canvas.size.rows).map { canvas.row($0) }.joined(separator: "\n"))
    }

    func bell() {}

    func frame() async -> String {
        lastFrame = await iterator.next() ?? lastFrame
        return lastFrame
    }

    /// Sends a key; the time until the next frame.
    func key(_ key: Key) async -> Duration {
        let start = ContinuousClock.now
        continuation.yield(.key(key))
        _ = await frame()
        return ContinuousClock.now - start
    }

    func finish() {
        continuation.finish()
        frameContinuation.finish()
    }
}
