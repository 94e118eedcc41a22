import Foundation
import KasseCore
import KasseTill
import Logging
import Synchronization
import VippsClient
import VippsModels

/// The till's payment effects carried out against Vipps MobilePay, and nothing else: a sale's
/// create, its poll (one payment followed at a time, each wait ended early when the store server
/// pushes an event for it), capture and cancel; recovery's read, capture and cancel. Each result
/// comes back to the till as an action; which client a sale's payment goes to (training mode's
/// simulator or the configured API) is the till's choice, made before. Waits are on the till's
/// clock, so a test moves time instead of sleeping.
public final class PaymentEffects: Sendable {
    /// How the till follows a payment: Vipps MobilePay's pace without a store server; slower
    /// while the server's socket is open (its events end each wait early anyway).
    public struct PollTiming: Sendable {
        public var firstDelay: Duration = .seconds(5)
        public var interval: Duration = .seconds(2)
        public var connectedInterval: Duration = .seconds(6)
        public init() {}
    }

    private struct Following {
        var reference: String?
        var task: Task<Void, Never>?
        /// Ends the current poll's wait.
        var nudge: AsyncStream<Void>.Continuation?
    }

    private let send: AsyncStream<TillAction>.Continuation
    private let logger: Logger
    private let clock: TillClock
    private let secondsSince1970: @Sendable () -> Int64
    private let timing: PollTiming
    private let storeConnected: @Sendable () -> Bool
    private let following = Mutex(Following())

    public init(send: AsyncStream<TillAction>.Continuation, logger: Logger, clock: TillClock,
                secondsSince1970: @escaping @Sendable () -> Int64, timing: PollTiming = PollTiming(),
                storeConnected: @escaping @Sendable () -> Bool = { false }) {
        self.send = send
        self.logger = logger
        self.clock = clock
        self.secondsSince1970 = secondsSince1970
        self.timing = timing
        self.storeConnected = storeConnected
    }

    /// Carries out `effect` if it is a payment's (true), with `client`; otherwise false.
    @discardableResult
    public func perform(_ effect: TillEffect, client: VippsClient) -> Bool {
        let send = self.send, logger = self.logger, clock = self.clock, wallClock = secondsSince1970
        switch effect {
        case .createPayment(let request, let key):
            logger.info("create \(request.reference) \(request.amount.value) \(request.amount.currency.rawValue) key \(key)")
            Task {
                do {
                    let created = try await client.createPayment(request, idempotencyKey: key)
                    send.yield(.paymentCreated(reference: request.reference, redirectUrl: created.redirectUrl))
                } catch {
                    logger.warning("create \(request.reference): \(error)")
                    // The reducer decides from the failure's type: after retries, an open outcome
                    // is checked by reading the payment; a refusal ends the attempt.
                    send.yield(.paymentCreateFailed(reference: request.reference, failure: Self.failure(error)))
                }
            }
        case .pollPayment(let reference):
            follow(reference, client: client)
        case .capture(let reference, let amount, let key, let delay):
            logger.info("capture \(reference) \(amount.value) key \(key)\(delay > .zero ? " after \(delay)" : "")")
            Task {
                if delay > .zero { try? await clock.sleep(delay) }
                do {
                    let result = try await client.capture(reference, amount: amount, idempotencyKey: key)
                    send.yield(.captured(reference: reference, aggregate: result.aggregate))
                } catch {
                    logger.warning("capture \(reference): \(error)")
                    send.yield(.captureFailed(reference: reference, failure: Self.failure(error)))
                }
            }
        case .cancel(let reference, let key, let delay):
            logger.info("cancel \(reference) key \(key)")
            Task {
                if delay > .zero { try? await clock.sleep(delay) }
                do {
                    let result = try await client.cancel(reference, idempotencyKey: key)
                    send.yield(.cancelled(reference: reference, state: result.state, aggregate: result.aggregate))
                } catch {
                    logger.warning("cancel \(reference): \(error)")
                    send.yield(.cancelFailed(reference: reference, failure: Self.failure(error)))
                }
            }
        case .readRecovering(let reference, let delay):
            Task {
                if delay > .zero { try? await clock.sleep(delay) }
                do {
                    let found = try await client.getPayment(reference)
                    // The event log too, for the journal: what happened while the till was down.
                    var history = "no events"
                    if found.state != .CREATED, let events = try? await client.events(reference) {
                        history = "events: " + events.map { $0.name.rawValue }.joined(separator: ", ")
                    }
                    send.yield(.recoveryRead(reference: reference, reading: .found(
                        state: found.state, captured: found.aggregate.capturedAmount.value,
                        cancelled: found.aggregate.cancelledAmount.value,
                        guaranteedFor: Self.guaranteedFor(found.captureGuaranteedUntil, now: wallClock())), history: history))
                } catch {
                    let failure = Self.failure(error)
                    if failure == .notFound {
                        send.yield(.recoveryRead(reference: reference, reading: .notFound, history: "no events"))
                    } else {
                        logger.warning("recovery \(reference): \(error)")
                        send.yield(.recoveryReadFailed(reference: reference, failure: failure))
                    }
                }
            }
        case .captureRecovered(let reference, let amount, let key):
            logger.info("recovery capture \(reference) \(amount.value) key \(key)")
            Task {
                do {
                    let result = try await client.capture(reference, amount: amount, idempotencyKey: key)
                    send.yield(.recoveryCaptured(reference: reference, captured: result.aggregate.capturedAmount.value))
                } catch {
                    logger.warning("recovery capture \(reference): \(error)")
                    send.yield(.recoveryWriteFailed(reference: reference, failure: Self.failure(error)))
                }
            }
        case .cancelRecovered(let reference, let key):
            logger.info("recovery cancel \(reference) key \(key)")
            Task {
                do {
                    _ = try await client.cancel(reference, idempotencyKey: key)
                    send.yield(.recoveryCancelled(reference: reference))
                } catch {
                    logger.warning("recovery cancel \(reference): \(error)")
                    send.yield(.recoveryWriteFailed(reference: reference, failure: Self.failure(error)))
                }
            }
        default:
            return false
        }
        return true
    }

    /// Training mode without its simulator: a sale's payment effects are answered as not sent.
    public func refuse(_ effect: TillEffect, because reason: String) {
        switch effect {
        case .createPayment(let request, _): send.yield(.paymentCreateFailed(reference: request.reference, failure: .notSent(reason)))
        case .capture(let reference, _, _, _): send.yield(.captureFailed(reference: reference, failure: .notSent(reason)))
        case .cancel(let reference, _, _): send.yield(.cancelFailed(reference: reference, failure: .notSent(reason)))
        case .pollPayment(let reference): send.yield(.paymentPollFailed(reference: reference, failure: .notFound))
        default: break
        }
    }

    /// The store server pushed an event for `reference`: if it is the payment being followed,
    /// it is read back now rather than at the next turn.
    public func nudge(_ reference: String) {
        following.withLock { following in
            guard following.reference == reference else { return }
            following.nudge?.yield()
        }
    }

    /// Stops following (the till is closing).
    public func stop() {
        following.withLock { $0.task?.cancel() }
    }

    private func follow(_ reference: String, client: VippsClient) {
        let (nudges, nudge) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let poller = PaymentPoller(
            client: client, sleeper: ClockSleeper(clock: clock), firstDelay: timing.firstDelay,
            interval: storeConnected() ? timing.connectedInterval : timing.interval)
        let send = self.send, logger = self.logger, wallClock = secondsSince1970
        following.withLock { following in
            if following.reference == reference, let task = following.task, !task.isCancelled { return }
            following.task?.cancel()
            following.nudge?.finish()
            following.reference = reference
            following.nudge = nudge
            following.task = Task { [weak self] in
                do {
                    for try await update in poller.updates(for: reference, nudges: nudges) {
                        logger.info("payment \(reference): \(update.state.rawValue)")
                        send.yield(.paymentUpdated(reference: reference, state: update.state, aggregate: update.aggregate,
                                                   guaranteedFor: Self.guaranteedFor(update.captureGuaranteedUntil, now: wallClock())))
                    }
                } catch is CancellationError {
                } catch {
                    send.yield(.paymentPollFailed(reference: reference, failure: Self.failure(error)))
                }
                self?.following.withLock { if $0.reference == reference { $0.reference = nil } }
            }
        }
    }

    /// How long from `now` (seconds since 1970) a capture stays guaranteed, from a payment's
    /// `captureGuaranteedUntil` (none said, or unreadable: nil; already over: zero).
    static func guaranteedFor(_ until: String?, now: Int64) -> Duration? {
        guard let until, let seconds = InternetTime.parseRFC3339(until) else { return nil }
        return .milliseconds(max(0, Int64((seconds - Double(now)) * 1000)))
    }

    /// What a failed request means for the sale, by type. Anything that is not an answer from
    /// Vipps MobilePay leaves the outcome open.
    static func failure(_ error: any Error) -> VippsFailure {
        (error as? VippsError)?.failure ?? .noAnswer
    }
}
