import ArgumentParser
import Foundation
import KasseConfig
import KasseCore
import KasseStore
import KasseStoreServer
import Logging

struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "The store server: Vipps MobilePay webhooks for every till, journals and reports in PostgreSQL.",
        subcommands: [Serve.self, Token.self],
        defaultSubcommand: Serve.self
    )

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve", abstract: "Receive webhooks, push them to the tills and keep their journals (the default).")

        @Option(help: "The server's configuration file (TOML: [server] and one [[till]] per till).")
        var config: String = "/etc/kasse/server.toml"

        func run() async throws {
            let text: String
            do {
                text = try String(contentsOfFile: config, encoding: .utf8)
            } catch {
                throw CLIError("cannot read \(config): \((error as NSError).localizedDescription)")
            }
            let configuration: StoreServerConfiguration
            do {
                let file = try ConfigReader.parse(text)
                configuration = try StoreServerConfiguration.load(file: file, environment: ProcessInfo.processInfo.environment)
            } catch let error as ConfigFile.ParseError {
                throw CLIError("\(config): \(error.description)")
            } catch let error as StoreServerError {
                throw CLIError("\(config): \(error.description)")
            }
            var logger = Logger(label: "kasse.server")
            logger.logLevel = ProcessInfo.processInfo.environment["KASSE_SERVER_DEBUG"] == nil ? .info : .debug
            let tills = configuration.tills.tills.map(\.key).joined(separator: ", ")
            let database = configuration.databaseDescription
            try await StoreServer(configuration: configuration, logger: logger).run { port in
                emit("Kasse store server listening on \(configuration.host):\(port)")
                emit("  webhooks: POST \(configuration.webhookPath) (registered as \(configuration.publicURL))")
                emit("  PostgreSQL: \(database)")
                emit("  tills: \(tills)")
            }
        }
    }

    struct Token: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "token",
            abstract: "Make a till's token: the token goes in the till's [server] token, its SHA-256 in the server's [[till]] token_sha256.")

        @Option(help: "The till's store id (till.store_id).") var store: String
        @Option(help: "The till's id (till.till_id).") var till: String

        func run() throws {
            var bytes = [UInt8](repeating: 0, count: 32)
            var generator = SystemRandomNumberGenerator()
            for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255, using: &generator) }
            let token = JournalChain.hex(bytes)
            emit("# In the till's configuration (keep it secret, like a password):")
            emit("[server]")
            emit("url = \"http://STORE-SERVER:8790\"")
            emit("token = \"\(token)\"")
            emit("")
            emit("# In the server's configuration:")
            emit("[[till]]")
            emit("store = \"\(store)\"")
            emit("till = \"\(till)\"")
            emit("token_sha256 = \"\(StoreTills.tokenHash(token))\"")
        }
    }
}
