import ArgumentParser
import Foundation
import KasseConfig
import KasseCore
import KasseTillApp

/// `kasse display`: the customer-facing screen beside the kiosk scanner.
struct DisplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "display",
        abstract: "The customer display: follows a till's customer view full screen (F10 ends it).",
        discussion: """
            The till listens for displays with [display] listen and secret in its configuration. The display
            needs the till's address and the same secret: --till ws://HOST:PORT and KASSE_DISPLAY_SECRET, or a
            file with [display] till = "ws://HOST:PORT" and secret = "…" (--config).
            """)

    @Option(help: "The till's display address, ws://HOST:PORT (as the till's display.listen).") var till: String?
    @Option(help: "A file with [display] till and secret.") var config: String?
    @Option(help: "The log file.") var log: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        var values: [String: String] = [:]
        var location: (String) -> String = { $0 }
        if let config {
            let text: String
            do {
                text = try String(contentsOfFile: config, encoding: .utf8)
            } catch {
                throw CLIError("cannot read \(config): \((error as NSError).localizedDescription)")
            }
            do {
                let file = try ConfigReader.parse(text)
                values = file.values
                location = { key in "\(config): \(file.location(key))" }
                if let unknown = values.keys.sorted().first(where: { !["display.till", "display.secret", "display.log"].contains($0) }) {
                    throw CLIError("\(location(unknown)): kasse display knows [display] till, secret and log")
                }
            } catch let error as ConfigFile.ParseError {
                throw CLIError("\(config): \(error.description)")
            }
        }
        guard let address = till ?? values["display.till"] else {
            throw ValidationError("which till? --till ws://HOST:PORT (the till's display.listen), or [display] till in --config")
        }
        guard address.hasPrefix("ws://") || address.hasPrefix("wss://") || address.hasPrefix("http://"),
              URLComponents(string: address)?.host?.isEmpty == false
        else { throw CLIError("\(values["display.till"] != nil && till == nil ? location("display.till") : "--till"): must be ws://HOST:PORT, not '\(address)'") }
        guard let secret = environment["KASSE_DISPLAY_SECRET"] ?? values["display.secret"], secret.count >= 16 else {
            throw CLIError("the display needs the till's display secret (16 characters or more): KASSE_DISPLAY_SECRET or [display] secret in --config")
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        let stateHome = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (home + "/.local/state")
        let logPath = log ?? values["display.log"] ?? (stateHome + "/kasse/display.log")
        await DisplayLauncher.run(DisplayLauncher.Settings(till: address, secret: secret, logPath: logPath))
    }
}
