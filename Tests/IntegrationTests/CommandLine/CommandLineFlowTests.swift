import Foundation
@testable import IntegrationSupport
import KasseSimulator
import Testing
import VippsModels

/// The guides' flows through the real `kasse` binary, configured by environment variables,
/// against an in-process simulator.
@Suite struct CommandLineFlowTests {
    func environment(_ sim: SimulatorHarness, home: String? = nil) -> [String: String] {
        var environment = [
            "KASSE_API_URL": sim.baseURL, "KASSE_CLIENT_ID": SimulatorConfiguration.demoClientID,
            "KASSE_CLIENT_SECRET": SimulatorConfiguration.demoClientSecret,
            "KASSE_SUBSCRIPTION_KEY": SimulatorConfiguration.demoSubscriptionKey, "KASSE_MSN": sim.msn,
            "KASSE_CONFIG": "/nonexistent/kasse.toml",
        ]
        if let home { environment["XDG_CONFIG_HOME"] = home }
        return environment
    }

    func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func pushWithReceiptThenCapture() async throws {
        let sim = try await SimulatorHarness.start()
        let env = environment(sim)
        let directory = try temporaryDirectory()
        let receiptPath = directory + "/receipt.json"
        try #"{"orderLines":[{"name":"Lettmelk 1 l","id":"1001","totalAmount":4980,"totalAmountExcludingTax":4330,"totalTaxAmount":650,"taxRate":1500,"taxPercentage":15,"unitInfo":{"unitPrice":2490,"quantity":"2","quantityUnit":"PCS"}}],"bottomLine":{"currency":"NOK","posId":"cli","receiptNumber":"1"}}"#
            .write(toFile: receiptPath, atomically: true, encoding: .utf8)

        let token = try await KasseBinary.run(["token"], environment: env)
        #expect(token.status == 0, "\(token.errors)")
        #expect(token.output.contains("Access token OK"))

        let create = try await KasseBinary.run(
            ["payment", "create", "--amount", "4980", "--phone", "+47 912 34 567", "--customer-present", "--reference", "cli-push-00001",
             "--receipt", receiptPath, "--description", "Kasse CLI"], environment: env)
        #expect(create.status == 0, "\(create.errors)")
        #expect(create.output.contains("+47 ******67"))
        #expect(!create.output.contains("91234567"))
        // Running the same create again is safe: same reference, same key, same payment.
        let again = try await KasseBinary.run(
            ["payment", "create", "--amount", "4980", "--phone", "+47 912 34 567", "--customer-present", "--reference", "cli-push-00001",
             "--receipt", receiptPath, "--description", "Kasse CLI"], environment: env)
        #expect(again.status == 0)

        try await sim.advance(3.5)
        let wait = try await KasseBinary.run(["payment", "wait", "cli-push-00001"], environment: env)
        #expect(wait.status == 0, "\(wait.errors)")
        #expect(wait.output.contains("AUTHORIZED"))
        let capture = try await KasseBinary.run(["payment", "capture", "cli-push-00001"], environment: env)
        #expect(capture.status == 0, "\(capture.errors)")
        #expect(capture.output.contains("captured 4980"))
        let json = try await KasseBinary.run(["payment", "get", "cli-push-00001", "--json"], environment: env)
        let payment = try JSONDecoder().decode(GetPaymentResponse.self, from: Data(json.output.utf8))
        #expect(payment.aggregate.capturedAmount.value == 4980)
        let record = try await sim.control(.GET, "/simulator/v1/payments/cli-push-00001")
        #expect(record.json["receipt"] != nil)
        #expect((record.json["events"] as? [Any])?.count == 3)
        try await sim.finish(checkRequests: "all")
    }

    @Test func reservePartialCaptureCancelRestReceiptAfterwards() async throws {
        let sim = try await SimulatorHarness.start()
        let env = environment(sim)
        let directory = try temporaryDirectory()
        let receiptPath = directory + "/receipt.json"
        try #"{"orderLines":[{"name":"Service","id":"S1","totalAmount":6000,"totalAmountExcludingTax":4800,"totalTaxAmount":1200,"taxRate":2500,"taxPercentage":25}],"bottomLine":{"currency":"NOK"}}"#
            .write(toFile: receiptPath, atomically: true, encoding: .utf8)
        let create = try await KasseBinary.run(
            ["payment", "create", "--amount", "10000", "--flow", "redirect", "--return-url", "https://shop.example/back",
             "--customer-present", "--reference", "cli-reserve-001"], environment: env)
        #expect(create.status == 0, "\(create.errors)")
        #expect(create.output.contains("http"))
        #expect(try await KasseBinary.run(["payment", "approve", "cli-reserve-001"], environment: env).status == 0)
        let capture = try await KasseBinary.run(["payment", "capture", "cli-reserve-001", "--amount", "6000"], environment: env)
        #expect(capture.output.contains("captured 6000"))
        let cancel = try await KasseBinary.run(["payment", "cancel", "cli-reserve-001"], environment: env)
        #expect(cancel.output.contains("cancelled 4000"), "\(cancel.output)\(cancel.errors)")
        let attach = try await KasseBinary.run(["receipt", "attach", "cli-reserve-001", "--file", receiptPath], environment: env)
        #expect(attach.status == 0, "\(attach.errors)")
        #expect(!attach.errors.contains("warning"))
        // Once only: the same receipt again is no error (a retry); another one is refused, and says why.
        let twice = try await KasseBinary.run(["receipt", "attach", "cli-reserve-001", "--file", receiptPath], environment: env)
        #expect(twice.status == 0, "\(twice.errors)")
        let otherPath = directory + "/other.json"
        try String(contentsOfFile: receiptPath, encoding: .utf8)
            .replacingOccurrences(of: #""currency":"NOK"}"#, with: #""currency":"NOK","receiptNumber":"B-2"}"#)
            .write(toFile: otherPath, atomically: true, encoding: .utf8)
        let other = try await KasseBinary.run(["receipt", "attach", "cli-reserve-001", "--file", otherPath], environment: env)
        #expect(other.status != 0)
        #expect(other.errors.contains("409") && other.errors.contains("already has another receipt"), "\(other.errors)")
        let events = try await KasseBinary.run(["payment", "events", "cli-reserve-001"], environment: env)
        #expect(events.output.contains("CANCELLED"))
        try await sim.finish(checkRequests: "all")
    }

    /// The Quick start guide: token, register a webhook, list it, create a payment, receive
    /// the signed CREATED event through `kasse webhook listen`.
    @Test func webhookQuickStart() async throws {
        let sim = try await SimulatorHarness.start()
        let home = try temporaryDirectory()
        let env = environment(sim, home: home)
        // A free port for the listener: bind, read, release. Another suite may take the port
        // between the release and the listener's bind on a busy machine; then the listener
        // says so and exits, and the registration is made again for a new port.
        var started: (url: String, secretFile: String, register: (status: Int32, output: String, errors: String),
                      listener: KasseBinary.Running)?
        for _ in 0..<5 where started == nil {
            let port = try freePort()
            let url = "http://127.0.0.1:\(port)/vipps/webhooks"
            let register = try await KasseBinary.run(
                ["webhook", "register", "--url", url, "--event", "epayments.payment.created.v1", "--event", "epayments.payment.authorized.v1"],
                environment: env)
            #expect(register.status == 0, "\(register.errors)")
            let secretFile = try #require(register.output.components(separatedBy: "Secret saved to ").last?.components(separatedBy: " ").first)
            let listener = try KasseBinary.Running(["webhook", "listen", "--port", "\(port)", "--secret-file", secretFile, "--url", url],
                                                   environment: env, stderrLines: true)
            if await listener.firstLine(containing: "listening on") != nil {
                started = (url, secretFile, register, listener)
            } else {
                let id = try #require(register.output.components(separatedBy: "Registered webhook ").last?.split(separator: " ").first)
                #expect(try await KasseBinary.run(["webhook", "delete", String(id)], environment: env).status == 0)
            }
        }
        let (url, secretFile, register, listener) = try #require(started)
        let attributes = try FileManager.default.attributesOfItem(atPath: secretFile)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let secret = try String(contentsOfFile: secretFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!register.output.contains(secret))
        let list = try await KasseBinary.run(["webhook", "list"], environment: env)
        #expect(list.output.contains(url))

        let create = try await KasseBinary.run(
            ["payment", "create", "--amount", "1500", "--phone", "4790000001", "--reference", "cli-hook-00001"], environment: env)
        #expect(create.status == 0)
        _ = try await sim.control(.POST, "/simulator/v1/webhooks/flush")
        let line = try #require(await listener.firstLine(containing: "cli-hook-00001"))
        let event = try JSONDecoder().decode(WebhookEvent.self, from: Data(line.utf8))
        #expect(event.name == .CREATED)
        #expect(event.amount.value == 1500)

        // A forged request is refused with 401 and never printed as an event.
        let forged = try await SimulatorHarness.raw(url.replacingOccurrences(of: "/vipps/webhooks", with: ""), .POST, "/vipps/webhooks", headers: [
            ("x-ms-date", "Thu, 30 Mar 2023 08:38:32 GMT"), ("x-ms-content-sha256", "AAAA"),
            ("Authorization", "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=AAAA"),
        ], body: #"{"reference":"forged-0001","name":"AUTHORIZED"}"#)
        #expect(forged.status == 401)
        _ = await listener.firstLine(containing: "rejected")
        #expect(listener.interrupt() == 0)

        let id = try #require(list.output.split(separator: " ").first.map(String.init))
        #expect(try await KasseBinary.run(["webhook", "delete", id], environment: env).status == 0)
        #expect(try await KasseBinary.run(["webhook", "list"], environment: env).output.contains("No webhooks"))
        try await sim.finish(checkRequests: "all")
    }

    @Test func badInputGetsAOneLineReason() async throws {
        let sim = try await SimulatorHarness.start()
        let env = environment(sim)
        let cases: [([String], String)] = [
            (["payment", "create", "--amount", "100"], "needs --phone or --qr"),
            (["payment", "create", "--amount", "1000", "--phone", "12"], "digits"),
            (["payment", "create", "--amount", "1000", "--qr", "hello"], "not a Vipps MobilePay personal QR"),
            (["payment", "create", "--amount", "1000", "--phone", "4799999999"], "7010"),
            (["payment", "create", "--amount", "1000", "--phone", "91234567", "--receipt", "/no/file.json"], "cannot read the receipt"),
            (["payment", "get", "nothing-here-1"], "5090"),
            (["payment", "refund", "nothing-here-1", "--amount", "0"], "positive"),
            (["receipt", "attach", "x-reference", "--file", "/no/file.json"], "cannot read"),
            (["webhook", "register", "--url", "http://example.com/x", "--event", "epayments.payment.created.v1"], "HTTPS"),
        ]
        for (arguments, expected) in cases {
            let result = try await KasseBinary.run(arguments, environment: env)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.errors.contains(expected), "\(arguments): \(result.errors)")
            #expect(!result.errors.contains(SimulatorConfiguration.demoClientSecret))
        }
        var noSecret = env
        noSecret["KASSE_CLIENT_SECRET"] = nil
        let missing = try await KasseBinary.run(["token"], environment: noSecret.merging(["KASSE_CLIENT_SECRET": ""]) { $1 })
        #expect(missing.errors.contains("api.client_secret is not set"))
        try await sim.finish(checkRequests: "none")
    }

    func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
