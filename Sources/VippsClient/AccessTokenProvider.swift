import Foundation
import Logging
import VippsModels

/// Fetches access tokens and caches them until shortly before they expire. Concurrent
/// callers share one refresh. The token itself never leaves this actor except into the
/// Authorization header.
public actor AccessTokenProvider {
    public struct Token: Sendable {
        let value: String
        public let expiresAt: Date
    }

    private let configuration: VippsConfiguration
    private let transport: any HTTPTransport
    private let now: @Sendable () -> Date
    private let logger: Logger
    private var cached: Token?
    private var refreshing: Task<Token, any Error>?

    /// Tokens are renewed this long before they expire (or at 90 % of a shorter lifetime).
    public static let margin: TimeInterval = 300

    public init(configuration: VippsConfiguration, transport: any HTTPTransport, logger: Logger,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        self.transport = transport
        self.logger = logger
        self.now = now
    }

    /// A valid token, from the cache when possible.
    public func token() async throws -> Token {
        if let cached, cached.expiresAt > now() { return cached }
        if let refreshing { return try await refreshing.value }
        let task = Task { try await self.fetch() }
        refreshing = task
        defer { refreshing = nil }
        let token = try await task.value
        cached = token
        return token
    }

    /// Forgets a token the API refused, so the next call fetches a new one.
    public func invalidate(_ rejected: Token) {
        if cached?.value == rejected.value { cached = nil }
    }

    private func fetch() async throws -> Token {
        let request = TransportRequest(
            method: "POST", url: configuration.baseURL + "/accesstoken/get",
            headers: [
                ("client_id", configuration.clientID), ("client_secret", configuration.clientSecret),
                ("Ocp-Apim-Subscription-Key", configuration.subscriptionKey),
                ("Merchant-Serial-Number", configuration.merchantSerialNumber),
                ("Vipps-System-Name", configuration.systemName), ("Vipps-System-Version", configuration.systemVersion),
                ("Vipps-System-Plugin-Name", configuration.pluginName), ("Vipps-System-Plugin-Version", configuration.pluginVersion),
            ],
            body: [], timeout: .seconds(15))
        let response: TransportResponse
        do {
            response = try await transport.send(request)
        } catch let error as TransportError {
            var failure = VippsError(kind: .transport, message: "access token: \(error)")
            failure.couldNotConnect = error.kind == .connect
            throw failure
        }
        guard response.status == 200 else {
            let retryAfter = response.header("Retry-After").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            var error = VippsError.from(status: response.status, body: response.body, retryAfter: retryAfter)
            if response.status == 401 || response.status == 400 {
                error.message = "the API keys were refused (client_id, client_secret or subscription key): \(error.message)"
            }
            throw error
        }
        let body: AccessTokenResponse
        do {
            body = try JSONCoding.decoder.decode(AccessTokenResponse.self, from: response.body)
        } catch {
            throw VippsError(kind: .decoding, message: "the access token answer could not be read")
        }
        let issued = now()
        var expiry: Date
        if let expiresOn = Double(body.expires_on), expiresOn > 0 {
            expiry = Date(timeIntervalSince1970: expiresOn)
        } else if let expiresIn = Double(body.expires_in) {
            expiry = issued.addingTimeInterval(expiresIn)
        } else {
            expiry = issued.addingTimeInterval(3600)
        }
        let lifetime = max(0, expiry.timeIntervalSince(issued))
        expiry = expiry.addingTimeInterval(-min(Self.margin, lifetime * 0.1))
        logger.debug("access token fetched, valid until \(expiry)")
        return Token(value: body.access_token, expiresAt: expiry)
    }
}
