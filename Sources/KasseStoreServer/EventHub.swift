import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Wakes the event WebSockets of one instance when PostgreSQL announces a new event for their
/// till (`LISTEN kasse_events`; the payload is the till). A wake-up carries nothing: each
/// socket reads its till's events after the last one it sent, so a notification lost while
/// PostgreSQL restarted costs nothing (every socket is woken once listening resumes).
final class EventHub: Sendable {
    private struct State {
        var waiting: [String: [UUID: AsyncStream<Void>.Continuation]] = [:]
        var catalog: Int64 = 0
    }

    /// The newest catalog version this instance heard of.
    var catalogVersion: Int64 { state.withLock { $0.catalog } }

    /// A new catalog: every socket is woken to tell its till.
    func catalogChanged(_ version: Int64) {
        state.withLock { $0.catalog = max($0.catalog, version) }
        wakeAll()
    }

    private let state = Mutex(State())

    /// A stream that yields once at once (to read the backlog) and then once per wake-up;
    /// wake-ups that come while the reader is busy fold into one.
    func subscribe(till: String) -> (UUID, AsyncStream<Void>) {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let id = UUID()
        continuation.yield()
        state.withLock { $0.waiting[till, default: [:]][id] = continuation }
        return (id, stream)
    }

    func unsubscribe(till: String, id: UUID) {
        let continuation = state.withLock { $0.waiting[till]?.removeValue(forKey: id) }
        continuation?.finish()
    }

    func wake(till: String) {
        for continuation in state.withLock({ Array(($0.waiting[till] ?? [:]).values) }) { continuation.yield() }
    }

    func wakeAll() {
        for continuation in state.withLock({ $0.waiting.values.flatMap(\.values) }) { continuation.yield() }
    }

    var subscribers: Int { state.withLock { $0.waiting.values.reduce(0) { $0 + $1.count } } }
}

/// Creates the tables, then listens for new events for as long as the server runs, listening
/// again (and waking every socket) after PostgreSQL went away.
struct EventListener: Service {
    let database: StoreDatabase
    let hub: EventHub
    let logger: Logger
    let ready: @Sendable () async -> Void

    func run() async throws {
        try? await cancelWhenGracefulShutdown { try await listen() }
    }

    private func listen() async throws {
        var migrated = false
        var pause = Duration.milliseconds(100)
        while !Task.isCancelled {
            let began = ContinuousClock.now
            do {
                if !migrated {
                    try await database.migrate()
                    migrated = true
                    await ready()
                }
                try await database.client.withConnection { connection in
                    try await connection.listen(on: StoreDatabase.channel) { notifications in
                        hub.wakeAll()
                        for try await notification in notifications {
                            if notification.payload.hasPrefix("catalog:") {
                                hub.catalogChanged(Int64(notification.payload.dropFirst("catalog:".count)) ?? 0)
                            } else {
                                hub.wake(till: notification.payload)
                            }
                        }
                    }
                }
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                if ContinuousClock.now - began > .seconds(5) { pause = .milliseconds(100) }
                logger.warning("PostgreSQL: \(String(reflecting: error).prefix(300)); listening again in \(pause)")
            }
            try await Task.sleep(for: pause)
            pause = min(pause * 2, .seconds(2))
        }
    }
}
