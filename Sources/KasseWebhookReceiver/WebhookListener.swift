import Foundation
import HTTPTypes
import Hummingbird
import KasseListener
import Logging
import NIOCore
import ServiceLifecycle
import VippsWebhooks
import VippsModels

/// An HTTP endpoint that receives Vipps MobilePay webhooks, verifies each one and hands the
/// verified ones on. A request that fails verification gets 401 and is never handed on.
public struct WebhookListener: Sendable {
    public let host: String
    public let port: Int
    public let verifier: WebhookVerifier
    let logger: Logger

    public enum Outcome: Sendable {
        case verified(body: [UInt8])
        case rejected(reason: String, remote: String)
    }

    public init(host: String = "127.0.0.1", port: Int, verifier: WebhookVerifier, logger: Logger) {
        self.host = host
        self.port = port
        self.verifier = verifier
        self.logger = logger
    }

    /// Serves until SIGINT/SIGTERM or cancellation. Every request on any path is checked:
    /// the signature covers the registered URL's path, so a wrong path fails verification.
    public func run(
        onStart: @escaping @Sendable (Int) async -> Void = { _ in },
        onRequest: @escaping @Sendable (Outcome) async -> Void
    ) async throws {
        let verifier = self.verifier
        let limits = ListenerLimits.webhookListener().overridden(by: ProcessInfo.processInfo.environment)
        let router = Router()
        let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, context in
            var request = request
            let body = try await request.collectBody(upTo: limits.maxBodyBytes)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
            let bytes = Array(buffer: body)
            do {
                try verifier.verify(method: request.method.rawValue, headers: headers, body: bytes)
            } catch {
                await onRequest(.rejected(reason: "\(error)", remote: request.head.authority ?? "unknown host"))
                return Response(status: .unauthorized)
            }
            await onRequest(.verified(body: bytes))
            return Response(status: .ok)
        }
        router.post("**", use: handler)
        router.post("/", use: handler)
        let app = Application(
            router: router,
            server: .guardedHTTP1(ConnectionTable(limits: limits)),
            configuration: .init(address: .hostname(host, port: port), serverName: "kasse-webhook-listener", backlog: ListenerLimits.backlog),
            onServerRunning: { await onStart($0.localAddress?.port ?? 0) },
            logger: logger)
        try await app.runService()
    }
}
