import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import VippsModels
import VippsWebhooks

struct RegisteredWebhook: Sendable, Hashable {
    var id: String
    var msn: String
    var url: String
    var events: [String]
    var secret: String
}

/// One notification on its way to one registered URL.
struct PendingDelivery: Sendable {
    var id: Int
    var webhookID: String
    var eventType: String
    var body: [UInt8]
    var attempts = 0
    var nextAttempt: Date
    var inFlight = false
}

/// What happened to a notification, for the control API.
struct DeliveryRecord: Codable, Sendable {
    var id: Int
    var webhookId: String
    var eventType: String
    var reference: String
    var attempts: Int
    var lastStatus: Int?
    var lastError: String?
    var delivered: Bool
    var abandoned: Bool
}

/// Registered webhooks and, per webhook, an ordered queue of notifications: a later event
/// for a webhook is not sent before an earlier one was accepted, as the real service does.
final class WebhookRegistry: Sendable {
    private struct State {
        var hooks: [String: RegisteredWebhook] = [:]
        var order: [String] = []
        var queues: [String: [PendingDelivery]] = [:]
        var records: [Int: DeliveryRecord] = [:]
        var nextID = 1
    }

    private let state = Mutex(State())

    /// Seconds between attempts: about every 2 s four times, then 60 s, 120 s, then hourly.
    static let backoff: [TimeInterval] = [2, 2, 2, 2, 60, 120, 3600, 3600, 3600]
    static var maximumAttempts: Int { backoff.count + 1 }

    func register(_ hook: RegisteredWebhook) {
        state.withLock {
            $0.hooks[hook.id] = hook
            $0.order.append(hook.id)
        }
    }

    func list(msn: String) -> [RegisteredWebhook] {
        state.withLock { state in state.order.compactMap { state.hooks[$0] }.filter { $0.msn == msn } }
    }

    func count(msn: String, event: String) -> Int {
        state.withLock { $0.hooks.values.filter { $0.msn == msn && $0.events.contains(event) }.count }
    }

    func delete(id: String, msn: String) -> Bool {
        state.withLock {
            guard let hook = $0.hooks[id], hook.msn == msn else { return false }
            $0.hooks[id] = nil
            $0.order.removeAll { $0 == id }
            $0.queues[id] = nil
            return true
        }
    }

    func enqueue(event: PaymentEvent, msn: String, at now: Date) {
        let type = event.name.webhookEventType
        let payload = WebhookEvent(
            msn: msn, reference: event.reference, pspReference: event.pspReference, name: event.name, amount: event.amount,
            timestamp: event.timestamp, idempotencyKey: event.idempotencyKey, success: event.success)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let body = try? encoder.encode(payload) else { return }
        state.withLock { state in
            for id in state.order {
                guard let hook = state.hooks[id], hook.msn == msn, hook.events.contains(type) else { continue }
                let delivery = PendingDelivery(id: state.nextID, webhookID: id, eventType: type, body: Array(body), nextAttempt: now)
                state.records[state.nextID] = DeliveryRecord(
                    id: state.nextID, webhookId: id, eventType: type, reference: event.reference, attempts: 0,
                    delivered: false, abandoned: false)
                state.nextID += 1
                state.queues[id, default: []].append(delivery)
            }
        }
    }

    /// Takes the head of each queue that is due and not already on its way.
    func takeDue(at now: Date) -> [(PendingDelivery, RegisteredWebhook)] {
        state.withLock { state in
            var due: [(PendingDelivery, RegisteredWebhook)] = []
            for id in state.order {
                guard let hook = state.hooks[id], var queue = state.queues[id], !queue.isEmpty else { continue }
                guard !queue[0].inFlight, queue[0].nextAttempt <= now else { continue }
                queue[0].inFlight = true
                state.queues[id] = queue
                due.append((queue[0], hook))
            }
            return due
        }
    }

    func finish(_ delivery: PendingDelivery, status: Int?, error: String?, at now: Date) {
        state.withLock { state in
            guard var queue = state.queues[delivery.webhookID], let index = queue.firstIndex(where: { $0.id == delivery.id }) else {
                return
            }
            var record = state.records[delivery.id]
            record?.attempts += 1
            record?.lastStatus = status
            record?.lastError = error
            if let status, (200..<300).contains(status) {
                queue.remove(at: index)
                record?.delivered = true
            } else {
                queue[index].attempts += 1
                queue[index].inFlight = false
                if queue[index].attempts >= WebhookRegistry.maximumAttempts {
                    queue.remove(at: index)
                    record?.abandoned = true
                } else {
                    queue[index].nextAttempt = now.addingTimeInterval(WebhookRegistry.backoff[queue[index].attempts - 1])
                }
            }
            state.queues[delivery.webhookID] = queue
            state.records[delivery.id] = record
        }
    }

    func records() -> [DeliveryRecord] {
        state.withLock { $0.records.values.sorted { $0.id < $1.id } }
    }

    /// Whether something is due now or on its way.
    func isBusy(at now: Date) -> Bool {
        state.withLock { state in
            state.queues.values.contains { queue in
                guard let head = queue.first else { return false }
                return head.inFlight || head.nextAttempt <= now
            }
        }
    }

    var hasQueued: Bool { state.withLock { $0.queues.values.contains { !$0.isEmpty } } }
}

/// Sends notifications, signed exactly as Vipps MobilePay signs them.
struct WebhookSender: Sendable {
    let client: HTTPClient
    let logger: Logger

    /// - Returns: the HTTP status, or nil with a reason when nothing came back.
    func send(_ delivery: PendingDelivery, to hook: RegisteredWebhook, date: Date) async -> (Int?, String?) {
        guard let url = URL(string: hook.url), let host = url.host else { return (nil, "bad URL") }
        let defaultPort = url.scheme == "https" ? 443 : 80
        let authority = url.port.map { $0 == defaultPort ? host : "\(host):\($0)" } ?? host
        var pathAndQuery = url.path.isEmpty ? "/" : url.path
        if let query = url.query { pathAndQuery += "?\(query)" }
        let xmsDate = Timestamps.rfc1123(date)
        let (hash, authorization) = WebhookSignature.authorization(
            secret: hook.secret, pathAndQuery: pathAndQuery, date: xmsDate, host: authority, body: delivery.body)
        var request = HTTPClientRequest(url: hook.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "x-ms-date", value: xmsDate)
        request.headers.add(name: "x-ms-content-sha256", value: hash)
        request.headers.add(name: "Authorization", value: authorization)
        request.headers.add(name: "Host", value: authority)
        request.body = .bytes(ByteBuffer(bytes: delivery.body))
        do {
            // Generous: a receiver on a busy machine (the tests' own) is slow, not gone; one that
            // is gone refuses at once.
            let response = try await client.execute(request, timeout: .seconds(30))
            _ = try? await response.body.collect(upTo: 1 << 16)
            return (Int(response.status.code), nil)
        } catch {
            return (nil, "\(error)")
        }
    }
}
