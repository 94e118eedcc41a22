/// Builds the boot-keyboard reports a scanner set to a layout sends for a text: each key
/// press followed by a release, then Enter (or Tab). For emulators and tests.
public enum HIDKeyboardEncoder {
    public enum EncodingError: Error, Sendable, Equatable {
        case notTypeable(Character)
    }

    public static func reports(for text: String, layout: KeyboardLayout, terminator: UInt8? = 0x28) throws(EncodingError) -> [[UInt8]] {
        var reports: [[UInt8]] = []
        let release: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0]
        for character in text {
            guard let stroke = layout.keystroke(for: character) else { throw .notTypeable(character) }
            let modifiers: UInt8 = (stroke.shift ? 0x02 : 0) | (stroke.altGr ? 0x40 : 0)
            reports.append([modifiers, 0, stroke.usage, 0, 0, 0, 0, 0])
            reports.append(release)
            if stroke.followedBySpace {
                reports.append([0, 0, 0x2C, 0, 0, 0, 0, 0])
                reports.append(release)
            }
        }
        if let terminator {
            reports.append([0, 0, terminator, 0, 0, 0, 0, 0])
            reports.append(release)
        }
        return reports
    }
}
