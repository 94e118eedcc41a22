/// Tells a keyboard-wedge scanner's burst from a person typing, for scanners libusb cannot
/// claim and that therefore type into the terminal.
///
/// A scanner types a whole code within milliseconds per character and ends with Enter; a
/// person needs well over 30 ms between keys. A run of at least `minimumLength` characters
/// whose gaps are all below `maximumGap`, ended by Enter, is a scan; anything else is typing.
public struct KeyboardWedgeDetector: Sendable {
    public var maximumGap: Duration
    public var minimumLength: Int
    private var burst: [Character] = []
    private var lastAt: ContinuousClock.Instant?
    private var isFast = true

    public init(maximumGap: Duration = .milliseconds(30), minimumLength: Int = 4) {
        self.maximumGap = maximumGap
        self.minimumLength = minimumLength
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
        if let lastAt, now - lastAt > maximumGap {
            burst = []
            isFast = true
        }
        if character == "\n" || character == "\r" {
            defer {
                burst = []
                isFast = true
            }
            if isFast && burst.count >= minimumLength, let lastAt, now - lastAt <= maximumGap {
                return .scan(String(burst))
            }
            return .typed
        }
        burst.append(character)
        return .typed
    }
}
