import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// One HTTP exchange, free of any HTTP library.
public struct TransportRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]?
    public var timeout: Duration

    public init(method: String, url: String, headers: [(String, String)], body: [UInt8]?, timeout: Duration) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

public struct TransportResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

/// The seam between the client and the network.
public protocol HTTPTransport: Sendable {
    /// - Throws: `TransportError` when no complete answer came back.
    func send(_ request: TransportRequest) async throws -> TransportResponse
}

/// Nothing (complete) came back: the request may or may not have been carried out.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable { case connect, timeout, connectionLost, other }
    public var kind: Kind
    public var detail: String

    public var description: String {
        switch kind {
        case .connect: "cannot connect (\(detail))"
        case .timeout: "no answer in time"
        case .connectionLost: "the connection was lost before the answer (\(detail))"
        case .other: detail
        }
    }

    /// Whether the server can have acted on the request.
    public var mayHaveReachedServer: Bool { kind != .connect }
}

/// The live transport.
public struct AsyncHTTPClientTransport: HTTPTransport {
    let client: HTTPClient

    public init(client: HTTPClient = .shared) {
        self.client = client
    }

    /// Answers within the request's timeout and a little more, whatever the network or the
    /// HTTP library does: a till waiting on a payment must never wait on a request forever.
    public func send(_ request: TransportRequest) async throws -> TransportResponse {
        try await Self.answer(within: request.timeout + .seconds(2)) { try await sendOnce(request) }
    }

    /// Runs `operation` and hands back its result, or a timeout once `limit` has passed, even if
    /// the operation does not stop when cancelled (it is cancelled and left to end on its own).
    public static func answer<T: Sendable>(within limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let race = Race<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                race.waiting.withLock { $0 = continuation }
                let timer = Task {
                    try? await Task.sleep(for: limit)
                    guard !Task.isCancelled else { return }
                    race.finish(.failure(TransportError(kind: .timeout, detail: "no answer within \(limit)")))
                }
                let work = Task {
                    let result: Result<T, any Error>
                    do { result = .success(try await operation()) } catch { result = .failure(error) }
                    timer.cancel()
                    race.finish(result)
                }
                race.work.withLock { $0 = work }
            }
        } onCancel: {
            race.work.withLock { $0?.cancel() }
        }
    }

    /// Whichever of the answer and the timer comes first resumes the caller, once.
    private final class Race<T: Sendable>: Sendable {
        let waiting = Mutex<CheckedContinuation<T, any Error>?>(nil)
        let work = Mutex<Task<Void, Never>?>(nil)

        func finish(_ result: Result<T, any Error>) {
            guard let continuation = waiting.withLock({ $0.take() }) else { return }
            if case .failure = result { work.withLock { $0?.cancel() } }
            continuation.resume(with: result)
        }
    }

    private func sendOnce(_ request: TransportRequest) async throws -> TransportResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        let seconds = Int64(request.timeout.components.seconds)
        let timeout = TimeAmount.seconds(max(1, seconds))
        do {
            let response = try await client.execute(outgoing, timeout: timeout)
            let body = try await response.body.collect(upTo: 8 << 20)
            return TransportResponse(
                status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: Array(buffer: body))
        } catch let error as HTTPClientError {
            switch error {
            case .connectTimeout: throw TransportError(kind: .connect, detail: "connect timeout")
            case .deadlineExceeded, .readTimeout, .writeTimeout: throw TransportError(kind: .timeout, detail: "\(error)")
            case .remoteConnectionClosed, .bodyLengthMismatch: throw TransportError(kind: .connectionLost, detail: "\(error)")
            default: throw TransportError(kind: .other, detail: "\(error)")
            }
        } catch let error as TransportError {
            throw error
        } catch let error as NIOConnectionError {
            throw TransportError(kind: .connect, detail: "\(error.host):\(error.port)")
        } catch let error as IOError where Self.connectErrnos.contains(error.errnoCode) {
            throw TransportError(kind: .connect, detail: "\(error)")
        } catch ChannelError.connectTimeout(let after) {
            throw TransportError(kind: .connect, detail: "connect timeout after \(after)")
        } catch {
            // Anything else: the request may have reached the server.
            throw TransportError(kind: .connectionLost, detail: "\(error)")
        }
    }

    /// errno values of a connection that was never made.
    static let connectErrnos: Set<CInt> = [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH, EADDRNOTAVAIL]
}
