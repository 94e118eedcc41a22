import Foundation
import KasseConfig
import KasseCore
import KasseFiles
import KasseScanning
import KasseStore
import KasseStoreLink
import KasseTill
import KasseUSB

// The configuration file read a section at a time into typed values, each mistake named with
// its line and key. `TillConfiguration.load` puts them together.

/// `[scanners] enabled, layout, suffix, pause_ms` and `[[scanners.device]] match, role` (the old
/// `devices = "05e0:1200@1-1=cashier, …"` string still reads, with a hint in `notes`).
public struct ScannerConfiguration: Sendable {
    public var enabled: Bool
    public var layout: KeyboardLayout
    public var roles: [(ScannerMatch, ScannerRole)]
    public var termination: ScanAssembler.Termination
    /// The pause that ends a scan from a scanner without a suffix.
    public var pause: Duration
    /// Things a person should change although they still work.
    public var notes: [String]

    public static func read(_ file: ConfigFile) throws(ConfigurationError) -> ScannerConfiguration {
        let values = file.values
        var notes: [String] = []
        func invalid(_ key: String, _ message: String) -> ConfigurationError { .invalid("\(file.location(key)): \(message)") }
        var layout = KeyboardLayout.us
        if let text = values["scanners.layout"] {
            guard let parsed = KeyboardLayout(rawValue: text.lowercased()) else {
                throw invalid("scanners.layout", "must be us, no, da or fi, not '\(text)'")
            }
            layout = parsed
        }
        var roles: [(ScannerMatch, ScannerRole)] = []
        for (index, device) in (file.tables["scanners.device"] ?? []).enumerated() {
            guard let match = device["match"] else {
                throw .invalid("\(device.location("scanners.device", "match", index: index)): each [[scanners.device]] needs match = \"VID[:PID][@PORT]\"")
            }
            do {
                let parsed = try ScannerMatch(parsing: match)
                let roleText = device["role"] ?? "cashier"
                guard let role = ScannerRole(rawValue: roleText.lowercased()) else {
                    throw ConfigurationError.invalid("\(device.location("scanners.device", "role", index: index)): must be cashier or kiosk, not '\(roleText)'")
                }
                roles.append((parsed, role))
            } catch let error as ConfigurationError {
                throw error
            } catch {
                throw .invalid("\(device.location("scanners.device", "match", index: index)): \(error)")
            }
        }
        if let devices = values["scanners.devices"], !devices.isEmpty {
            guard roles.isEmpty else {
                throw invalid("scanners.devices", "set either [[scanners.device]] tables or the old devices string, not both")
            }
            var converted: [String] = []
            for item in devices.split(separator: ",") {
                let parts = item.split(separator: "=").map { $0.trimmingCharacters(in: .whitespaces) }
                do {
                    let match = try ScannerMatch(parsing: parts[0])
                    let role = parts.count > 1 ? ScannerRole(rawValue: parts[1]) : .cashier
                    guard let role else { throw ConfigurationError.invalid("\(file.location("scanners.devices")): scanner role must be cashier or kiosk in '\(item)'") }
                    roles.append((match, role))
                    converted.append("[[scanners.device]]\nmatch = \"\(parts[0])\"\nrole = \"\(role.rawValue)\"")
                } catch let error as ConfigurationError {
                    throw error
                } catch {
                    throw invalid("scanners.devices", "\(error)")
                }
            }
            notes.append("\(file.location("scanners.devices")): the devices string still works, but the new form is one table per scanner:\n"
                         + converted.joined(separator: "\n"))
        }
        let enabled: Bool
        do {
            enabled = try file.flag("scanners.enabled", default: true)
        } catch {
            throw .invalid(error.description)
        }
        var termination = ScanAssembler.Termination.learn
        if let suffix = values["scanners.suffix"] {
            switch suffix.lowercased() {
            case "auto": termination = .learn
            case "enter", "tab", "yes": termination = .terminator
            case "none", "no": termination = .pause
            default: throw invalid("scanners.suffix", "must be auto, enter or none, not '\(suffix)'")
            }
        }
        var pause = ScanAssembler.defaultPause
        if let text = values["scanners.pause_ms"] {
            guard let milliseconds = Int(text), (50...10_000).contains(milliseconds) else {
                throw invalid("scanners.pause_ms", "must be a whole number of milliseconds from 50 to 10000, not '\(text)'")
            }
            pause = .milliseconds(milliseconds)
        }
        return ScannerConfiguration(enabled: enabled, layout: layout, roles: roles, termination: termination, pause: pause, notes: notes)
    }
}

extension StoreLinkConfiguration {
    /// `[server] url, token, key, catalog_public_key, ca, insecure` (nil: no store server). The
    /// token may come from `KASSE_SERVER_TOKEN`.
    public static func read(_ file: ConfigFile, environment: [String: String]) throws(ConfigurationError) -> StoreLinkConfiguration? {
        let values = file.values
        func invalid(_ key: String, _ message: String) -> ConfigurationError { .invalid("\(file.location(key)): \(message)") }
        var server: StoreLinkConfiguration?
        if let url = values["server.url"] {
            guard url.hasPrefix("http://") || url.hasPrefix("https://"), URLComponents(string: url)?.host?.isEmpty == false else {
                throw invalid("server.url", "must be the store server's address, https://HOST:PORT, not '\(String(url.prefix(80)))'")
            }
            guard let token = environment["KASSE_SERVER_TOKEN"] ?? values["server.token"], !token.isEmpty else {
                throw invalid("server.url", "is set, but no token is: add token = \"…\" (made by: kasse server token) or set KASSE_SERVER_TOKEN")
            }
            // Plain http:// only to this machine, unless the shop says otherwise in so many words.
            if url.hasPrefix("http://"), !StoreLinkConfiguration.isLoopback(url), values["server.insecure"] != "true" {
                throw invalid("server.url", "is plain http:// to another machine: the token and journal would cross the network in clear. "
                    + "Use https:// with ca = \"…\" (the server's certificate or its CA), or, on a network the shop controls, insecure = true")
            }
            if url.hasPrefix("https://"), values["server.ca"] == nil {
                throw invalid("server.url", "is https://, but no ca is: add ca = \"/etc/kasse/server-ca.pem\" (the server's certificate or its CA; only it is trusted)")
            }
            guard let keyPath = values["server.key"] else {
                throw invalid("server.url", "is set, but no key is: add key = \"/etc/kasse/link.key\" (made by: kasse server keygen --out /etc/kasse/link.key; its public part goes in this till's [[till]] at the server)")
            }
            if PrivateFile.readableByOthers(keyPath) {
                throw invalid("server.key", "\(keyPath) can be read by other users; run: \(PrivateFile.chmodAdvice(keyPath))")
            }
            guard let keyText = try? String(contentsOfFile: keyPath, encoding: .utf8) else {
                throw invalid("server.key", "\(keyPath) cannot be read (make it with: kasse server keygen --out \(keyPath))")
            }
            let signingKey: LinkSigningKey
            do {
                signingKey = try LinkSigningKey(base64: keyText)
            } catch {
                throw invalid("server.key", "\(keyPath): \(error.description)")
            }
            guard let catalogText = values["server.catalog_public_key"] else {
                throw invalid("server.url", "is set, but no catalog_public_key is: add the server's (printed by kasse server keygen where its catalog_key was made)")
            }
            let catalogKey: LinkPublicKey
            do {
                catalogKey = try LinkPublicKey(base64: catalogText)
            } catch {
                throw invalid("server.catalog_public_key", error.description)
            }
            let storeID = values["till.store_id"] ?? "STORE1", tillID = values["till.till_id"] ?? "1"
            let link = StoreLinkConfiguration(url: url, token: token, till: PaymentReference.tillPrefix(store: storeID, till: tillID),
                                              signingKey: signingKey, catalogKey: catalogKey)
            do {
                server = try link.pinning(caFile: url.hasPrefix("https://") ? values["server.ca"] : nil)
            } catch {
                throw invalid("server.ca", "\(values["server.ca"] ?? "") cannot be read as PEM certificates")
            }
        } else if values["server.token"] != nil {
            throw invalid("server.token", "is set, but server.url is not: add url = \"http://HOST:PORT\"")
        }
        return server
    }
}

extension TillConfiguration.DisplaySettings {
    /// `[display] listen, secret` (nil: no customer display). The secret may come from `KASSE_DISPLAY_SECRET`.
    public static func read(_ file: ConfigFile, environment: [String: String]) throws(ConfigurationError) -> TillConfiguration.DisplaySettings? {
        let values = file.values
        func invalid(_ key: String, _ message: String) -> ConfigurationError { .invalid("\(file.location(key)): \(message)") }
        var display: TillConfiguration.DisplaySettings?
        if var listen = values["display.listen"] {
            // A port alone listens on this machine only (loopback): a display on the same PC.
            if Int(listen) != nil { listen = "127.0.0.1:" + listen }
            guard let colon = listen.lastIndex(of: ":"), colon > listen.startIndex, let port = Int(listen[listen.index(after: colon)...]),
                  (0...65535).contains(port)
            else { throw invalid("display.listen", "must be HOST:PORT where customer displays connect (127.0.0.1:8791, or this till's address on the shop's network), not '\(String(listen.prefix(80)))'") }
            guard let secret = environment["KASSE_DISPLAY_SECRET"] ?? values["display.secret"], secret.count >= 16 else {
                throw invalid("display.listen", "is set, but no secret of 16 characters or more is: add secret = \"…\" (the same in the display's settings) or set KASSE_DISPLAY_SECRET")
            }
            display = TillConfiguration.DisplaySettings(host: String(listen[..<colon]).trimmingCharacters(in: ["[", "]"]), port: port, secret: secret)
        } else if values["display.secret"] != nil {
            throw invalid("display.secret", "is set, but display.listen is not: add listen = \"127.0.0.1:8791\"")
        }
        return display
    }
}
