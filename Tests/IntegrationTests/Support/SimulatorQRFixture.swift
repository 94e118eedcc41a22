import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

enum SimulatorQRFixture {
    static func bytes(_ url: String) async throws -> (status: Int, type: String, body: [UInt8]) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 << 20)
        return (Int(response.status.code), response.headers.first(name: "Content-Type") ?? "", Array(buffer: body))
    }
}
