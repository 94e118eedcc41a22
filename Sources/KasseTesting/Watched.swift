import Synchronization

/// A value another task changes (a till's latest frame, a printer's documents): a test waits
/// for it to satisfy a condition and is woken by each change, neither polling nor sleeping.
/// The timeout, in real time, only bounds a wait that would otherwise never end; it is never
/// what the test waits for.
public final class Watched<Value: Sendable>: Sendable {
    private struct Waiter {
        var id: Int
        var condition: @Sendable (Value) -> Bool
        var continuation: CheckedContinuation<(Value, Bool), Never>
    }

    private struct State {
        var value: Value
        var nextID = 0
        var waiters: [Waiter] = []
    }

    private let state: Mutex<State>

    public init(_ value: Value) {
        state = Mutex(State(value: value))
    }

    public var value: Value { state.withLock { $0.value } }

    /// Changes the value and wakes every waiter it now satisfies.
    public func update(_ change: (inout Value) -> Void) {
        let (woken, value): ([Waiter], Value) = state.withLock { state in
            change(&state.value)
            let value = state.value
            let satisfied = state.waiters.filter { $0.condition(value) }
            state.waiters.removeAll { $0.condition(value) }
            return (satisfied, value)
        }
        for waiter in woken { waiter.continuation.resume(returning: (value, true)) }
    }

    public func set(_ value: Value) { update { $0 = value } }

    /// The value once `condition` holds (at once if it does now), and whether it came within
    /// `timeout`; on a timeout, the value as it then was.
    public func wait(timeout: Duration, until condition: @escaping @Sendable (Value) -> Bool) async -> (value: Value, inTime: Bool) {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        let timer = Mutex<Task<Void, Never>?>(nil)
        let answer = await withCheckedContinuation { (continuation: CheckedContinuation<(Value, Bool), Never>) in
            let now: Value? = state.withLock { state in
                if condition(state.value) { return state.value }
                state.waiters.append(Waiter(id: id, condition: condition, continuation: continuation))
                return nil
            }
            if let now {
                continuation.resume(returning: (now, true))
                return
            }
            timer.withLock { timer in
                timer = Task { [self] in
                    try? await Task.sleep(for: timeout)
                    let expired = self.state.withLock { state -> (Waiter, Value)? in
                        guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                        return (state.waiters.remove(at: index), state.value)
                    }
                    if let (waiter, value) = expired { waiter.continuation.resume(returning: (value, false)) }
                }
            }
        }
        timer.withLock { $0?.cancel() }
        return (answer.0, answer.1)
    }
}
