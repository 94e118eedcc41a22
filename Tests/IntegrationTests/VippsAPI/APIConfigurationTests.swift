import Foundation
@testable import IntegrationSupport
import KasseConfig
import KasseCore
import Testing
import VippsClient
import VippsWebhooks
import VippsModels

@Suite struct ConfigurationTests {
    let full = """
        # Kasse
        [api]
        url = "https://apitest.vipps.no"
        client_id = "fb492b5e-7907-4d83-ba20-c7fb60ca35de"
        client_secret = "file-secret"
        subscription_key = "file-key"
        msn = 123456   # the sales unit
        """

    @Test func fileAndEnvironmentWithEnvironmentWinning() throws {
        var warnings: [String] = []
        let file = try ConfigReader.parse(full)
        let fromFile = try VippsConfiguration.load(file: file, environment: [:], warnings: &warnings)
        #expect(fromFile.baseURL == VippsConfiguration.testURL)
        #expect(fromFile.merchantSerialNumber == "123456")
        #expect(fromFile.environment == .test)
        let overridden = try VippsConfiguration.load(
            file: file, environment: ["KASSE_CLIENT_SECRET": "env-secret", "KASSE_MSN": "654321", "KASSE_API_URL": "production"],
            warnings: &warnings)
        #expect(overridden.clientSecret == "env-secret")
        #expect(overridden.merchantSerialNumber == "654321")
        #expect(overridden.environment == .production)
        #expect(!overridden.summary.contains("env-secret"))
        let onlyEnvironment = try VippsConfiguration.load(file: nil, environment: [
            "KASSE_API_URL": "http://127.0.0.1:8080", "KASSE_CLIENT_ID": "a", "KASSE_CLIENT_SECRET": "b",
            "KASSE_SUBSCRIPTION_KEY": "c", "KASSE_MSN": "1234",
        ], warnings: &warnings)
        #expect(onlyEnvironment.environment == .simulator)
    }

    /// What the status bar says: a simulator only on this machine; an address that may move real
    /// money (production, or a gateway in front of it) is PRODUCTION, never DEMO.
    @Test func theEnvironmentFollowsWhereTheURLPoints() {
        func environment(_ url: String) -> VippsConfiguration.Environment {
            VippsConfiguration(baseURL: url, clientID: "a", clientSecret: "b", subscriptionKey: "c", merchantSerialNumber: "1234").environment
        }
        #expect(environment(VippsConfiguration.testURL) == .test)
        #expect(environment(VippsConfiguration.productionURL) == .production)
        #expect(environment("https://vipps-gateway.shop.example/api") == .production)
        #expect(environment("http://127.0.0.1:8080") == .simulator)
        #expect(environment("http://localhost:8080") == .simulator)
        #expect(environment("http://[::1]:8080") == .simulator)
        #expect(environment("https://127.example.com") == .production)
        // Plain http only to this machine: a host that merely starts with 127. is not it.
        #expect(throws: VippsConfiguration.Problem.self) {
            try VippsConfiguration(baseURL: "http://127.example.com", clientID: "a", clientSecret: "b", subscriptionKey: "c",
                                   merchantSerialNumber: "1234").validate()
        }
    }

    @Test func mistakesAreNamed() throws {
        var warnings: [String] = []
        #expect(throws: ConfigurationError.missing("api.client_secret")) {
            try VippsConfiguration.load(file: try ConfigReader.parse(full.replacingOccurrences(of: "client_secret = \"file-secret\"", with: "")),
                                        environment: [:], warnings: &warnings)
        }
        #expect(ConfigurationError.missing("api.client_secret").description.contains("KASSE_CLIENT_SECRET"))
        #expect(throws: ConfigurationError.self) {
            try VippsConfiguration.load(file: try ConfigReader.parse(full), environment: ["KASSE_MSN": "12"], warnings: &warnings)
        }
        #expect(throws: ConfigurationError.self) {
            try VippsConfiguration.load(file: try ConfigReader.parse(full), environment: ["KASSE_API_URL": "http://api.example.com"], warnings: &warnings)
        }
        for (text, line) in [("[api]\nurl\n", 2), ("a = \"b", 1), ("a = 1\na = 2", 2), ("\n[api\n", 2)] {
            do {
                _ = try ConfigReader.parse(text)
                Issue.record("'\(text)' was accepted")
            } catch {
                #expect(error.line == line, "\(text): \(error)")
            }
        }
        #expect(try ConfigReader.parse("a = \"x \\\"y\\\" # z\" # comment")["a"] == "x \"y\" # z")
    }

    @Test func aFileWithSecretsOthersCanReadGetsAWarning() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-\(UUID().uuidString).toml").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(full.utf8), attributes: [.posixPermissions: 0o644])
        var warnings: [String] = []
        _ = try ConfigFiles.read(at: path, warnings: &warnings)
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("chmod 600") == true)
        #expect(warnings.first?.contains("file-secret") == false)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        warnings = []
        _ = try ConfigFiles.read(at: path, warnings: &warnings)
        #expect(warnings.isEmpty)
        #expect(throws: ConfigurationError.self) { try ConfigFiles.read(at: "/no/such/kasse.toml", warnings: &warnings) }
    }

    @Test func retryBackoffIsCappedJitteredAndHonoursRetryAfter() {
        let policy = RetryPolicy(maxAttempts: 6, initialBackoff: .milliseconds(500), maxBackoff: .seconds(5))
        #expect(policy.backoff(afterAttempt: 1, retryAfterSeconds: nil, random: 0) == .milliseconds(250))
        #expect(policy.backoff(afterAttempt: 1, retryAfterSeconds: nil, random: 1) == .milliseconds(500))
        #expect(policy.backoff(afterAttempt: 3, retryAfterSeconds: nil, random: 1) == .seconds(2))
        #expect(policy.backoff(afterAttempt: 10, retryAfterSeconds: nil, random: 1) == .seconds(5))
        #expect(policy.backoff(afterAttempt: 1, retryAfterSeconds: 7, random: 0) == .seconds(7))
        #expect(policy.backoff(afterAttempt: 1, retryAfterSeconds: 600, random: 0) == .seconds(60))
    }
}
