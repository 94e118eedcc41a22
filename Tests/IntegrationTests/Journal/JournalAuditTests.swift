import Foundation
@testable import IntegrationSupport
import KasseJournal
import KasseJournalSQLite
import KasseSimulator
import KasseTill
import Testing

/// `kasse journal audit` against the simulator: Vipps MobilePay's own records find what a
/// journal rewritten by someone holding the file hides from the hash chain.
@Suite struct JournalAuditTests {
    static func reference(_ sale: Int) -> String { "STORE1-1-20261121-00000\(sale)-1" }

    /// The command line pointed at the simulator, with the journal's folder as home.
    static func environment(_ sim: SimulatorHarness, journal path: String) -> [String: String] {
        [
            "KASSE_API_URL": sim.baseURL, "KASSE_CLIENT_ID": SimulatorConfiguration.demoClientID,
            "KASSE_CLIENT_SECRET": SimulatorConfiguration.demoClientSecret,
            "KASSE_SUBSCRIPTION_KEY": SimulatorHarness.subscriptionKey, "KASSE_MSN": sim.msn,
            "HOME": (path as NSString).deletingLastPathComponent,
        ]
    }

    @Test func aChangedAmountAndADeletedSaleAreFoundThatTheChainAloneCannot() async throws {
        let sim = try await SimulatorHarness.start()
        let path = JournalFixture.temporaryPath()
        let journal = try Journal(path: path, till: "1", cashier: "anna")
        try await journal.append([.journalCreated(firstSale: 1)])
        let line = JournalFixture.line
        for sale in 1...4 {
            let reference = Self.reference(sale)
            // The payment, for real, at the simulator: created, approved, captured in full.
            #expect(try await sim.create(reference, amount: 4980, phone: "4790000001").status == 201)
            #expect(try await sim.control(.POST, "/simulator/v1/payments/\(reference)/approve").status == 200)
            #expect(try await sim.capture(reference, 4980, key: "k-\(reference)").status == 200)
            try await journal.append([
                .lineAdded(sale: sale, line: line),
                .paymentStarted(JournalPaymentStart(sale: sale, reference: reference, attempt: 1, amount: 4980, currency: "NOK",
                                                    createKey: "c-\(reference)", captureKey: "k-\(reference)",
                                                    customer: "+47 ******01", lines: [line])),
                .captureStarted(sale: sale, reference: reference, amount: 4980, key: "k-\(reference)"),
                .saleCompleted(JournalFixture.sale(sale, reference: reference)),
            ])
        }
        // Sale 1 was partly returned, at the simulator and in the journal.
        #expect(try await sim.refund(Self.reference(1), 1000, key: "r1-\(Self.reference(1))").status == 200)
        try await journal.append([.refunded(sale: 1, reference: Self.reference(1), returnNumber: 1, amount: 1000)])

        // Someone with the file lowers sale 2's captured amount, deletes sale 3 and the anchor,
        // and recomputes every hash.
        try JournalTampering.rewrite(path, rechain: true) { entries in
            entries.removeAll { $0.sale == 3 }
            let index = entries.firstIndex { $0.kind == "sale-completed" && $0.sale == 2 }!
            entries[index].payload = entries[index].payload.replacingOccurrences(of: "\"captured\":4980", with: "\"captured\":2980")
        }
        try FileManager.default.removeItem(atPath: JournalAnchor.path(forJournal: path))
        let verify = try await KasseBinary.run(["journal", "verify", "--journal", path])
        // The chain alone cannot tell what changed; the missing anchor is a finding of its own (3).
        #expect(verify.status == 3, "\(verify.output) \(verify.errors)")
        #expect((verify.output + verify.errors).contains("chain intact") && (verify.output + verify.errors).contains("Anchor (finding)"))

        let environment = Self.environment(sim, journal: path)
        let audit = try await KasseBinary.run(["journal", "audit", "--journal", path, "--per-minute", "6000"], environment: environment)
        #expect(audit.status == 1, "\(audit.output) \(audit.errors)")
        #expect(audit.output.contains("3 payments read back"), "\(audit.output)")
        #expect(audit.output.contains("Sale numbers not in the journal: 3"))
        #expect(audit.output.contains("sale 2  \(Self.reference(2))  journal 2980, Vipps MobilePay 4980"), "\(audit.output)")
        #expect(audit.output.contains("sale 3  \(Self.reference(3))") && audit.output.contains("a sale was deleted"), "\(audit.output)")
        #expect(!audit.output.contains("sale 1 "), "sale 1 and its refund agree: \(audit.output)")
        #expect(audit.output.contains("2 difference(s)."))

        // JSON, for one day; the progress file is gone after a finished audit.
        let json = try await KasseBinary.run(["journal", "audit", "--journal", path, "--per-minute", "6000", "--date", "2026-11-21", "--json"],
                                             environment: environment)
        struct Result: Decodable {
            struct Finding: Decodable { var kind: String; var sale: Int }
            var paymentsChecked: Int
            var findings: [Finding]
        }
        let result = try JSONDecoder().decode(Result.self, from: Data(json.output.utf8))
        #expect(result.paymentsChecked == 3)
        #expect(Set(result.findings.map(\.kind)) == ["captured-differs", "deleted-sale"])
        #expect(!FileManager.default.fileExists(atPath: path + ".audit-progress.json"))
        try await sim.finish()
    }

    @Test func anInterruptedAuditGoesOnWhereItStopped() async throws {
        let sim = try await SimulatorHarness.start()
        let path = JournalFixture.temporaryPath()
        let journal = try Journal(path: path, till: "1", cashier: "anna")
        for sale in 1...3 {
            let reference = Self.reference(sale)
            #expect(try await sim.create(reference, amount: 4980, phone: "4790000001").status == 201)
            try await journal.append([.paymentStarted(JournalPaymentStart(
                sale: sale, reference: reference, attempt: 1, amount: 4980, currency: "NOK", createKey: "c", captureKey: "k",
                customer: "+47 ******01", lines: []))])
        }
        // The first audit read two payments before it was stopped (its progress as it left it).
        let progress = #"{"scope":"all","lookups":{"\#(Self.reference(1))":{"found":true,"payment":{"state":"CREATED","authorized":0,"captured":0,"refunded":0,"cancelled":0}},"\#(Self.reference(2))":{"found":false}}}"#
        try Data(progress.utf8).write(to: URL(fileURLWithPath: path + ".audit-progress.json"))
        let environment = Self.environment(sim, journal: path)
        let audit = try await KasseBinary.run(["journal", "audit", "--journal", path, "--per-minute", "6000"], environment: environment)
        #expect(audit.status == 0, "\(audit.output) \(audit.errors)")
        #expect(audit.errors.contains("going on from an interrupted audit (2 payments already read"))
        // Only the third was read now: the simulator saw one GET.
        let reads = try String(contentsOfFile: sim.trafficPath, encoding: .utf8).split(separator: "\n")
            .filter { $0.contains("getPayment") }
        #expect(reads.count == 1, "\(reads)")
        try await sim.finish()
    }
}
