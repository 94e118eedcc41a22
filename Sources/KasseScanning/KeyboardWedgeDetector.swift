/// Tells a keyboard-wedge scanner's burst from a person typing, for scanners libusb cannot
/// claim and that therefore type into the terminal.
///
/// A scanner types a whole code within milliseconds per character and ends with Enter; a
/// person needs well over 30 ms between keys. A burst starts with a run of at least
/// `minimumLength` characters whose gaps are all below `maximumGap`; once a burst has
/// started, a longer gap (up to `maximumStall`) is taken as the scanner or the till being
/// stalled, not as a person, so a loaded machine does not cut a scan in two. A burst ended
/// by Enter is a scan; anything else is typing.
public struct KeyboardWedgeDetector: Sendable {
    public var maximumGap: Duration
    public var minimumLength: Int
    public var maximumStall: Duration
    private var burst: [Character] = []
    private var lastAt: ContinuousClock.Instant?
    /// Whether `burst` holds a fast run of at least `minimumLength` (a scanner's).
    private var isScanner: Bool { burst.count >= minimumLength && fastRun >= minimumLength }
    /// Length of the fast run that opened the burst.
    private var fastRun = 0

    public init(maximumGap: Duration = .milliseconds(30), minimumLength: Int = 4,
                maximumStall: Duration = .seconds(3)) {
        self.maximumGap = maximumGap
        self.minimumLength = minimumLength
        self.maximumStall = maximumStall
    }

    public enum Result: Sendable, Equatable {
        /// Keep the key as typed input.
        case typed
        /// The burst so far was a scan: the text, to be taken out of the input field.
        case scan(String)
    }

    /// Feeds one key (Enter as `"\n"`).
    public mutating func key(_ character: Character, at now: ContinuousClock.Instant) -> Result {
        defer { lastAt = now }
        let gap = lastAt.map { now - $0 }
        if let gap, gap > maximumGap {
            // Before a scanner's run is established, a slow gap is a person: start over.
            // After it, a gap up to `maximumStall` is a stall inside the same scan.
            if !isScanner || gap > maximumStall { reset() }
        }
        if character == "\n" || character == "\r" {
            defer { reset() }
            return isScanner ? .scan(String(burst)) : .typed
        }
        burst.append(character)
        if fastRun == burst.count - 1, gap.map({ $0 <= maximumGap }) ?? true || burst.count == 1 {
            fastRun = burst.count
        }
        return .typed
    }

    private mutating func reset() {
        burst = []
        fastRun = 0
    }
}
