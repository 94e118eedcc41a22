/// Turns 8-byte HID boot-keyboard reports into characters.
///
/// A report is `[modifiers, reserved, key1…key6]`. A key produces a character when it is
/// newly pressed: present in this report and not in the previous one. So a held key is not
/// repeated, and a doubled character (`00`) needs a release between its two presses, as
/// scanners send it.
public struct HIDKeyboardDecoder: Sendable {
    public var layout: KeyboardLayout
    private var previous: Set<UInt8> = []
    private var pendingDead: Character?

    public init(layout: KeyboardLayout) {
        self.layout = layout
    }

    public enum Event: Sendable, Equatable {
        case character(Character)
        case terminator
    }

    /// Decodes one report. Malformed reports produce nothing and change nothing.
    public mutating func decode(_ report: [UInt8]) -> [Event] {
        var bytes = report
        // Report protocol with a report ID in front: [id, modifiers, reserved, keys…].
        if bytes.count == 9 { bytes.removeFirst() }
        guard bytes.count == 8 else { return [] }
        let keys = bytes[2...7].filter { $0 != 0 }
        // ErrorRollOver: too many keys; the state is unknown, so keep the previous one.
        if keys.contains(where: { $0 == 0x01 || $0 == 0x02 || $0 == 0x03 }) { return [] }
        let modifiers = bytes[0]
        let shift = modifiers & 0x22 != 0
        let altGr = modifiers & 0x40 != 0 || (modifiers & 0x01 != 0 && modifiers & 0x04 != 0)
        let control = (modifiers & 0x11 != 0) && !altGr
        var events: [Event] = []
        for key in keys where !previous.contains(key) {
            if control { continue }
            guard let output = layout.output(usage: key, shift: shift, altGr: altGr) else { continue }
            switch output {
            case .enter, .tab:
                if let dead = pendingDead { events.append(.character(dead)) }
                pendingDead = nil
                events.append(.terminator)
            case .dead(let accent):
                if let dead = pendingDead {
                    // Two dead keys: the first stands alone.
                    events.append(.character(dead))
                }
                pendingDead = accent
            case .character(let character):
                if let dead = pendingDead {
                    pendingDead = nil
                    if character == " " {
                        events.append(.character(dead))
                        continue
                    }
                    if let combined = Self.combine(dead, character) {
                        events.append(.character(combined))
                        continue
                    }
                    events.append(.character(dead))
                }
                events.append(.character(character))
            }
        }
        previous = Set(keys)
        return events
    }

    /// Forgets held keys and a pending dead key (after a timeout or a reconnect).
    public mutating func reset() {
        previous = []
        pendingDead = nil
    }

    static func combine(_ accent: Character, _ base: Character) -> Character? {
        let combining: Unicode.Scalar
        switch accent {
        case "´": combining = "\u{0301}"
        case "`": combining = "\u{0300}"
        case "^": combining = "\u{0302}"
        case "~": combining = "\u{0303}"
        case "¨": combining = "\u{0308}"
        default: return nil
        }
        guard base.isLetter, let scalar = base.unicodeScalars.first, base.unicodeScalars.count == 1 else { return nil }
        var scalars = String.UnicodeScalarView()
        scalars.append(scalar)
        scalars.append(combining)
        return Character(String(scalars))
    }
}
