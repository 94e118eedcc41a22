import Foundation
import VippsModels

/// Checks that an incoming webhook request was signed by Vipps MobilePay with the secret of
/// the registration, over exactly these bytes, recently.
public struct WebhookVerifier: Sendable {
    public let secret: String
    /// The URL as registered: its path, query and host are part of what is signed.
    public let registeredURL: String
    public var maximumSkew: TimeInterval
    let now: @Sendable () -> Date

    public init(secret: String, registeredURL: String, maximumSkew: TimeInterval = 300,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.secret = secret
        self.registeredURL = registeredURL
        self.maximumSkew = maximumSkew
        self.now = now
    }

    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case notPOST
        case missingHeader(String)
        case contentHashMismatch
        case signatureMismatch
        case malformedAuthorization
        case badDate(String)
        case stale(seconds: Int)
        case badRegisteredURL

        public var description: String {
            switch self {
            case .notPOST: "not a POST"
            case .missingHeader(let name): "missing header \(name)"
            case .contentHashMismatch: "x-ms-content-sha256 does not match the body"
            case .signatureMismatch: "the signature does not match"
            case .malformedAuthorization: "the Authorization header is not HMAC-SHA256 SignedHeaders=…&Signature=…"
            case .badDate(let value): "x-ms-date '\(value)' is not an RFC 1123 date"
            case .stale(let seconds): "x-ms-date is \(seconds) s away from now (at most 300 s allowed)"
            case .badRegisteredURL: "the registered URL cannot be parsed"
            }
        }
    }

    /// - Parameter headers: header names in any case.
    public func verify(method: String, headers: [String: String], body: [UInt8]) throws(Failure) {
        guard method.uppercased() == "POST" else { throw .notPOST }
        var lower: [String: String] = [:]
        for (name, value) in headers { lower[name.lowercased()] = value }
        guard let date = lower["x-ms-date"] else { throw .missingHeader("x-ms-date") }
        guard let claimedHash = lower["x-ms-content-sha256"] else { throw .missingHeader("x-ms-content-sha256") }
        guard let authorization = lower["authorization"] else { throw .missingHeader("Authorization") }
        guard authorization.hasPrefix("HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=") else {
            throw .malformedAuthorization
        }
        guard let components = URLComponents(string: registeredURL), let host = components.host else {
            throw .badRegisteredURL
        }
        let defaultPort = components.scheme == "https" ? 443 : 80
        let authority = components.port.map { $0 == defaultPort ? host : "\(host):\($0)" } ?? host
        var pathAndQuery = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        if let query = components.percentEncodedQuery { pathAndQuery += "?\(query)" }

        let hash = WebhookSignature.contentHash(of: body)
        guard WebhookSignature.constantTimeEquals(hash, claimedHash) else { throw .contentHashMismatch }
        let (_, expected) = WebhookSignature.authorization(
            secret: secret, pathAndQuery: pathAndQuery, date: date, host: authority, body: body)
        guard WebhookSignature.constantTimeEquals(expected, authorization) else { throw .signatureMismatch }
        guard let sent = Self.parseRFC1123(date) else { throw .badDate(date) }
        let skew = abs(now().timeIntervalSince(sent))
        guard skew <= maximumSkew else { throw .stale(seconds: Int(skew)) }
    }

    static func parseRFC1123(_ text: String) -> Date? {
        InternetTime.parseHTTPDate(text).map { Date(timeIntervalSince1970: $0) }
    }
}
