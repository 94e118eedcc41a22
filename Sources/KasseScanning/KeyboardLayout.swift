/// What a key press produces in a keyboard layout.
public enum KeyOutput: Sendable, Hashable {
    case character(Character)
    /// A dead key: its accent combines with the next key (a space gives the accent itself).
    case dead(Character)
    case enter
    case tab
}

/// The keyboard layouts a barcode scanner may be set to. A scanner "types" each character
/// as the key that produces it in its configured layout, so the decoder must use the same
/// layout: with the wrong one, `:` and `/` in a QR code come out as `Æ` and `-`.
public enum KeyboardLayout: String, Sendable, Hashable, CaseIterable, Codable {
    case us, no, da, fi

    public var displayName: String {
        switch self {
        case .us: "US"
        case .no: "Norwegian"
        case .da: "Danish"
        case .fi: "Finnish/Swedish"
        }
    }

    /// The character for a HID keyboard usage (page 0x07) with the given modifiers.
    public func output(usage: UInt8, shift: Bool, altGr: Bool) -> KeyOutput? {
        switch usage {
        case 0x28, 0x58: return .enter
        case 0x2B: return .tab
        case 0x2C: return altGr ? nil : .character(" ")
        case 0x04...0x1D:
            if altGr {
                if usage == 0x08 && self != .us { return .character("€") }
                return nil
            }
            let letter = Character(Unicode.Scalar(UInt8(ascii: "a") + usage - 0x04))
            return .character(shift ? Character(letter.uppercased()) : letter)
        default:
            break
        }
        let table = self == .us ? KeyboardLayout.usTable : KeyboardLayout.nordicTables[self] ?? [:]
        guard let keys = table[usage] else { return nil }
        let index = altGr ? 2 : (shift ? 1 : 0)
        return keys.count > index ? keys[index] : nil
    }

    typealias Table = [UInt8: [KeyOutput?]]

    private static func c(_ character: Character) -> KeyOutput { .character(character) }
    private static func d(_ character: Character) -> KeyOutput { .dead(character) }

    /// [unshifted, shifted, AltGr] per usage.
    static let usTable: Table = [
        0x1E: [c("1"), c("!")], 0x1F: [c("2"), c("@")], 0x20: [c("3"), c("#")], 0x21: [c("4"), c("$")],
        0x22: [c("5"), c("%")], 0x23: [c("6"), c("^")], 0x24: [c("7"), c("&")], 0x25: [c("8"), c("*")],
        0x26: [c("9"), c("(")], 0x27: [c("0"), c(")")], 0x2D: [c("-"), c("_")], 0x2E: [c("="), c("+")],
        0x2F: [c("["), c("{")], 0x30: [c("]"), c("}")], 0x31: [c("\\"), c("|")], 0x32: [c("#"), c("~")],
        0x33: [c(";"), c(":")], 0x34: [c("'"), c("\"")], 0x35: [c("`"), c("~")], 0x36: [c(","), c("<")],
        0x37: [c("."), c(">")], 0x38: [c("/"), c("?")], 0x64: [c("\\"), c("|")],
    ]

    /// The digit row and the punctuation the three Nordic layouts share.
    private static let nordicCommon: Table = [
        0x1E: [c("1"), c("!"), nil], 0x1F: [c("2"), c("\""), c("@")], 0x20: [c("3"), c("#"), c("£")],
        0x21: [c("4"), c("¤"), c("$")], 0x22: [c("5"), c("%"), c("€")], 0x23: [c("6"), c("&"), nil],
        0x24: [c("7"), c("/"), c("{")], 0x25: [c("8"), c("("), c("[")], 0x26: [c("9"), c(")"), c("]")],
        0x27: [c("0"), c("="), c("}")], 0x2D: [c("+"), c("?"), nil],
        0x30: [d("¨"), d("^"), d("~")], 0x32: [c("'"), c("*"), nil],
        0x36: [c(","), c(";"), nil], 0x37: [c("."), c(":"), nil], 0x38: [c("-"), c("_"), nil],
    ]

    static let nordicTables: [KeyboardLayout: Table] = {
        var norwegian = nordicCommon
        norwegian[0x2E] = [c("\\"), d("`"), d("´")]
        norwegian[0x2F] = [c("å"), c("Å"), nil]
        norwegian[0x33] = [c("ø"), c("Ø"), nil]
        norwegian[0x34] = [c("æ"), c("Æ"), nil]
        norwegian[0x35] = [c("|"), c("§"), nil]
        norwegian[0x64] = [c("<"), c(">"), nil]
        norwegian[0x21] = [c("4"), c("¤"), c("$")]
        var danish = nordicCommon
        danish[0x2E] = [d("´"), d("`"), c("|")]
        danish[0x2F] = [c("å"), c("Å"), nil]
        danish[0x33] = [c("æ"), c("Æ"), nil]
        danish[0x34] = [c("ø"), c("Ø"), nil]
        danish[0x35] = [c("½"), c("§"), nil]
        danish[0x64] = [c("<"), c(">"), c("\\")]
        var finnish = nordicCommon
        finnish[0x2D] = [c("+"), c("?"), c("\\")]
        finnish[0x2E] = [d("´"), d("`"), nil]
        finnish[0x2F] = [c("å"), c("Å"), nil]
        finnish[0x33] = [c("ö"), c("Ö"), nil]
        finnish[0x34] = [c("ä"), c("Ä"), nil]
        finnish[0x35] = [c("§"), c("½"), nil]
        finnish[0x64] = [c("<"), c(">"), c("|")]
        return [.no: norwegian, .da: danish, .fi: finnish]
    }()

    /// How to type a character in this layout: the key, the modifiers, and whether a space
    /// must follow (a dead key typed alone). Used by emulators and tests.
    public func keystroke(for character: Character) -> (usage: UInt8, shift: Bool, altGr: Bool, followedBySpace: Bool)? {
        for usage in UInt8(0x04)...UInt8(0x64) {
            for (shift, altGr) in [(false, false), (true, false), (false, true)] {
                switch output(usage: usage, shift: shift, altGr: altGr) {
                case .character(let produced) where produced == character: return (usage, shift, altGr, false)
                case .dead(let accent) where accent == character: return (usage, shift, altGr, true)
                default: continue
                }
            }
        }
        return nil
    }
}
