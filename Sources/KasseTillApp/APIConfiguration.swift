import KasseConfig
import KasseCore
import KasseLanguage
import VippsClient

/// The API client's settings as Kasse's configuration gives them: the client itself
/// (`VippsClient`) knows nothing of Kasse's files, languages or errors.
extension VippsConfiguration {
    /// Builds the configuration from a config file's `[api]` section and the environment
    /// (environment wins). `warnings` collects things a person should fix, such as a file
    /// with secrets that other users can read.
    public static func load(
        file: ConfigFile?, environment: [String: String], warnings: inout [String]
    ) throws(ConfigurationError) -> VippsConfiguration {
        var values = file?.values ?? [:]
        for (variable, key) in ConfigFiles.apiEnvironmentKeys {
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
            let error: ConfigurationError = switch error {
            case .missing(let key): .missing(key)
            case .invalid(let message): .invalid(message)
            }
            // Point at the line of the key the message names, when it came from the file.
            if case .invalid(let message) = error, let key = message.split(separator: " ").first.map(String.init),
               let file, environment.first(where: { ConfigFiles.apiEnvironmentKeys[$0.key] == key && !$0.value.isEmpty }) == nil,
               let line = file.lines[key] {
                throw .invalid("line \(line) (\(key)): " + message.dropFirst(key.count + 1))
            }
            throw error
        }
        return configuration
    }
}

extension VippsError {
    /// A short message for the person at the till, in the till's language.
    public var cashierMessage: String { failure.message.description }
}
