import ArgumentParser
import Foundation
import KasseCore
import Logging
import VippsClient
import VippsModels
import KasseConfig
import KasseTillApp

/// How every API command finds its configuration: `--config FILE` (or the default file,
/// when it exists) and the `KASSE_*` environment variables, which win.
struct APIOptions: ParsableArguments {
    @Option(help: "Configuration file (default: $KASSE_CONFIG or ~/.config/kasse/kasse.toml).") var config: String?
    @Flag(help: "Print the API's JSON instead of a summary.") var json = false
    @Flag(help: "Log each request and retry to standard error.") var verbose = false

    func makeClient() throws -> VippsClient {
        let environment = ProcessInfo.processInfo.environment
        var warnings: [String] = []
        let path = config ?? ConfigFiles.defaultPath(environment: environment)
        let configuration: VippsConfiguration
        do {
            var file: ConfigFile?
            if config != nil || FileManager.default.fileExists(atPath: path) {
                file = try ConfigFiles.read(at: path, warnings: &warnings)
            }
            configuration = try VippsConfiguration.load(file: file, environment: environment, warnings: &warnings)
        } catch {
            throw CLIError("configuration: \(error.description)")
        }
        for warning in warnings { warn("warning: \(warning)") }
        var logger = Logger(label: "kasse.vipps")
        logger.logLevel = verbose ? .debug : .error
        return VippsClient(configuration: configuration, logger: logger)
    }
}

/// Runs an API call and turns its errors into one line for the person at the shell.
func callAPI<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as VippsError {
        throw CLIError(error.description)
    } catch let error as CLIError {
        throw error
    } catch is CancellationError {
        throw ExitCode(130)
    } catch {
        throw CLIError("\(error)")
    }
}

func printJSON<T: Encodable>(_ value: T) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    if let data = try? encoder.encode(value) { emit(String(decoding: data, as: UTF8.self)) }
}

func readJSONFile<T: Decodable>(_ path: String, as type: T.Type, what: String) throws -> T {
    let data: Data
    do {
        data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
        throw CLIError("cannot read the \(what) file \(path): \(describe(error))")
    }
    do {
        return try JSONDecoder().decode(T.self, from: data)
    } catch let DecodingError.keyNotFound(key, context) {
        let at = (context.codingPath + [key]).map(\.stringValue).joined(separator: ".")
        throw CLIError("\(path): the \(what) lacks \(at)")
    } catch let DecodingError.typeMismatch(_, context) {
        throw CLIError("\(path): wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))")
    } catch {
        throw CLIError("\(path) is not a valid \(what) (JSON)")
    }
}

/// A fresh key for a write the user did not name a key for.
func newIdempotencyKey(_ prefix: String) -> IdempotencyKey {
    IdempotencyKey(stored: "\(prefix)-\(UUID().uuidString.lowercased())".prefix(IdempotencyKey.maximumLength).description)
}
