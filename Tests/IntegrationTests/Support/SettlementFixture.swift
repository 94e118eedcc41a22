import AsyncHTTPClient
import Foundation
import KasseCore
import KasseSimulator
import Testing
import VippsModels

enum SettlementFixture {
    static func simulatorDay(_ sim: SimulatorHarness) async throws -> CivilDate {
        let now = try #require(try await sim.control(.GET, "/simulator/v1/clock").json["now"] as? String)
        let seconds = try #require(InternetTime.parseRFC3339(now))
        return ShopTimeZone.of(.norway).date(atUTC: Int64(seconds))
    }
}
