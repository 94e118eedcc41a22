/// Waits. The live implementation sleeps; tests supply one that records and returns at once
/// (or moves a simulator's clock), so no test ever sleeps.
public protocol Sleeper: Sendable {
    func sleep(for duration: Duration) async throws
}

public struct TaskSleeper: Sleeper {
    public init() {}
    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}

/// How often and how long to retry a request that may succeed if sent again unchanged.
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    public var initialBackoff: Duration
    public var maxBackoff: Duration
    /// Each request gets at most this long.
    public var requestTimeout: Duration

    public init(maxAttempts: Int = 4, initialBackoff: Duration = .milliseconds(500), maxBackoff: Duration = .seconds(5),
                requestTimeout: Duration = .seconds(15)) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.requestTimeout = requestTimeout
    }

    public static let `default` = RetryPolicy()
    public static let none = RetryPolicy(maxAttempts: 1)

    /// Capped exponential back-off with "equal jitter": half fixed, half random, so many
    /// tills retrying at once do not hit the API in step. `Retry-After` wins when larger.
    public func backoff(afterAttempt attempt: Int, retryAfterSeconds: Int?, random: Double) -> Duration {
        var base = initialBackoff
        for _ in 1..<max(1, attempt) { base = min(maxBackoff, base * 2) }
        base = min(maxBackoff, base)
        let jittered = base / 2 + (base / 2) * min(1, max(0, random))
        if let retryAfterSeconds, retryAfterSeconds > 0 {
            return max(jittered, .seconds(min(retryAfterSeconds, 60)))
        }
        return jittered
    }
}
