import Foundation
import KasseCore
import KasseJournal
import KasseJournalSQLite
import KasseLanguage
import KasseNorway
import KasseSimulator
import KasseTerminal
import KasseTesting
import KasseTill
import KasseTillApp
import Logging
import Synchronization
import Testing
import VippsClient
import VippsModels

/// A terminal the test types into and reads the latest frame from: the till's runtime runs
/// in-process, against the simulator over loopback HTTP, without tmux.
final class ScriptedTerminal: TillTerminal {
    let events: AsyncStream<TerminalEvent>
    private let continuation: AsyncStream<TerminalEvent>.Continuation
    private let frame = Watched<Canvas?>(nil)
    let size = TerminalSize(columns: 100, rows: 30)

    init() {
        (events, continuation) = AsyncStream.makeStream(of: TerminalEvent.self)
    }

    func present(_ canvas: Canvas) { frame.set(canvas) }
    func bell() {}

    func press(_ keys: Key...) { for key in keys { continuation.yield(.key(key)) } }
    func type(_ text: String) { for character in text { continuation.yield(.key(.character(character))) } }

    static func text(_ canvas: Canvas?) -> String {
        canvas.map { canvas in (0..<canvas.size.rows).map { canvas.row($0) }.joined(separator: "\n") } ?? ""
    }

    var screen: String { Self.text(frame.value) }

    /// Waits until a frame shows the text, woken by each frame the till draws (no polling);
    /// the bound is generous for a busy machine.
    @discardableResult
    func waitFor(_ text: String, timeout: Duration = .seconds(90), sourceLocation: SourceLocation = #_sourceLocation) async -> String {
        let (shown, inTime) = await frame.wait(timeout: timeout) { Self.text($0).contains(text) }
        if !inTime { Issue.record("the till never showed '\(text)':\n\(Self.text(shown))", sourceLocation: sourceLocation) }
        return Self.text(shown)
    }
}

/// The shop's day, moved by the test.
final class TestDay: Sendable {
    private let day: Mutex<CivilDate>
    init(_ day: CivilDate) { self.day = Mutex(day) }
    var today: CivilDate { day.withLock { $0 } }
    func set(_ new: CivilDate) { day.withLock { $0 = new } }
}

/// A till's runtime in-process: the real reducer, client, simulator and (unless given) an
/// in-memory journal; the terminal is scripted.
struct InProcessTill {
    let terminal = ScriptedTerminal()
    let task: Task<Void, Never>
    let tillID: String

    init(simulator: SimulatorHarness, journal: any TillJournal, day: TestDay, saleNumber: Int = 1,
         recovering: [UnsettledPayment] = [], chain: TransactionChain? = nil, secondsSince1970: Int64? = nil,
         market: Market = .norway, language: Language = .english, storeID: String = "TEST1", tillID: String = "2",
         clock: ManualClock? = nil) throws {
        self.tillID = storeID + "-" + tillID
        let settings = TillSettings(mode: .demo, shopName: "Testbutikken", storeID: storeID, tillID: tillID, market: market, language: language)
        let sample = market == .norway ? "catalog.csv" : market == .denmark ? "catalog-dk.csv" : "catalog-fi.csv"
        let data = try Data(contentsOf: Repository.root.appendingPathComponent("assets/" + sample))
        let catalog = data.withUnsafeBytes { CatalogCSV.parse(bytes: $0.bindMemory(to: UInt8.self), market: market) }.catalog
        var logger = Logger(label: "kasse.till.test")
        logger.logLevel = .warning
        // The real till's builder, with a scripted terminal, the test's journal and clock.
        var parts = TillParts(till: Till(catalog: catalog), state: TillState(settings: settings, saleNumber: saleNumber, now: .now, today: day.today),
                              client: VippsClient(configuration: simulator.demoConfiguration, logger: logger), terminal: terminal,
                              journal: journal, logger: logger)
        parts.today = { day.today }
        parts.chain = chain
        parts.secondsSince1970 = { secondsSince1970 ?? Int64(Date().timeIntervalSince1970) }
        parts.clock = clock.map { TillClock($0) } ?? .continuous
        parts.recovering = recovering
        let till = parts.assemble()
        task = Task { await till.run() }
    }

    /// Basket of one product, the customer by number, F4; the reference of the request.
    func sendPayment(_ simulator: SimulatorHarness, number: String = "91234567") async throws -> String {
        let before = Set(try await simulator.control(.GET, "/simulator/v1/payments").array.compactMap { $0["reference"] as? String })
        terminal.type("1001")
        terminal.press(.enter)
        await terminal.waitFor("Lettmelk")
        terminal.press(.function(2))
        terminal.type(number)
        terminal.press(.enter, .function(4))
        await terminal.waitFor("Reference \(tillID)-")
        if let new = try await eventually(timeout: .seconds(60), { () async throws -> String? in
            let references = try await simulator.control(.GET, "/simulator/v1/payments").array.compactMap { $0["reference"] as? String }
            return references.first { !before.contains($0) }
        }) { return new }
        Issue.record("no payment reached the simulator")
        return ""
    }

    func quit() async {
        terminal.press(.function(10))
        terminal.type("y")
        await task.value
    }
}
