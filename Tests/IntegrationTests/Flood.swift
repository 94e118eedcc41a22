import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Raw TCP connections a hostile device on the shop network would open: idle ones, and ones
/// that send half a request head and nothing more. From an address of the loopback range of
/// their own (127.0.0.2, 127.0.0.3), as another device would, so a listener's per-address
/// limits apply to them and not to the till's own display or tills.
final class Flood: @unchecked Sendable {
    private(set) var sockets: [Int32] = []

    /// Opens the connections on a thread of its own (connecting blocks in `poll`, which must
    /// not hold a thread of the cooperative pool).
    static func open(_ count: Int, to port: Int, from source: String, send: String? = nil) async throws -> Flood {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try Flood(count, to: port, from: source, send: send) })
            }
        }
    }

    /// `count` connections from `source` to `127.0.0.1:port`; each sends `send` (if any) once
    /// connected. Opened in batches, each waited for, so the listen queue is never the limit.
    private init(_ count: Int, to port: Int, from source: String, send: String? = nil) throws {
        var pending: [Int32] = []
        for index in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw FloodError("socket: \(String(cString: strerror(errno))) after \(index)") }
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_port = 0
            inet_pton(AF_INET, source, &local.sin_addr)
            var remote = sockaddr_in()
            remote.sin_family = sa_family_t(AF_INET)
            remote.sin_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr)
            let bound = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard bound == 0 else { throw FloodError("bind \(source): \(String(cString: strerror(errno)))") }
            let connected = withUnsafePointer(to: &remote) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard connected == 0 || errno == EINPROGRESS else { throw FloodError("connect: \(String(cString: strerror(errno)))") }
            sockets.append(fd)
            pending.append(fd)
            if pending.count == 100 || index == count - 1 {
                Self.waitWritable(pending, seconds: 10)
                if let send { for fd in pending { _ = send.withCString { Glibc.send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) } } }
                pending = []
            }
        }
    }

    static func waitWritable(_ sockets: [Int32], seconds: Double) {
        var fds = sockets.map { pollfd(fd: $0, events: Int16(POLLOUT), revents: 0) }
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            _ = poll(&fds, nfds_t(fds.count), 100)
            if fds.allSatisfy({ $0.revents != 0 }) { return }
        }
    }

    /// Whether the peer has closed (or reset) this connection.
    static func isClosed(_ fd: Int32) -> Bool {
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0, error != 0 { return true }
        var byte: UInt8 = 0
        let read = recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        if read == 0 { return true }
        if read < 0 { return errno != EAGAIN && errno != EWOULDBLOCK }
        return false  // it sent something (an answer): read past it below
    }

    /// Connections the listener has not closed yet (bytes it sent are read and dropped).
    var open: Int {
        sockets.filter { fd in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT)) > 0 {}
            return !Self.isClosed(fd)
        }.count
    }

    /// Waits until the listener has closed every connection, or `seconds` pass; the number still open.
    func waitUntilClosed(seconds: Double) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(seconds)
        var left = open
        while left > 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            left = open
        }
        return left
    }

    func close() {
        for fd in sockets { Glibc.close(fd) }
        sockets = []
    }

    deinit { close() }
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
