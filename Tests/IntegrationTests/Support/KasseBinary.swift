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
