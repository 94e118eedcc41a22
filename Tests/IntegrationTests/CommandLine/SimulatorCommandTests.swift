import AsyncHTTPClient
import Foundation
import KasseSimulator
import Synchronization
import Testing

/// The real `kasse` binary, as a shop owner or a test script runs it.
enum KasseBinary {
    static var path: String {
        ProcessInfo.processInfo.environment["KASSE_BIN"] ?? Repository.root.appendingPathComponent(".build/debug/kasse").path
    }

    /// Runs a command to its end.
    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws
        -> (status: Int32, output: String, errors: String)
    {
        try await runProgram(path, arguments, environment: environment)
    }

    /// Starts a long-running command and hands back each line it prints.
    final class Running: Sendable {
        let process: Process
        let lines: AsyncStream<String>

        init(_ arguments: [String], environment: [String: String] = [:], stderrLines: Bool = false) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: KasseBinary.path)
            process.arguments = arguments
            if !environment.isEmpty {
                process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            }
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = stderrLines ? pipe : FileHandle.nullDevice
            let (stream, continuation) = AsyncStream.makeStream(of: String.self)
            try process.run()
            // Read on a thread of its own with plain read(2) (Foundation's readability handler
            // has missed data under load); the stream ends at end of file.
            let descriptor = pipe.fileHandleForReading.fileDescriptor
            Thread.detachNewThread {
                var text = ""
                var chunk = [UInt8](repeating: 0, count: 4096)
                while true {
                    let count = read(descriptor, &chunk, chunk.count)
                    if count < 0, errno == EINTR { continue }
                    if count <= 0 { break }
                    text += String(decoding: chunk[0..<count], as: UTF8.self)
                    var lines = text.components(separatedBy: "\n")
                    text = lines.removeLast()
                    for line in lines { continuation.yield(line) }
                }
                if !text.isEmpty { continuation.yield(text) }
                continuation.finish()
            }
            self.process = process
            self.lines = stream
        }

        /// The first line that contains `text`; nil when the output ended, or nothing came
        /// within `seconds` (a busy machine is slow; a missing line is a failure, not a hang).
        func firstLine(containing text: String, within seconds: Int = 120) async -> String? {
            await withTaskGroup(of: String?.self) { group in
                group.addTask { [lines] in
                    for await line in lines where line.contains(text) { return line }
                    return nil
                }
                group.addTask {
                    try? await Task.sleep(for: .seconds(seconds))
                    return nil
                }
                let first = await group.next() ?? nil
                group.cancelAll()
                return first
            }
        }

        /// What it printed until its output ended, or until `seconds` passed (a child of
        /// another test may hold the pipe open after this process ended).
        func output(within seconds: Int = 30) async -> String {
            final class Collected: Sendable { let text = Mutex("") }
            let collected = Collected()
            await withTaskGroup(of: Void.self) { group in
                group.addTask { [lines] in
                    for await line in lines { collected.text.withLock { $0 += line + "\n" } }
                }
                group.addTask { try? await Task.sleep(for: .seconds(seconds)) }
                await group.next()
                group.cancelAll()
            }
            return collected.text.withLock { $0 }
        }

        func interrupt() -> Int32 {
            process.interrupt()
            process.waitUntilExit()
            return process.terminationStatus
        }
    }
}

@Suite struct SimulatorCommandTests {
    @Test func simulatorCommandServesAndItsControlCommandsPlayTheCustomer() async throws {
        let running = try KasseBinary.Running(["simulator", "--port", "0", "--seed", "3"])
        let line = try #require(await running.firstLine(containing: "listening on"))
        let url = try #require(line.components(separatedBy: "listening on ").last)
        #expect(url.hasPrefix("http://127.0.0.1:"))

        let token = try await SimulatorHarness.raw(url, .POST, "/accesstoken/get", headers: [
            ("client_id", SimulatorConfiguration.demoClientID), ("client_secret", SimulatorConfiguration.demoClientSecret),
            ("Ocp-Apim-Subscription-Key", SimulatorConfiguration.demoSubscriptionKey),
        ]).json["access_token"] as? String
        let headers = [
            ("Authorization", "Bearer \(try #require(token))"), ("Ocp-Apim-Subscription-Key", SimulatorConfiguration.demoSubscriptionKey),
            ("Merchant-Serial-Number", "123456"), ("Idempotency-Key", "cli-1"),
        ]
        let created = try await SimulatorHarness.raw(url, .POST, "/epayment/v1/payments", headers: headers,
                                                     body: SimulatorHarness.createBody(reference: "cli-test-0001", phone: "4790000001"))
        #expect(created.status == 201)

        let approve = try await KasseBinary.run(["simulator", "approve", "cli-test-0001", "--url", url])
        #expect(approve.status == 0)
        #expect(approve.output.contains("cli-test-0001: AUTHORIZED"))
        let again = try await KasseBinary.run(["simulator", "abort", "cli-test-0001", "--url", url])
        #expect(again.status != 0)
        #expect(again.errors.contains("AUTHORIZED"))
        let missing = try await KasseBinary.run(["simulator", "expire", "no-such-payment", "--url", url])
        #expect(missing.status != 0)
        let show = try await KasseBinary.run(["simulator", "show", "cli-test-0001", "--url", url])
        #expect(show.output.contains("\"capturedAmount\""))
        let advance = try await KasseBinary.run(["simulator", "advance", "60", "--url", url])
        #expect(advance.status == 0)
        #expect(running.interrupt() == 0)

        let unreachable = try await KasseBinary.run(["simulator", "approve", "cli-test-0001", "--url", "http://127.0.0.1:9"])
        #expect(unreachable.status != 0)
        #expect(unreachable.errors.contains("cannot reach the simulator"))
    }

    @Test func badSimulatorSettingsAreExplained() async throws {
        let badCustomers = try await KasseBinary.run(["simulator", "--port", "0", "--customers", "/no/such/customers.json"])
        #expect(badCustomers.status != 0)
        #expect(badCustomers.errors.contains("cannot read customers file"))
        let badFault = try await KasseBinary.run(["simulator", "--port", "0", "--fault", "capture:boom=1"])
        #expect(badFault.status != 0)
        #expect(badFault.errors.contains("unknown fault kind"))
        let badMSN = try await KasseBinary.run(["simulator", "--port", "0", "--msn", "12:NOK"])
        #expect(badMSN.status != 0)
        #expect(badMSN.errors.contains("4–6 digits"))
    }
}
