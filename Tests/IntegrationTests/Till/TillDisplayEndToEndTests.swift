import Foundation
@testable import IntegrationSupport
import KasseDisplayLink
import KasseTill
import Logging
import Synchronization
import Testing
import KasseJournal
import KasseTesting

/// `kasse display` in a terminal of its own (tmux), following a real till in another.
final class DisplaySession: Sendable {
    let name = "display-\(UUID().uuidString.prefix(8))"
    let socket = "kasse-test-\(UUID().uuidString.prefix(8))"
    let log: String

    init(till address: String, secret: String, columns: Int = 40, rows: Int = 12, log: String) async throws {
        self.log = log
        let command = "TERM=xterm-256color KASSE_DISPLAY_SECRET=\(secret) \(KasseBinary.path) display --till \(address) --log \(log); echo DISPLAY-EXITED-$?; sleep 60"
        try await TillSession.tmuxDetached(["-L", socket, "new-session", "-d", "-s", name, "-x", "\(columns)", "-y", "\(rows)", command])
    }

    func screen() async throws -> String {
        try await TillSession.tmux(["-L", socket, "capture-pane", "-p", "-t", name])
    }

    @discardableResult
    func waitFor(_ what: String, timeout: Duration = .seconds(60), sourceLocation: SourceLocation = #_sourceLocation,
                 _ test: (String) -> Bool) async throws -> String {
        try await TillSession.waitUntil(what, timeout: timeout, sourceLocation: sourceLocation, screen: screen, test,
                                        problem: { last in "the display never showed \(what):\n\(last)" })
    }

    @discardableResult
    func waitFor(_ text: String, timeout: Duration = .seconds(60), sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        try await waitFor("'\(text)'", timeout: timeout, sourceLocation: sourceLocation) { $0.contains(text) }
    }

    /// Ends the session; the display ends with its terminal (and is killed should it not).
    func close() async {
        _ = try? await TillSession.tmux(["-L", socket, "kill-server"])
        _ = try? await runProgram("/usr/bin/pkill", ["-KILL", "-f", "display --till .* --log \(log)"])
    }
}

@Suite struct TillDisplayEndToEndTests {
    static let secret = "the-display-secret-0123456789"

    /// The cashier sells; the customer's screen follows: the lines and the total, "approve in
    /// your app" with the time left, PAID; then the next customer's welcome. The till stops:
    /// the display says closed; the till comes back: the display finds it by itself.
    @Test func theCustomerSeesTheSaleAndThePaymentAndTheDisplayOutlivesTheTill() async throws {
        let sim = try await SimulatorHarness.start()
        let port = try PostgresCluster.freePort()
        let extra = "[display]\nlisten = \"127.0.0.1:\(port)\"\nsecret = \"\(Self.secret)\""
        let till = try await TillSession(simulator: sim, extraConfig: extra)
        try await till.waitFor("Testbutikken")
        let display = try await DisplaySession(till: "ws://127.0.0.1:\(port)", secret: Self.secret, log: till.directory + "/display.log")
        defer { Task { await display.close() } }
        try await display.waitFor("Welcome to Testbutikken")

        try await till.type("7040000000016")
        try await till.keys("Enter")
        try await till.type("2*7040000000023")
        try await till.keys("Enter")
        try await display.waitFor("Helmelk 1 l")
        var shown = try await display.waitFor("NOK 76.70")
        #expect(shown.contains("Lettmelk 1 l") && shown.contains("To pay"), "\(shown)")
        #expect(shown.contains("Scan your Vipps or MobilePay QR code"))

        let before = Set(try await sim.control(.GET, "/simulator/v1/payments").array.compactMap { $0["reference"] as? String })
        try await till.keys("F2")
        try await till.type("90000001")
        try await till.keys("Enter", "F4")
        shown = try await display.waitFor("Approve NOK 76.70 in your app")
        #expect(shown.contains("Time left"))
        #expect(!shown.contains("90000001"), "the customer's number on the display")
        let references = try await sim.control(.GET, "/simulator/v1/payments").array.compactMap { $0["reference"] as? String }
        let reference = try #require(references.first { !before.contains($0) })
        _ = try await sim.control(.POST, "/simulator/v1/payments/\(reference)/approve")
        try await till.waitFor("PAID", timeout: .seconds(90))
        shown = try await display.waitFor("PAID NOK 76.70", timeout: .seconds(90))
        #expect(shown.contains("Thank you"))
        try await till.keys("Enter")
        try await display.waitFor("Welcome to Testbutikken")

        // The till goes away: a calm closed screen; it comes back: the display follows it again.
        try await till.kill()
        await till.close()
        try await display.waitFor("Closed")
        let again = try await TillSession(simulator: sim, extraConfig: extra, reusing: till.directory)
        defer { Task { await again.close() } }
        try await again.waitFor("Testbutikken")
        try await display.waitFor("Welcome to Testbutikken")
        try await again.type("7040000000016")
        try await again.keys("Enter")
        try await display.waitFor("NOK 24.90")
        await display.close()
        await again.close()
    }

    /// The QR fallback: the cashier chooses the shop's QR code (F2 twice); the display draws the
    /// payment's code; a real decoder reads it from the captured screen, to the simulator's
    /// address of that very payment; approving it completes the sale on both screens.
    @Test func theShopsQRCodeOnTheDisplayIsReadByARealDecoderAndPays() async throws {
        let sim = try await SimulatorHarness.start()
        let port = try PostgresCluster.freePort()
        let extra = "[display]\nlisten = \"127.0.0.1:\(port)\"\nsecret = \"\(Self.secret)\""
        let till = try await TillSession(simulator: sim, extraConfig: extra)
        try await till.waitFor("Testbutikken")
        let display = try await DisplaySession(till: "ws://127.0.0.1:\(port)", secret: Self.secret, columns: 80, rows: 24,
                                               log: till.directory + "/display.log")
        try await display.waitFor("Welcome to Testbutikken")
        try await till.type("7040000000016")
        try await till.keys("Enter")
        try await display.waitFor("NOK 24.90")
        try await till.keys("F2")
        try await till.waitFor("Type the customer's mobile number")
        try await till.keys("F2")
        try await till.waitFor("scans the shop's QR code")
        let before = Set(try await sim.control(.GET, "/simulator/v1/payments").array.compactMap { $0["reference"] as? String })
        try await till.keys("F4")
        try await till.waitFor("is on the customer display")
        let shown = try await display.waitFor("Scan this code")
        let references = try await sim.control(.GET, "/simulator/v1/payments").array.compactMap { $0["reference"] as? String }
        let reference = try #require(references.first { !before.contains($0) })
        let record = try await sim.control(.GET, "/simulator/v1/payments/\(reference)").json
        #expect(record["userFlow"] as? String == "QR", "\(record)")

        let decoded = try await TerminalQR.decode(shown.components(separatedBy: "\n"))
        let address = try #require(decoded, "no QR code read from the display:\n\(shown)")
        #expect(address.hasPrefix(sim.baseURL + "/simulator/v1/landing/\(reference)?token="), "\(address)")
        // The customer's phone opens the address and approves.
        let landing = try await SimulatorQRFixture.bytes(address)
        #expect(landing.status == 200)
        _ = try await sim.control(.POST, "/simulator/v1/payments/\(reference)/approve")
        try await till.waitFor("PAID", timeout: .seconds(90))
        try await display.waitFor("PAID NOK 24.90", timeout: .seconds(90))
        await display.close()
        await till.close()
    }

    /// Only a display with the till's secret sees anything; the others are refused at the door.
    @Test func aDisplayWithoutTheSecretSeesNothing() async throws {
        let logger = Logger(label: "test.display")
        let server = try await CustomerViewServer.start(host: "127.0.0.1", port: 0, secret: Self.secret, logger: logger)
        let view = CustomerView(shopName: "Butikken", language: "nb", currency: "NOK", lines: [], total: 4990,
                                phase: .approveInApp(amount: 4990, secondsLeft: 300))
        server.publish(view)
        let right = Mutex<[CustomerView]>([]), wrong = Mutex<[CustomerView]>([])
        let good = Task {
            await CustomerViewClient(url: "ws://127.0.0.1:\(server.port)", secret: Self.secret, logger: logger).follow { v in right.withLock { $0.append(v) } }
        }
        let bad = Task {
            await CustomerViewClient(url: "http://127.0.0.1:\(server.port)", secret: "not-the-display-secret", logger: logger)
                .follow { v in wrong.withLock { $0.append(v) } }
        }
        try await StoreServerFixture.eventually("the right display has the view") { right.withLock { $0.contains(view) } }
        try await StoreServerFixture.eventually("the wrong one was turned away") { wrong.withLock { !$0.isEmpty } }
        #expect(server.displays == 1)
        // Views go out as they change (the same view twice is sent once).
        var paid = view
        paid.phase = .paid(amount: 4990)
        server.publish(paid)
        server.publish(paid)
        try await StoreServerFixture.eventually("the change arrived") { right.withLock { $0.last == paid } }
        #expect(right.withLock { $0.filter { $0 == paid }.count } == 1)
        #expect(wrong.withLock { $0.allSatisfy { $0.phase == .closed } }, "a display without the secret saw the till")
        good.cancel()
        bad.cancel()
        await good.value
        await bad.value
        await server.stop()
    }
}
