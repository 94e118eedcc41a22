import AsyncHTTPClient
import Foundation
@testable import IntegrationSupport
import KasseCore
import KasseSimulator
import Testing
import VippsModels

/// The simulator's Report API, over loopback HTTP and checked against `report-api.yaml`:
/// one ledger per sales unit; captures and refunds as funds entries with their own
/// pspReference; entries after the lag; a date closed once it ended, with its fees, and paid
/// out on the next business day; pages with a cursor; the faults a test asks for.
@Suite struct SettlementReportTests {
    static func report(_ sim: SimulatorHarness, ledger: String, topic: String = "funds", date: String, cursor: String? = nil)
        async throws -> HTTPResult {
        try await sim.api(.GET, "/report/v2/ledgers/\(ledger)/\(topic)/dates/\(date)" + (cursor.map { "?cursor=\($0)" } ?? ""))
    }

    /// Every page of a date's report.
    static func items(_ sim: SimulatorHarness, ledger: String, topic: String = "funds", date: String) async throws
        -> (items: [[String: Any]], tryLater: Bool, pages: Int) {
        var items: [[String: Any]] = []
        var cursor: String?
        var pages = 0
        var tryLater = false
        repeat {
            let page = try await report(sim, ledger: ledger, topic: topic, date: date, cursor: cursor)
            guard page.status == 200 else { return (items, tryLater, pages) }
            pages += 1
            items += page.json["items"] as? [[String: Any]] ?? []
            tryLater = page.json["tryLater"] as? Bool ?? false
            cursor = page.json["hasMore"] as? Bool == true ? page.json["cursor"] as? String : nil
        } while cursor != nil
        return (items, tryLater, pages)
    }


    @Test func capturesRefundsFeesAndThePayout() async throws {
        // Days pass in this test: a token for the whole of it.
        let sim = try await SimulatorHarness.start(tokenLifetime: 30 * 86_400, reportPageSize: 2, settlementLag: 60)
        let all = try await sim.api(.GET, "/settlement/v1/ledgers").json["items"] as? [[String: Any]]
        #expect(all?.count == 3)
        let mine = try await sim.api(.GET, "/settlement/v1/ledgers?settlesForRecipientHandles=api:\(sim.msn)").json["items"] as? [[String: Any]]
        #expect(mine?.count == 1 && (mine?.first?["settlesForRecipientHandles"] as? [String]) == ["api:\(sim.msn)"])
        let ledger = try #require(mine?.first?["ledgerId"] as? String)
        #expect(mine?.first?["currency"] as? String == "NOK")

        let day = try await SettlementFixture.simulatorDay(sim)
        for (reference, amount) in [("settle-0001", 1000), ("settle-0002", 2000), ("settle-0003", 500)] {
            try await sim.authorized(reference, amount: amount)
            #expect(try await sim.capture(reference, amount, key: "k-" + reference).status == 200)
        }
        #expect(try await sim.refund("settle-0002", 300, key: "r-settle-0002").status == 200)
        // Not there before the lag; the date is open.
        let early = try await Self.items(sim, ledger: ledger, date: day.iso)
        #expect(early.items.isEmpty && early.tryLater)
        try await sim.advance(61)
        let open = try await Self.items(sim, ledger: ledger, date: day.iso)
        #expect(open.items.count == 4 && open.tryLater && open.pages == 2)
        #expect(open.items.map { $0["entryType"] as? String } == ["capture", "capture", "capture", "refund"])
        #expect(open.items.map { $0["amount"] as? Int } == [1000, 2000, 500, -300])
        #expect(open.items.last?["balanceAfter"] as? Int == 3200)
        #expect(Set(open.items.compactMap { $0["pspReference"] as? String }).count == 4)
        #expect(open.items.first?["recipientHandle"] as? String == "NO:\(sim.msn)")
        // The event log's pspReference is the ledger's.
        let events = try await sim.api(.GET, "/epayment/v1/payments/settle-0001/events").array
        let captured = events.first { $0["name"] as? String == "CAPTURED" }?["pspReference"] as? String
        #expect(open.items.first?["pspReference"] as? String == captured)

        // Five days on: the date is closed with its fees (1 % of each capture), and the next
        // business day pays the balance out.
        try await sim.advance(5 * 86_400)
        let closed = try await Self.items(sim, ledger: ledger, date: day.iso)
        #expect(!closed.tryLater)
        let fees = closed.items.first { $0["entryType"] as? String == "fees-retained" }
        #expect(fees?["amount"] as? Int == -35)
        var payout: [String: Any]?
        var payoutDay: CivilDate?
        for offset in 1...4 {
            let next = day.adding(days: offset)
            if let found = try await Self.items(sim, ledger: ledger, date: next.iso).items.first(where: { $0["entryType"] as? String == "scheduled-for-payout" }) {
                payout = found
                payoutDay = next
                break
            }
        }
        #expect(payout?["amount"] as? Int == -(3200 - 35))
        #expect(payoutDay.map { $0.isWeekday } == true)
        let feeLines = try await Self.items(sim, ledger: ledger, topic: "fees", date: day.iso).items
        #expect(feeLines.map { $0["amount"] as? Int } == [10, 20, 5])
        // A date not begun: 404, try later.
        #expect(try await Self.report(sim, ledger: ledger, date: day.adding(days: 30).iso).status == 404)
        #expect(try await Self.report(sim, ledger: "999", date: day.iso).status == 404)
        try await sim.finish()
    }

    /// What a test asks the ledger to get wrong: a capture missing, one changed, one unknown.
    @Test func faultsTheLedgerIsToldToHave() async throws {
        let sim = try await SimulatorHarness.start()
        let ledger = "3\(sim.msn)"
        let day = try await SettlementFixture.simulatorDay(sim)
        for (reference, amount) in [("fault-0001", 1000), ("fault-0002", 2000)] {
            try await sim.authorized(reference, amount: amount)
            #expect(try await sim.capture(reference, amount, key: "k-" + reference).status == 200)
        }
        let faults = #"{"missing":["fault-0001"],"changed":[{"reference":"fault-0002","amount":1999}],"unknown":[{"reference":"never-sold-1","amount":4242}]}"#
        #expect(try await sim.control(.PUT, "/simulator/v1/settlement/faults", body: faults).status == 200)
        let items = try await Self.items(sim, ledger: ledger, date: day.iso).items
        #expect(items.compactMap { $0["reference"] as? String } == ["fault-0002", "never-sold-1"])
        #expect(items.compactMap { $0["amount"] as? Int } == [1999, 4242])
        #expect(try await sim.control(.PUT, "/simulator/v1/settlement/faults", body: #"{"missing": 3}"#).status == 400)
        try await sim.finish()
    }
}

