import Foundation
import KasseCore

/// Where Kasse's configuration file is, how it is read, and what goes wrong with it.
public enum ConfigFiles {
    /// The environment variables that override the file's `[api]` keys.
    public static let apiEnvironmentKeys = [
        "KASSE_API_URL": "api.url", "KASSE_CLIENT_ID": "api.client_id", "KASSE_CLIENT_SECRET": "api.client_secret",
        "KASSE_SUBSCRIPTION_KEY": "api.subscription_key", "KASSE_MSN": "api.msn",
    ]

    /// `$KASSE_CONFIG`, else `$XDG_CONFIG_HOME/kasse/kasse.toml`, else `~/.config/kasse/kasse.toml`.
    public static func defaultPath(environment: [String: String]) -> String {
        if let path = environment["KASSE_CONFIG"], !path.isEmpty { return path }
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.config")
        return base + "/kasse/kasse.toml"
    }

    /// Reads a config file. A file holding secrets that group or others can read gets a warning.
    public static func read(at path: String, warnings: inout [String]) throws(ConfigurationError) -> ConfigFile {
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

/// A mistake in Kasse's configuration, said so a person can fix it: the key, and its line.
public enum ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    case missing(String)
    case invalid(String)
    case unreadable(String, String)
    case syntax(String, String)

    public var description: String {
        switch self {
        case .missing(let key):
            let variable = ConfigFiles.apiEnvironmentKeys.first { $0.value == key }?.key
            return "\(key) is not set: add it to the config file\(variable.map { " or set \($0)" } ?? "")"
        case .invalid(let message): return message
        case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
        case .syntax(let path, let message): return "\(path): \(message)"
        }
    }
}
