import Foundation
@testable import IntegrationSupport
import KasseSimulator
import Testing

/// Vipps MobilePay's own Postman collections (`../shared/vipps-postman/`), replayed against
/// the simulator as an integrator would send them: `/accessToken/get` in its own casing,
/// references and phone numbers as JSON numbers, profile sharing with `sub` and userinfo.
@Suite struct PostmanCollectionTests {
    struct Report: Decodable {
        struct Request: Decodable {
            var name: String
            var method: String
            var path: String
            var status: Int
            var expected: [Int]
            var ok: Bool
            var body: String
        }
        var requests: [Request]
        var workarounds: [String]
        var ok: Bool
        var sub: String?
        var userinfo: [String: AnyDecodable]?
    }

    struct AnyDecodable: Decodable {
        init(from decoder: any Decoder) throws {}
    }

    static var postmanDirectory: URL {
        Repository.specDirectory.deletingLastPathComponent().appendingPathComponent("vipps-postman")
    }

    @Test func everyRequestOfTheOfficialCollectionsIsAnsweredAsDocumented() async throws {
        let sim = try await SimulatorHarness.start()
        let result = try await runProgram(Repository.python, [
            Repository.root.appendingPathComponent("Tests/Conformance/replay_postman.py").path,
            Self.postmanDirectory.path, sim.baseURL, SimulatorConfiguration.demoClientID,
            SimulatorConfiguration.demoClientSecret, SimulatorHarness.subscriptionKey, sim.msn,
            // Manuel Manuell: waits for whoever approves (here the collection's force approve).
            "4790000001",
        ])
        let report = try #require(try? JSONDecoder().decode(Report.self, from: Data(result.output.utf8)),
                                  "the replay did not report: \(result.output.suffix(2000)) \(result.errors.suffix(2000))")
        for request in report.requests where !request.ok {
            Issue.record("\(request.name): \(request.method) \(request.path) answered \(request.status), expected \(request.expected): \(request.body)")
        }
        #expect(report.ok)
        // Everything the collections hold was sent: 13 ePayment requests (some several times) and the webhook ones.
        let names = Set(report.requests.map { $0.name.components(separatedBy: " (").first ?? $0.name })
        #expect(names.isSuperset(of: [
            "Get Access Token", "Create payment - Web redirect", "Create payment - QR", "Create payment - Push request",
            "Create payment - Native redirect", "Create payment - User info", "Create payment - Card", "Cancel payment",
            "Capture payment", "Refund payment", "Force approve payment", "Get payment event log", "Get payment",
            "Get Userinfo", "Register", "Get All", "Delete Last",
        ]), "\(names)")
        // The token path in the collection's own casing worked, and so did numeric references.
        #expect(report.requests.first?.path == "/accessToken/get")
        #expect(report.requests.first?.status == 200)
        // Profile sharing: a sub once AUTHORIZED, and userinfo for it.
        #expect(report.sub?.isEmpty == false)
        #expect(report.userinfo?["sub"] != nil && report.userinfo?["name"] != nil && report.userinfo?["address"] != nil)
        // Every answer matches the API documents (the requests are Vipps's own, numbers and all).
        try await sim.finish(checkRequests: "none")
    }

    @Test func numericReferencesAreKeptDigitForDigit() async throws {
        let sim = try await SimulatorHarness.start()
        let reference = "1234561732000000123"
        let created = try await sim.api(.POST, "/epayment/v1/payments", key: "numeric-1", body: """
            {"amount":{"value":1000,"currency":"NOK"},"paymentMethod":{"type":"WALLET"},\
            "customer":{"phoneNumber":4790000001},"reference":\(reference),"userFlow":"PUSH_MESSAGE"}
            """)
        #expect(created.status == 201, "\(created.body)")
        #expect(created.json["reference"] as? String == reference)
        let read = try await sim.api(.GET, "/EPAYMENT/v1/Payments/\(reference)")
        #expect(read.status == 200, "\(read.body)")
        // A reference's own case is kept: a path parameter is not folded.
        let mixed = try await sim.api(.GET, "/epayment/v1/payments/Abc-12345678")
        #expect(mixed.status == 404)
        try await sim.finish(checkRequests: "none")
    }
}
