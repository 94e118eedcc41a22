/// Collects decoded characters into whole scans: a scan ends with Enter or Tab, or, for a
/// scanner set up without a suffix, when no character has come for `timeout`.
///
/// Time is passed in (monotonic nanoseconds from the caller's clock), so this is pure.
public struct ScanAssembler: Sendable {
    public var timeout: Duration
    /// Longer input is cut off: nothing a till scans is longer, and garbage must not grow forever.
    public var maximumLength: Int
    private var buffer = ""
    private var lastCharacterAt: ContinuousClock.Instant?

    public init(timeout: Duration = .milliseconds(200), maximumLength: Int = 1024) {
        self.timeout = timeout
        self.maximumLength = maximumLength
    }

    public var isEmpty: Bool { buffer.isEmpty }

    /// Feeds decoded events; returns the scans they completed.
    public mutating func feed(_ events: [HIDKeyboardDecoder.Event], at now: ContinuousClock.Instant) -> [String] {
        var scans = flushIfIdle(at: now).map { [$0] } ?? []
        for event in events {
            switch event {
            case .character(let character):
                if buffer.count < maximumLength { buffer.append(character) }
                lastCharacterAt = now
            case .terminator:
                if !buffer.isEmpty { scans.append(buffer) }
                buffer = ""
                lastCharacterAt = nil
            }
        }
        return scans
    }

    /// Feeds text that arrived whole (HID POS) and ends a scan.
    public mutating func feedComplete(_ text: String, at now: ContinuousClock.Instant) -> [String] {
        var scans = flushIfIdle(at: now).map { [$0] } ?? []
        if !text.isEmpty { scans.append(String(text.prefix(maximumLength))) }
        return scans
    }

    /// A scan without a terminator is complete once the scanner has been quiet for `timeout`.
    public mutating func flushIfIdle(at now: ContinuousClock.Instant) -> String? {
        guard let last = lastCharacterAt, !buffer.isEmpty, now - last >= timeout else { return nil }
        let scan = buffer
        buffer = ""
        lastCharacterAt = nil
        return scan
    }
}
