import AsyncHTTPClient
import Foundation
@testable import IntegrationSupport
import KasseSimulator
import Synchronization
import Testing


@Suite struct SimulatorCommandTests {
    @Test func simulatorCommandServesAndItsControlCommandsPlayTheCustomer() async throws {
        let running = try KasseBinary.Running(["simulator", "--port", "0", "--seed", "3"])
        let line = try #require(await running.firstLine(containing: "listening on"))
        let url = try #require(line.components(separatedBy: "listening on ").last)
        #expect(url.hasPrefix("http://127.0.0.1:"))

        let token = try await SimulatorHarness.raw(url, .POST, "/accesstoken/get", headers: [
            ("client_id", SimulatorConfiguration.demoClientID), ("client_secret", SimulatorConfiguration.demoClientSecret),
            ("Ocp-Apim-Subscription-Key", SimulatorConfiguration.demoSubscriptionKey),
        ]).json["access_token"] as? String
        let headers = [
            ("Authorization", "Bearer \(try #require(token))"), ("Ocp-Apim-Subscription-Key", SimulatorConfiguration.demoSubscriptionKey),
            ("Merchant-Serial-Number", "123456"), ("Idempotency-Key", "cli-1"),
        ]
        let created = try await SimulatorHarness.raw(url, .POST, "/epayment/v1/payments", headers: headers,
                                                     body: SimulatorHarness.createBody(reference: "cli-test-0001", phone: "4790000001"))
        #expect(created.status == 201)

        let approve = try await KasseBinary.run(["simulator", "approve", "cli-test-0001", "--url", url])
        #expect(approve.status == 0)
        #expect(approve.output.contains("cli-test-0001: AUTHORIZED"))
        let again = try await KasseBinary.run(["simulator", "abort", "cli-test-0001", "--url", url])
        #expect(again.status != 0)
        #expect(again.errors.contains("AUTHORIZED"))
        let missing = try await KasseBinary.run(["simulator", "expire", "no-such-payment", "--url", url])
        #expect(missing.status != 0)
        let show = try await KasseBinary.run(["simulator", "show", "cli-test-0001", "--url", url])
        #expect(show.output.contains("\"capturedAmount\""))
        let advance = try await KasseBinary.run(["simulator", "advance", "60", "--url", url])
        #expect(advance.status == 0)
        #expect(running.interrupt() == 0)

        let unreachable = try await KasseBinary.run(["simulator", "approve", "cli-test-0001", "--url", "http://127.0.0.1:9"])
        #expect(unreachable.status != 0)
        #expect(unreachable.errors.contains("cannot reach the simulator"))
    }

    @Test func badSimulatorSettingsAreExplained() async throws {
        let badCustomers = try await KasseBinary.run(["simulator", "--port", "0", "--customers", "/no/such/customers.json"])
        #expect(badCustomers.status != 0)
        #expect(badCustomers.errors.contains("cannot read customers file"))
        let badFault = try await KasseBinary.run(["simulator", "--port", "0", "--fault", "capture:boom=1"])
        #expect(badFault.status != 0)
        #expect(badFault.errors.contains("unknown fault kind"))
        let badMSN = try await KasseBinary.run(["simulator", "--port", "0", "--msn", "12:NOK"])
        #expect(badMSN.status != 0)
        #expect(badMSN.errors.contains("4–6 digits"))
    }
}
