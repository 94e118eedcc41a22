import Foundation
import KasseConfig
import KasseCore

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
        systemName: String = "kasse", systemVersion: String = KasseVersion.current,
        pluginName: String = "kasse-till", pluginVersion: String = KasseVersion.current
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

    /// Checks what can be checked without asking the API.
    public func validate() throws(ConfigurationError) {
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

    /// The environment variables that override the file.
    public static let environmentKeys = [
        "KASSE_API_URL": "api.url", "KASSE_CLIENT_ID": "api.client_id", "KASSE_CLIENT_SECRET": "api.client_secret",
        "KASSE_SUBSCRIPTION_KEY": "api.subscription_key", "KASSE_MSN": "api.msn",
    ]

    /// Builds the configuration from a config file's `[api]` section and the environment
    /// (environment wins). `warnings` collects things a person should fix, such as a file
    /// with secrets that other users can read.
    public static func load(
        file: ConfigFile?, environment: [String: String], warnings: inout [String]
    ) throws(ConfigurationError) -> VippsConfiguration {
        var values = file?.values ?? [:]
        for (variable, key) in environmentKeys {
            if let value = environment[variable], !value.isEmpty { values[key] = value }
        }
        func required(_ key: String) throws(ConfigurationError) -> String {
            guard let value = values[key], !value.isEmpty else { throw .missing(key) }
            return value
        }
        let url = values["api.url"].map { $0 == "test" ? testURL : $0 == "production" ? productionURL : $0 } ?? testURL
        let configuration = VippsConfiguration(
            baseURL: url, clientID: try required("api.client_id"), clientSecret: try required("api.client_secret"),
            subscriptionKey: try required("api.subscription_key"), merchantSerialNumber: try required("api.msn"),
            systemName: values["api.system_name"] ?? "kasse", systemVersion: values["api.system_version"] ?? KasseVersion.current,
            pluginName: values["api.plugin_name"] ?? "kasse-till", pluginVersion: values["api.plugin_version"] ?? KasseVersion.current)
        do {
            try configuration.validate()
        } catch {
            // Point at the line of the key the message names, when it came from the file.
            if case .invalid(let message) = error, let key = message.split(separator: " ").first.map(String.init),
               let file, environment.first(where: { environmentKeys[$0.key] == key && !$0.value.isEmpty }) == nil,
               let line = file.lines[key] {
                throw .invalid("line \(line) (\(key)): " + message.dropFirst(key.count + 1))
            }
            throw error
        }
        return configuration
    }

    /// `$KASSE_CONFIG`, else `$XDG_CONFIG_HOME/kasse/kasse.toml`, else `~/.config/kasse/kasse.toml`.
    public static func defaultPath(environment: [String: String]) -> String {
        if let path = environment["KASSE_CONFIG"], !path.isEmpty { return path }
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.config")
        return base + "/kasse/kasse.toml"
    }

    /// Reads a config file. A file holding secrets that group or others can read gets a warning.
    public static func readFile(at path: String, warnings: inout [String]) throws(ConfigurationError) -> ConfigFile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadable(path, (error as NSError).localizedDescription)
        }
        let file: ConfigFile
        do {
            file = try ConfigReader.parse(text)
        } catch {
            throw .syntax(path, error.description)
        }
        for hint in file.hints { warnings.append("\(path): \(hint)") }
        for note in ConfigReader.unknownKeys(in: file) { warnings.append("\(path): \(note)") }
        if let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let permissions = attributes[.posixPermissions] as? Int,
            let warning = file.permissionWarning(path: path, mode: permissions)
        {
            warnings.append(warning)
        }
        return file
    }
}

public enum ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    case missing(String)
    case invalid(String)
    case unreadable(String, String)
    case syntax(String, String)

    public var description: String {
        switch self {
        case .missing(let key):
            let variable = VippsConfiguration.environmentKeys.first { $0.value == key }?.key
            return "\(key) is not set: add it to the config file\(variable.map { " or set \($0)" } ?? "")"
        case .invalid(let message): return message
        case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
        case .syntax(let path, let message): return "\(path): \(message)"
        }
    }
}

public enum KasseVersion {
    public static let current = "0.1.0"
}
