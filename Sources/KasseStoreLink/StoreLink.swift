import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdWSClient
import KasseJournal
import KasseCore
import KasseJournalSQLite
import KasseStore
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import NIOWebSocket
import Synchronization

/// `[server]` in the till's configuration: the store server's address, this till's token, the
/// key it signs its journal batches with, the server's catalog key, and the certificate that
/// proves the server is the shop's (pinned: nothing else is trusted for it).
public struct StoreLinkConfiguration: Sendable {
    /// `https://HOST:PORT` (or `http://` to this machine, or anywhere with `insecure`).
    public var url: String
    public var token: String
    /// This till's name at the server (`PaymentReference.tillPrefix`: store and till), which
    /// every journal batch's signature covers.
    public var till: String
    /// Signs every journal batch; the server holds its public part in this till's `[[till]]`.
    public var signingKey: LinkSigningKey?
    /// The server's catalog key: a catalog whose signature it does not verify is refused.
    public var catalogKey: LinkPublicKey?
    /// The CA or server certificate `https://` is checked against (PEM), and only it.
    public var tls: TLSConfiguration?

    public init(url: String, token: String, till: String, signingKey: LinkSigningKey?, catalogKey: LinkPublicKey?,
                tls: TLSConfiguration? = nil) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.token = token
        self.till = till
        self.signingKey = signingKey
        self.catalogKey = catalogKey
        self.tls = tls
    }

    /// TLS that trusts only the certificates in `pemFile` (a CA, or the server's own
    /// certificate): a server with any other certificate is refused, whoever signed it.
    public static func pinnedTLS(pemFile: String) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(pemFile))
        tls.minimumTLSVersion = .tlsv12
        return tls
    }

    /// This configuration with TLS that trusts only `caFile` (nil: none, for `http://`).
    public func pinning(caFile: String?) throws -> StoreLinkConfiguration {
        var configuration = self
        configuration.tls = try caFile.map { try Self.pinnedTLS(pemFile: $0) }
        return configuration
    }

    /// Plain `http://` to another machine (`insecure = true`): the token and journal in clear.
    public var isInsecure: Bool { !url.hasPrefix("https://") && !Self.isLoopback(url) }

    /// Whether `url`'s host is this machine (where plain `http://` crosses no network).
    public static func isLoopback(_ url: String) -> Bool {
        guard let host = URLComponents(string: url)?.host?.lowercased() else { return false }
        return host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    var webSocketURL: String {
        (url.hasPrefix("https://") ? "wss://" + url.dropFirst("https://".count) : "ws://" + url.dropFirst("http://".count))
            + "/till/events"
    }
}

/// The till's side of the store server: the event WebSocket (a pushed AUTHORIZED lets the till
/// read its payment back at once) and journal replication. Both go on by themselves after any
/// break; while the server cannot be reached the till works exactly as without one.
public final class StoreLink: Sendable {
    public let configuration: StoreLinkConfiguration
    let journal: Journal?
    let logger: Logger
    let onEvent: @Sendable (StoreEvent) async -> Void
    let onCatalog: @Sendable (Int64) async -> Void
    private let state = Mutex(LinkState())
    private let http: HTTPClient

    struct LinkState {
        var connected = false
        var lastEvent: Int64?
        var acknowledged: JournalHead?
        var refusal: StoreRefusal?
        var shutDown = false
    }

    /// `onCatalog`: the server holds this catalog version (said at each connect, and when a new
    /// one is imported); the till fetches it when it is not the one it sells.
    public init(configuration: StoreLinkConfiguration, journal: Journal?, logger: Logger,
                onEvent: @escaping @Sendable (StoreEvent) async -> Void,
                onCatalog: @escaping @Sendable (Int64) async -> Void = { _ in }) {
        self.configuration = configuration
        self.onCatalog = onCatalog
        self.journal = journal
        self.logger = logger
        self.onEvent = onEvent
        var http = HTTPClient.Configuration()
        http.timeout = .init(connect: .seconds(3), read: .seconds(30))
        if let tls = configuration.tls { http.tlsConfiguration = tls }
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: http)
    }

    /// The event socket is open.
    public var isConnected: Bool { state.withLock { $0.connected } }
    /// The newest of this till's entries the server holds (the second anchor).
    public var acknowledged: JournalHead? { state.withLock { $0.acknowledged } }
    /// Why the server refused the journal last (a gap or a fork: a person must look).
    public var refusal: StoreRefusal? { state.withLock { $0.refusal } }

    /// Runs both until cancelled.
    public func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.followEvents() }
            if journal != nil { group.addTask { await self.replicate() } }
        }
        state.withLock { $0.shutDown = true }
        try? await http.shutdown()
    }

    // MARK: Events

    func followEvents() async {
        await Redial(clock: ContinuousClock(), longest: .seconds(5)).run({
            var url = configuration.webSocketURL
            if let last = state.withLock({ $0.lastEvent }) { url += "?after=\(last)" }
            var headers = HTTPFields()
            headers[.authorization] = "Bearer \(configuration.token)"
            // The WebSocket client cannot name an IP address in TLS (SNI): to a server given by
            // its address, the event socket relies on the pinned CA alone (the journal's HTTP
            // requests also check the address against the certificate).
            var socketConfiguration = WebSocketClientConfiguration(additionalHeaders: headers, autoPing: .enabled(timePeriod: .seconds(15)))
            var tls = configuration.tls
            if tls != nil, let host = URLComponents(string: configuration.url)?.host, Self.isAddress(host) {
                socketConfiguration.sniHostname = "kasse-store-server"
                tls?.certificateVerification = .noHostnameVerification
            }
            let closed = try await WebSocketClient.connect(
                url: url, configuration: socketConfiguration,
                tlsConfiguration: tls, logger: logger
            ) { inbound, outbound, _ in
                // The socket stays open until the server closes it: cancelling the link closes
                // it from this side (the client does not end on cancellation by itself).
                try await withTaskCancellationHandler {
                    try await self.receive(inbound.messages(maxSize: 1 << 20))
                } onCancel: {
                    Task { try? await outbound.close(.normalClosure, reason: "the till is stopping") }
                }
            }
            logger.info("store server: events closed (\(closed.map { "\($0.closeCode)" } ?? "no close frame"))")
        }, dropped: { error, pause in
            if let error { logger.info("store server: events unavailable (\(error)); trying again in \(pause)") }
            state.withLock { $0.connected = false }
        })
        state.withLock { $0.connected = false }
    }

    /// Whether `host` is an IP address rather than a name.
    static func isAddress(_ host: String) -> Bool {
        host.contains(":") || (!host.isEmpty && host.allSatisfy { $0.isNumber || $0 == "." })
    }

    /// The frames of one connection.
    func receive(_ messages: WebSocketInboundMessageStream) async throws {
        for try await message in messages {
            guard case .text(let text) = message,
                  let frame = try? JSONDecoder().decode(StoreFrame.self, from: Data(text.utf8)) else { continue }
            switch frame {
            case .hello(let till, let newest, let catalog):
                let resumed = state.withLock { state -> Bool in
                    state.connected = true
                    if state.lastEvent == nil { state.lastEvent = newest; return false }
                    return true
                }
                logger.info("store server: connected as till \(till)\(resumed ? ", resuming" : "")")
                if catalog > 0 { await onCatalog(catalog) }
            case .event(let event):
                state.withLock { $0.lastEvent = max($0.lastEvent ?? 0, event.id) }
                logger.info("store server: \(event.name) for \(event.reference)")
                await onEvent(event)
            case .catalogChanged(let version):
                logger.info("store server: catalog \(version)")
                await onCatalog(version)
            }
        }
    }

    // MARK: Journal

    /// Sends the journal's entries the server lacks, in batches, for as long as the till runs:
    /// after a break it goes on from the server's newest entry, so each entry arrives once.
    func replicate() async {
        guard let journal else { return }
        var pause = Duration.milliseconds(500)
        while !Task.isCancelled {
            do {
                try await replicateOnce(journal)
                pause = .milliseconds(500)
                try await Task.sleep(for: .milliseconds(250))
            } catch is CancellationError {
                return
            } catch let refusal as StoreRefusal {
                state.withLock { $0.refusal = refusal }
                logger.error("store server refused the journal: \(refusal.message)")
                try? await Task.sleep(for: .seconds(30))
            } catch {
                if Task.isCancelled { return }
                logger.info("store server: journal not sent (\(error)); trying again in \(pause)")
                try? await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(5))
            }
        }
    }

    /// Brings the server up to the journal's newest entry; returns the server's head.
    @discardableResult
    public func replicateOnce(_ journal: Journal, batchSize: Int = 500) async throws -> JournalHead {
        let newest = try await journal.newestEntry()
        let cached = state.withLock { $0.acknowledged }
        if let cached, cached.sequence == newest.sequence, cached.hash == newest.hash { return cached }
        var head: JournalHead
        if let cached { head = cached } else { head = try await serverHead() }
        if head.sequence > newest.sequence {
            throw StoreRefusal(
                error: "journal-behind-server",
                message: "the server holds entries up to \(head.sequence), but this journal ends at \(newest.sequence): entries were lost or the journal was replaced",
                head: head)
        }
        while head.sequence < newest.sequence {
            let entries = Self.fitting(try await journal.entries(after: head.sequence, limit: min(batchSize, JournalBatch.maxEntries)))
            guard !entries.isEmpty else { break }
            do {
                head = try await send(JournalBatch(entries: entries))
            } catch let refusal as StoreRefusal {
                // Ask the server where it stands before the next try.
                state.withLock { $0.acknowledged = nil }
                throw refusal
            }
            state.withLock {
                $0.acknowledged = head
                $0.refusal = nil
            }
        }
        state.withLock { $0.acknowledged = head }
        return head
    }

    /// The leading entries whose batch stays well under the server's byte limit (an entry's
    /// JSON is at most twice its payload, escaped, plus its other fields); at least one.
    static func fitting(_ entries: [JournalEntry]) -> [JournalEntry] {
        var bytes = 64
        var count = 0
        for entry in entries {
            bytes += 2 * entry.payload.utf8.count + 512
            if count > 0, bytes > JournalBatch.maxBytes / 2 { break }
            count += 1
        }
        return Array(entries.prefix(count))
    }

    /// The server's newest catalog (its version and CSV), or nil when it is `known` already or
    /// the server holds none.
    public func fetchCatalog(known: Int64? = nil) async throws -> (version: Int64, csv: String)? {
        var request = HTTPClientRequest(url: configuration.url + "/till/catalog" + (known.map { "?known=\($0)" } ?? ""))
        request.headers.add(name: "Authorization", value: "Bearer \(configuration.token)")
        let response = try await http.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 256 << 20)
        switch response.status.code {
        case 200:
            guard let version = response.headers.first(name: "Kasse-Catalog-Version").flatMap({ Int64($0) }) else {
                throw StoreUnavailable(detail: "the catalog came without its version")
            }
            // Prices are the server's word only when its key says so: anything else (a man in
            // the middle, a server without the key) is refused and the till sells on as it was.
            let bytes = Array(buffer: body)
            guard let key = configuration.catalogKey,
                  key.verifies(response.headers.first(name: LinkSignature.catalogHeader), for: LinkSignature.catalog(version: version, csv: bytes))
            else {
                throw StoreRefusal(
                    error: "unsigned-catalog",
                    message: "catalog \(version) is not signed with the server's catalog key (catalog_public_key); it was not applied",
                    head: nil)
            }
            return (version, String(decoding: bytes, as: UTF8.self))
        case 304, 404:
            return nil
        default:
            if let refusal = try? JSONDecoder().decode(StoreRefusal.self, from: Data(Array(buffer: body))) { throw refusal }
            throw StoreUnavailable(detail: "HTTP \(response.status.code)")
        }
    }

    public func serverHead() async throws -> JournalHead {
        var request = HTTPClientRequest(url: configuration.url + "/till/journal/head")
        request.headers.add(name: "Authorization", value: "Bearer \(configuration.token)")
        return try await exchange(request, as: JournalHead.self)
    }

    /// Sends one batch as it is; the server's answer is its new head (or a refusal).
    public func send(_ batch: JournalBatch) async throws -> JournalHead {
        var request = HTTPClientRequest(url: configuration.url + "/till/journal")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(configuration.token)")
        request.headers.add(name: "Content-Type", value: "application/json")
        let body = Array(try JSONEncoder().encode(batch))
        guard let key = configuration.signingKey else {
            throw StoreRefusal(error: "no-key", message: "this till has no key to sign its journal with ([server] key)", head: nil)
        }
        request.headers.add(name: LinkSignature.journalHeader, value: key.sign(LinkSignature.journal(till: configuration.till, body: body)))
        request.body = .bytes(ByteBuffer(bytes: body))
        return try await exchange(request, as: JournalHead.self)
    }

    func exchange<Answer: Decodable>(_ request: HTTPClientRequest, as type: Answer.Type) async throws -> Answer {
        let response = try await http.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 8 << 20)
        let data = Data(Array(buffer: body))
        guard response.status == .ok else {
            if let refusal = try? JSONDecoder().decode(StoreRefusal.self, from: data) {
                if response.status == .serviceUnavailable { throw StoreUnavailable(detail: refusal.message) }
                throw refusal
            }
            throw StoreUnavailable(detail: "HTTP \(response.status.code)")
        }
        return try JSONDecoder().decode(Answer.self, from: data)
    }

    public func shutdown() async {
        state.withLock { $0.shutDown = true }
        try? await http.shutdown()
    }

    /// A link dropped without `shutdown()` (a caller's error path) still lets its HTTP client go
    /// properly: the client is shut down by a task of its own, never left to crash in its deinit.
    deinit {
        guard !state.withLock({ $0.shutDown }) else { return }
        let http = self.http
        Task { try? await http.shutdown() }
    }
}

/// The server could not take it now; sent again later.
public struct StoreUnavailable: Error, CustomStringConvertible {
    public var detail: String
    public var description: String { "the store server is unavailable: \(detail)" }
}
