import AsyncHTTPClient
@testable import IntegrationSupport
import KasseSimulator
import Testing

@Suite struct AuthAndHeadersTests {
    @Test func accessTokenChecksEveryCredentialAndSendsStrings() async throws {
        let sim = try await SimulatorHarness.start()
        let good = [
            ("client_id", SimulatorConfiguration.demoClientID), ("client_secret", SimulatorConfiguration.demoClientSecret),
            ("Ocp-Apim-Subscription-Key", SimulatorConfiguration.demoSubscriptionKey),
        ]
        let ok = try await SimulatorHarness.raw(sim.baseURL, .POST, "/accesstoken/get", headers: good)
        #expect(ok.status == 200)
        #expect(ok.json["expires_in"] as? String == "3600")
        #expect(ok.json["token_type"] as? String == "Bearer")
        #expect(ok.json["expires_on"] is String && ok.json["not_before"] is String && ok.json["ext_expires_in"] is String)
        for index in good.indices {
            var headers = good
            headers[index].1 += "x"
            let wrong = try await SimulatorHarness.raw(sim.baseURL, .POST, "/accesstoken/get", headers: headers)
            #expect(wrong.status == 401, "wrong \(good[index].0)")
            #expect(!wrong.body.contains(SimulatorConfiguration.demoClientSecret))
        }
        let missing = try await SimulatorHarness.raw(sim.baseURL, .POST, "/accesstoken/get", headers: Array(good.prefix(2)))
        #expect(missing.status == 400)
        try await sim.finish()
    }

    @Test func wrongMissingOrExpiredTokensGet401Everywhere() async throws {
        let sim = try await SimulatorHarness.start(tokenLifetime: 3600)
        try await sim.authorized("auth-test-0001")
        let paths = ["/epayment/v1/payments/auth-test-0001", "/epayment/v1/payments/auth-test-0001/events", "/webhooks/v1/webhooks"]
        let badHeaders: [[(String, String)]] = [
            [("Ocp-Apim-Subscription-Key", SimulatorHarness.subscriptionKey), ("Merchant-Serial-Number", sim.msn)],
            [("Authorization", "Bearer nonsense"), ("Ocp-Apim-Subscription-Key", SimulatorHarness.subscriptionKey), ("Merchant-Serial-Number", sim.msn)],
            [("Authorization", sim.token), ("Ocp-Apim-Subscription-Key", SimulatorHarness.subscriptionKey), ("Merchant-Serial-Number", sim.msn)],
            [("Authorization", "Bearer \(sim.token)"), ("Merchant-Serial-Number", sim.msn)],
            [("Authorization", "Bearer \(sim.token)"), ("Ocp-Apim-Subscription-Key", "wrong"), ("Merchant-Serial-Number", sim.msn)],
        ]
        for path in paths {
            for headers in badHeaders {
                #expect(try await sim.api(.GET, path, headers: headers).status == 401, "\(path) with \(headers.map(\.0))")
            }
        }
        #expect(try await sim.get("auth-test-0001").status == 200)
        try await sim.advance(3601)
        let expired = try await sim.get("auth-test-0001")
        #expect(expired.status == 401)
        #expect(expired.json["detail"] as? String == "Access token has expired")
        #expect(try await sim.capture("auth-test-0001", 100, key: "k").status == 401)
        try await sim.finish()
    }

    @Test func merchantSerialNumberAndIdempotencyKeyAreRequired() async throws {
        let sim = try await SimulatorHarness.start()
        let noMSN = [("Authorization", "Bearer \(sim.token)"), ("Ocp-Apim-Subscription-Key", SimulatorHarness.subscriptionKey)]
        #expect(try await sim.api(.GET, "/epayment/v1/payments/whatever-123", headers: noMSN).status == 400)
        let otherMSN = noMSN + [("Merchant-Serial-Number", "999999")]
        #expect(try await sim.api(.GET, "/epayment/v1/payments/whatever-123", headers: otherMSN).status == 403)

        let body = SimulatorHarness.createBody(reference: "needs-key-001")
        let noKey = try await sim.api(.POST, "/epayment/v1/payments", body: body)
        #expect(noKey.status == 400)
        #expect(noKey.body.contains("Idempotency-Key"))
        let longKey = try await sim.api(.POST, "/epayment/v1/payments", key: String(repeating: "k", count: 51), body: body)
        #expect(longKey.status == 400)
        try await sim.authorized("needs-key-002")
        for operation in ["capture", "refund", "cancel"] {
            let result = try await sim.api(.POST, "/epayment/v1/payments/needs-key-002/\(operation)",
                                           body: "{\"modificationAmount\":{\"currency\":\"NOK\",\"value\":100}}")
            #expect(result.status == 400, "\(operation) without Idempotency-Key")
        }
        let longSystemName = try await sim.api(.GET, "/epayment/v1/payments/needs-key-002",
                                               extra: [("Vipps-System-Name", String(repeating: "x", count: 31))])
        #expect(longSystemName.status == 400)
        // Nothing above created or changed a payment.
        #expect(try await sim.get("needs-key-001").status == 404)
        #expect(try await sim.get("needs-key-002").aggregate("capturedAmount") == 0)
        try await sim.finish()
    }

    @Test func everyErrorIsAProblemDocument() async throws {
        let sim = try await SimulatorHarness.start()
        let result = try await sim.capture("no-such-payment", 100, key: "k1")
        #expect(result.status == 404)
        #expect(result.headers.first(name: "Content-Type") == "application/problem+json")
        #expect(result.errorCode == 5090)
        #expect(result.json["title"] as? String == "Reference not found")
        #expect((result.json["traceId"] as? String)?.hasPrefix("00-") == true)
        #expect(result.json["status"] as? Int == 404)
        try await sim.finish()
    }
}
