import ArgumentParser
import Foundation
import KasseSimulator
import Logging
import VippsModels

struct SimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulator",
        abstract: "Run the local Vipps MobilePay simulator, or act as its customer.",
        subcommands: [Serve.self, Approve.self, Abort.self, Expire.self, Advance.self, Show.self],
        defaultSubcommand: Serve.self
    )

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve", abstract: "Serve the simulated API on loopback (the default).")

        @Option(help: "Address to listen on.") var host = "127.0.0.1"
        @Option(help: "Port to listen on (0 picks a free one).") var port = 8080
        @Option(name: .customLong("client-id"), help: "client_id to accept (default: the demo credentials).") var clientID: String?
        @Option(name: .customLong("client-secret"), help: "client_secret to accept.") var clientSecret: String?
        @Option(name: .customLong("subscription-key"), help: "Ocp-Apim-Subscription-Key to accept.") var subscriptionKey: String?
        @Option(name: .customLong("msn"), help: "A sales unit: MSN[:NOK|DKK|EUR][:nopush]. Repeat for several.") var msn: [String] = []
        @Option(help: "JSON file of simulated customers (default: assets/simulator-customers.json).") var customers: String?
        @Option(help: "Seed for references, tokens and injected faults.") var seed: UInt64 = 1
        @Option(name: .customLong("time-scale"), help: "Simulated seconds per real second (60 makes a 10-minute expiry take 10 s).")
        var timeScale: Double = 1
        @Option(name: .customLong("token-lifetime"), help: "Access token lifetime in seconds.") var tokenLifetime: Double = 3600
        @Option(name: .customLong("fault"), help: "Inject faults: ROUTE:KIND=N[,…] with KIND latency, 5xx, 429, drop.") var faults: [String] = []
        @Option(name: .customLong("traffic-log"), help: "Append every API exchange to this file as JSON lines.") var trafficLog: String?

        func run() async throws {
            var configuration = SimulatorConfiguration(host: host, port: port, seed: seed, timeScale: timeScale)
            if let clientID { configuration.clientID = clientID }
            if let clientSecret { configuration.clientSecret = clientSecret }
            if let subscriptionKey { configuration.subscriptionKey = subscriptionKey }
            do {
                if !msn.isEmpty { configuration.merchants = try msn.map { try SimulatedMerchant(parsing: $0) } }
                configuration.faults = try faults.map { try FaultRule(parsing: $0) }
                let file = customers ?? Assets.path("simulator-customers.json")
                guard let file else {
                    throw CLIError("no customers file: pass --customers FILE or run from the repository (assets/)")
                }
                configuration.customers = try SimulatorConfiguration.loadCustomers(path: file)
            } catch let error as SimulatorConfigurationError {
                throw CLIError(error.description)
            }
            guard timeScale > 0 else { throw ValidationError("--time-scale must be greater than 0") }
            guard tokenLifetime >= 60 else { throw ValidationError("--token-lifetime must be at least 60 seconds") }
            configuration.tokenLifetime = tokenLifetime
            configuration.trafficLog = trafficLog

            let usesDemo = clientID == nil && clientSecret == nil && subscriptionKey == nil
            let merchants = configuration.merchants.map { "\($0.msn) (\($0.currency.rawValue))" }.joined(separator: ", ")
            let customerCount = configuration.customers.count
            var logger = Logger(label: "kasse.simulator")
            logger.logLevel = .info
            try await Simulator(configuration: configuration, logger: logger).run { url in
                emit("Kasse simulator listening on \(url)")
                emit("  sales units: \(merchants); \(customerCount) simulated customers")
                emit(usesDemo
                    ? "  credentials: the demo credentials in docs/the-simulator.md (client_id \(SimulatorConfiguration.demoClientID))"
                    : "  credentials: as given on the command line")
                emit("  control API: \(url)/simulator/v1/ (approve/abort/expire a payment: kasse simulator approve REF --url \(url))")
                
            }
        }
    }

    struct ControlOptions: ParsableArguments {
        @Option(help: "The simulator's base URL.") var url = "http://127.0.0.1:8080"
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve a pending payment as its customer.")
        @OptionGroup var options: ControlOptions
        @Argument(help: "The payment's reference.") var reference: String
        func run() async throws { try await control(.approve, reference, options) }
    }

    struct Abort: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reject a pending payment as its customer.")
        @OptionGroup var options: ControlOptions
        @Argument(help: "The payment's reference.") var reference: String
        func run() async throws { try await control(.abort, reference, options) }
    }

    struct Expire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let a pending payment expire now.")
        @OptionGroup var options: ControlOptions
        @Argument(help: "The payment's reference.") var reference: String
        func run() async throws { try await control(.expire, reference, options) }
    }

    struct Advance: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make simulated time jump forward.")
        @OptionGroup var options: ControlOptions
        @Argument(help: "Seconds to skip.") var seconds: Double
        func run() async throws {
            guard seconds >= 0 else { throw ValidationError("seconds must not be negative") }
            do {
                print(try await SimulatorControl(baseURL: options.url).advanceClock(seconds: seconds))
            } catch let error as SimulatorControl.ControlError {
                throw CLIError(error.description)
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the simulator's record of a payment (JSON).")
        @OptionGroup var options: ControlOptions
        @Argument(help: "The payment's reference.") var reference: String
        func run() async throws {
            do {
                print(try await SimulatorControl(baseURL: options.url).payment(reference: reference))
            } catch let error as SimulatorControl.ControlError {
                throw CLIError(error.description)
            }
        }
    }
}

private func control(_ action: SimulatorControl.Action, _ reference: String, _ options: SimulatorCommand.ControlOptions) async throws {
    do {
        let record = try await SimulatorControl(baseURL: options.url).perform(action, reference: reference)
        let state = (try? JSONSerialization.jsonObject(with: Data(record.utf8)) as? [String: Any])?["state"] as? String
        print("\(reference): \(state ?? record)")
    } catch let error as SimulatorControl.ControlError {
        throw CLIError(error.description)
    }
}
