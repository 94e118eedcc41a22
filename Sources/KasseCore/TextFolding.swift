/// Folds text for searching: lowercase, and Nordic and other Latin letters without their
/// marks, so `bonne` finds `Bønne`, `bla` finds `Blå` and `aeble` finds `Æble`.
public enum TextFolding {
    public static func fold(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x80 {
                let byte = UInt8(value)
                out.append(byte >= 65 && byte <= 90 ? byte + 32 : byte)
                continue
            }
            if let folded = table[value] {
                out.append(contentsOf: folded.utf8)
                continue
            }
            // Combining marks (U+0300–U+036F) disappear; other letters are lowercased.
            if (0x0300...0x036F).contains(value) { continue }
            for lower in scalar.properties.lowercaseMapping.unicodeScalars {
                if let folded = table[lower.value] {
                    out.append(contentsOf: folded.utf8)
                } else {
                    out.append(contentsOf: String(lower).utf8)
                }
            }
        }
        return out
    }

    /// Appends the folded form of valid UTF-8 bytes; ASCII is folded without decoding.
    public static func fold(utf8 bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        if bytes.allSatisfy({ $0 < 0x80 }) {
            for byte in bytes { out.append(byte >= 65 && byte <= 90 ? byte + 32 : byte) }
        } else {
            out.append(contentsOf: fold(String(decoding: bytes, as: UTF8.self)))
        }
    }

    public static func foldToString(_ text: String) -> String {
        String(decoding: fold(text), as: UTF8.self)
    }

    private static let table: [UInt32: String] = {
        var table: [UInt32: String] = [:]
        let groups: [(String, String)] = [
            ("àáâãäåāăąÀÁÂÃÄÅĀĂĄ", "a"),
            ("çćĉċčÇĆĈĊČ", "c"),
            ("ďđĎĐð", "d"),
            ("èéêëēĕėęěÈÉÊËĒĔĖĘĚ", "e"),
            ("ĝğġģĜĞĠĢ", "g"),
            ("ìíîïĩīĭįıÌÍÎÏĨĪĬĮİ", "i"),
            ("ñńņňÑŃŅŇ", "n"),
            ("òóôõöøōŏőÒÓÔÕÖØŌŎŐ", "o"),
            ("ŕŗřŔŖŘ", "r"),
            ("śŝşšŚŜŞŠ", "s"),
            ("ţťŢŤ", "t"),
            ("ùúûüũūŭůűųÙÚÛÜŨŪŬŮŰŲ", "u"),
            ("ýÿŷÝŸŶ", "y"),
            ("źżžŹŻŽ", "z"),
            ("æÆ", "ae"),
            ("œŒ", "oe"),
            ("ß", "ss"),
            ("þÞ", "th"),
        ]
        for (letters, replacement) in groups {
            for scalar in letters.unicodeScalars { table[scalar.value] = replacement }
        }
        return table
    }()
}
