import KasseTesting
import Testing

/// The tests' one way to wait for another task: woken by the change itself.
struct WatchedTests {
    @Test func aWaiterIsWokenByTheChangeThatSatisfiesIt() async {
        let watched = Watched(0)
        let waiter = Task { await watched.wait(timeout: .seconds(600)) { $0 >= 3 } }
        for value in 1...3 { watched.set(value) }
        let (value, inTime) = await waiter.value
        #expect(inTime && value == 3)
    }

    @Test func aConditionThatAlreadyHoldsReturnsAtOnce() async {
        let watched = Watched("PAID")
        let (value, inTime) = await watched.wait(timeout: .seconds(600)) { $0 == "PAID" }
        #expect(inTime && value == "PAID")
    }

    @Test func aWaitThatIsNeverSatisfiedEndsAtItsBound() async {
        let watched = Watched(1)
        let (value, inTime) = await watched.wait(timeout: .milliseconds(1)) { $0 == 2 }
        #expect(!inTime && value == 1)
    }
}
