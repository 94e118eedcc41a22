import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import KasseCore
import KasseFiles
import KasseListener
import KasseStore
import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import ServiceLifecycle
import UnixSignals
import VippsModels
import VippsWebhooks
import KasseJournal

/// What `kasse server` is told: where to listen, the database, the webhook registration and
/// the tills.
public struct StoreServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var database: PostgresClient.Configuration
    /// The webhook URL as registered at Vipps MobilePay (what the signature covers); the server
    /// receives webhooks on its path.
    public var publicURL: String
    public var webhookSecret: String
    public var tills: StoreTills
    /// The company the tills sell for (`[company]`): what the store's SAF-T file names.
    public var company: CompanyIdentity?
    /// Signs every catalog the server hands out (`[server] catalog_key`); tills verify it with
    /// its public part and refuse anything else.
    public var catalogKey: LinkSigningKey?
    /// `https://` and `wss://` for the tills (`[server] tls_certificate` and `tls_key`).
    public var tls: TLSConfiguration?
    /// Where `catalog_key`, `tls_certificate` and `tls_key` are (read by `loadFiles`).
    public var catalogKeyPath: String?
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    /// Nightly settlement (`[api]` with `msn`, and `[settlement]`): nil without API keys.
    public var settlement: SettlementSettings?

    public init(host: String, port: Int, database: PostgresClient.Configuration, publicURL: String, webhookSecret: String,
                tills: StoreTills) {
        self.host = host
        self.port = port
        self.database = database
        self.publicURL = publicURL
        self.webhookSecret = webhookSecret
        self.tills = tills
    }

    /// `HOST:PORT/DATABASE` (no user, no password), for the start-up lines.
    public var databaseDescription: String {
        "\(database.host ?? database.unixSocketPath ?? "?"):\(database.port ?? 5432)/\(database.database ?? "")"
    }

    /// The path webhooks arrive on: the registered URL's.
    public var webhookPath: String {
        let path = URLComponents(string: publicURL)?.path ?? ""
        return path.isEmpty ? "/" : path
    }

    /// Reads the files the configuration names: the catalog key (refused when others may read
    /// it) and the TLS certificate and key.
    public mutating func loadFiles() throws(StoreServerError) {
        if let path = catalogKeyPath {
            if PrivateFile.readableByOthers(path) {
                throw .configuration("server.catalog_key: \(path) can be read by other users; run: \(PrivateFile.chmodAdvice(path))")
            }
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw .configuration("server.catalog_key: \(path) cannot be read (make it with: kasse server keygen --out \(path))")
            }
            do {
                catalogKey = try LinkSigningKey(base64: text)
            } catch {
                throw .configuration("server.catalog_key: \(path): \(error.description)")
            }
        }
        if let certificate = tlsCertificatePath, let key = tlsKeyPath {
            if PrivateFile.readableByOthers(key) {
                throw .configuration("server.tls_key: \(key) can be read by other users; run: \(PrivateFile.chmodAdvice(key))")
            }
            do {
                let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
                var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
                tls.minimumTLSVersion = .tlsv12
                self.tls = tls
            } catch {
                throw .configuration("server.tls_certificate, server.tls_key: cannot be read as a PEM certificate and key (\(error))")
            }
        }
    }

    /// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=…]`; the password may come
    /// from elsewhere (`KASSE_DATABASE_PASSWORD`) so the file need not hold it. `sslmode`:
    /// `disable` (the default), `require` (TLS, any certificate), `verify-full` (TLS, the
    /// certificate checked against the system's CAs or `sslrootcert=FILE`, and the host name).
    public static func database(url: String, password: String? = nil) throws(StoreServerError) -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
              let host = components.host, !host.isEmpty, let user = components.user, !user.isEmpty
        else {
            throw .configuration("database must be postgres://USER@HOST:PORT/DATABASE (the password from KASSE_DATABASE_PASSWORD), not '\(Self.redacted(url))'")
        }
        let name = String(components.path.drop(while: { $0 == "/" }))
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        let tls: PostgresClient.Configuration.TLS
        switch query["sslmode"] ?? "disable" {
        case "disable":
            tls = .disable
        case "require":
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            tls = .require(configuration)
        case "verify-full", "verify-ca":
            var configuration = TLSConfiguration.makeClientConfiguration()
            if let root = query["sslrootcert"] {
                do {
                    configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(root))
                } catch {
                    throw .configuration("database: sslrootcert \(root) cannot be read as PEM certificates")
                }
            }
            if query["sslmode"] == "verify-ca" { configuration.certificateVerification = .noHostnameVerification }
            tls = .require(configuration)
        case let other:
            throw .configuration("database: sslmode must be disable, require, verify-ca or verify-full, not '\(other.prefix(40))'")
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: user.removingPercentEncoding ?? user,
            password: password ?? components.password?.removingPercentEncoding, database: name.isEmpty ? nil : name, tls: tls)
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

    /// A database URL fit for a log or an error: no password.
    public static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? "postgres://***"
    }
}

public struct StoreServerError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public static func configuration(_ text: String) -> StoreServerError { StoreServerError(description: text) }
}

/// `kasse server`: receives Vipps MobilePay webhooks for every till of a shop or chain, pushes
/// each to its till over a WebSocket, and keeps every till's journal, all in PostgreSQL.
public struct StoreServer: Sendable {
    public let configuration: StoreServerConfiguration
    let logger: Logger
    let now: @Sendable () -> Date

    /// The listener's connections and limits (`ListenerLimits.storeServer`, `KASSE_LISTENER_*`).
    public let connections: ConnectionTable

    public init(configuration: StoreServerConfiguration, logger: Logger, now: @escaping @Sendable () -> Date = { Date() },
                limits: ListenerLimits = .storeServer().overridden(by: ProcessInfo.processInfo.environment)) {
        self.connections = ConnectionTable(limits: limits)
        self.configuration = configuration
        self.logger = logger
        self.now = now
    }

    /// Serves until SIGINT/SIGTERM (with `handleSignals`) or a graceful shutdown of the group
    /// handed to `onGroup`. `onStart` gets the port once the server listens and its tables exist.
    public func run(handleSignals: Bool = true, onStart: @escaping @Sendable (Int) async -> Void = { _ in },
                    onGroup: @Sendable (ServiceGroup) async -> Void = { _ in }) async throws {
        let client = PostgresClient(configuration: configuration.database, backgroundLogger: logger)
        let database = StoreDatabase(client: client, logger: logger)
        let hub = EventHub()
        let started = StartGate()
        let router = Router(context: BasicWebSocketRequestContext.self)
        addRoutes(router, database: database, hub: hub)
        let app = Application(
            router: router,
            server: .guardedWebSocket(webSocketRouter: router, table: connections,
                                      tls: try configuration.tls.map { try NIOSSLContext(configuration: $0) }),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "kasse-server", backlog: ListenerLimits.backlog),
            onServerRunning: { channel in
                if let port = await started.listening(channel.localAddress?.port ?? 0) { await onStart(port) }
            },
            logger: logger)
        let listener = EventListener(database: database, hub: hub, logger: logger) {
            if let port = await started.migrated() { await onStart(port) }
        }
        // A server that cannot listen (the port in use) ends with that error within seconds, even
        // if a PostgreSQL connection being made at that moment does not end on cancellation.
        let (outcomes, outcome) = AsyncStream.makeStream(of: Result<Void, any Error>.self)
        let watchedApp = FailFast(app) { error in
            Task {
                try? await Task.sleep(for: .seconds(5))
                outcome.yield(.failure(error))
            }
        }
        let group = ServiceGroup(
            services: [client, listener, watchedApp], gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [], logger: logger)
        await onGroup(group)
        Task {
            do {
                try await group.run()
                outcome.yield(.success(()))
            } catch {
                outcome.yield(.failure(error))
            }
        }
        for await result in outcomes {
            try result.get()
            return
        }
    }

    /// Runs a service and says when it fails.
    struct FailFast<Inner: Service>: Service {
        let inner: Inner
        let failed: @Sendable (any Error) -> Void

        init(_ inner: Inner, failed: @escaping @Sendable (any Error) -> Void) {
            self.inner = inner
            self.failed = failed
        }

        func run() async throws {
            do {
                try await inner.run()
            } catch {
                failed(error)
                throw error
            }
        }
    }

    /// Answers start only once both the socket listens and the tables exist.
    actor StartGate {
        var port: Int?
        var tablesReady = false
        func listening(_ port: Int) -> Int? {
            self.port = port
            return tablesReady ? port : nil
        }
        func migrated() -> Int? {
            tablesReady = true
            return port
        }
    }

    func addRoutes(_ router: Router<BasicWebSocketRequestContext>, database: StoreDatabase, hub: EventHub) {
        let tills = configuration.tills
        let logger = self.logger
        let maxBody = connections.limits.maxBodyBytes
        let catalogKey = configuration.catalogKey
        let verifier = WebhookVerifier(secret: configuration.webhookSecret, registeredURL: configuration.publicURL, now: now)

        router.get("/health") { _, _ -> Response in
            do {
                _ = try await database.head(till: "-")
                return Self.json(["status": "ok"], status: .ok)
            } catch {
                return Self.json(["status": "the database cannot be reached"], status: .serviceUnavailable)
            }
        }

        // Webhooks: verified, routed to their till by the reference, stored once, announced.
        router.post(RouterPath(configuration.webhookPath)) { request, _ -> Response in
            var request = request
            let body = Array(buffer: try await request.collectBody(upTo: 1 << 20))
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
            do {
                try verifier.verify(method: request.method.rawValue, headers: headers, body: body)
            } catch {
                logger.warning("webhook refused: \(error)")
                return Self.json(["error": "unauthorized", "message": "the webhook's signature does not verify: \(error)"], status: .unauthorized)
            }
            guard let webhook = try? JSONDecoder().decode(WebhookEvent.self, from: Data(body)) else {
                logger.warning("webhook refused: the body is not an ePayment event")
                return Self.json(["error": "bad-request", "message": "the body is not an ePayment webhook event"], status: .badRequest)
            }
            guard let till = tills.till(forReference: webhook.reference) else {
                // Not one of ours (another system shares the sales unit): taken, so it is not sent again.
                logger.info("webhook \(webhook.name.rawValue) for \(webhook.reference): no till of this server makes that reference")
                return Self.json(["status": "not for a till of this server"], status: .ok)
            }
            let event = StoreEvent(id: 0, reference: webhook.reference, name: webhook.name.rawValue, pspReference: webhook.pspReference,
                                   amount: webhook.amount.value, currency: webhook.amount.currency.rawValue, timestamp: webhook.timestamp)
            do {
                let id = try await database.record(event, till: till.key)
                logger.info("webhook \(event.name) for \(event.reference) → till \(till.key)\(id == nil ? " (delivered before; not sent again)" : "")")
                return Self.json(["status": id == nil ? "duplicate" : "stored"], status: .ok)
            } catch {
                // Not taken: Vipps MobilePay sends it again.
                logger.error("webhook \(event.name) for \(event.reference) not stored: \(String(reflecting: error).prefix(300))")
                return Self.json(["error": "unavailable", "message": "the database cannot be reached; send it again"], status: .serviceUnavailable)
            }
        }

        // The till's events, over a WebSocket, from the event after `after`.
        router.ws("/till/events") { request, _ in
            tills.till(presenting: request.headers[.authorization]) == nil ? .dontUpgrade : .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            guard let till = tills.till(presenting: context.request.headers[.authorization]) else { return }
            let newest = try await database.newestEvent(till: till.key)
            let catalog = try await database.catalogVersion()
            let resumeAfter = context.request.uri.queryParameters.get("after").flatMap { Int64($0) } ?? newest
            let encoder = JSONEncoder()
            try await outbound.write(.text(String(decoding: try encoder.encode(StoreFrame.hello(till: till.key, newestEvent: newest, catalog: catalog)), as: UTF8.self)))
            let (id, wakes) = hub.subscribe(till: till.key)
            logger.info("till \(till.key) connected for events after \(resumeAfter)")
            defer {
                hub.unsubscribe(till: till.key, id: id)
                logger.info("till \(till.key) disconnected")
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    // Ends when the till closes the socket.
                    for try await _ in inbound {}
                }
                group.addTask {
                    var last = resumeAfter
                    var catalogSent = catalog
                    for await _ in wakes {
                        let newestCatalog = hub.catalogVersion
                        if newestCatalog > catalogSent {
                            try await outbound.write(.text(String(decoding: try encoder.encode(StoreFrame.catalogChanged(version: newestCatalog)), as: UTF8.self)))
                            catalogSent = newestCatalog
                        }
                        while true {
                            let events = try await database.events(till: till.key, after: last)
                            for event in events {
                                try await outbound.write(.text(String(decoding: try encoder.encode(StoreFrame.event(event)), as: UTF8.self)))
                                last = event.id
                            }
                            if events.count < 500 { break }
                        }
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        }

        // The catalog: the newest version as CSV (304 when the till has it already).
        router.get("/till/catalog") { request, _ -> Response in
            guard tills.till(presenting: request.headers[.authorization]) != nil else { return Self.unauthorized }
            let known = request.uri.queryParameters.get("known").flatMap { Int64($0) }
            do {
                guard let (version, csv) = try await database.latestCatalog() else {
                    return Self.json(StoreRefusal(error: "no-catalog", message: "the server holds no catalog: kasse server catalog FILE"),
                                     status: .notFound)
                }
                var headers: HTTPFields = [.contentType: "text/csv; charset=utf-8"]
                headers[HTTPField.Name("Kasse-Catalog-Version")!] = "\(version)"
                if known == version { return Response(status: .notModified, headers: headers) }
                if let key = catalogKey {
                    headers[HTTPField.Name(LinkSignature.catalogHeader)!] = key.sign(LinkSignature.catalog(version: version, csv: Array(csv.utf8)))
                }
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: csv)))
            } catch {
                return Self.json(StoreRefusal(error: "unavailable", message: "the database cannot be reached"), status: .serviceUnavailable)
            }
        }

        router.get("/till/journal/head") { request, _ -> Response in
            guard let till = tills.till(presenting: request.headers[.authorization]) else { return Self.unauthorized }
            do {
                return try Self.json(await database.head(till: till.key), status: .ok)
            } catch {
                return Self.json(["error": "unavailable", "message": "the database cannot be reached"], status: .serviceUnavailable)
            }
        }

        router.post("/till/journal") { request, context -> Response in
            guard let till = tills.till(presenting: request.headers[.authorization]) else { return Self.unauthorized }
            var request = request
            let body = Array(buffer: try await request.collectBody(upTo: maxBody))
            // The till's own key, not its token alone, lets an entry in.
            guard let key = till.publicKey,
                  key.verifies(request.headers[HTTPField.Name(LinkSignature.journalHeader)!], for: LinkSignature.journal(till: till.key, body: body))
            else {
                logger.warning("journal batch for till \(till.key) refused: not signed with its key")
                return Self.json(StoreRefusal(
                    error: "unsigned",
                    message: "the batch is not signed with this till's key (public_key in its [[till]] table at the server); nothing was stored"),
                    status: .unauthorized)
            }
            guard let batch = try? JSONDecoder().decode(JournalBatch.self, from: Data(body)) else {
                return Self.json(StoreRefusal(error: "bad-request", message: "the body is not a journal batch"), status: .badRequest)
            }
            guard batch.entries.count <= JournalBatch.maxEntries else {
                return Self.json(StoreRefusal(error: "bad-request", message: "a journal batch holds at most \(JournalBatch.maxEntries) entries"),
                                 status: .contentTooLarge)
            }
            do {
                switch try await database.append(batch, till: till) {
                case .success(let head):
                    return Self.json(head, status: .ok)
                case .failure(let refusal):
                    logger.error("journal of till \(till.key) refused: \(refusal)")
                    let status: HTTPResponse.Status = switch refusal.error {
                    case "wrong-till": .forbidden
                    case "gap", "fork": .conflict
                    default: .unprocessableContent
                    }
                    return Self.json(refusal, status: status)
                }
            } catch {
                logger.error("journal of till \(till.key) not stored: \(String(reflecting: error).prefix(300))")
                return Self.json(StoreRefusal(error: "unavailable", message: "the database cannot be reached; send it again"),
                                 status: .serviceUnavailable)
            }
        }
    }

    static var unauthorized: Response {
        json(StoreRefusal(error: "unauthorized", message: "no till of this server has that token"), status: .unauthorized)
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Starts a server in this process (tests, benchmarks).
    public static func start(_ configuration: StoreServerConfiguration, logger: Logger,
                             limits: ListenerLimits = .storeServer().overridden(by: ProcessInfo.processInfo.environment))
        async throws -> RunningStoreServer {
        let server = StoreServer(configuration: configuration, logger: logger, limits: limits)
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let (groups, groupContinuation) = AsyncStream.makeStream(of: ServiceGroup.self)
        let task = Task {
            do {
                try await server.run(handleSignals: false, onStart: { portContinuation.yield($0) },
                                     onGroup: { groupContinuation.yield($0) })
            } catch {
                logger.error("store server stopped: \(error)")
            }
            portContinuation.finish()
            groupContinuation.finish()
        }
        var groupIterator = groups.makeAsyncIterator()
        let group = await groupIterator.next()
        var portIterator = ports.makeAsyncIterator()
        guard let port = await portIterator.next(), let group else {
            throw StoreServerError(description: "the store server could not start on \(configuration.host):\(configuration.port)")
        }
        return RunningStoreServer(port: port, task: task, group: group, connections: server.connections)
    }
}

/// A store server running in this process.
public final class RunningStoreServer: Sendable {
    public let port: Int
    private let task: Task<Void, Never>
    private let group: ServiceGroup
    /// Its listener's connections, and what it dropped.
    public let connections: ConnectionTable

    init(port: Int, task: Task<Void, Never>, group: ServiceGroup, connections: ConnectionTable) {
        self.connections = connections
        self.port = port
        self.task = task
        self.group = group
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    public func stop() async {
        await group.triggerGracefulShutdown()
        await task.value
    }
}
