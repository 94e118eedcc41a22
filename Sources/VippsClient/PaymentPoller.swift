import Foundation
import Logging
import VippsModels

/// Follows a payment until it reaches a final state, the way Vipps MobilePay asks: first
/// look about 5 s after create, then every 2 s; on 429 wait as long as `Retry-After` says
/// (and at least twice as long as before). That is at most 30 requests a minute, far below
/// the limit of 120.
public struct PaymentPoller: Sendable {
    public struct Update: Sendable, Equatable {
        public var state: PaymentState
        public var aggregate: Aggregate
        /// Once AUTHORIZED: until when a capture is guaranteed (RFC 3339), if said.
        public var captureGuaranteedUntil: String?

        public init(state: PaymentState, aggregate: Aggregate, captureGuaranteedUntil: String? = nil) {
            self.state = state
            self.aggregate = aggregate
            self.captureGuaranteedUntil = captureGuaranteedUntil
        }
    }

    public var firstDelay: Duration
    public var interval: Duration
    public var maxInterval: Duration
    let client: VippsClient
    let sleeper: any Sleeper

    public init(client: VippsClient, sleeper: any Sleeper = TaskSleeper(), firstDelay: Duration = .seconds(5),
                interval: Duration = .seconds(2), maxInterval: Duration = .seconds(30)) {
        self.client = client
        self.sleeper = sleeper
        self.firstDelay = firstDelay
        self.interval = interval
        self.maxInterval = maxInterval
    }

    /// Each change of state, the first one included, until a final state. Errors that a
    /// retry cannot mend end the stream; transient ones only slow it down.
    /// `nudges`: each value ends the current wait at once (the store server pushed an event
    /// for this payment: read it back now rather than at the next turn).
    public func updates(for reference: String, skipFirstDelay: Bool = false, nudges: AsyncStream<Void>? = nil)
        -> AsyncThrowingStream<Update, any Error>
    {
        AsyncThrowingStream { continuation in
            let task = Task {
                var last: PaymentState?
                var wait = skipFirstDelay ? Duration.zero : firstDelay
                do {
                    while true {
                        if wait > .zero { try await pause(wait, nudges: nudges) }
                        wait = interval
                        do {
                            let payment = try await client.getPayment(reference)
                            if payment.state != last {
                                last = payment.state
                                continuation.yield(Update(state: payment.state, aggregate: payment.aggregate,
                                                          captureGuaranteedUntil: payment.captureGuaranteedUntil))
                            }
                            if payment.state.isFinal {
                                continuation.finish()
                                return
                            }
                        } catch let error as VippsError where error.isRetryable {
                            if let seconds = error.retryAfter { wait = max(.seconds(seconds), interval * 2) }
                            wait = min(wait, maxInterval)
                            client.logger.info("poll \(reference): \(error); next look in \(wait)")
                        }
                    }
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Sleeps for `wait`, or less when nudged.
    func pause(_ wait: Duration, nudges: AsyncStream<Void>?) async throws {
        guard let nudges else { return try await sleeper.sleep(for: wait) }
        let sleeper = self.sleeper
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await sleeper.sleep(for: wait)
                return false
            }
            group.addTask {
                var iterator = nudges.makeAsyncIterator()
                if await iterator.next() != nil { return true }
                // A finished nudge stream is no nudge: the sleep decides.
                try await Task.sleep(for: .seconds(86_400))
                return false
            }
            defer { group.cancelAll() }
            _ = try await group.next()
        }
    }
}
