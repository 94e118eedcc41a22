/// The tests' one wait for what can only be looked at, not watched: another process's screen
/// (tmux), a printer emulator's paper, a database another process writes. Looks every `every`
/// until `look` finds what it wants (a non-nil value) or `timeout` passes; the pause is only
/// between looks, never what a test waits for. What can be watched uses `Watched` instead.
public func eventually<T>(timeout: Duration, every: Duration = .milliseconds(100),
                          _ look: () async throws -> T?) async rethrows -> T? {
    let deadline = ContinuousClock.now + timeout
    while true {
        if let found = try await look() { return found }
        if ContinuousClock.now >= deadline || Task.isCancelled { return nil }
        try? await Task.sleep(for: every)
    }
}
