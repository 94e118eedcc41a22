import VippsClient

/// The till's time: what the state calls now, and how the runtime waits (the tick, a delayed
/// capture or cancel, a recovery read). Real time in the shop; a test hands in a manual clock
/// and moves it, instead of waiting for time to pass.
public struct TillClock: Sendable {
    public let now: @Sendable () -> ContinuousClock.Instant
    public let sleep: @Sendable (Duration) async throws -> Void

    /// Any clock whose instants are the state's (`ContinuousClock.Instant`).
    public init<C: Clock>(_ clock: C) where C.Instant == ContinuousClock.Instant {
        now = { clock.now }
        sleep = { duration in try await clock.sleep(for: duration, tolerance: nil) }
    }

    public static let continuous = TillClock(ContinuousClock())
}

/// The poller's pauses on the till's clock.
struct ClockSleeper: Sleeper {
    let clock: TillClock

    func sleep(for duration: Duration) async throws {
        try await clock.sleep(duration)
    }
}
