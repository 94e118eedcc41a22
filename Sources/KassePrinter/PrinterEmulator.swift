#if canImport(Glibc)
import Glibc
#endif
import Foundation
import KassePrinting

/// A receipt printer of our own for tests and for trying the till without paper: it listens on
/// a TCP port as a network printer does (and/or reads a named pipe standing in for
/// `/dev/usb/lp0`), reads the ESC/POS it is sent with `ESCPOSReader`, answers status requests,
/// and hands over each document when it is cut. Its state can be changed while it runs: paper
/// out, off-line, or silent (it takes connections but never reads nor answers, as a hung
/// printer does).
public final class PrinterEmulator: @unchecked Sendable {
    public enum Behaviour: String, Sendable, CaseIterable {
        case ready
        case paperOut = "paper-out"
        case paperLow = "paper-low"
        case coverOpen = "cover-open"
        case silent
        /// Answers the status request, takes the first bytes of a job, then drops the
        /// connection: a printer unplugged mid-job. What it printed is torn off uncut.
        case unplugMidJob = "unplug-mid-job"
    }

    private let lock = NSLock()
    private var reader = ESCPOSReader()
    private var behaviourValue: Behaviour = .ready
    private var listener: Int32 = -1
    private var stopped = false
    private var connections: [Int32] = []
    private let printed: @Sendable (ESCPOSReader.Document) -> Void
    public private(set) var port: Int = 0

    /// `printed` is called on the emulator's threads with each document as it is cut.
    public init(behaviour: Behaviour = .ready, printed: @escaping @Sendable (ESCPOSReader.Document) -> Void = { _ in }) {
        self.behaviourValue = behaviour
        self.printed = printed
        reader.status = Self.status(for: behaviour)
    }

    public var behaviour: Behaviour {
        get { lock.withLock { behaviourValue } }
        set {
            lock.withLock {
                behaviourValue = newValue
                reader.status = Self.status(for: newValue)
            }
        }
    }

    static func status(for behaviour: Behaviour) -> PrinterStatus {
        switch behaviour {
        case .ready, .silent, .unplugMidJob: .ready
        case .paperOut: PrinterStatus(offline: true, paperOut: true)
        case .paperLow: PrinterStatus(paperNearEnd: true)
        case .coverOpen: PrinterStatus(offline: true, coverOpen: true)
        }
    }

    /// Everything printed so far (cut or not).
    public var documents: [ESCPOSReader.Document] { lock.withLock { reader.documents } }
    public var statusRequests: Int { lock.withLock { reader.statusRequests } }
    /// Connections taken so far (a silent printer takes them and says nothing).
    public var connectionsAccepted: Int { lock.withLock { accepted } }
    private var accepted = 0

    /// Listens on `host:port` (0: a free port, then read `port`).
    public func listen(host: String = "127.0.0.1", port: Int = 9100) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw EmulatorError("socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { close(fd); throw EmulatorError("\(host) is not an IPv4 address") }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 8) == 0 else {
            let text = String(cString: strerror(errno))
            close(fd)
            throw EmulatorError("cannot listen on \(host):\(port): \(text)")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.port = Int(UInt16(bigEndian: actual.sin_port))
        lock.withLock { listener = fd }
        let thread = Thread { [self] in acceptLoop(fd) }
        thread.name = "printer-emulator"
        thread.start()
    }

    /// Reads a named pipe standing in for a USB printer device: created if missing; a writer
    /// that opens it while nobody reads (`stop()`ed, or not started) gets ENXIO, as an
    /// unplugged printer does.
    public func readDevice(at path: String) throws {
        if access(path, F_OK) != 0, mkfifo(path, 0o600) != 0 {
            throw EmulatorError("cannot make the pipe \(path): \(String(cString: strerror(errno)))")
        }
        let thread = Thread { [self] in
            while !lock.withLock({ stopped }) {
                let fd = open(path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { return }
                lock.withLock { connections.append(fd) }
                serve(fd, answers: false)
            }
        }
        thread.name = "printer-emulator-device"
        thread.start()
    }

    public func stop() {
        // Under the lock: a connection's thread takes its descriptor off the list (under the
        // lock) before it closes it, so every descriptor shut down here is still this
        // emulator's, never a number the system has since given to someone else.
        lock.withLock {
            stopped = true
            if listener >= 0 {
                shutdown(listener, Int32(SHUT_RDWR))
                close(listener)
            }
            listener = -1
            for connection in connections { shutdown(connection, Int32(SHUT_RDWR)) }
        }
    }

    private func acceptLoop(_ fd: Int32) {
        while true {
            let connection = accept(fd, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                return
            }
            let taken = lock.withLock { () -> Bool in
                if stopped { return false }
                connections.append(connection)
                accepted += 1
                return true
            }
            guard taken else { close(connection); return }
            let thread = Thread { [self] in serve(connection, answers: true) }
            thread.start()
        }
    }

    private func serve(_ fd: Int32, answers: Bool) {
        // A descriptor something else closed is not closed again (its number may be another's by now).
        var closedElsewhere = false
        defer {
            lock.withLock { connections.removeAll { $0 == fd } }
            if !closedElsewhere { close(fd) }
        }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var received = 0
        while true {
            if behaviour == .silent, answers {
                // A hung printer: holds the connection, reads nothing, answers nothing.
                var entry = pollfd(fd: fd, events: 0x2000 /* POLLRDHUP */, revents: 0)
                if poll(&entry, 1, 50) > 0 || lock.withLock({ stopped }) { return }
                continue
            }
            var count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count < 0, errno == EBADF { closedElsewhere = true }
            guard count > 0 else { return }
            // Unplugged mid-job: the first 40 bytes after the status request, then nothing.
            let unplug = answers && behaviour == .unplugMidJob && received + count > 3 + 40
            if unplug { count = max(0, 3 + 40 - received) }
            received += count
            let (replies, cut) = lock.withLock { () -> ([UInt8], [ESCPOSReader.Document]) in
                let before = reader.documents.count
                let replies = reader.read(Array(buffer[0..<count]))
                if unplug { reader.tearOff() }
                return (replies, Array(reader.documents[before...]))
            }
            if unplug {
                for document in cut { printed(document) }
                // A reset, as a connection to a printer that lost power ends.
                var linger = linger(l_onoff: 1, l_linger: 0)
                setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<linger>.size))
                return
            }
            if answers, !replies.isEmpty {
                _ = replies.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            }
            for document in cut { printed(document) }
        }
    }
}

public struct EmulatorError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
