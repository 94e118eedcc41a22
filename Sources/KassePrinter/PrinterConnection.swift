#if canImport(Glibc)
import Glibc
#endif
import KassePrinting

/// Why a print job or a status request did not get through.
public enum PrinterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Nothing there: refused, no route, the device unplugged.
    case unreachable(String)
    /// Connected, but no answer in time.
    case notAnswering
    /// The connection broke after the job went out (the printer was switched off or
    /// unplugged mid-job): it is printed again, whole, when the printer is back.
    case lostMidJob(String)
    /// The printer answered that it cannot print now.
    case notReady(PrinterStatus)
    case failed(String)

    public var description: String {
        switch self {
        case .unreachable(let why): "printer not reachable (\(why))"
        case .notAnswering: "printer not answering"
        case .lostMidJob(let why): "the printer went away mid-job (\(why))"
        case .notReady(let status): "printer: \(status)"
        case .failed(let why): "printing failed (\(why))"
        }
    }
}

/// One conversation with the printer: blocking POSIX calls, each bounded by the timeout. Only
/// the print queue's own thread uses it.
struct PrinterConnection: ~Copyable {
    private let fd: Int32
    private let target: PrinterSettings.Target
    private let deadline: ContinuousClock.Instant

    init(_ target: PrinterSettings.Target, timeout: Duration) throws(PrinterError) {
        self.target = target
        self.deadline = .now + timeout
        switch target {
        case .network(let host, let port):
            fd = try Self.connect(host: host, port: port, deadline: deadline)
        case .device(let path):
            // A device that goes away mid-write (a pipe whose reader left) must be an error, never a
            // signal that ends the till: SIGPIPE is ignored, as network servers do.
            signal(SIGPIPE, SIG_IGN)
            // Non-blocking: an unplugged printer (no device, or a pipe with nobody reading) fails at once.
            let opened = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
            guard opened >= 0 else { throw .unreachable("\(path): \(Self.errorText())") }
            fd = opened
        case .file(let path):
            let opened = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            guard opened >= 0 else { throw .unreachable("\(path): \(Self.errorText())") }
            fd = opened
        }
    }

    deinit { close(fd) }

    static func errorText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

    private static func connect(host: String, port: Int, deadline: ContinuousClock.Instant) throws(PrinterError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, String(port), &hints, &list)
        guard resolved == 0, let first = list else {
            throw .unreachable("\(host): \(String(cString: gai_strerror(resolved)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry {
            entry = address.pointee.ai_next
            let fd = socket(address.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { lastError = errorText(); continue }
            var noDelay: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
            if Glibc.connect(fd, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 { return fd }
            guard errno == EINPROGRESS else { lastError = errorText(); close(fd); continue }
            guard wait(fd, events: Int16(POLLOUT), until: deadline) else { close(fd); throw .notAnswering }
            var code: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length)
            if code == 0 { return fd }
            lastError = errorText(code)
            close(fd)
        }
        throw .unreachable("\(host):\(port): \(lastError)")
    }

    /// Waits for `events` on `fd` until `deadline`; false when the time ran out.
    private static func wait(_ fd: Int32, events: Int16, until deadline: ContinuousClock.Instant) -> Bool {
        while true {
            let left = deadline - .now
            if left <= .zero { return false }
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let milliseconds = Int32(min(Double(left.components.seconds) * 1000 + Double(left.components.attoseconds) / 1e15 + 1, 60_000))
            let ready = poll(&entry, 1, milliseconds)
            if ready > 0 { return true }
            if ready < 0, errno != EINTR { return true }  // the next call reports the error
        }
    }

    /// Writes all of `bytes` before the deadline.
    func write(_ bytes: [UInt8]) throws(PrinterError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { buffer in
                target.isNetwork ? send(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL)) : Glibc.write(fd, buffer.baseAddress, buffer.count)
            }
            if written > 0 {
                offset += written
                continue
            }
            let code = errno
            if written < 0, code == EAGAIN || code == EINTR {
                guard Self.wait(fd, events: Int16(POLLOUT), until: deadline) else { throw .notAnswering }
                continue
            }
            throw .unreachable(Self.errorText(code))
        }
    }

    /// The printer's real-time status: asked with DLE EOT over the network; read with the
    /// printer port's LPGETSTATUS on a USB printer device; nil where the connection has no way
    /// back (a file, a pipe).
    func status() throws(PrinterError) -> PrinterStatus? {
        switch target {
        case .file:
            return nil
        case .device:
            var value: Int32 = 0
            let lpGetStatus: UInt = 0x060B
            guard ioctl(fd, lpGetStatus, &value) == 0 else { return nil }
            // IEEE 1284 status lines: paper empty (0x20) set, select (0x10) or no-error (0x08) clear.
            return PrinterStatus(offline: value & 0x10 == 0, paperOut: value & 0x20 != 0, error: value & 0x08 == 0 && value & 0x20 == 0)
        case .network:
            try write(PrinterStatus.requests.flatMap { $0 })
            var answers: [UInt8] = []
            while answers.count < 3 {
                guard Self.wait(fd, events: Int16(POLLIN), until: deadline) else { throw .notAnswering }
                var buffer = [UInt8](repeating: 0, count: 16)
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count == 0 { throw .unreachable("the printer closed the connection") }
                if count < 0 {
                    if errno == EAGAIN || errno == EINTR { continue }
                    throw .unreachable(Self.errorText())
                }
                answers += buffer[0..<count]
            }
            guard let status = PrinterStatus(answers: Array(answers.prefix(3))) else { throw .failed("the printer's status answer was not ESC/POS") }
            return status
        }
    }
}

extension PrinterSettings.Target {
    var isNetwork: Bool { if case .network = self { true } else { false } }
}
