import Foundation
import KasseFiles
import Testing

/// A private PostgreSQL for this test process, from Debian's packages: a new cluster in a
/// temporary folder, on a free loopback port, started once and stopped when the process
/// ends. Nothing is assumed to be
/// running. As root (CI), the server runs as the `postgres` user, as PostgreSQL requires.
/// Each test gets a database of its own, so suites run in parallel.
final class PostgresCluster: Sendable {
    let port: Int
    let folder: String
    let binaries: String
    nonisolated(unsafe) private(set) var process: Process?

    static let shared = Task<PostgresCluster, any Error> { try await PostgresCluster.start() }

    private init(port: Int, folder: String, binaries: String) {
        self.port = port
        self.folder = folder
        self.binaries = binaries
    }

    static var isRoot: Bool { getuid() == 0 }

    static func binaries() throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        guard let newest = versions.compactMap(Int.init).max() else {
            throw PostgresMissing(description: "PostgreSQL is not installed (\(root) is empty): apt-get install postgresql (scripts/setup does)")
        }
        return "\(root)/\(newest)/bin"
    }

    struct PostgresMissing: Error, CustomStringConvertible { var description: String }

    /// Runs a program as the user PostgreSQL runs as; its output for the error.
    @discardableResult
    static func run(_ program: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: isRoot ? "/usr/sbin/runuser" : program)
        process.arguments = isRoot ? ["-u", "postgres", "--", program] + arguments : arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = PipeReader.readAll(output.fileHandleForReading)
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw PostgresMissing(description: "\(program) \(arguments.joined(separator: " ")) failed: \(text)")
        }
        return text
    }

    /// A free loopback port below Linux's ephemeral range (32768–60999), so no outgoing
    /// connection takes it while a test stops a server and starts it again on the same port.
    static func freePort() throws -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: 20_000..<32_000)
            let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            close(socket)
            if bound { return port }
        }
        throw PostgresMissing(description: "no free port")
    }

    /// Starts a cluster of its own on a thread of its own (it waits for programs).
    static func start() async throws -> PostgresCluster {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try startBlocking() })
            }
        }
    }

    /// Starts the server again after `kill()`.
    func restart() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            Thread.detachNewThread {
                continuation.resume(with: Result { try self.startServer() })
            }
        }
    }

    static func startBlocking() throws -> PostgresCluster {
        let binaries = try binaries()
        let folder = "/tmp/kasse-pg-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        if isRoot {
            try FileManager.default.setAttributes([.ownerAccountName: "postgres", .groupOwnerAccountName: "postgres"], ofItemAtPath: folder)
        }
        try run("\(binaries)/initdb", ["-D", "\(folder)/data", "-A", "trust", "-U", "kasse", "-E", "UTF8", "--no-sync", "--locale=C"])
        let port = try freePort()
        let cluster = PostgresCluster(port: port, folder: folder, binaries: binaries)
        try cluster.startServer()
        return cluster
    }

    /// Starts (or starts again) the server on the same port and data.
    func startServer() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        // (No --pdeathsig: it fires when the thread that started the server ends, not the process.)
        var arguments: [String] = []
        if Self.isRoot { arguments += ["--reuid", "postgres", "--regid", "postgres", "--init-groups"] }
        // A small shell beside the server stops it once this test process is gone, however it
        // ended (atexit handlers do not run when the test runner is killed or exits early).
        let server = ["\(binaries)/postgres", "-D", "\(folder)/data", "-p", "\(port)", "-k", folder,
                      "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
                      "-c", "full_page_writes=off", "-c", "max_connections=300"].joined(separator: " ")
        arguments += ["/bin/sh", "-c",
                      "\(server) & pg=$!; trap 'kill -QUIT $pg 2>/dev/null' TERM INT; "
                      + "while [ -d /proc/\(getpid()) ] && kill -0 $pg 2>/dev/null; do sleep 1; done; kill -QUIT $pg 2>/dev/null; wait $pg"]
        process.arguments = arguments
        let logPath = "\(folder)/server-\(UUID().uuidString.prefix(6)).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        guard let log = FileHandle(forWritingAtPath: logPath) else { throw PostgresMissing(description: "cannot write \(logPath)") }
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        PostgresCluster.stopAtExit(process.processIdentifier)
        // Ready when it answers (pg_isready), however busy the machine is.
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let check = Process()
            check.executableURL = URL(fileURLWithPath: "\(binaries)/pg_isready")
            check.arguments = ["-h", "127.0.0.1", "-p", "\(port)", "-q"]
            try check.run()
            check.waitUntilExit()
            if check.terminationStatus == 0 { return }
            guard process.isRunning else {
                throw PostgresMissing(description: "PostgreSQL did not start: " + ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""))
            }
            usleep(100_000)
        }
        throw PostgresMissing(description: "PostgreSQL did not answer within 120 s")
    }

    /// Stops the server at once (a crash, as far as clients can tell) and waits for it to end.
    func kill() {
        guard let process else { return }
        Glibc.kill(process.processIdentifier, SIGTERM)  // the shell passes it on as SIGQUIT
        process.waitUntilExit()
        self.process = nil
    }

    nonisolated(unsafe) static var running: [pid_t] = []
    static func stopAtExit(_ pid: pid_t) {
        if running.isEmpty {
            atexit {
                for pid in PostgresCluster.running { Glibc.kill(pid, SIGTERM) }
            }
        }
        running.append(pid)
    }

    /// A new, empty database; its URL.
    func newDatabase() async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try self.newDatabaseBlocking() }) }
        }
    }

    func newDatabaseBlocking() throws -> String {
        let name = "kasse_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "\(binaries)/createdb")
        process.arguments = ["-h", "127.0.0.1", "-p", "\(port)", "-U", "kasse", name]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw PostgresMissing(description: "createdb \(name) failed") }
        return "postgres://kasse@127.0.0.1:\(port)/\(name)"
    }
}
