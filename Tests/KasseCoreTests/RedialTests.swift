import KasseCore
import KasseTesting
import Synchronization
import Testing

/// The one reconnect policy of the till's links (store server events, the customer display),
/// driven with a manual clock: no test waits for a pause to pass.
struct RedialTests {
    struct Refused: Error {}

    @Test func pausesDoubleUpToTheLongestAndStartOverAfterASteadyConnection() async throws {
        let clock = ManualClock()
        let redial = Redial(clock: clock, first: .milliseconds(200), longest: .seconds(1), steady: .seconds(10))
        let (drops, dropped) = AsyncStream.makeStream(of: (failed: Bool, pause: Duration).self)
        let dials = Mutex(0)
        let task = Task {
            await redial.run({
                let dial = dials.withLock { count in
                    count += 1
                    return count
                }
                // The fifth connection stays up for 11 s, then closes without an error.
                if dial == 5 { try await clock.sleep(for: .seconds(11)); return }
                throw Refused()
            }, dropped: { error, pause in dropped.yield((error != nil, pause)) })
        }
        var seen: [(failed: Bool, pause: Duration)] = []
        var iterator = drops.makeAsyncIterator()
        for index in 0..<7 {
            let drop = try #require(await iterator.next())
            seen.append(drop)
            if index == 6 { break }
            // Redial is now asleep for that pause: let it pass, and the next dial begins.
            await clock.waitForSleepers(1)
            #expect(clock.nextWake == drop.pause)
            clock.advance(by: drop.pause)
            if index == 3 {
                await clock.waitForSleepers(1)
                clock.advance(by: .seconds(11))
            }
        }
        // Cancelled asleep in its seventh pause: it ends there, and dials no more.
        await clock.waitForSleepers(1)
        task.cancel()
        await task.value
        #expect(seen.map(\.pause) == [.milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1),
                                      .milliseconds(200), .milliseconds(400), .milliseconds(800)])
        #expect(seen.map(\.failed) == [true, true, true, true, false, true, true])
        #expect(dials.withLock { $0 } == 7)
    }

    @Test func aCancelledLinkStopsDuringItsPauseAndDialsNoMore() async {
        let clock = ManualClock()
        let dials = Mutex(0)
        let task = Task {
            await Redial(clock: clock, longest: .seconds(5)).run({
                dials.withLock { $0 += 1 }
                throw Refused()
            }, dropped: { _, _ in })
        }
        await clock.waitForSleepers(1)
        task.cancel()
        await task.value
        #expect(clock.sleeperCount == 0)
        #expect(dials.withLock { $0 } == 1)
    }

    @Test func theFirstPauseAfterALongConnectionIsShort() {
        let clock = ManualClock()
        let redial = Redial(clock: clock, longest: .seconds(5))
        let start = clock.now
        #expect(redial.pause(after: nil, began: start, ended: start) == .milliseconds(200))
        #expect(redial.pause(after: .seconds(4), began: start, ended: start.advanced(by: .seconds(1))) == .seconds(5))
        #expect(redial.pause(after: .seconds(4), began: start, ended: start.advanced(by: .seconds(30))) == .milliseconds(200))
    }
}
