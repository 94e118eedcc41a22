import AsyncHTTPClient
import Foundation
@testable import IntegrationSupport
import KasseSimulator
import Testing

@Suite struct OtherAPIsTests {
    @Test func orderManagementReceiptsOnceOnly() async throws {
        let sim = try await SimulatorHarness.start()
        let receipt = #"{"orderLines":[{"name":"Melk","id":"1001","totalAmount":1000,"totalAmountExcludingTax":870,"totalTaxAmount":130,"taxRate":1500,"taxPercentage":15}],"bottomLine":{"currency":"NOK","posId":"till-1","receiptNumber":"7"}}"#
        try await sim.create("om-000001", extra: ",\"receipt\":\(receipt)")
        let fromCreate = try await sim.api(.GET, "/order-management/v2/ECOM/om-000001")
        #expect(fromCreate.status == 200)
        #expect(((fromCreate.json["receipt"] as? [String: Any])?["bottomLine"] as? [String: Any])?["receiptNumber"] as? String == "7")
        #expect(try await sim.api(.POST, "/order-management/v2/ECOM/receipts/om-000001", body: receipt).status == 409)

        try await sim.create("om-000002")
        #expect(try await sim.api(.GET, "/order-management/v2/ECOM/om-000002").status == 404)
        let attached = try await sim.api(.POST, "/order-management/v2/ECOM/receipts/om-000002", body: receipt)
        #expect(attached.status == 201)
        #expect(try await sim.api(.GET, "/order-management/v2/ECOM/om-000002").status == 200)
        #expect(try await sim.api(.POST, "/order-management/v2/ECOM/receipts/om-000002", body: receipt).status == 409)
        #expect(try await sim.api(.POST, "/order-management/v2/SHOP/receipts/om-000003", body: receipt).status == 400)
        #expect(try await sim.api(.POST, "/order-management/v2/ECOM/receipts/om-000003", body: "{\"orderLines\":[]}").status == 400)
        #expect(try await sim.api(.GET, "/order-management/v2/ECOM/om-000003").status == 404)
        try await sim.finish()
    }

    @Test func personalQRExchange() async throws {
        let sim = try await SimulatorHarness.start()
        let clear = try await sim.api(.POST, "/qr/v1/exchange", body: #"{"qrCode":"https://qr.vipps.no/28/2/01/031/4791234567?v=1","requestedData":["MSISDN"]}"#)
        #expect(clear.json["msisdn"] as? String == "4791234567")
        #expect(clear.json["version"] as? String == "1.0")
        let token = try await sim.api(.POST, "/qr/v1/exchange", body: #"{"qrCode":"https://qr.mobilepay.dk/p/7f3c9a2e5b1d4e8fa06c"}"#)
        #expect(token.json["msisdn"] as? String == "4512345678")
        #expect(token.json["version"] as? String == "2.0")
        #expect(token.json["timestamp"] is Int)
        let unknown = try await sim.api(.POST, "/qr/v1/exchange", body: #"{"qrCode":"https://qr.vipps.no/p/nobody"}"#)
        #expect(unknown.status == 400)
        #expect(try await sim.api(.POST, "/qr/v1/exchange", body: "{}").status == 400)
        try await sim.finish()
    }

    @Test func customersFileMistakesAreExplained() throws {
        let directory = FileManager.default.temporaryDirectory
        func load(_ text: String) -> String {
            let path = directory.appendingPathComponent("customers-\(UUID().uuidString).json").path
            _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
            do {
                _ = try SimulatorConfiguration.loadCustomers(path: path)
                return ""
            } catch {
                return error.description
            }
        }
        #expect(load("[{\"msisdn\":\"4791234567\"}]") == "")
        #expect(load("not json").contains("not valid JSON"))
        #expect(load("[{\"name\":\"x\"}]").contains("msisdn"))
        #expect(load("[{\"msisdn\":\"123\"}]").contains("10–15 digits"))
        #expect(load("[{\"msisdn\":\"4791234567\",\"behaviour\":\"dance\"}]").contains("customers file"))
        #expect(load("[{\"msisdn\":\"4791234567\",\"afterSeconds\":-1}]").contains("afterSeconds"))
        #expect(throws: SimulatorConfigurationError.self) { try SimulatorConfiguration.loadCustomers(path: "/no/such/file") }
        let demo = try Repository.demoCustomers()
        #expect(demo.contains { $0.behaviour == .approve && $0.msisdn.hasPrefix("47") })
        #expect(demo.contains { $0.behaviour == .abort })
        #expect(demo.contains { $0.behaviour == .ignore })
        #expect(demo.contains { $0.msisdn.hasPrefix("45") && $0.personalQr?.contains("mobilepay.dk") == true })
        #expect(demo.contains { $0.msisdn.hasPrefix("358") })
    }

    @Test func faultRulesParseFromTheCommandLine() throws {
        let rule = try FaultRule(parsing: "capture:drop=1,latency=200,5xx=0.25,429=2")
        #expect(rule.route == "capture")
        #expect(rule.dropAfterCommit == 1)
        #expect(rule.latencyMs == 200)
        #expect(rule.serverErrorRate == 0.25)
        #expect(rule.tooManyRequests == 2)
        #expect(throws: SimulatorConfigurationError.self) { try FaultRule(parsing: "capture") }
        #expect(throws: SimulatorConfigurationError.self) { try FaultRule(parsing: "capture:explode=1") }
        #expect(throws: SimulatorConfigurationError.self) { try SimulatedMerchant(parsing: "12:NOK") }
        #expect(try SimulatedMerchant(parsing: "223456:DKK").currency == .DKK)
    }
}
