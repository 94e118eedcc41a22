import Foundation
@testable import IntegrationSupport
import KasseSimulator
import KasseTillApp
import KasseJournal
import KasseJournalSQLite
import KasseLanguage
import KasseTill
import Testing
import KasseTesting


@Suite(.serialized) struct TillEndToEndTests {
    @Test func typedProductsTypedNumberApprovedPaidAndRecorded() async throws {
        let sim = try await SimulatorHarness.start()
        let till = try await TillSession(simulator: sim)
        try await till.waitFor("Testbutikken")
        #expect(try await till.screen().contains(" DEMO "))  // a simulator URL is demo, never TEST or PRODUCTION
        try await till.type("7040000000016")
        try await till.keys("Enter")
        try await till.type("2*7040000000023")
        try await till.keys("Enter")
        try await till.waitFor("Helmelk 1 l")
        try await till.keys("F2")
        try await till.type("900 00 001")
        try await till.keys("Enter")
        try await till.waitFor("Customer: +47 ******01")
        try await till.keys("F4")
        try await till.waitFor("WAITING FOR THE CUSTOMER")
        let payments = try await sim.control(.GET, "/simulator/v1/payments").array
        let reference = try #require(payments.first?["reference"] as? String)
        #expect(reference == "TEST1-2-" + (reference.split(separator: "-")[2]) + "-000001-1")
        _ = try await sim.control(.POST, "/simulator/v1/payments/\(reference)/approve")
        let paid = try await till.waitFor("PAID", timeout: .seconds(90))
        #expect(paid.contains("NOK 76.70"))
        let record = try await sim.control(.GET, "/simulator/v1/payments/\(reference)")
        #expect(record.aggregate("capturedAmount") == 7670)
        #expect(record.json["customerInteraction"] as? String == "CUSTOMER_PRESENT")
        #expect(record.json["userFlow"] as? String == "PUSH_MESSAGE")
        let receipt = try #require(record.json["receipt"] as? [String: Any])
        #expect((receipt["orderLines"] as? [Any])?.count == 2)
        #expect((record.json["receiptWarnings"] as? [String])?.isEmpty == true)
        // The receipt names the store and till, its number, and its barcode (as on paper); the
        // payment's metadata where it was sold, passed back by GET payment.
        let bottomLine = try #require(receipt["bottomLine"] as? [String: Any])
        #expect(bottomLine["posId"] as? String == "TEST1-2" && bottomLine["receiptNumber"] as? String == "000001")
        #expect((bottomLine["barcode"] as? [String: Any])?["format"] as? String == "CODE 128"
                && (bottomLine["barcode"] as? [String: Any])?["data"] as? String == "000001")
        let read = try await sim.api(.GET, "/epayment/v1/payments/\(reference)")
        #expect(read.json["metadata"] as? [String: String] == ["store": "TEST1", "till": "2", "receipt": "000001", "sale": "1"], "\(read.body)")
        try await till.keys("Enter")
        try await till.waitFor("sale 000002")
        try await till.keys("F10")
        try await till.waitFor("KASSE-EXITED-0")
        await till.close()
        try await sim.finish(checkRequests: "all")
    }

    /// DEMO means DEMO: no configuration file, but `KASSE_API_URL` and credentials left in the
    /// environment (pointing at another simulator here): the till runs DEMO on its own simulator,
    /// says that it ignores those variables, and not one request reaches the other API.
    @Test func withoutAConfigurationFileTheTillIsDemoAndIgnoresTheAPIVariables() async throws {
        let elsewhere = try await SimulatorHarness.start()
        let variables = "KASSE_API_URL=\(elsewhere.baseURL) KASSE_CLIENT_ID=\(SimulatorConfiguration.demoClientID) "
            + "KASSE_CLIENT_SECRET=\(SimulatorConfiguration.demoClientSecret) KASSE_SUBSCRIPTION_KEY=\(SimulatorConfiguration.demoSubscriptionKey) "
            + "KASSE_MSN=\(elsewhere.msn)"
        let till = try await TillSession(simulator: elsewhere, logIn: nil, environment: variables, configurationFile: false)
        let notice = try await till.waitFor("are ignored")
        #expect(notice.contains(" DEMO ") && notice.contains("no configuration file, so KASSE_API_URL")
                && notice.contains("KASSE_SUBSCRIPTION_KEY are ignored"), "\(notice)")
        try await till.logIn("1001", "1234")
        try await till.type("1001")
        try await till.keys("Enter")
        try await till.keys("F2")
        try await till.type("91234567")  // DEMO's Kari, who approves by herself
        try await till.keys("Enter", "F4")
        try await till.waitFor("PAID", timeout: .seconds(90))
        #expect(try await elsewhere.control(.GET, "/simulator/v1/payments").array.isEmpty)
        try await till.keys("Enter", "F10")
        try await till.waitFor("KASSE-EXITED-0")
        await till.close()
        try await elsewhere.finish(checkRequests: "none")
    }

    /// A lost anchor file is how a cut journal would be hidden: the real till does not start on
    /// it, and says how a manager acknowledges it; once acknowledged (journaled), it sells again.
    @Test func aTillWhoseAnchorFileWasLostStartsOnlyOnceItIsAcknowledged() async throws {
        let sim = try await SimulatorHarness.start()
        let first = try await TillSession(simulator: sim)
        try await first.waitFor("Testbutikken")
        try await first.keys("F10")
        try await first.waitFor("KASSE-EXITED-0")
        await first.close()
        let journalPath = first.directory + "/.local/share/kasse/demo-journal.sqlite"
        let anchor = JournalAnchor.path(forJournal: journalPath)
        #expect(FileManager.default.fileExists(atPath: anchor))
        try FileManager.default.removeItem(atPath: anchor)

        let refused = try await TillSession(simulator: sim, reusing: first.directory, logIn: nil)
        let screen = try await refused.waitFor("KASSE-EXITED-1", timeout: .seconds(120))
        #expect(screen.contains("cannot be checked") && screen.contains("kasse journal reanchor"), "\(screen)")
        await refused.close()
        #expect(!FileManager.default.fileExists(atPath: anchor))
        let acknowledged = try await KasseBinary.run(["journal", "reanchor", "--journal", journalPath, "--reason", "anchor lost, journal checked"],
                                                     environment: ["HOME": first.directory])
        #expect(acknowledged.status == 0, "\(acknowledged.errors)")

        let again = try await TillSession(simulator: sim, reusing: first.directory)
        try await again.waitFor("Testbutikken")
        try await again.keys("F10")
        try await again.waitFor("KASSE-EXITED-0")
        await again.close()
        let journal = try Journal(path: journalPath, till: "2", cashier: "t", readOnly: true)
        let notes = try await journal.entries().compactMap { entry -> String? in
            if case .operatorAction(let text)? = entry.event { return text }
            return nil
        }
        #expect(notes.contains { $0.hasPrefix("journal re-anchored: the anchor file is missing") && $0.contains("anchor lost, journal checked") },
                "\(notes)")
        #expect(try await journal.anchorCheck() == .matches(sequence: try await journal.newestEntry().sequence))
        try await sim.finish()
    }

    @Test func abortExpiryAndCashierCancelEachKeepTheBasket() async throws {
        let sim = try await SimulatorHarness.start()
        let till = try await TillSession(simulator: sim, columns: 80, rows: 24)
        try await till.waitFor("till 2")  // at 80 columns the shop's name gives way to who is logged in
        try await till.type("1001")
        try await till.keys("Enter", "F2")
        try await till.type("98765432")  // Ola aborts after 3 s
        try await till.keys("Enter", "F4")
        try await till.waitFor("WAITING")
        try await sim.advance(3.5)
        var screen = try await till.waitFor("NOT PAID")
        #expect(screen.contains("declined"))
        #expect(screen.contains("F4"))

        // Change customer to one who never answers, try again: a new reference; let it expire.
        try await till.keys("F2")
        try await till.type("41234567")
        try await till.keys("Enter", "F4")
        try await till.waitFor("WAITING")
        try await sim.advance(601)
        screen = try await till.waitFor("expired")

        // Back to the basket, then a third attempt the cashier cancels.
        try await till.keys("Escape")
        try await till.waitFor("Lettmelk 1 l")
        try await till.keys("F2")
        try await till.type("90000001")
        try await till.keys("Enter", "F4")
        try await till.waitFor("WAITING")
        try await till.keys("Escape")
        screen = try await till.waitFor("Payment cancelled")
        let payments = try await sim.control(.GET, "/simulator/v1/payments").array
        let states = payments.compactMap { $0["state"] as? String }
        #expect(states == ["ABORTED", "EXPIRED", "TERMINATED"])
        let references = payments.compactMap { $0["reference"] as? String }
        #expect(Set(references).count == 3)
        #expect(references.map { $0.suffix(2) } == ["-1", "-2", "-3"])
        try await till.keys("Escape")
        try await till.waitFor("Lettmelk 1 l")
        await till.close()
        try await sim.finish(checkRequests: "all")
    }

    /// SIGTERM (systemd stopping the till) or SIGHUP (its terminal gone) during a sale: the basket
    /// is voided and journaled, as on F10 and yes, the journal verifies, and the till exits 0.
    @Test(arguments: [SIGTERM, SIGHUP])
    func sigtermDuringASaleVoidsTheBasketAndExitsCleanly(signal: Int32) async throws {
        let sim = try await SimulatorHarness.start()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-sigterm-\(UUID().uuidString.prefix(8))").path
        let journalPath = directory + "/journal.sqlite"
        let till = try await TillSession(simulator: sim, extraConfig: "[journal]\npath = \"\(journalPath)\"", reusing: directory)
        try await till.waitFor("Testbutikken")
        try await till.type("1001")
        try await till.keys("Enter")
        try await till.waitFor("Lettmelk 1 l")
        try await till.type("7040000000023")
        try await till.keys("Enter")
        try await till.waitFor("Helmelk 1 l")
        try await till.signal(signal)
        try await till.waitFor("KASSE-EXITED-0")
        await till.close()
        let entries = try await Journal(path: journalPath, till: "2", cashier: "t", readOnly: true).entries()
        let voided = entries.compactMap { entry -> JournalSale? in if case .saleVoided(let sale)? = entry.event { sale } else { nil } }
        #expect(voided.count == 1 && voided.first?.lines.map(\.sku).count == 2, "\(entries.map(\.kind))")
        #expect(entries.last?.kind == "operator")
        let verified = try await KasseBinary.run(["journal", "verify", "--config", directory + "/kasse.toml"])
        #expect(verified.status == 0, "\(verified.output) \(verified.errors)")
        try await sim.finish(checkRequests: "all")
    }

    @Test func aNetworkFailureMidPaymentNeitherDoublesNorLosesIt() async throws {
        let sim = try await SimulatorHarness.start(faults: [FaultRule(route: "create", dropAfterCommit: 1), FaultRule(route: "capture", dropAfterCommit: 2)])
        let till = try await TillSession(simulator: sim)
        try await till.waitFor("Testbutikken")
        try await till.type("1001")
        try await till.keys("Enter")
        let reference = try await till.payApprovedByTypedNumber(sim)
        let payments = try await sim.control(.GET, "/simulator/v1/payments").array
        #expect(payments.count == 1)
        let record = try await sim.control(.GET, "/simulator/v1/payments/\(reference)")
        let events = (record.json["events"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
        #expect(events == ["CREATED", "AUTHORIZED", "CAPTURED"])
        #expect(record.aggregate("capturedAmount") == 2490)

        // The API unreachable for create: the attempt is checked, found never made, and retried anew.
        try await till.keys("Enter")
        _ = try await sim.control(.PUT, "/simulator/v1/faults", body: #"[{"route":"create","serverErrors":8}]"#)
        try await till.type("1002")
        try await till.keys("Enter", "F2")
        try await till.type("90000001")
        try await till.keys("Enter", "F4")
        try await till.waitFor("NOT PAID", timeout: .seconds(60))
        _ = try await sim.control(.DELETE, "/simulator/v1/faults")
        try await till.keys("F4")
        try await till.waitFor("WAITING")
        let second = try await sim.control(.GET, "/simulator/v1/payments").array
        #expect(second.count == 2)
        // The first attempt of sale 2 was never created; the second is the one that exists.
        let newReference = try #require(second.compactMap { $0["reference"] as? String }.first { $0 != reference })
        #expect(newReference.hasSuffix("-000002-2"))
        _ = try await sim.control(.POST, "/simulator/v1/payments/\(newReference)/approve")
        try await till.waitFor("PAID", timeout: .seconds(90))
        await till.close()
        try await sim.finish(checkRequests: "all")
    }
}

@Suite(.serialized) struct TillScannerEndToEndTests {
    /// The customer shows their QR code to a kiosk scanner emulated by umockdev; the till
    /// (in tmux) reads it through libusb and sends it whole as `customer.personalQr`.
    @Test(arguments: [false, true])
    func theCustomersQRCodeFromAnEmulatedUSBScanner(withDisplay: Bool) async throws {
        let sim = try await SimulatorHarness.start()
        let displayPort = try PostgresCluster.freePort()
        let displaySecret = "the-kiosk-display-secret-0123"
        let displayConfig = withDisplay ? "[display]\nlisten = \"127.0.0.1:\(displayPort)\"\nsecret = \"\(displaySecret)\"" : ""
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-usb-till-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let config = """
            [api]
            url = "\(sim.baseURL)"
            client_id = "\(SimulatorConfiguration.demoClientID)"
            client_secret = "\(SimulatorConfiguration.demoClientSecret)"
            subscription_key = "\(SimulatorConfiguration.demoSubscriptionKey)"
            msn = "\(sim.msn)"
            [till]
            store_id = "USB1"
            language = "en"
            log = "\(directory)/kasse.log"
            [scanners]
            enabled = true
            pause_ms = 5000
            [[scanners.device]]
            match = "05e0:1200@1-1"
            role = "kiosk"
            [journal]
            path = "\(directory)/journal.sqlite"
            \(displayConfig)
            """
        let path = directory + "/kasse.toml"
        _ = FileManager.default.createFile(atPath: path, contents: Data(config.utf8), attributes: [.posixPermissions: 0o600])
        let socket = "kasse-usb-\(UUID().uuidString.prefix(8))"
        let script = Repository.root.appendingPathComponent("Tests/USB/scenario.py").path
        let result = try await runProgram("/usr/bin/python3", [script, "till", KasseBinary.path, path, socket]
                                          + (withDisplay ? ["ws://127.0.0.1:\(displayPort)", displaySecret, sim.baseURL] : []))
        _ = try? await runProgram("/usr/bin/tmux", ["-L", socket, "kill-server"])
        // The tmux server started inside umockdev's wrapper may outlive it: its programs are ended here.
        _ = try? await runProgram("/usr/bin/pkill", ["-KILL", "-f", "till --config \(path)"])
        if withDisplay { _ = try? await runProgram("/usr/bin/pkill", ["-KILL", "-f", "display --till ws://127.0.0.1:\(displayPort) "]) }
        struct Report: Decodable {
            var ok: Bool
            var error: String?
            var displayRecognised: String?
            var displayApprove: String?
            var displayPaid: String?

            enum CodingKeys: String, CodingKey {
                case ok, error
                case displayRecognised = "display_recognised", displayApprove = "display_approve", displayPaid = "display_paid"
            }
        }
        let report = try #require(try? JSONDecoder().decode(Report.self, from: Data(result.output.utf8)), "\(result.output) \(result.errors.suffix(1500))")
        #expect(report.ok, "\(report.error ?? "")")
        if withDisplay {
            // The display saw the customer's number only masked.
            let shown = (report.displayRecognised ?? "") + (report.displayApprove ?? "")
            #expect(!shown.isEmpty && !shown.contains("4791234567") && !shown.contains("91234567"), "\(shown)")
            // The customer approved in the app: PAID on the till and on the customer's screen.
            #expect(report.displayPaid?.contains("PAID NOK 24.90") == true)
        }
        let payments = try await sim.control(.GET, "/simulator/v1/payments").array
        let customer = payments.first?["customer"] as? [String: Any]
        #expect(customer?["personalQr"] as? String == "https://qr.vipps.no/28/2/01/031/4791234567?v=1")
        #expect(customer?["phoneNumber"] == nil)
        try await sim.finish(checkRequests: "all")
    }
}

/// One Z report per business day: a till started with an earlier day's sales not closed by a
/// Z report says so on its first screen.
@Suite struct ZReportReminderEndToEndTests {
    @Test func anEarlierDayWithoutZIsNamedAtStart() async throws {
        let sim = try await SimulatorHarness.start()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-zremind-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let journalPath = directory + "/journal.sqlite"
        let journal = try Journal(path: journalPath, till: "2", cashier: "t")
        try await journal.append([.saleCompleted(JournalSale(
            sale: 1, receiptNumber: "000001", reference: "TEST1-2-20260115-000001-1", currency: "NOK", total: 2490, captured: 2490,
            customer: "x", lines: [], vat: []))])
        let till = try await TillSession(simulator: sim, extraConfig: "[journal]\npath = \"\(journalPath)\"", reusing: directory)
        let screen = try await till.waitFor("No Z report has closed the sales of 15/01/2026")
        #expect(screen.contains("F11, then F12"))
        try await till.keys("F10")
        try await till.waitFor("KASSE-EXITED-0")
        await till.close()
        try await sim.finish(checkRequests: "all")
    }
}

@Suite(.serialized) struct TillReturnEndToEndTests {
    /// A sale paid at the till, then part of it returned at the same till: F3, the receipt
    /// number, the lines, yes; the simulator shows the refund and the journal the return.
    @Test func aPaidSaleIsPartlyReturnedAtTheTill() async throws {
        let sim = try await SimulatorHarness.start()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-return-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let journalPath = directory + "/journal.sqlite"
        let till = try await TillSession(simulator: sim, extraConfig: "[journal]\npath = \"\(journalPath)\"", reusing: directory)
        try await till.waitFor("Testbutikken")
        try await till.type("3*1001")
        try await till.keys("Enter")
        try await till.type("1002")
        try await till.keys("Enter")
        let reference = try await till.payApprovedByTypedNumber(sim)
        try await till.keys("Enter")
        try await till.waitFor("sale 000002")

        try await till.keys("F3")
        try await till.waitFor("Receipt number or reference")
        // By day first: today's paid sales are listed, then one is chosen by its receipt number.
        try await till.type("today")
        try await till.keys("Enter")
        let listed = try await till.waitFor("Paid on ")
        #expect(listed.contains("000001") && listed.contains("100.60"))
        try await till.type("000001")
        try await till.keys("Enter")
        try await till.waitFor("can still be refunded NOK 100.60")
        try await till.type("1:2")
        try await till.keys("Enter")
        try await till.waitFor("Refund NOK 49.80")
        try await till.type("y")
        let done = try await till.waitFor("RETURNED")
        #expect(done.contains("RETURN 1  for receipt 000001"))
        #expect(try await sim.control(.GET, "/simulator/v1/payments/\(reference)").aggregate("refundedAmount") == 4980)
        try await till.keys("Enter")

        // The same sale again: what was returned is shown, and no more than the rest can go back.
        try await till.keys("F3")
        try await till.type(reference)
        try await till.keys("Enter")
        try await till.waitFor("(2 returned)")
        try await till.type("1:2")
        try await till.keys("Enter")
        try await till.waitFor("only 1 left")
        try await till.keys("Escape", "Escape")
        // The day's reports from the journal: X, then Z closes the day.
        try await till.keys("F11")
        // In Norway every item the law lists, with Norwegian labels, in two columns.
        let x = try await till.waitFor("X-RAPPORT")
        #expect(x.contains("Salgskvitteringer") && x.contains("Returer (1)") && x.contains("Linjekorreksjoner")
                    && x.contains("04006 Mat") && x.contains("Grand total netto") && x.contains("Org.nr. 999999999 MVA"), "\(x)")
        try await till.keys("F12")
        try await till.waitFor("Close the day with Z report 1?")
        try await till.type("y")
        try await till.approveAsManager()
        try await till.waitFor("Z report 1 stored in the journal")
        try await till.keys("Escape")
        try await till.keys("F10")
        try await till.waitFor("KASSE-EXITED-0")
        await till.close()

        let journal = try Journal(path: journalPath, till: "2", cashier: "t", readOnly: true)
        let refunds = try await journal.refunds(reference: reference)
        #expect(refunds.started.map(\.key.value) == ["r1-" + reference])
        #expect(refunds.refunded == 4980)
        if case .broken(let sequence, let reason) = try await journal.verify() { Issue.record("chain broken at \(sequence): \(reason)") }
        try await sim.finish(checkRequests: "all")
    }
}

/// Norwegian cash-register law at the real till, in a real terminal: log-in (a wrong PIN
/// first), a sale, its one copy receipt (a second refused), a training sale that never reaches
/// the configured API, a voided sale, and a Z report that only a manager's PIN closes; then the
/// journal and its SAF-T export through the real binary.
@Suite(.serialized) struct TillNorwayEndToEndTests {
    @Test func logInSaleCopyTrainingAndZWithAManagersPIN() async throws {
        let sim = try await SimulatorHarness.start()
        let till = try await TillSession(simulator: sim, logIn: nil)
        let first = try await till.waitFor("Employee number:")
        #expect(first.contains("DEMO staff: cashier 1001, PIN 1234"))
        // A wrong PIN: said plainly, the PIN never shown.
        try await till.type("1001")
        try await till.keys("Enter")
        try await till.type("4321")
        let masked = try await till.waitFor("PIN: ••••")
        #expect(!masked.contains("4321"))
        try await till.keys("Enter")
        try await till.waitFor("Wrong employee number or PIN. 2 more tries")
        try await till.type("1234")
        try await till.keys("Enter")
        try await till.waitFor("Kari Kasserer")  // the status bar names who is logged in

        // A sale, paid; its copy once, and a second refused.
        try await till.type("7040000000016")
        try await till.keys("Enter")
        try await till.waitFor("Lettmelk")
        let reference = try await till.payApprovedByTypedNumber(sim)
        try await till.keys("c")
        try await till.waitFor("Copy of receipt 000001 («KOPI») stored")
        try await till.keys("c")
        try await till.waitFor("Receipt 000001 already had its copy")
        try await till.keys("Enter")
        try await till.waitFor("sale 000002")

        // Training: a manager's PIN turns it on; TRAINING on every frame; paid on the embedded simulator.
        try await till.keys("F1")
        try await till.waitFor("To turn training mode on.")
        try await till.type("9001")
        try await till.keys("Enter")
        try await till.type("999999")
        try await till.keys("Enter")
        try await till.waitFor("TRAINING MODE on")
        let atConfigured = try await sim.control(.GET, "/simulator/v1/payments").array.count
        try await till.type("7040000000016")
        try await till.keys("Enter", "F2")
        try await till.type("91234567")
        try await till.keys("Enter", "F4")
        let waiting = try await till.waitUntil("a training payment waiting or paid") { $0.contains("WAITING") || $0.contains("PAID") }
        #expect(waiting.contains(" TRAINING "))
        let paid = try await till.waitFor("PAID", timeout: .seconds(90))
        #expect(paid.contains(" TRAINING "))
        #expect(try await sim.control(.GET, "/simulator/v1/payments").array.count == atConfigured)  // never reached the configured API
        try await till.keys("c")
        try await till.waitFor("A training sale has no receipt to copy.")
        try await till.keys("Enter")
        try await till.keys("F1")
        try await till.waitFor("To turn training mode off.")
        try await till.type("9001")
        try await till.keys("Enter")
        try await till.type("999999")
        try await till.keys("Enter")
        try await till.waitFor("Training mode off")
        #expect(!(try await till.screen()).contains(" TRAINING "))

        // The training sale cannot be returned.
        try await till.keys("F3")
        try await till.waitFor("Receipt number or reference")
        try await till.type("000002")
        try await till.keys("Enter")
        try await till.waitFor("was made in training mode: nothing was paid")
        try await till.keys("Escape")
        try await till.waitUntil("the basket again") { $0.contains("Barcode, number or name") }

        // A customer walks away: the whole sale is voided, after a question.
        try await till.type("1002")
        try await till.keys("Enter")
        try await till.waitFor("Helmelk")
        try await till.keys("F9")
        try await till.waitFor("every line? (y/n)")
        try await till.keys("y")
        try await till.waitFor("voided. Ready for the next customer")

        // Z: the cashier's own PIN does not close the day; the manager's does.
        try await till.keys("F11")
        try await till.waitFor("X-RAPPORT")
        try await till.keys("F12", "y")
        try await till.waitFor("To close the day with Z report 1.")
        try await till.type("1001")
        try await till.keys("Enter")
        try await till.type("1234")
        try await till.keys("Enter")
        try await till.waitFor("Kari Kasserer is not a manager")
        try await till.type("9001")
        try await till.keys("Enter")
        try await till.type("999999")
        try await till.keys("Enter")
        let z = try await till.waitFor("Z report 1 stored in the journal")
        #expect(z.contains("Z-RAPPORT 1") && z.contains("Treningskvitteringer (1)") && z.contains("Annulleringer (1)"))
        try await till.keys("Escape", "F12")
        try await till.waitFor("Kari Kasserer logged out")
        try await till.keys("F10")
        try await till.waitFor("KASSE-EXITED-0")
        await till.close()

        // The journal: who did what, the training sale signed as training, one copy.
        let journalPath = till.directory + "/.local/share/kasse/demo-journal.sqlite"
        let journal = try Journal(path: journalPath, till: "2", cashier: "t", readOnly: true)
        let entries = try await journal.entries()
        #expect(entries.filter { $0.kind == "logged-in" }.map(\.cashier) == ["1001"])
        #expect(entries.filter { $0.kind == "log-in-refused" }.map(\.payload).allSatisfy { $0.contains("\"employee\":\"1001\"") })
        #expect(entries.filter { $0.kind == "log-in-refused" }.count == 1)  // the wrong PIN, and nothing of it but the number
        #expect(!entries.contains { $0.payload.contains("4321") || $0.payload.contains("9999") })
        #expect(entries.filter { $0.kind == "sale-completed" }.allSatisfy { $0.cashier == "1001" })
        #expect(entries.first { $0.kind == "till-started" }?.cashier == "")
        #expect(entries.filter { $0.kind == "receipt-copied" }.count == 1)
        #expect(entries.filter { $0.kind == "training" }.count == 2)
        // Every receipt handed out, stored in full: the sale's, the training receipt (marked), the one copy.
        let receipts = entries.filter { $0.kind == "receipt" }.compactMap { entry -> (String, [String])? in
            if case .receiptIssued(_, let document, _, let text)? = entry.event { (document, text) } else { nil }
        }
        #expect(receipts.map(\.0) == ["sale", "training"])
        // The sale's original went to the customer's app with the payment: «Elektronisk salgskvittering».
        #expect(receipts.first?.1.contains { $0.contains("Elektronisk salgskvittering") } == true && receipts.first?.1.contains { $0.contains("Kari Kasserer") } == true)
        #expect(receipts.last?.1.contains { $0.contains("TRENING") } == true)
        #expect(entries.filter { $0.kind == "x-report" }.count == 1)
        #expect(entries.filter { $0.kind == "receipt-not-printed" }.count == 1)  // the sale (no printer); training has no receipt to print
        let signatures = try await journal.signatures()
        #expect(signatures.map(\.training) == [nil, true, nil])
        #expect(signatures.map(\.transaction) == ["sale", "sale", "void"])
        #expect(signatures.first?.reference == reference)
        if case .broken(let sequence, let reason) = try await journal.verify() { Issue.record("chain broken at \(sequence): \(reason)") }

        // The SAF-T export of the day through the real binary: valid, every reference and signature checked.
        let key = till.directory + "/.local/share/kasse/demo-signing-key.pem"
        let publicKey = till.directory + "/demo-public.pem"
        #expect(try await runProgram("/usr/bin/openssl", ["rsa", "-in", key, "-pubout", "-out", publicKey]).status == 0)
        let exported = try await runProgram(KasseBinary.path, ["saft", "export", "--config", till.directory + "/kasse.toml", "--from", "today",
                                                                "--out", till.directory], environment: ["HOME": till.directory])
        #expect(exported.status == 0, "\(exported.errors)")
        let file = try #require(exported.output.components(separatedBy: "Wrote ").last?.trimmingCharacters(in: .whitespacesAndNewlines))
        let valid = try await SAFTFixture.validate(file)
        #expect(valid.status == 0, "\(valid.errors.suffix(2000))")
        let checked = try await SAFTFixture.check(file, publicKey: publicKey)
        #expect(checked.status == 0 && checked.output.contains("ok: 3 transactions, 3 signatures verified"), "\(checked.output) \(checked.errors)")
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.contains("<eventType>EMPIN</eventType>") && text.contains("<eventType>TRAINREC</eventType>")
                && text.contains("<eventType>COPYREC</eventType>") && text.contains("<reportType>Z report</reportType>")
                && text.contains("<eventType>VOIDTRANS</eventType>") && text.contains("<voidTransaction>true</voidTransaction>"))
        // No paper for the sale: its original is in the customer's app (SALREC), not a sale without a receipt (13030).
        #expect(!text.contains("NOPRINTREC") && text.contains("the original went to the customer's app, no paper copy"))
        try await sim.finish()
    }
}
