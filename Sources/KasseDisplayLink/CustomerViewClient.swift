import Crypto
import Foundation
import HTTPTypes
import HummingbirdWSClient
import KasseCore
import KasseTill
import Logging
import NIOWebSocket

/// The display's side: follows a till's customer view, reconnecting by itself. While it has
/// no till it hands out the closed view, so the customer sees a calm "closed" screen.
public struct CustomerViewClient: Sendable {
    public let url: String
    let key: DisplayHandshake.Key
    let logger: Logger

    /// `url`: the till's display address (`ws://till-1:8791/customer-view`, or `http://…`).
    public init(url: String, secret: String, logger: Logger) {
        var address = url
        if address.hasPrefix("http://") { address = "ws://" + address.dropFirst(7) }
        if address.hasPrefix("https://") { address = "wss://" + address.dropFirst(8) }
        if !address.contains("/customer-view") { address = address.trimmingCharacters(in: ["/"]) + "/customer-view" }
        self.url = address
        self.key = DisplayHandshake.key(secret: secret)
        self.logger = logger
    }

    /// Each view as it comes, `closed` while the till cannot be reached; until cancelled.
    public func follow(_ body: @escaping @Sendable (CustomerView) async -> Void) async {
        await Redial(clock: ContinuousClock(), longest: .seconds(3)).run({
            let displayNonce = DisplayHandshake.nonce()
            var headers = HTTPFields()
            headers[HTTPField.Name(DisplayHandshake.nonceHeader)!] = displayNonce
            let key = self.key
            let logger = self.logger
            let closed = try await WebSocketClient.connect(
                url: url, configuration: .init(additionalHeaders: headers, autoPing: .enabled(timePeriod: .seconds(10))),
                logger: logger
            ) { inbound, outbound, _ in
                try await withTaskCancellationHandler {
                    var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                    // The till proves itself first; a till that cannot is not ours, and is told nothing.
                    guard case .text(let text)? = try await messages.next(),
                          let hello = try? JSONDecoder().decode(DisplayHandshake.Hello.self, from: Data(text.utf8)),
                          DisplayHandshake.isNonce(hello.nonce),
                          DisplayHandshake.same(hello.proof, DisplayHandshake.tillProof(key, display: displayNonce, till: hello.nonce))
                    else {
                        logger.error("\(url) did not prove it holds the display secret (a wrong secret, or not our till): nothing shown from it")
                        try? await outbound.close(.policyViolation, reason: "not proved")
                        return
                    }
                    let answer = DisplayHandshake.Answer(proof: DisplayHandshake.displayProof(key, display: displayNonce, till: hello.nonce))
                    try await outbound.write(.text(String(decoding: try JSONEncoder().encode(answer), as: UTF8.self)))
                    let session = DisplayHandshake.sessionKey(key, display: displayNonce, till: hello.nonce)
                    var last = 0
                    while let message = try await messages.next() {
                        guard case .text(let text) = message,
                              let sealed = try? JSONDecoder().decode(DisplayHandshake.Sealed.self, from: Data(text.utf8)),
                              let view = sealed.open(key: session, after: last)
                        else {
                            logger.error("a view from \(url) was not sealed by our till (changed on the way, or replayed): the connection is dropped")
                            try? await outbound.close(.policyViolation, reason: "unsealed view")
                            return
                        }
                        last = sealed.seq
                        await body(view)
                    }
                } onCancel: {
                    Task { try? await outbound.close(.normalClosure, reason: "the display is stopping") }
                }
            }
            logger.info("till closed the display's connection (\(closed.map { "\($0.closeCode)" } ?? "no close frame"))")
        }, dropped: { error, pause in
            if let error { logger.info("till unavailable (\(error)); trying again in \(pause)") }
            await body(.closed())
        })
    }
}
