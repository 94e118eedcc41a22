import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
@testable import IntegrationSupport
import KasseSimulator
import NIOCore
import Synchronization
import Testing
import VippsModels
import VippsWebhooks

/// A local HTTP endpoint that records what it receives and answers with scripted statuses.
final class WebhookReceiver: Sendable {
    struct Received: Sendable {
        var path: String
        var headers: [String: String]
        var body: [UInt8]
    }

    private let state: Mutex<(statuses: [Int], received: [Received])>
    private let task: Mutex<Task<Void, any Error>?> = Mutex(nil)
    private(set) nonisolated(unsafe) var url = ""

    private init(statuses: [Int]) {
        state = Mutex((statuses, []))
    }

    static func start(path: String = "/hooks/kasse", statuses: [Int] = []) async throws -> WebhookReceiver {
        let receiver = WebhookReceiver(statuses: statuses)
        let router = Router()
        router.post(RouterPath(path)) { request, _ in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
            headers["host"] = request.head.authority
            let status = receiver.record(Received(path: request.uri.description, headers: headers, body: Array(buffer: body)))
            return Response(status: .init(code: status))
        }
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) })
        receiver.task.withLock { $0 = Task { try await app.runService(gracefulShutdownSignals: []) } }
        var iterator = stream.makeAsyncIterator()
        let port = try #require(await iterator.next())
        receiver.url = "http://127.0.0.1:\(port)\(path)"
        return receiver
    }

    private func record(_ request: Received) -> Int {
        state.withLock {
            $0.received.append(request)
            return $0.statuses.isEmpty ? 200 : $0.statuses.removeFirst()
        }
    }

    var requests: [Received] { state.withLock { $0.received } }

    func stop() async {
        let task = self.task.withLock { $0 }
        task?.cancel()
        _ = await task?.result
    }
}

@Suite struct WebhookTests {
    @Test func registerListDeleteWithValidation() async throws {
        let sim = try await SimulatorHarness.start()
        let created = try await sim.api(.POST, "/webhooks/v1/webhooks", body: #"{"url":"https://example.com/hook","events":["epayments.payment.captured.v1"]}"#)
        #expect(created.status == 201)
        let id = try #require(created.json["id"] as? String)
        #expect((created.json["secret"] as? String)?.count ?? 0 >= 32)
        #expect(try await sim.api(.POST, "/webhooks/v1/webhooks", body: #"{"url":"http://example.com/hook","events":["epayments.payment.captured.v1"]}"#).status == 400)
        #expect(try await sim.api(.POST, "/webhooks/v1/webhooks", body: #"{"url":"https://example.com/hook","events":["epayments.payment.paid.v1"]}"#).status == 400)
        #expect(try await sim.api(.POST, "/webhooks/v1/webhooks", body: #"{"url":"https://example.com/hook","events":[]}"#).status == 400)
        #expect(try await sim.api(.POST, "/webhooks/v1/webhooks", body: #"{"url":"not a url","events":["epayments.payment.captured.v1"]}"#).status == 400)
        let list = try await sim.api(.GET, "/webhooks/v1/webhooks")
        let hooks = list.json["webhooks"] as? [[String: Any]]
        #expect(hooks?.count == 1)
        #expect(hooks?.first?["id"] as? String == id)
        #expect(hooks?.first?["secret"] == nil)
        #expect(try await sim.api(.DELETE, "/webhooks/v1/webhooks/\(id)").status == 204)
        #expect(try await sim.api(.DELETE, "/webhooks/v1/webhooks/\(id)").status == 404)
        #expect((try await sim.api(.GET, "/webhooks/v1/webhooks").json["webhooks"] as? [Any])?.isEmpty == true)
        try await sim.finish()
    }

    @Test func eventsAreDeliveredSignedInOrderAndRetried() async throws {
        let receiver = try await WebhookReceiver.start(statuses: [500])
        let sim = try await SimulatorHarness.start()
        let events = PaymentEventName.allCases.map(\.webhookEventType).map { "\"\($0)\"" }.joined(separator: ",")
        let registered = try await sim.api(.POST, "/webhooks/v1/webhooks", body: "{\"url\":\"\(receiver.url)?shop=1\",\"events\":[\(events)]}")
        let secret = try #require(registered.json["secret"] as? String)
        try await sim.authorized("hook-00001")
        _ = try await sim.capture("hook-00001", 1000, key: "cap")

        // First attempt of CREATED gets 500: nothing else may overtake it.
        var records = try await sim.control(.POST, "/simulator/v1/webhooks/flush").array
        #expect(receiver.requests.count == 1)
        #expect(records.first?["delivered"] as? Bool == false)
        try await sim.advance(2.5)
        records = try await sim.control(.POST, "/simulator/v1/webhooks/flush").array
        let bodies = receiver.requests.map { String(decoding: $0.body, as: UTF8.self) }
        #expect(receiver.requests.count == 4)
        let names = receiver.requests.compactMap { try? JSONDecoder().decode(WebhookEvent.self, from: Data($0.body)).name }
        #expect(names == [.CREATED, .CREATED, .AUTHORIZED, .CAPTURED], "\(bodies)")
        #expect(records.allSatisfy { $0["delivered"] as? Bool == true })

        let port = URL(string: receiver.url)?.port ?? 0
        for request in receiver.requests {
            let date = try #require(request.headers["x-ms-date"])
            let (hash, authorization) = WebhookSignature.authorization(
                secret: secret, pathAndQuery: "/hooks/kasse?shop=1", date: date, host: "127.0.0.1:\(port)", body: request.body)
            #expect(request.headers["x-ms-content-sha256"] == hash)
            #expect(request.headers["authorization"] == authorization)
            #expect(request.headers["host"] == "127.0.0.1:\(port)")
            let event = try JSONDecoder().decode(WebhookEvent.self, from: Data(request.body))
            #expect(event.msn == sim.msn)
            #expect(event.reference == "hook-00001")
        }
        await receiver.stop()
        try await sim.finish()
    }
}
