import AsyncHTTPClient
import Foundation
@testable import IntegrationSupport
import KasseSimulator
import Testing

@Suite struct FaultInjectionTests {
    @Test func serverErrorsAndBurstsComeBeforeAnythingHappens() async throws {
        let sim = try await SimulatorHarness.start(faults: [FaultRule(route: "create", serverErrors: 1, tooManyRequests: 1)])
        let first = try await sim.create("fault-00001", key: "k")
        #expect(first.status == 503)
        #expect(try await sim.get("fault-00001").status == 404)
        let second = try await sim.create("fault-00001", key: "k")
        #expect(second.status == 429)
        #expect(second.headers.first(name: "Retry-After") == "1")
        #expect(try await sim.create("fault-00001", key: "k").status == 201)
        try await sim.finish()
    }

    @Test func droppedAnswerAfterCommitLeavesThePaymentChanged() async throws {
        let sim = try await SimulatorHarness.start()
        try await sim.authorized("drop-00001")
        _ = try await sim.control(.PUT, "/simulator/v1/faults", body: #"[{"route":"capture","dropAfterCommit":1}]"#)
        await #expect(throws: (any Error).self) { try await sim.capture("drop-00001", 1000, key: "cap") }
        #expect(try await sim.get("drop-00001").aggregate("capturedAmount") == 1000)
        // The retry with the same key gets the answer that was lost, and nothing is captured twice.
        let retry = try await sim.capture("drop-00001", 1000, key: "cap")
        #expect(retry.status == 200)
        #expect(retry.aggregate("capturedAmount") == 1000)
        let captures = try await sim.api(.GET, "/epayment/v1/payments/drop-00001/events").array.filter { $0["name"] as? String == "CAPTURED" }
        #expect(captures.count == 1)
        try await sim.finish()
    }

    @Test func ratesAreDeterministicUnderASeed() async throws {
        func run() async throws -> [Int] {
            let sim = try await SimulatorHarness.start(faults: [FaultRule(route: "get", serverErrorRate: 0.3, tooManyRequestsRate: 0.2)], seed: 7)
            try await sim.create("seeded-0001")
            var statuses: [Int] = []
            for _ in 0..<30 { statuses.append(try await sim.get("seeded-0001").status) }
            try await sim.finish()
            return statuses
        }
        let first = try await run()
        let second = try await run()
        #expect(first == second)
        #expect(first.contains(503) && first.contains(429) && first.contains(200))
    }

    @Test func latencyDelaysTheAnswer() async throws {
        let sim = try await SimulatorHarness.start(faults: [FaultRule(route: "get", latencyMs: 300)])
        try await sim.create("slow-00001")
        var request = HTTPClientRequest(url: sim.baseURL + "/epayment/v1/payments/slow-00001")
        for (name, value) in sim.authHeaders { request.headers.add(name: name, value: value) }
        await #expect(throws: (any Error).self) { _ = try await HTTPClient.shared.execute(request, timeout: .milliseconds(100)) }
        #expect(try await sim.get("slow-00001").status == 200)
        try await sim.finish()
    }
}
