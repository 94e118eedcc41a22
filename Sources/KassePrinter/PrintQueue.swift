import Foundation
import KassePrinting

/// The till's print queue: jobs are printed one after another on a thread of the queue's own,
/// so a slow, hung or unplugged printer never holds up the till. A job that cannot print stays
/// at the head of the queue and is tried again (every `retryInterval`, or at once on `retry()`)
/// until it prints: never dropped, and never sent twice once it went through.
///
/// On the network a job is sent only after the printer has answered a status request saying it
/// can print, and it counts as printed when the printer answers the status request sent after
/// it (the printer reads in order). A connection that breaks during the job or before that
/// answer means the printer went away with it (unplugged, switched off): the job stays and is
/// printed again, whole. A job whose bytes went out on a connection that holds but whose answer
/// never came is reported as printed but unconfirmed and not sent again: a second original
/// receipt would be worse than a missing one, which a copy replaces.
public final class PrintQueue: @unchecked Sendable {
    public struct Job: Sendable, Hashable {
        public var id: Int
        /// What it is, for the cashier: "receipt 12", "Z report 3".
        public var name: String
        public var bytes: [UInt8]
        /// The caller's own data, handed back with the outcome (what to journal).
        public var tag: String

        public init(id: Int, name: String, bytes: [UInt8], tag: String = "") {
            self.id = id
            self.name = name
            self.bytes = bytes
            self.tag = tag
        }
    }

    public enum Event: Sendable, Hashable {
        case printed(Job, confirmed: Bool)
        /// Not printed yet; it stays queued and is tried again (said again only when the cause changes).
        case notPrinted(Job, PrinterError)
        /// What the printer says when asked between jobs (nil: its connection cannot say), or why it did not answer.
        case status(Result<PrinterStatus?, PrinterError>)
    }

    private let settings: PrinterSettings
    private let retryInterval: Duration
    private let statusInterval: Duration
    private let events: @Sendable (Event) -> Void
    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var stopped = false
    private var wake = false
    private var thread: Thread?

    public init(settings: PrinterSettings, retryInterval: Duration = .seconds(3), statusInterval: Duration = .seconds(10),
                events: @escaping @Sendable (Event) -> Void) {
        self.settings = settings
        self.retryInterval = retryInterval
        self.statusInterval = statusInterval
        self.events = events
    }

    public func start() {
        let thread = Thread { [self] in run() }
        thread.name = "kasse-printer"
        self.thread = thread
        thread.start()
    }

    /// Queues a job; returns at once.
    public func enqueue(_ job: Job) {
        condition.lock()
        jobs.append(job)
        wake = true
        condition.signal()
        condition.unlock()
    }

    /// Tries the waiting job now (the cashier says the printer is back).
    public func retry() {
        condition.lock()
        wake = true
        condition.signal()
        condition.unlock()
    }

    public var waiting: [Job] {
        condition.lock()
        defer { condition.unlock() }
        return jobs
    }

    public func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        var lastStatus: Result<PrinterStatus?, PrinterError>?
        var lastFailure: (id: Int, error: PrinterError)?
        var failing = false
        var lastCheck = ContinuousClock.now
        while true {
            condition.lock()
            // Waits for a job, a wake-up, or the next retry/status check.
            let interval = failing ? retryInterval : statusInterval
            let until = Date(timeIntervalSinceNow: Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18)
            while !stopped, !wake, jobs.isEmpty || failing {
                if !condition.wait(until: until) { break }
            }
            if stopped {
                condition.unlock()
                return
            }
            wake = false
            let job = jobs.first
            condition.unlock()

            guard let job else {
                // Idle: ask how the printer is, and say so when it changed.
                if ContinuousClock.now - lastCheck >= statusInterval || lastStatus == nil {
                    lastCheck = .now
                    let status = checkStatus()
                    if status != lastStatus { events(.status(status)) }
                    lastStatus = status
                }
                continue
            }
            switch attempt(job) {
            case .success(let confirmed):
                condition.lock()
                if jobs.first?.id == job.id { jobs.removeFirst() }
                condition.unlock()
                failing = false
                events(.printed(job, confirmed: confirmed))
                let status: Result<PrinterStatus?, PrinterError> = .success(lastPrinted)
                if status != lastStatus { events(.status(status)) }
                lastStatus = status
            case .failure(let error):
                failing = true
                // Said once per job and cause, not at every retry (the cashier's screen and the
                // log would hear it every few seconds while the paper is out).
                if lastFailure?.id != job.id || lastFailure?.error != error { events(.notPrinted(job, error)) }
                lastFailure = (job.id, error)
                let status: Result<PrinterStatus?, PrinterError> = if case .notReady(let printer) = error { .success(printer) } else { .failure(error) }
                if status != lastStatus { events(.status(status)) }
                lastStatus = status
            }
        }
    }

    private var lastPrinted: PrinterStatus?

    private func checkStatus() -> Result<PrinterStatus?, PrinterError> { PrinterLink.status(settings) }

    private func attempt(_ job: Job) -> Result<Bool, PrinterError> {
        switch PrinterLink.print(job.bytes, settings) {
        case .success(let printed):
            lastPrinted = printed.status
            return .success(printed.confirmed)
        case .failure(let error):
            return .failure(error)
        }
    }
}

/// One job or one status request, start to end, on the calling thread (which it blocks, for
/// at most the printer's timeout): the print queue's thread, or a command line.
public enum PrinterLink {
    /// What the printer says now (nil: its connection cannot say).
    public static func status(_ settings: PrinterSettings) -> Result<PrinterStatus?, PrinterError> {
        do {
            let connection = try PrinterConnection(settings.target, timeout: settings.timeout)
            return .success(try connection.status())
        } catch {
            return .failure(error)
        }
    }

    /// Sends `bytes` once the printer says it can print; confirmed when it answers after them.
    public static func print(_ bytes: [UInt8], _ settings: PrinterSettings) -> Result<(confirmed: Bool, status: PrinterStatus?), PrinterError> {
        do {
            let connection = try PrinterConnection(settings.target, timeout: settings.timeout)
            let before = try connection.status()
            if let before, !before.canPrint { return .failure(.notReady(before)) }
            do {
                try connection.write(bytes)
            } catch .unreachable(let why) {
                // The connection broke during the job: the printer lost it (unplugged, switched off).
                return .failure(.lostMidJob(why))
            }
            // The job went out. The printer's answer after it confirms it; a connection that
            // breaks instead means the printer went away with the job, which is printed again,
            // whole. No answer in time while the connection holds: it is not sent again (it may
            // well be on paper; a second original is worse than a missing one).
            do {
                let after = try connection.status()
                return .success((after != nil || before == nil, after ?? before))
            } catch .unreachable(let why) {
                return .failure(.lostMidJob(why))
            } catch {
                return .success((false, before))
            }
        } catch {
            return .failure(error)
        }
    }
}
