import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import KasseFiles
import Logging
import NIOCore
import NIOHTTPTypes
import NIOSSL
import Synchronization

/// What one listening socket allows, so that no device on the shop's network can hold a till's
/// or a server's descriptors, memory or time:
///
/// - at most `maxConnections` open at once; when they are all taken, the oldest connection that
///   has not yet been answered with success (not authenticated) is dropped to make room, and a
///   new one is refused only when every open connection is authenticated;
/// - at most `maxPendingPerPeer` unauthenticated connections from one address;
/// - a connection must send a whole request (answered, whatever its status) or complete its
///   WebSocket handshake within `establishTimeout` of connecting, or it is closed: idle and
///   slow-header connections go; only an answer of success (2xx, or 101 for a WebSocket)
///   authenticates it, which keeps it from being dropped to make room;
/// - a connection that sends nothing for `idleTimeout` is closed (WebSockets are pinged
///   more often than that, so a live peer always has something to send);
/// - one request's head and body must arrive within `requestTimeout`;
/// - a request body is at most `maxBodyBytes` (the routes read bodies up to it; more is 413).
public struct ListenerLimits: Sendable, Equatable, CustomStringConvertible {
    public var maxConnections: Int
    public var maxPendingPerPeer: Int
    public var establishTimeout: Duration
    public var idleTimeout: Duration
    public var requestTimeout: Duration
    public var maxBodyBytes: Int

    public init(maxConnections: Int, maxPendingPerPeer: Int, establishTimeout: Duration, idleTimeout: Duration,
                requestTimeout: Duration, maxBodyBytes: Int) {
        self.maxConnections = maxConnections
        self.maxPendingPerPeer = maxPendingPerPeer
        self.establishTimeout = establishTimeout
        self.idleTimeout = idleTimeout
        self.requestTimeout = requestTimeout
        self.maxBodyBytes = maxBodyBytes
    }

    /// The till's customer display link: a few displays, tiny messages. At most 1/16 of the
    /// process's descriptors, so the till's journal, printer and payments always have theirs.
    public static func display(openFiles: UInt64 = ProcessLimits.openFiles) -> ListenerLimits {
        ListenerLimits(maxConnections: Self.share(of: openFiles, divisor: 16, cap: 64), maxPendingPerPeer: 8,
                       establishTimeout: .seconds(10), idleTimeout: .seconds(60), requestTimeout: .seconds(10),
                       maxBodyBytes: 4 << 10)
    }

    /// The store server: every till of a shop or chain (two connections each), webhooks from
    /// Vipps MobilePay, journal batches of at most 500 entries (`maxBodyBytes`: 8 MiB).
    public static func storeServer(openFiles: UInt64 = ProcessLimits.openFiles) -> ListenerLimits {
        ListenerLimits(maxConnections: Self.share(of: openFiles, divisor: 2, cap: 8192), maxPendingPerPeer: 32,
                       establishTimeout: .seconds(10), idleTimeout: .seconds(120), requestTimeout: .seconds(30),
                       maxBodyBytes: 8 << 20)
    }

    /// `kasse webhook listen`: Vipps MobilePay's webhook sender (and a proxy in front of it).
    public static func webhookListener(openFiles: UInt64 = ProcessLimits.openFiles) -> ListenerLimits {
        ListenerLimits(maxConnections: Self.share(of: openFiles, divisor: 4, cap: 1024), maxPendingPerPeer: 64,
                       establishTimeout: .seconds(10), idleTimeout: .seconds(60), requestTimeout: .seconds(30),
                       maxBodyBytes: 1 << 20)
    }

    /// The simulator: the till's own client and the tests; larger bodies (receipts, control calls).
    public static func simulator(openFiles: UInt64 = ProcessLimits.openFiles) -> ListenerLimits {
        ListenerLimits(maxConnections: Self.share(of: openFiles, divisor: 4, cap: 2048), maxPendingPerPeer: 256,
                       establishTimeout: .seconds(30), idleTimeout: .seconds(120), requestTimeout: .seconds(60),
                       maxBodyBytes: 4 << 20)
    }

    /// The kernel's queue of connections not yet accepted: deep enough that a burst is
    /// accepted (and judged by the guard) rather than left half-open in the kernel.
    public static let backlog = 2048

    static func share(of openFiles: UInt64, divisor: UInt64, cap: Int) -> Int {
        max(16, min(cap, Int(clamping: openFiles / divisor)))
    }

    /// Reads `KASSE_LISTENER_<NAME>` overrides (seconds for the timeouts): how tests and a shop
    /// with unusual needs shorten or widen them without a new build.
    public func overridden(by environment: [String: String]) -> ListenerLimits {
        var limits = self
        func seconds(_ key: String) -> Duration? {
            environment[key].flatMap(Double.init).flatMap { $0 > 0 ? Duration.milliseconds(Int64($0 * 1000)) : nil }
        }
        if let value = environment["KASSE_LISTENER_MAX_CONNECTIONS"].flatMap(Int.init), value > 0 { limits.maxConnections = value }
        if let value = environment["KASSE_LISTENER_MAX_PENDING_PER_PEER"].flatMap(Int.init), value > 0 { limits.maxPendingPerPeer = value }
        if let value = seconds("KASSE_LISTENER_ESTABLISH_TIMEOUT") { limits.establishTimeout = value }
        if let value = seconds("KASSE_LISTENER_IDLE_TIMEOUT") { limits.idleTimeout = value }
        if let value = seconds("KASSE_LISTENER_REQUEST_TIMEOUT") { limits.requestTimeout = value }
        return limits
    }

    public var description: String {
        "at most \(maxConnections) connections (\(maxPendingPerPeer) unauthenticated per address), "
            + "answered within \(establishTimeout), idle \(idleTimeout), request \(requestTimeout), body \(maxBodyBytes) bytes"
    }
}

/// Every open connection of one listener, shared by its connections' guards.
public final class ConnectionTable: Sendable {
    struct Entry {
        var peer: String
        var order: UInt64
        var established: Bool
        var channel: any Channel
        /// A whole request head arrived and its answer is not written yet: the server is at
        /// work, so the establish deadline waits for the answer (the request timeout still
        /// bounds how long the client takes to send it).
        var answering = false
        /// At least one request was answered whole (any status): an HTTP client that speaks,
        /// whose pauses between requests the idle timeout governs. Only `established` (a 2xx or
        /// 101, or the server's word) protects it from being dropped to make room.
        var answered = false
    }

    struct State {
        var entries: [ObjectIdentifier: Entry] = [:]
        var order: UInt64 = 0
        var refused = 0
        var evicted = 0
        var timedOut = 0
    }

    public let limits: ListenerLimits
    /// Whether a 2xx or 101 answer authenticates a connection (HTTP with a bearer token checked
    /// before the answer); false where the server says so itself (`establish`), after a
    /// challenge answered inside the WebSocket.
    let establishOnSuccess: Bool
    let state = Mutex(State())

    public init(limits: ListenerLimits, establishOnSuccess: Bool = true) {
        self.limits = limits
        self.establishOnSuccess = establishOnSuccess
    }

    /// Marks the connection on `channel` as authenticated: no establish deadline, not dropped
    /// to make room.
    public func establish(_ channel: any Channel) { establish(ObjectIdentifier(channel)) }

    func isEstablished(_ id: ObjectIdentifier) -> Bool {
        state.withLock { $0.entries[id]?.established ?? false }
    }

    func isAnswering(_ id: ObjectIdentifier) -> Bool {
        state.withLock { $0.entries[id]?.answering ?? false }
    }

    func setAnswering(_ id: ObjectIdentifier, _ answering: Bool) {
        state.withLock {
            $0.entries[id]?.answering = answering
            if !answering { $0.entries[id]?.answered = true }
        }
    }

    func hasBeenAnswered(_ id: ObjectIdentifier) -> Bool {
        state.withLock { $0.entries[id]?.answered ?? false }
    }

    /// Connections open now, and how many of them are authenticated.
    public var open: (total: Int, established: Int) {
        state.withLock { state in (state.entries.count, state.entries.values.filter(\.established).count) }
    }

    /// Connections refused, dropped to make room and closed for a timeout, since the start.
    public var dropped: (refused: Int, evicted: Int, timedOut: Int) {
        state.withLock { ($0.refused, $0.evicted, $0.timedOut) }
    }

    /// Whether a new connection from `peer` may stay; may close the oldest unauthenticated one.
    func admit(_ channel: any Channel, peer: String) -> Bool {
        let id = ObjectIdentifier(channel)
        let (admitted, evict) = state.withLock { state -> (Bool, (any Channel)?) in
            let pendingFromPeer = state.entries.values.lazy.filter { !$0.established && $0.peer == peer }.count
            if pendingFromPeer >= limits.maxPendingPerPeer {
                state.refused += 1
                return (false, nil)
            }
            var evict: (any Channel)?
            if state.entries.count >= limits.maxConnections {
                guard let oldest = state.entries.filter({ !$0.value.established }).min(by: { $0.value.order < $1.value.order })
                else {
                    state.refused += 1
                    return (false, nil)
                }
                state.entries.removeValue(forKey: oldest.key)
                state.evicted += 1
                evict = oldest.value.channel
            }
            state.order += 1
            state.entries[id] = Entry(peer: peer, order: state.order, established: false, channel: channel)
            return (true, evict)
        }
        evict?.close(promise: nil)
        return admitted
    }

    func establish(_ id: ObjectIdentifier) {
        state.withLock { $0.entries[id]?.established = true }
    }

    func remove(_ id: ObjectIdentifier) {
        _ = state.withLock { $0.entries.removeValue(forKey: id) }
    }

    func countTimeout() {
        state.withLock { $0.timedOut += 1 }
    }
}

/// The first handler of every accepted connection: admission, the establish deadline and the
/// idle timeout, below HTTP (so a connection that never sends a whole request head is covered
/// too). A connection counts as established once the server answers it with 2xx or 101 (seen
/// by `ResponseSniffer`, after TLS) or says so (`ConnectionTable.establish`).
final class ConnectionGuardHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let table: ConnectionTable
    var started = false
    var lastRead = NIODeadline.now()
    var establishTask: Scheduled<Void>?
    var idleTask: Scheduled<Void>?

    init(table: ConnectionTable) { self.table = table }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        establishTask?.cancel()
        idleTask?.cancel()
    }

    private func start(_ context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        let channel = context.channel
        let id = ObjectIdentifier(channel)
        let peer = channel.remoteAddress?.ipAddress ?? "unknown"
        guard table.admit(channel, peer: peer) else {
            context.close(promise: nil)
            return
        }
        let table = self.table
        channel.closeFuture.whenComplete { _ in table.remove(id) }
        scheduleEstablishCheck(context, id: id, after: TimeAmount(table.limits.establishTimeout))
        scheduleIdleCheck(context, after: TimeAmount(table.limits.idleTimeout))
    }

    /// At the deadline: closed unless authenticated; while the server is still answering a
    /// request it received whole, checked again a moment later (a slow server is not a slow client).
    private func scheduleEstablishCheck(_ context: ChannelHandlerContext, id: ObjectIdentifier, after delay: TimeAmount) {
        let table = self.table
        establishTask = context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
            if table.isEstablished(id) || table.hasBeenAnswered(id) { return }
            if table.isAnswering(id) {
                scheduleEstablishCheck(context, id: id, after: .milliseconds(500))
                return
            }
            table.countTimeout()
            context.close(promise: nil)
        }
    }

    private func scheduleIdleCheck(_ context: ChannelHandlerContext, after delay: TimeAmount) {
        idleTask = context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
            let idle = TimeAmount(table.limits.idleTimeout)
            let quiet = NIODeadline.now() - lastRead
            if quiet >= idle {
                table.countTimeout()
                context.close(promise: nil)
            } else {
                scheduleIdleCheck(context, after: idle - quiet)
            }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastRead = .now()
        context.fireChannelRead(data)
    }

}

/// Sees the server's answers in the clear (after TLS, when there is TLS): a 2xx or 101 answer
/// authenticates the connection, where the table says so.
final class ResponseSniffer: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    let table: ConnectionTable
    var established = false

    init(table: ConnectionTable) { self.table = table }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if !established, table.establishOnSuccess, case .byteBuffer(let buffer) = unwrapOutboundIn(data), Self.isSuccess(buffer) {
            established = true
            table.establish(ObjectIdentifier(context.channel))
        }
        context.write(data, promise: promise)
    }

    /// Whether `buffer` starts an HTTP/1.1 response with status 2xx or 101.
    static func isSuccess(_ buffer: ByteBuffer) -> Bool {
        guard let head = buffer.getBytes(at: buffer.readerIndex, length: min(12, buffer.readableBytes)), head.count == 12,
              Array(head[0..<9]) == Array("HTTP/1.1 ".utf8)
        else { return false }
        let status = head[9...11]
        return status.elementsEqual("101".utf8) || status.first == UInt8(ascii: "2")
    }
}

/// Closes a connection whose request (head to end) takes longer than `timeout`: a body sent a
/// byte at a time holds nothing for long. Tells the connection's guard while the server is
/// answering a request it has (so its establish deadline waits for the answer).
final class RequestTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let timeout: TimeAmount
    let table: ConnectionTable
    var task: Scheduled<Void>?

    init(timeout: Duration, table: ConnectionTable) {
        self.timeout = TimeAmount(timeout)
        self.table = table
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            table.setAnswering(ObjectIdentifier(context.channel), true)
            task?.cancel()
            let table = self.table
            task = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
                table.countTimeout()
                context.close(promise: nil)
            }
        case .end:
            task?.cancel()
            task = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { table.setAnswering(ObjectIdentifier(context.channel), false) }
        context.write(data, promise: promise)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        task?.cancel()
    }
}

/// A child channel (HTTP/1, or HTTP/1 with WebSocket upgrade) with a `ConnectionGuardHandler` in
/// front of everything else, then TLS (when configured), then a `ResponseSniffer`.
struct GuardedChildChannel<Inner: ServerChildChannel>: ServerChildChannel {
    typealias Value = Inner.Value
    let inner: Inner
    let table: ConnectionTable
    let tls: NIOSSLContext?

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        do {
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(ConnectionGuardHandler(table: table), position: .first)
            if let tls { try pipeline.addHandler(NIOSSLServerHandler(context: tls)) }
            try pipeline.addHandler(ResponseSniffer(table: table))
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return inner.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1 with every limit of `table`.
    public static func guardedHTTP1(_ table: ConnectionTable, tls: NIOSSLContext? = nil) -> HTTPServerBuilder {
        let limits = table.limits
        return .init { responder in
            GuardedChildChannel(
                inner: HTTP1Channel(
                    responder: responder,
                    configuration: .init(
                        additionalChannelHandlers: [RequestTimeoutHandler(timeout: limits.requestTimeout, table: table)],
                        idleTimeout: TimeAmount(limits.idleTimeout))),
                table: table, tls: tls)
        }
    }

    /// HTTP/1 with a WebSocket upgrade through `webSocketRouter`, with every limit of `table`;
    /// WebSockets are pinged at a third of the idle timeout.
    public static func guardedWebSocket<Builder: HTTPResponderBuilder & SendableMetatype>(
        webSocketRouter: Builder, table: ConnectionTable, maxFrameSize: Int = 1 << 14, tls: NIOSSLContext? = nil
    ) -> HTTPServerBuilder where Builder.Responder.Context: WebSocketRequestContext {
        let limits = table.limits
        let webSocketResponder = webSocketRouter.buildResponder()
        return .init { responder in
            GuardedChildChannel(
                inner: HTTP1WebSocketUpgradeChannel(
                    responder: responder,
                    webSocketResponder: webSocketResponder,
                    configuration: .init(
                        http1: .init(
                            additionalChannelHandlers: [RequestTimeoutHandler(timeout: limits.requestTimeout, table: table)],
                            idleTimeout: TimeAmount(limits.idleTimeout)),
                        ws: .init(maxFrameSize: maxFrameSize, autoPing: .enabled(timePeriod: limits.idleTimeout / 3)))),
                table: table, tls: tls)
        }
    }
}

/// A request context that knows its connection, so a route can mark it authenticated
/// (`ConnectionTable.establish`) once a peer has proved itself inside a WebSocket.
public struct ListenerRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<ListenerRequestContext>
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        channel = source.channel
    }
}
