import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import KasseTill
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// The till's side of the customer display: a WebSocket (`/customer-view`) that sends each
/// display the customer's view as JSON, at once and on every change. A display presents the
/// shared secret of `[display]` (`Authorization: Bearer …`, compared in constant time); nothing
/// but the customer's view goes out, and nothing comes in.
public final class CustomerViewServer: Sendable {
    public let port: Int
    private let shared: Shared
    private let task: Task<Void, Never>
    private let group: ServiceGroup

    /// The newest view, and who is waiting for the next.
    final class Shared: Sendable {
        let state = Mutex<(view: CustomerView?, waiting: [Int: AsyncStream<CustomerView>.Continuation], next: Int)>((nil, [:], 0))

        func publish(_ view: CustomerView) {
            let waiting = state.withLock { state -> [AsyncStream<CustomerView>.Continuation] in
                guard state.view != view else { return [] }
                state.view = view
                return Array(state.waiting.values)
            }
            for continuation in waiting { continuation.yield(view) }
        }

        func subscribe() -> (Int, AsyncStream<CustomerView>) {
            let (stream, continuation) = AsyncStream.makeStream(of: CustomerView.self, bufferingPolicy: .bufferingNewest(1))
            let id = state.withLock { state -> Int in
                state.next += 1
                state.waiting[state.next] = continuation
                if let view = state.view { continuation.yield(view) }
                return state.next
            }
            return (id, stream)
        }

        func unsubscribe(_ id: Int) {
            state.withLock { $0.waiting.removeValue(forKey: id) }?.finish()
        }

        var displays: Int { state.withLock { $0.waiting.count } }
    }

    private init(port: Int, shared: Shared, task: Task<Void, Never>, group: ServiceGroup) {
        self.port = port
        self.shared = shared
        self.task = task
        self.group = group
    }

    /// Sends `view` to every display (nothing when it has not changed).
    public func publish(_ view: CustomerView) { shared.publish(view) }

    /// Displays connected now.
    public var displays: Int { shared.displays }

    static func authorised(_ header: String?, secret: String) -> Bool {
        guard let header, header.hasPrefix("Bearer ") else { return false }
        let presented = SHA256.hash(data: Data(header.dropFirst(7).utf8)), expected = SHA256.hash(data: Data(secret.utf8))
        return zip(presented, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// Listens on `host:port` (0: any free port) until `stop()`.
    public static func start(host: String, port: Int, secret: String, logger: Logger) async throws -> CustomerViewServer {
        let shared = Shared()
        let router = Router(context: BasicWebSocketRequestContext.self)
        router.get("/health") { _, _ in "ok" }
        router.ws("/customer-view") { request, _ in
            authorised(request.headers[.authorization], secret: secret) ? .upgrade([:]) : .dontUpgrade
        } onUpgrade: { inbound, outbound, _ in
            let (id, views) = shared.subscribe()
            logger.info("customer display connected")
            defer {
                shared.unsubscribe(id)
                logger.info("customer display disconnected")
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { for try await _ in inbound {} }
                group.addTask {
                    for await view in views {
                        try await outbound.write(.text(String(decoding: try encoder.encode(view), as: UTF8.self)))
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        }
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            server: .http1WebSocketUpgrade(webSocketRouter: router),
            configuration: .init(address: .hostname(host, port: port), serverName: "kasse-till-display"),
            onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) },
            logger: logger)
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: logger)
        let task = Task {
            do {
                try await group.run()
            } catch {
                logger.error("customer display server stopped: \(error)")
            }
            portContinuation.finish()
        }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next() else {
            throw CustomerViewServerError(description: "the customer display server could not listen on \(host):\(port)")
        }
        return CustomerViewServer(port: bound, shared: shared, task: task, group: group)
    }

    public func stop() async {
        await group.triggerGracefulShutdown()
        await task.value
    }
}

public struct CustomerViewServerError: Error, CustomStringConvertible {
    public var description: String
}
