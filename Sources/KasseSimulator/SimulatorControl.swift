import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Talks to a running simulator's control API (`/simulator/v1/…`).
public struct SimulatorControl: Sendable {
    public let baseURL: String

    public init(baseURL: String) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
    }

    public enum Action: String, Sendable, CaseIterable { case approve, abort, expire, processing }

    /// - Returns: the simulator's record of the payment, as JSON text.
    public func perform(_ action: Action, reference: String) async throws -> String {
        try await call(.POST, "/simulator/v1/payments/\(escape(reference))/\(action.rawValue)")
    }

    public func payment(reference: String) async throws -> String {
        try await call(.GET, "/simulator/v1/payments/\(escape(reference))")
    }

    public func advanceClock(seconds: Double) async throws -> String {
        try await call(.POST, "/simulator/v1/clock/advance", body: "{\"seconds\": \(seconds)}")
    }

    public func setFaults(json: String) async throws -> String {
        try await call(.PUT, "/simulator/v1/faults", body: json)
    }

    public func flushWebhooks() async throws -> String {
        try await call(.POST, "/simulator/v1/webhooks/flush")
    }

    public struct ControlError: Error, CustomStringConvertible {
        public let description: String
    }

    func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? text
    }

    func call(_ method: HTTPMethod, _ path: String, body: String? = nil) async throws -> String {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        } catch {
            throw ControlError(description: "cannot reach the simulator at \(baseURL): \(error)")
        }
        let text = String(buffer: try await response.body.collect(upTo: 1 << 22))
        guard (200..<300).contains(Int(response.status.code)) else {
            throw ControlError(description: "simulator answered \(response.status.code): \(text)")
        }
        return text
    }
}
