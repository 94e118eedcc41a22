import AsyncHTTPClient
import Foundation
import KasseFiles
import KasseCore
import KasseSimulator
import NIOCore
import NIOHTTP1
import Testing
import VippsModels

/// Paths of the repository and of `../shared` beside it.
enum Repository {
    /// The folder holding Package.swift, above this file wherever it sits under Tests/.
    static let root: URL = {
        var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while folder.path != "/", !FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) {
            folder = folder.deletingLastPathComponent()
        }
        return folder
    }()
    static var specDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["KASSE_SPEC_DIR"] { return URL(fileURLWithPath: dir) }
        return root.deletingLastPathComponent().appendingPathComponent("shared/vipps-api")
    }
    static var python: String {
        let venv = root.appendingPathComponent(".build-venv/bin/python").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : "/usr/bin/python3"
    }
    static func sampleCatalog() throws -> Catalog {
        CatalogCSV.parse(try String(contentsOf: root.appendingPathComponent("assets/catalog.csv"), encoding: .utf8), market: .norway).catalog
    }

    static func demoCustomers() throws -> [SimulatedCustomer] {
        try SimulatorConfiguration.loadCustomers(path: root.appendingPathComponent("assets/simulator-customers.json").path)
    }
}

struct HTTPResult: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: String

    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
    var array: [[String: Any]] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [[String: Any]] ?? [] }
    var errorCode: Int? {
        ((json["extraDetails"] as? [[String: Any]])?.first { $0["name"] as? String == "ErrorCode" }?["reason"] as? String).flatMap(Int.init)
    }
    var state: String? { json["state"] as? String }
    func aggregate(_ name: String) -> Int? { ((json["aggregate"] as? [String: Any])?[name] as? [String: Any])?["value"] as? Int }
}

/// A simulator on a free loopback port with its clock stopped (time moves only when a test
/// advances it, so nothing depends on how fast the machine is), a token, and helpers for the API calls. Every
/// exchange is recorded; `finish()` checks them all against the official OpenAPI documents.
final class SimulatorHarness: Sendable {
    let simulator: RunningSimulator
    let trafficPath: String
    let token: String
    let msn: String

    static let subscriptionKey = SimulatorConfiguration.demoSubscriptionKey

    static func start(
        customers: [SimulatedCustomer]? = nil,
        merchants: [SimulatedMerchant] = SimulatorConfiguration.demoMerchants,
        faults: [FaultRule] = [],
        seed: UInt64 = 42,
        tokenLifetime: TimeInterval = 3600,
        reportPageSize: Int = 100,
        settlementLag: TimeInterval = 0,
        timeScale: Double = 0
    ) async throws -> SimulatorHarness {
        let traffic = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-traffic-\(UUID().uuidString).jsonl").path
        let configuration = SimulatorConfiguration(
            customers: try customers ?? Repository.demoCustomers(), seed: seed, timeScale: timeScale, tokenLifetime: tokenLifetime,
            faults: faults,
            trafficLog: traffic)
        var configurationWithMerchants = configuration
        configurationWithMerchants.merchants = merchants
        configurationWithMerchants.reportPageSize = reportPageSize
        configurationWithMerchants.settlementLag = settlementLag
        let simulator = try await Simulator.start(configurationWithMerchants)
        let tokenResult = try await Self.raw(simulator.baseURL, .POST, "/accesstoken/get", headers: [
            ("client_id", SimulatorConfiguration.demoClientID), ("client_secret", SimulatorConfiguration.demoClientSecret),
            ("Ocp-Apim-Subscription-Key", subscriptionKey),
        ])
        let token = try #require(tokenResult.json["access_token"] as? String)
        return SimulatorHarness(simulator: simulator, traffic: traffic, token: token, msn: merchants[0].msn)
    }

    init(simulator: RunningSimulator, traffic: String, token: String, msn: String) {
        self.simulator = simulator
        self.trafficPath = traffic
        self.token = token
        self.msn = msn
    }

    var baseURL: String { simulator.baseURL }

    /// The `[api]` section of a configuration that talks to this simulator with the demo keys.
    var apiSection: String {
        """
        [api]
        url = "\(baseURL)"
        client_id = "\(SimulatorConfiguration.demoClientID)"
        client_secret = "\(SimulatorConfiguration.demoClientSecret)"
        subscription_key = "\(SimulatorConfiguration.demoSubscriptionKey)"
        msn = "\(msn)"
        """
    }

    static func raw(_ base: String, _ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], body: String? = nil,
                    timeout: Int64 = 30) async throws -> HTTPResult
    {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        // A GET changes nothing, so one that met a stale pooled connection or a stalled read
        // under a fully loaded machine is asked again (within the same overall deadline).
        let deadline = NIODeadline.now() + .seconds(timeout)
        var attempt = 0
        while true {
            attempt += 1
            do {
                let response = try await testClient.execute(request, deadline: deadline)
                let text = String(buffer: try await response.body.collect(upTo: 1 << 24))
                return HTTPResult(status: Int(response.status.code), headers: response.headers, body: text)
            } catch let error as HTTPClientError
                where method == .GET && attempt < 3 && NIODeadline.now() < deadline
                && [.readTimeout, .remoteConnectionClosed, .connectTimeout].contains(error)
            {
                continue
            }
        }
    }

    /// The tests' own HTTP client: no read timeout of its own (each call has its deadline),
    /// unlike the shared client's 90 s, which a loaded machine running every suite can exceed.
    static let testClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(60), read: nil)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    var authHeaders: [(String, String)] {
        [("Authorization", "Bearer \(token)"), ("Ocp-Apim-Subscription-Key", Self.subscriptionKey), ("Merchant-Serial-Number", msn)]
    }

    /// An authenticated API call.
    func api(_ method: HTTPMethod, _ path: String, key: String? = nil, body: String? = nil, headers: [(String, String)]? = nil,
             extra: [(String, String)] = []) async throws -> HTTPResult
    {
        var all = headers ?? authHeaders
        if let key { all.append(("Idempotency-Key", key)) }
        return try await Self.raw(baseURL, method, path, headers: all + extra, body: body)
    }

    /// A call to the simulator's control API; a webhook flush waits for every due delivery, which
    /// on a busy machine takes long, so these calls are given two minutes.
    func control(_ method: HTTPMethod, _ path: String, body: String? = nil) async throws -> HTTPResult {
        try await Self.raw(baseURL, method, path, body: body, timeout: 120)
    }

    func advance(_ seconds: Double) async throws {
        let result = try await control(.POST, "/simulator/v1/clock/advance", body: "{\"seconds\": \(seconds)}")
        #expect(result.status == 200)
    }

    static func createBody(
        reference: String, amount: Int = 1000, currency: String = "NOK", phone: String? = "4791234567", qr: String? = nil,
        flow: String = "PUSH_MESSAGE", extra: String = ""
    ) -> String {
        var customer = ""
        if let phone { customer = ",\"customer\":{\"phoneNumber\":\"\(phone)\"}" }
        if let qr { customer = ",\"customer\":{\"personalQr\":\"\(qr)\"}" }
        return """
            {"amount":{"currency":"\(currency)","value":\(amount)},"paymentMethod":{"type":"WALLET"}\(customer),\
            "reference":"\(reference)","userFlow":"\(flow)","customerInteraction":"CUSTOMER_PRESENT",\
            "paymentDescription":"Kasse test"\(extra)}
            """
    }

    @discardableResult
    func create(_ reference: String, amount: Int = 1000, phone: String? = "4791234567", qr: String? = nil,
                flow: String = "PUSH_MESSAGE", key: String? = nil, extra: String = "") async throws -> HTTPResult
    {
        try await api(.POST, "/epayment/v1/payments", key: key ?? "create-\(reference)",
                      body: Self.createBody(reference: reference, amount: amount, phone: phone, qr: qr, flow: flow, extra: extra))
    }

    func get(_ reference: String) async throws -> HTTPResult { try await api(.GET, "/epayment/v1/payments/\(reference)") }

    func capture(_ reference: String, _ amount: Int, key: String) async throws -> HTTPResult {
        try await api(.POST, "/epayment/v1/payments/\(reference)/capture", key: key,
                      body: "{\"modificationAmount\":{\"currency\":\"NOK\",\"value\":\(amount)}}")
    }

    func refund(_ reference: String, _ amount: Int, key: String) async throws -> HTTPResult {
        try await api(.POST, "/epayment/v1/payments/\(reference)/refund", key: key,
                      body: "{\"modificationAmount\":{\"currency\":\"NOK\",\"value\":\(amount)}}")
    }

    func cancel(_ reference: String, key: String, transactionOnly: Bool? = nil) async throws -> HTTPResult {
        try await api(.POST, "/epayment/v1/payments/\(reference)/cancel", key: key,
                      body: transactionOnly.map { "{\"cancelTransactionOnly\":\($0)}" })
    }

    /// An authorized payment of `amount`, through the customer who approves.
    func authorized(_ reference: String, amount: Int = 1000) async throws {
        let created = try await create(reference, amount: amount, phone: "4790000001")
        #expect(created.status == 201, "\(created.body)")
        let approved = try await control(.POST, "/simulator/v1/payments/\(reference)/approve")
        #expect(approved.status == 200, "\(approved.body)")
    }

    /// Stops the simulator and validates every recorded response against the OpenAPI documents.
    func finish(checkRequests: String = "success", sourceLocation: SourceLocation = #_sourceLocation) async throws {
        await simulator.stop()
        let report = try await Conformance.validate(trafficPath: trafficPath, checkRequests: checkRequests)
        #expect(report.failures.isEmpty, "conformance: \(report.failures.joined(separator: "\n"))", sourceLocation: sourceLocation)
        #expect(report.checked > 0, "no traffic was recorded", sourceLocation: sourceLocation)
        try? FileManager.default.removeItem(atPath: trafficPath)
    }
}

/// Runs a program to its end on a thread of its own, never blocking the cooperative pool
/// (the in-process simulator needs it to answer the program's requests).
func runProgram(_ path: String, _ arguments: [String], environment: [String: String] = [:], captureOutput: Bool = true) async throws
    -> (status: Int32, output: String, errors: String)
{
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
            if !environment.isEmpty {
                process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            }
            let output = Pipe()
            let errorsPath = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-stderr-\(UUID().uuidString)").path
            _ = FileManager.default.createFile(atPath: errorsPath, contents: nil)
            defer { try? FileManager.default.removeItem(atPath: errorsPath) }
            // A program that leaves a daemon behind (tmux) would hold a pipe open forever.
            process.standardOutput = captureOutput ? output : FileHandle.nullDevice
            process.standardError = captureOutput ? FileHandle(forWritingAtPath: errorsPath) : FileHandle.nullDevice
            do {
                try process.run()
            } catch {
                continuation.resume(throwing: error)
                return
            }
            let outputData = captureOutput ? PipeReader.readAll(output.fileHandleForReading) : Data()
            process.waitUntilExit()
            let errorData = FileManager.default.contents(atPath: errorsPath) ?? Data()
            continuation.resume(returning: (
                process.terminationStatus, String(decoding: outputData, as: UTF8.self), String(decoding: errorData, as: UTF8.self)
            ))
        }
    }
}

enum Conformance {
    struct Report: Decodable {
        var checked: Int
        var failures: [String]
    }

    static func validate(trafficPath: String, checkRequests: String) async throws -> Report {
        let result = try await runProgram(Repository.python, [
            Repository.root.appendingPathComponent("Tests/Conformance/validate_traffic.py").path,
            Repository.specDirectory.path, trafficPath, "--check-requests", checkRequests,
        ])
        guard let report = try? JSONDecoder().decode(Report.self, from: Data(result.output.utf8)) else {
            return Report(checked: 0, failures: ["the validator did not run (run scripts/setup): \(result.errors)"])
        }
        return report
    }
}
