import Foundation

/// Where and as whom the client talks to Vipps MobilePay.
public struct VippsConfiguration: Sendable, Equatable {
    public static let testURL = "https://apitest.vipps.no"
    public static let productionURL = "https://api.vipps.no"

    public var baseURL: String
    public var clientID: String
    public var clientSecret: String
    public var subscriptionKey: String
    public var merchantSerialNumber: String
    public var systemName: String
    public var systemVersion: String
    public var pluginName: String
    public var pluginVersion: String

    public init(
        baseURL: String, clientID: String, clientSecret: String, subscriptionKey: String, merchantSerialNumber: String,
        systemName: String = "kasse", systemVersion: String = "0",
        pluginName: String = "kasse-till", pluginVersion: String = "0"
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.subscriptionKey = subscriptionKey
        self.merchantSerialNumber = merchantSerialNumber
        self.systemName = systemName
        self.systemVersion = systemVersion
        self.pluginName = pluginName
        self.pluginVersion = pluginVersion
    }

    /// Which environment the URL points at, for the status bar and for warnings.
    public enum Environment: String, Sendable { case production = "PRODUCTION", test = "TEST", simulator = "SIMULATOR" }

    /// A simulator is on this machine (loopback); Vipps MobilePay's test URL is TEST; anything
    /// else (production, or a gateway in front of it) counts as PRODUCTION: an address that
    /// may move real money is never shown as DEMO.
    public var environment: Environment {
        if baseURL == Self.testURL { return .test }
        return Self.isLoopback(baseURL) ? .simulator : .production
    }

    /// The URL's host is this machine: `localhost`, `[::1]`, or an IPv4 address 127.x.y.z.
    static func isLoopback(_ url: String) -> Bool {
        guard let schemeEnd = url.range(of: "://") else { return false }
        let authority = url[schemeEnd.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let host = authority.hasPrefix("[") ? String(authority.prefix { $0 != "]" }.dropFirst()) : String(authority.prefix { $0 != ":" })
        if host == "localhost" || host == "::1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isASCII) && UInt8($0) != nil }
            && parts[0] == "127"
    }

    /// Shown in messages: never the secrets.
    public var summary: String {
        "\(baseURL) (MSN \(merchantSerialNumber), client \(clientID.prefix(8))…)"
    }

    /// What `validate()` finds wrong, named by the `[api]` key it concerns.
    public enum Problem: Error, Sendable, Equatable {
        /// A required value is empty.
        case missing(String)
        /// A value is wrong; the message starts with the key (`api.msn must be …`).
        case invalid(String)
    }

    /// Checks what can be checked without asking the API.
    public func validate() throws(Problem) {
        guard baseURL.hasPrefix("https://") || (baseURL.hasPrefix("http://") && Self.isLoopback(baseURL)) else {
            throw .invalid("api.url must be https:// (or http:// on loopback for a simulator), not '\(baseURL)'")
        }
        for (name, value) in [("client_id", clientID), ("client_secret", clientSecret), ("subscription_key", subscriptionKey)]
        where value.isEmpty {
            throw .missing(name)
        }
        guard (4...6).contains(merchantSerialNumber.count), merchantSerialNumber.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw .invalid("api.msn must be 4–6 digits, not '\(merchantSerialNumber)'")
        }
        for (name, value) in [("system_name", systemName), ("system_version", systemVersion),
                              ("plugin_name", pluginName), ("plugin_version", pluginVersion)] where value.count > 30 {
            throw .invalid("api.\(name) must be at most 30 characters")
        }
    }
}
