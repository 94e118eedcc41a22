import Foundation
import Synchronization

/// The simulator's time: real time, optionally running faster, plus any time a test or a
/// demo asked to skip. Tests advance it instead of sleeping.
public final class SimulatorClock: Sendable {
    private struct State {
        var realStart: Date
        var simulatedStart: Date
        var scale: Double
    }

    private let state: Mutex<State>
    private let realNow: @Sendable () -> Date

    public init(scale: Double = 1, realNow: @escaping @Sendable () -> Date = { Date() }) {
        let start = realNow()
        self.realNow = realNow
        self.state = Mutex(State(realStart: start, simulatedStart: start, scale: max(0, scale)))
    }

    public func now() -> Date {
        let real = realNow()
        return state.withLock { $0.simulatedStart.addingTimeInterval(real.timeIntervalSince($0.realStart) * $0.scale) }
    }

    /// Jumps forward.
    public func advance(by seconds: TimeInterval) {
        let real = realNow()
        state.withLock {
            let current = $0.simulatedStart.addingTimeInterval(real.timeIntervalSince($0.realStart) * $0.scale)
            $0.realStart = real
            $0.simulatedStart = current.addingTimeInterval(max(0, seconds))
        }
    }

    /// Changes how fast time runs from now on.
    public func setScale(_ scale: Double) {
        let real = realNow()
        state.withLock {
            let current = $0.simulatedStart.addingTimeInterval(real.timeIntervalSince($0.realStart) * $0.scale)
            $0.realStart = real
            $0.simulatedStart = current
            $0.scale = max(0, scale)
        }
    }

    public var scale: Double { state.withLock { $0.scale } }
}
