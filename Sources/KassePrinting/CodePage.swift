/// The character tables an ESC/POS printer prints text in, selected in the byte stream with
/// `ESC t n`. Each holds æøå ÆØÅ äö ÄÖ, so Norwegian, Danish and Finnish receipts print right.
/// A character the table lacks prints as `?`, never as a wrong letter.
public enum CodePage: String, Sendable, Hashable, CaseIterable {
    /// PC858: PC850 (Multilingual Latin 1) with the euro sign. The default: Epson and most
    /// compatibles have it.
    case pc858
    /// PC865: the Nordic table (no euro sign).
    case pc865
    /// Windows-1252.
    case wpc1252

    /// The `n` of `ESC t n` on Epson's TM series (and the compatibles that follow it).
    public var escPosNumber: UInt8 {
        switch self {
        case .pc858: 19
        case .pc865: 5
        case .wpc1252: 16
        }
    }

    public init?(escPosNumber: UInt8) {
        guard let page = Self.allCases.first(where: { $0.escPosNumber == escPosNumber }) else { return nil }
        self = page
    }

    /// The characters of bytes 0x80…0xFF ("\u{FFFD}" where the table has none).
    private var upperHalf: [Character] {
        switch self {
        case .pc858: Self.pc858Upper
        case .pc865: Self.pc865Upper
        case .wpc1252: Self.wpc1252Upper
        }
    }

    private static let pc858Upper = Array(
        "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜø£Ø×ƒáíóúñÑªº¿®¬½¼¡«»░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐└┴┬├─┼ãÃ╚╔╩╦╠═╬¤ðÐÊËÈ€ÍÎÏ┘┌█▄¦Ì▀ÓßÔÒõÕµþÞÚÛÙýÝ¯´\u{AD}±‗¾¶§÷¸°¨·¹³²■\u{A0}")
    private static let pc865Upper = Array(
        "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜø£Ø₧ƒáíóúñÑªº¿⌐¬½¼¡«¤░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{A0}")
    private static let wpc1252Upper = Array(
        "€\u{FFFD}‚ƒ„…†‡ˆ‰Š‹Œ\u{FFFD}Ž\u{FFFD}\u{FFFD}‘’“”•–—˜™š›œ\u{FFFD}žŸ\u{A0}¡¢£¤¥¦§¨©ª«¬\u{AD}®¯°±²³´µ¶·¸¹º»¼½¾¿ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõö÷øùúûüýþÿ")

    /// The byte that prints `character`, or nil when the table has no such character.
    public func byte(for character: Character) -> UInt8? {
        if let ascii = character.asciiValue, ascii >= 0x20, ascii < 0x7F { return ascii }
        guard let index = encoding[character] else { return nil }
        return 0x80 + UInt8(index)
    }

    /// What the printer prints for `byte` (control bytes are the caller's business).
    public func character(for byte: UInt8) -> Character {
        if byte < 0x80 { return Character(Unicode.Scalar(byte)) }
        return upperHalf[Int(byte - 0x80)]
    }

    /// Text as this table's bytes: `?` for what it cannot print.
    public func encode(_ text: String) -> [UInt8] {
        text.map { byte(for: $0) ?? UInt8(ascii: "?") }
    }

    private var encoding: [Character: Int] {
        switch self {
        case .pc858: Self.pc858Encoding
        case .pc865: Self.pc865Encoding
        case .wpc1252: Self.wpc1252Encoding
        }
    }

    private static func index(_ table: [Character]) -> [Character: Int] {
        var map: [Character: Int] = [:]
        for (offset, character) in table.enumerated() where character != "\u{FFFD}" && map[character] == nil { map[character] = offset }
        return map
    }

    private static let pc858Encoding = index(pc858Upper)
    private static let pc865Encoding = index(pc865Upper)
    private static let wpc1252Encoding = index(wpc1252Upper)
}
