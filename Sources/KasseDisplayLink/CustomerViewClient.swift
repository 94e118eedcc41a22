import Foundation
import HTTPTypes
import HummingbirdWSClient
import KasseTill
import Logging
import NIOWebSocket

/// The display's side: follows a till's customer view, reconnecting by itself. While it has
/// no till it hands out the closed view, so the customer sees a calm "closed" screen.
public struct CustomerViewClient: Sendable {
    public let url: String
    let secret: String
    let logger: Logger

    /// `url`: the till's display address (`ws://till-1:8791/customer-view`, or `http://…`).
    public init(url: String, secret: String, logger: Logger) {
        var address = url
        if address.hasPrefix("http://") { address = "ws://" + address.dropFirst(7) }
        if address.hasPrefix("https://") { address = "wss://" + address.dropFirst(8) }
        if !address.contains("/customer-view") { address = address.trimmingCharacters(in: ["/"]) + "/customer-view" }
        self.url = address
        self.secret = secret
        self.logger = logger
    }

    /// Each view as it comes, `closed` while the till cannot be reached; until cancelled.
    public func follow(_ body: @escaping @Sendable (CustomerView) async -> Void) async {
        var pause = Duration.milliseconds(200)
        while !Task.isCancelled {
            let began = ContinuousClock.now
            do {
                var headers = HTTPFields()
                headers[.authorization] = "Bearer \(secret)"
                let closed = try await WebSocketClient.connect(
                    url: url, configuration: .init(additionalHeaders: headers, autoPing: .enabled(timePeriod: .seconds(10))),
                    logger: logger
                ) { inbound, outbound, _ in
                    try await withTaskCancellationHandler {
                        for try await message in inbound.messages(maxSize: 1 << 20) {
                            guard case .text(let text) = message,
                                  let view = try? JSONDecoder().decode(CustomerView.self, from: Data(text.utf8)) else { continue }
                            await body(view)
                        }
                    } onCancel: {
                        Task { try? await outbound.close(.normalClosure, reason: "the display is stopping") }
                    }
                }
                logger.info("till closed the display's connection (\(closed.map { "\($0.closeCode)" } ?? "no close frame"))")
            } catch is CancellationError {
                break
            } catch {
                if Task.isCancelled { break }
                logger.info("till unavailable (\(error)); trying again in \(pause)")
            }
            await body(.closed())
            if ContinuousClock.now - began > .seconds(10) { pause = .milliseconds(200) }
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, .seconds(3))
        }
    }
}
