import Foundation
import KasseSimulator
import KasseTillApp
import KasseJournal
import KasseJournalSQLite
import KasseLanguage
import KasseTill
import Testing
import KasseTesting

/// The real `kasse` binary in a real terminal (tmux), against a simulator on loopback.
final class TillSession: Sendable {
    let name: String
    let socket: String
    let directory: String
    /// The language the till speaks (its screens).
    let language: Language

    static func tmux(_ arguments: [String]) async throws -> String {
        try await runProgram("/usr/bin/tmux", arguments).output
    }

    /// Starting the server with posix_spawn, not Foundation's Process: the tmux daemon would
    /// inherit Process's bookkeeping descriptors and waitUntilExit would never return.
    static func tmuxDetached(_ arguments: [String]) async throws {
        let status: Int32 = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var actions = posix_spawn_file_actions_t()
                posix_spawn_file_actions_init(&actions)
                posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
                posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
                posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
                let argv = (["tmux"] + arguments).map { strdup($0) } + [nil]
                var pid: pid_t = 0
                let spawned = posix_spawn(&pid, "/usr/bin/tmux", &actions, nil, argv, environ)
                posix_spawn_file_actions_destroy(&actions)
                for pointer in argv { free(pointer) }
                var status: Int32 = -1
                if spawned == 0 { waitpid(pid, &status, 0) }
                continuation.resume(returning: spawned == 0 ? status : -1)
            }
        }
        #expect(status == 0, "tmux new-session failed")
    }

    /// Starts the till with a configuration pointing at the simulator.
    /// `directory`: reuse one (its journal and log), as a till restarted in the same shop does.
    /// `logIn`: the employee number and PIN to log in with once the log-in screen shows (the
    /// demo cashier by default; nil: stay at the log-in screen).
    /// `market`, `language`: the till's (these tests read English screens by default; the
    /// Danish and Finnish tills' tests read their own languages).
    init(simulator: SimulatorHarness, columns: Int = 100, rows: Int = 30, extraConfig: String = "", reusing existing: String? = nil,
         logIn: (id: String, pin: String)? = ("1001", "1234"), market: String = "NO", language: String = "en",
         environment: String = "", configurationFile: Bool = true) async throws {
        self.language = Language.named(language) ?? .english
        name = "kasse-\(UUID().uuidString.prefix(8))"
        socket = "kasse-test-\(UUID().uuidString.prefix(8))"
        self.directory = existing ?? FileManager.default.temporaryDirectory.appendingPathComponent(name).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let config = """
            [api]
            url = "\(simulator.baseURL)"
            client_id = "\(SimulatorConfiguration.demoClientID)"
            client_secret = "\(SimulatorConfiguration.demoClientSecret)"
            subscription_key = "\(SimulatorConfiguration.demoSubscriptionKey)"
            msn = "\(simulator.msn)"
            [till]
            shop_name = "Testbutikken"
            store_id = "TEST1"
            till_id = "2"
            market = "\(market)"
            language = "\(language)"
            log = "\(directory)/kasse.log"
            [scanners]
            enabled = false
            \(extraConfig)
            """
        let configPath = directory + "/kasse.toml"
        _ = FileManager.default.createFile(atPath: configPath, contents: Data(config.utf8), attributes: [.posixPermissions: 0o600])
        // Without a configuration file: as a fresh machine runs it (HOME holds none), the
        // simulator and the language given only by what the test puts in `environment`.
        let arguments = configurationFile ? "till --config \(configPath)" : "till --language \(language)"
        let command = "cd \(Repository.root.path) && TERM=xterm-256color HOME=\(directory) \(environment) \(KasseBinary.path) \(arguments); echo KASSE-EXITED-$?; sleep 60"
        try await Self.tmuxDetached(["-L", socket, "new-session", "-d", "-s", name, "-x", "\(columns)", "-y", "\(rows)", command])
        if let logIn { try await self.logIn(logIn.id, logIn.pin) }
    }

    /// At the log-in screen: the number, Enter, the PIN, Enter; back when the till sells.
    func logIn(_ id: String, _ pin: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let employee = language.text(.promptEmployee)
        // The first screen: a till starting while every suite runs (load 16 on two cores was
        // seen) has shown it only after a minute.
        try await waitFor(employee + ":", timeout: .seconds(120), sourceLocation: sourceLocation)
        try await type(id)
        try await keys("Enter")
        try await waitFor("PIN:", sourceLocation: sourceLocation)
        try await type(pin)
        try await keys("Enter")
        // As long as the first screen may take on a machine running every suite at once.
        try await waitUntil("the till sells", timeout: .seconds(60), sourceLocation: sourceLocation) {
            !$0.contains("PIN:") && !$0.contains(employee)
        }
    }

    /// A manager-only action asked for approval: the demo manager's number and PIN.
    func approveAsManager(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await waitFor("Manager approval", sourceLocation: sourceLocation)
        try await type("9001")
        try await keys("Enter")
        try await waitFor("PIN:", sourceLocation: sourceLocation)
        try await type("999999")
        try await keys("Enter")
    }

    /// Waits until the screen satisfies `test`, bounded. The bound is generous: with every suite
    /// running on two cores a till's step that takes a second alone can take half a minute.
    @discardableResult
    func waitUntil(_ what: String, timeout: Duration = .seconds(90), sourceLocation: SourceLocation = #_sourceLocation,
                   _ test: (String) -> Bool) async throws -> String {
        try await Self.waitUntil(what, timeout: timeout, sourceLocation: sourceLocation, screen: screen, test,
                                 problem: { last in "screen never showed \(what):\n\(last)\n\(await self.diagnosis())" })
    }

    /// Reads `screen` until `test` holds, bounded by `timeout`; otherwise records `problem` (given
    /// the last screen) and returns that screen. For every program a test runs in tmux.
    static func waitUntil(_ what: String, timeout: Duration, sourceLocation: SourceLocation, screen: () async throws -> String,
                          _ test: (String) -> Bool, problem: (String) async -> String) async throws -> String {
        var last = ""
        if let shown = try await eventually(timeout: timeout, { () async throws -> String? in
            last = try await screen()
            return test(last) ? last : nil
        }) { return shown }
        Issue.record(Comment(rawValue: await problem(last)), sourceLocation: sourceLocation)
        return last
    }

    func keys(_ keys: String...) async throws {
        _ = try await Self.tmux(["-L", socket, "send-keys", "-t", name] + keys)
    }

    func type(_ text: String) async throws {
        _ = try await Self.tmux(["-L", socket, "send-keys", "-t", name, "-l", text])
    }

    func screen() async throws -> String {
        try await Self.tmux(["-L", socket, "capture-pane", "-p", "-t", name])
    }

    /// Waits until the screen shows the text (the till redraws on every change), bounded.
    @discardableResult
    func waitFor(_ text: String, timeout: Duration = .seconds(90), sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        try await waitUntil("'\(text)'", timeout: timeout, sourceLocation: sourceLocation) { $0.contains(text) }
    }

    /// What the till was doing when a wait ran out: its process state and the end of its log.
    func diagnosis() async -> String {
        let processes = (try? await runProgram("/usr/bin/ps", ["-eo", "pid,stat,wchan:24,etime,time,args"]).output) ?? ""
        let mine = processes.split(separator: "\n").filter { $0.contains(directory) && $0.contains("kasse till") }
        let log = (try? String(contentsOfFile: directory + "/kasse.log", encoding: .utf8)) ?? "(no log)"
        let tail = log.split(separator: "\n").suffix(25).joined(separator: "\n")
        // Each thread of the till itself (the last column of ps is its command): where it waits.
        var threads = ""
        for line in mine where line.hasSuffix("kasse.toml") && !line.contains("tmux") && !line.contains("bash") {
            if let pid = line.split(separator: " ").first {
                threads += (try? await runProgram("/usr/bin/ps", ["-L", "-o", "tid,stat,wchan:24,time,comm", "-p", String(pid)]).output) ?? ""
            }
        }
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        return "till process:\n\(mine.joined(separator: "\n"))\nthreads:\n\(threads)\nload: \(load)log tail:\n\(tail)"
    }

    /// With products on screen: the customer by typed number, F4, the simulated customer
    /// approves, PAID. The payment's reference.
    func payApprovedByTypedNumber(_ sim: SimulatorHarness, number: String = "90000001") async throws -> String {
        let before = Set(try await sim.control(.GET, "/simulator/v1/payments").array.compactMap { $0["reference"] as? String })
        try await keys("F2")
        try await type(number)
        try await keys("Enter", "F4")
        try await waitFor("WAITING")
        let references = try await sim.control(.GET, "/simulator/v1/payments").array.compactMap { $0["reference"] as? String }
        let reference = try #require(references.first { !before.contains($0) })
        _ = try await sim.control(.POST, "/simulator/v1/payments/\(reference)/approve")
        try await waitFor("PAID", timeout: .seconds(90))  // a capture under load may need its retry
        return reference
    }

    /// Ends the session and, should the tmux server not answer, the till itself.
    func close() async {
        _ = try? await Self.tmux(["-L", socket, "kill-server"])
        try? await kill()
    }
}

extension TillSession {
    /// SIGKILL to the till process: no clean-up of any kind.
    /// A crash: the till's own process is killed first and is gone before its terminal (tmux,
    /// the shell) goes. Killed the other way round, the till would hear the terminal hang up
    /// (SIGHUP) first and close in order, as a till does on SIGHUP, abandoning its open sale.
    func kill() async throws {
        let till = "^\(KasseBinary.path) till --config \(directory)/kasse.toml"
        let pids = { () async throws -> [Int32] in
            try await runProgram("/usr/bin/pgrep", ["-f", till]).output.split(separator: "\n")
                .compactMap { Int32($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 != getpid() }
        }
        for pid in try await pids() { Foundation.kill(pid, SIGKILL) }
        _ = try await eventually(timeout: .seconds(60)) { try await pids().isEmpty ? true : nil }
        let found = try await runProgram("/usr/bin/pgrep", ["-f", "till --config \(directory)/kasse.toml"])
        for line in found.output.split(separator: "\n") {
            if let pid = Int32(line.trimmingCharacters(in: .whitespaces)), pid != getpid() {
                Foundation.kill(pid, SIGKILL)
            }
        }
    }

    /// A signal to the till process itself (not the shell or tmux that run it).
    func signal(_ number: Int32) async throws {
        let found = try await runProgram("/usr/bin/pgrep", ["-f", "^\(KasseBinary.path) till --config \(directory)/kasse.toml"])
        let pids = found.output.split(separator: "\n").compactMap { Int32($0.trimmingCharacters(in: .whitespaces)) }
        #expect(pids.count == 1, "the till's process: \(found.output)")
        for pid in pids where pid != getpid() { Foundation.kill(pid, number) }
    }
}
