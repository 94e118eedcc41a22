import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Raw TCP connections a hostile device on the shop network would open: idle ones, and ones
/// that send half a request head and nothing more, from an address of the loopback range of
/// their own (127.0.0.2, 127.0.0.3), so a listener's per-address limits apply to them and not
/// to the till's own display or tills. Opened by `Tests/Conformance/flood.py` in a process of
/// its own: thousands of descriptors in the test runner would starve (and have crashed) its
/// other tests' child processes.
final class Flood: Sendable {
    private let process: Process
    final class Lines: Sendable {
        let lock = Mutex<[String]>([])
        func withLock<T>(_ body: (inout [String]) -> T) -> T { lock.withLock { body(&$0) } }
    }
    private let lines: Lines
    private let done: DispatchSemaphore

    /// Starts the flood and returns once its connections are open (how many: `opened`); it
    /// then waits up to `seconds` for the listener to close them all.
    static func open(_ count: Int, to port: Int, from source: String, send: String? = nil, seconds: Double = 90) async throws -> Flood {
        let flood = try Flood(count, to: port, from: source, send: send, seconds: seconds)
        try await StoreServerFixture.eventually("the flood's connections opened", within: 120) { flood.line(starting: "OPEN ") != nil }
        return flood
    }

    private init(_ count: Int, to port: Int, from source: String, send: String?, seconds: Double) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        var arguments = ["python3", Repository.root.appendingPathComponent("Tests/Conformance/flood.py").path,
                         "\(port)", source, "\(count)", "\(seconds)"]
        if let send { arguments.append(send.replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\n", with: "\\n")) }
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let lines = Lines()
        let done = DispatchSemaphore(value: 0)
        try process.run()
        Thread.detachNewThread {
            var buffer = ""
            let handle = output.fileHandleForReading.fileDescriptor
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(handle, &chunk, chunk.count)
                if count < 0, errno == EINTR { continue }
                if count <= 0 { break }
                let data = Data(chunk[0..<count])
                buffer += String(decoding: data, as: UTF8.self)
                while let newline = buffer.firstIndex(of: "\n") {
                    let line = String(buffer[..<newline])
                    buffer = String(buffer[buffer.index(after: newline)...])
                    lines.withLock { $0.append(line) }
                }
            }
            process.waitUntilExit()
            done.signal()
        }
        self.process = process
        self.lines = lines
        self.done = done
    }

    func line(starting prefix: String) -> String? {
        lines.withLock { $0.first { $0.hasPrefix(prefix) } }
    }

    /// How many the kernel had lost (never accepted by the listener, reset when probed).
    var lost: Int { Int(line(starting: "LOST ")?.dropFirst(5) ?? "") ?? -1 }

    /// How many connections were open at the start.
    var opened: Int { Int(line(starting: "OPEN ")?.dropFirst(5) ?? "") ?? -1 }

    /// Waits until the listener has closed every connection (or the flood's own deadline
    /// passed); the number still open.
    func waitUntilClosed() async throws -> Int {
        try await StoreServerFixture.eventually("the flood ended", within: 420) { self.line(starting: "LEFT ") != nil }
        return Int(line(starting: "LEFT ")?.dropFirst(5) ?? "") ?? -1
    }

    func close() {
        if process.isRunning { process.terminate() }
    }
}

struct FloodError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The mode bits of a file (nil: none there).
func fileMode(_ path: String) -> Int? {
    var status = stat()
    guard stat(path, &status) == 0 else { return nil }
    return Int(status.st_mode & 0o7777)
}
