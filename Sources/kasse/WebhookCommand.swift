import ArgumentParser
import Foundation
import KasseFiles
import KasseWebhookReceiver
import Logging
import VippsClient
import VippsWebhooks
import VippsModels
import KasseConfig

struct WebhookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook", abstract: "Register, list and delete webhooks; receive and verify them.",
        subcommands: [Register.self, List.self, Delete.self, Listen.self, Verify.self])

    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a URL for events. The secret is written to a file readable only by you, never printed.")
        @OptionGroup var api: APIOptions
        @Option(help: "The HTTPS URL that receives the events (for kasse server: its public_url).") var url: String
        @Option(name: .customLong("event"), help: "An event type, e.g. epayments.payment.authorized.v1 (repeat; 'all' for every ePayment event).")
        var events: [String]
        @Option(help: "Where to keep the secret (default: ~/.config/kasse/webhooks/ID.secret).") var secretFile: String?

        func validate() throws {
            if events.isEmpty { throw ValidationError("name at least one --event") }
        }

        func run() async throws {
            let client = try api.makeClient()
            let expanded = events.flatMap { $0 == "all" ? PaymentEventName.allCases.map(\.webhookEventType) : [$0] }
            let registration = try await callAPI { try await client.registerWebhook(url: url, events: expanded) }
            let path = secretFile ?? defaultSecretPath(id: registration.id)
            do {
                try writeSecret(registration.secret, to: path)
            } catch {
                // The secret is shown once by the API; if it cannot be kept, the registration is useless.
                _ = try? await client.deleteWebhook(id: registration.id)
                throw CLIError("cannot write the secret to \(path) (\(describe(error))); the registration was deleted again")
            }
            if api.json {
                printJSON(["id": registration.id, "secretFile": path])
            } else {
                emit("Registered webhook \(registration.id) for \(expanded.joined(separator: ", "))")
                emit("Secret saved to \(path) (mode 600). Use: kasse webhook listen --secret-file \(path) --url \(url) --port PORT")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List registered webhooks.")
        @OptionGroup var api: APIOptions

        func run() async throws {
            let client = try api.makeClient()
            let hooks = try await callAPI { try await client.webhooks() }
            if api.json {
                printJSON(WebhookList(webhooks: hooks))
            } else if hooks.isEmpty {
                emit("No webhooks registered")
            } else {
                for hook in hooks { emit("\(hook.id)  \(hook.url)  \(hook.events.joined(separator: ","))") }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a webhook registration.")
        @OptionGroup var api: APIOptions
        @Argument(help: "The webhook id.") var id: String

        func run() async throws {
            let client = try api.makeClient()
            try await callAPI { try await client.deleteWebhook(id: id) }
            emit("Deleted webhook \(id)")
        }
    }

    struct SecretOptions: ParsableArguments {
        @Option(help: "The webhook secret (prefer --secret-file: a command line is visible to other users).") var secret: String?
        @Option(help: "A file holding the webhook secret.") var secretFile: String?
        @Option(help: "The URL as registered: its path, query and host are signed.") var url: String

        func resolvedSecret() throws -> String {
            if let secret { return secret }
            guard let secretFile else { throw ValidationError("give --secret-file FILE (or --secret)") }
            do {
                return try String(contentsOfFile: secretFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                throw CLIError("cannot read the secret file \(secretFile): \(describe(error))")
            }
        }
    }

    struct Listen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Receive webhooks: print each verified event as one JSON line; answer 401 to anything else.")
        @OptionGroup var secretOptions: SecretOptions
        @Option(help: "Port to listen on.") var port: Int
        @Option(help: "Address to listen on.") var host = "127.0.0.1"

        func run() async throws {
            let secret = try secretOptions.resolvedSecret()
            guard URL(string: secretOptions.url)?.host != nil else { throw ValidationError("--url must be the registered URL") }
            var logger = Logger(label: "kasse.webhook")
            logger.logLevel = .error
            let listener = WebhookListener(
                host: host, port: port, verifier: WebhookVerifier(secret: secret, registeredURL: secretOptions.url), logger: logger)
            try await listener.run(
                onStart: { port in warn("listening on http://\(host):\(port) for webhooks to \(secretOptions.url)") },
                onRequest: { outcome in
                    switch outcome {
                    case .verified(let body):
                        emit(String(decoding: body, as: UTF8.self).replacingOccurrences(of: "\n", with: " "))
                    case .rejected(let reason, let remote):
                        warn("rejected a request (Host \(remote)): \(reason)")
                    }
                })
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify one saved webhook request: headers as 'Name: value' lines in --headers, the raw body in --body.")
        @OptionGroup var secretOptions: SecretOptions
        @Option(help: "File with the request's headers, one 'Name: value' per line.") var headers: String
        @Option(help: "File with the request's raw body.") var body: String

        func run() async throws {
            let secret = try secretOptions.resolvedSecret()
            guard let headerText = try? String(contentsOfFile: headers, encoding: .utf8),
                let bodyData = FileManager.default.contents(atPath: body)
            else { throw CLIError("cannot read \(headers) or \(body)") }
            var parsed: [String: String] = [:]
            for line in headerText.split(whereSeparator: \.isNewline) {
                guard let colon = line.firstIndex(of: ":") else { continue }
                parsed[String(line[..<colon]).trimmingCharacters(in: .whitespaces)] =
                    String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            }
            do {
                try WebhookVerifier(secret: secret, registeredURL: secretOptions.url).verify(method: "POST", headers: parsed, body: Array(bodyData))
                emit("verified")
            } catch {
                throw CLIError("not verified: \(error)")
            }
        }
    }
}

func defaultSecretPath(id: String) -> String {
    let environment = ProcessInfo.processInfo.environment
    let config = URL(fileURLWithPath: ConfigFiles.defaultPath(environment: environment)).deletingLastPathComponent()
    return config.appendingPathComponent("webhooks/\(id).secret").path
}

/// Writes with mode 600 from the start, so the secret is never readable by others.
func writeSecret(_ secret: String, to path: String) throws {
    let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    try PrivateFile.write(Data((secret + "\n").utf8), to: path)
}
