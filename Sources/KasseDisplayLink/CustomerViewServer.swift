import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import KasseListener
import KasseTill
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// The till's side of the customer display: a WebSocket (`/customer-view`) that sends each
/// display the customer's view as JSON, at once and on every change. Till and display prove to
/// each other that they hold the secret of `[display]` without sending it (`DisplayHandshake`),
/// and every view is sealed with a key of that connection's own; nothing but the customer's
/// view goes out, and nothing comes in.
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

    /// The listener's open connections (and what it dropped), for tests and the log.
    public let connections: ConnectionTable

    private init(port: Int, shared: Shared, task: Task<Void, Never>, group: ServiceGroup, connections: ConnectionTable) {
        self.connections = connections
        self.port = port
        self.shared = shared
        self.task = task
        self.group = group
    }

    /// Sends `view` to every display (nothing when it has not changed).
    public func publish(_ view: CustomerView) { shared.publish(view) }

    /// Displays connected now.
    public var displays: Int { shared.displays }

    /// Listens on `host:port` (0: any free port) until `stop()`. Every display proves it holds
    /// `secret` (`DisplayHandshake`) before it is sent a view; nothing else comes in.
    /// `limits`: the display link's (`ListenerLimits.display`, with `KASSE_LISTENER_*` overrides).
    public static func start(host: String, port: Int, secret: String, logger: Logger,
                             limits: ListenerLimits = .display().overridden(by: ProcessInfo.processInfo.environment)) async throws -> CustomerViewServer {
        let shared = Shared()
        let connections = ConnectionTable(limits: limits, establishOnSuccess: false)
        let key = DisplayHandshake.key(secret: secret)
        let nonceHeader = HTTPField.Name(DisplayHandshake.nonceHeader)!
        let router = Router(context: ListenerRequestContext.self)
        router.get("/health") { _, _ in "ok" }
        router.ws("/customer-view") { request, _ in
            guard let nonce = request.headers[nonceHeader], DisplayHandshake.isNonce(nonce) else { return .dontUpgrade }
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            guard let displayNonce = context.request.headers[nonceHeader] else { return }
            let tillNonce = DisplayHandshake.nonce()
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            let hello = DisplayHandshake.Hello(nonce: tillNonce, proof: DisplayHandshake.tillProof(key, display: displayNonce, till: tillNonce))
            try await outbound.write(.text(String(decoding: try encoder.encode(hello), as: UTF8.self)))
            let (proved, provedContinuation) = AsyncStream.makeStream(of: DisplayHandshake.Key.self)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    defer { provedContinuation.finish() }
                    var messages = inbound.messages(maxSize: 4096).makeAsyncIterator()
                    guard case .text(let text)? = try await messages.next(),
                          let answer = try? JSONDecoder().decode(DisplayHandshake.Answer.self, from: Data(text.utf8)),
                          DisplayHandshake.same(answer.proof, DisplayHandshake.displayProof(key, display: displayNonce, till: tillNonce))
                    else {
                        logger.warning("a customer display did not prove it holds the display secret; its connection is closed")
                        return
                    }
                    connections.establish(context.requestContext.channel)
                    provedContinuation.yield(DisplayHandshake.sessionKey(key, display: displayNonce, till: tillNonce))
                    provedContinuation.finish()
                    // Ends when the display closes the socket; nothing it sends is used.
                    while try await messages.next() != nil {}
                }
                group.addTask {
                    var waiting = proved.makeAsyncIterator()
                    guard let session = await waiting.next() else { return }
                    let (id, views) = shared.subscribe()
                    logger.info("customer display connected")
                    defer {
                        shared.unsubscribe(id)
                        logger.info("customer display disconnected")
                    }
                    var sequence = 0
                    for await view in views {
                        sequence += 1
                        let sealed = try DisplayHandshake.Sealed(seq: sequence, view: view, key: session)
                        try await outbound.write(.text(String(decoding: try encoder.encode(sealed), as: UTF8.self)))
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        }
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            server: .guardedWebSocket(webSocketRouter: router, table: connections),
            configuration: .init(address: .hostname(host, port: port), serverName: "kasse-till-display", backlog: ListenerLimits.backlog),
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
        return CustomerViewServer(port: bound, shared: shared, task: task, group: group, connections: connections)
    }

    public func stop() async {
        await group.triggerGracefulShutdown()
        await task.value
    }
}

public struct CustomerViewServerError: Error, CustomStringConvertible {
    public var description: String
}
