/// Collects decoded characters into whole scans.
///
/// A scan ends with Enter or Tab. A scanner that has ended a scan with a terminator once is
/// taken to be set up with a suffix, and from then on its scans are **never** ended by a
/// pause: a stall in the middle of a code (a loaded till, a slow hub, a descheduled thread)
/// must not cut a customer's QR code in two, or a product code into a different valid one.
/// Only a scanner that has never sent a terminator (set up without a suffix) has its scans
/// ended by `pause`, which is long enough for a stalled but working scanner.
///
/// Each scanner has its own assembler, so scans of different scanners never mix. Time is
/// passed in (monotonic instants from the caller's clock), so this is pure.
public struct ScanAssembler: Sendable {
    /// How a scanner's scans end.
    public enum Termination: Sendable, Equatable {
        /// Learned: by the pause until the scanner first sends Enter or Tab, then only by those.
        case learn
        /// Always by Enter or Tab (configured): a pause never ends a scan.
        case terminator
        /// The scanner sends no suffix (configured): the pause ends every scan.
        case pause
    }

    /// The default pause that ends a scan from a scanner without a suffix.
    public static let defaultPause: Duration = .milliseconds(800)

    public var pause: Duration
    public private(set) var termination: Termination
    /// Longer input is cut off: nothing a till scans is longer, and garbage must not grow forever.
    public var maximumLength: Int
    private var buffer = ""
    private var lastCharacterAt: ContinuousClock.Instant?

    public init(pause: Duration = ScanAssembler.defaultPause, termination: Termination = .learn,
                maximumLength: Int = 1024) {
        self.pause = pause
        self.termination = termination
        self.maximumLength = maximumLength
    }

    public var isEmpty: Bool { buffer.isEmpty }

    /// Whether a pause can end the scan in progress.
    public var endsByPause: Bool { termination != .terminator }

    /// Feeds decoded events; returns the scans they completed.
    public mutating func feed(_ events: [HIDKeyboardDecoder.Event], at now: ContinuousClock.Instant) -> [String] {
        var scans = flushIfIdle(at: now).map { [$0] } ?? []
        for event in events {
            switch event {
            case .character(let character):
                if buffer.count < maximumLength { buffer.append(character) }
                lastCharacterAt = now
            case .terminator:
                // A scanner configured without a suffix that sends one anyway still ends its
                // scan with it; a learning one is from now on known to send one.
                if termination == .learn { termination = .terminator }
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

    /// A scan from a scanner without a suffix is complete once the scanner has been quiet for
    /// `pause`. A scanner known to send a terminator is never flushed by time.
    public mutating func flushIfIdle(at now: ContinuousClock.Instant) -> String? {
        guard endsByPause, let last = lastCharacterAt, !buffer.isEmpty, now - last >= pause else { return nil }
        let scan = buffer
        buffer = ""
        lastCharacterAt = nil
        return scan
    }
}
