/// How a link that should always be up (the store server's event socket, the customer
/// display's connection to its till) dials again after it drops: the first pause short, each
/// next one twice as long up to `longest`; a connection that stayed up for `steady` starts the
/// pauses over. One policy for every such link, with its clock injected, so a test drives it
/// with a manual clock instead of waiting.
public struct Redial<C: Clock>: Sendable where C.Duration == Duration {
    public var first: Duration
    public var longest: Duration
    public var steady: Duration
    public let clock: C

    public init(clock: C, first: Duration = .milliseconds(200), longest: Duration, steady: Duration = .seconds(10)) {
        self.clock = clock
        self.first = first
        self.longest = longest
        self.steady = steady
    }

    /// The pause after a connection that began at `began` and ended at `ended`, when the
    /// previous pause was `previous` (nil: the first drop).
    public func pause(after previous: Duration?, began: C.Instant, ended: C.Instant) -> Duration {
        guard let previous, began.duration(to: ended) <= steady else { return first }
        return min(previous * 2, longest)
    }

    /// Dials with `connect` until the task is cancelled. `connect` returns when the connection
    /// closed and throws when it could not be made or failed; `dropped` hears of each end (the
    /// error, if any) with the pause before the next dial.
    public func run(
        _ connect: () async throws -> Void,
        dropped: (_ error: (any Error)?, _ pause: Duration) async -> Void
    ) async {
        var previous: Duration?
        while !Task.isCancelled {
            let began = clock.now
            var failure: (any Error)?
            do {
                try await connect()
            } catch is CancellationError {
                return
            } catch {
                failure = error
            }
            if Task.isCancelled { return }
            let pause = self.pause(after: previous, began: began, ended: clock.now)
            previous = pause
            await dropped(failure, pause)
            do { try await clock.sleep(for: pause, tolerance: nil) } catch { return }
        }
    }
}
