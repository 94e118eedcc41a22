/// The character tables an ESC/POS printer prints text in, selected in the byte stream with
/// `ESC t n`. Each holds æøå ÆØÅ äö ÄÖ, so Norwegian, Danish and Finnish receipts print right.
/// A character the table lacks prints as its documented stand-in (`fallback`: – → `-`,
/// “ → `"`, … → `...`, € → `EUR`, š → `s`, …), and only what has none as `?`.
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

    /// Text as this table's bytes: a character the table lacks as its stand-in (`fallback`),
    /// `?` only for one that has none.
    public func encode(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for character in text {
            if let byte = byte(for: character) {
                bytes.append(byte)
            } else if let standIn = Self.fallback[character] {
                for replacement in standIn { bytes.append(byte(for: replacement) ?? UInt8(ascii: "?")) }
            } else {
                bytes.append(UInt8(ascii: "?"))
            }
        }
        return bytes
    }

    /// What prints for a character a table lacks: chosen once, for every table (each stand-in
    /// is plain ASCII, so every table has it). Dashes become hyphens, typographic quotes plain
    /// ones, the ellipsis three dots, the euro sign `EUR` (PC865 has none), letters with marks
    /// Nordic tables lack their base letter, spaces of other widths a space.
    public static let fallback: [Character: String] = {
        var table: [Character: String] = [
            "\u{2010}": "-", "\u{2011}": "-", "\u{2012}": "-", "\u{2013}": "-", "\u{2014}": "-", "\u{2015}": "-", "\u{2212}": "-",
            "\u{201C}": "\"", "\u{201D}": "\"", "\u{201E}": "\"", "\u{201F}": "\"", "\u{00AB}": "\"", "\u{00BB}": "\"",
            "\u{2039}": "'", "\u{203A}": "'",
            "\u{2018}": "'", "\u{2019}": "'", "\u{201A}": "'", "\u{201B}": "'", "\u{00B4}": "'", "\u{0060}": "'",
            "\u{2026}": "...", "\u{20AC}": "EUR", "\u{2022}": "*", "\u{00B7}": ".", "\u{2219}": ".",
            "\u{2122}": "TM", "\u{00A9}": "(C)", "\u{00AE}": "(R)", "\u{00D7}": "x", "\u{2192}": "->", "\u{2190}": "<-",
            "\u{00A0}": " ", "\u{2009}": " ", "\u{202F}": " ", "\u{2007}": " ", "\u{2002}": " ", "\u{2003}": " ",
            "\u{00BD}": "1/2", "\u{00BC}": "1/4", "\u{00BE}": "3/4", "\u{00B0}": "o", "\u{00A7}": "S", "\u{00B2}": "2", "\u{00B3}": "3",
            "\u{00A3}": "GBP", "\u{00A5}": "JPY", "\u{00A2}": "c", "\u{0192}": "f",
        ]
        let marked = Array("ŠšŽžČčĆćĐđŁłŃńŚśŹźŻżŐőŰűŘřĚěŮůŤťĎďŇňĽľĹĺŔŕŸÿÝýÃãÕõÀàÈèÌìÒòÙùÂâÊêÎîÔôÛûËëÏïÁáÉéÍíÓóÚúÇçÑñÐðÞþß")
        let base = Array("SsZzCcCcDdLlNnSsZzZzOoUuRrEeUuTtDdNnLlLlRrYyYyAaOoAaEeIiOoUuAaEeIiOoUuEeIiAaEeIiOoUuCcNnDdTts")
        for (letter, plain) in zip(marked, base) { table[letter] = String(plain) }
        table["ß"] = "ss"
        table["Þ"] = "Th"
        table["þ"] = "th"
        return table
    }()

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
