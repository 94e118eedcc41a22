/// ESC/POS, the command language of Epson's TM receipt printers and the many compatibles:
/// a document as the bytes to send.
public enum ESCPOS {
    public static let initialize: [UInt8] = [0x1B, 0x40]

    public static func selectCodePage(_ page: CodePage) -> [UInt8] { [0x1B, 0x74, page.escPosNumber] }

    /// The bytes that print `document` on paper `columns` characters wide (lines longer are cut
    /// to the width, never wrapped into the next column), then feed and cut.
    public static func encode(_ document: PrintDocument, codePage: CodePage = .pc858, columns: Int = 48, cut: Bool = true) -> [UInt8] {
        var out = initialize + selectCodePage(codePage)
        for block in document.blocks {
            switch block {
            case .text(let text, let bold, let large, let alignment):
                if alignment == .centre { out += [0x1B, 0x61, 1] }
                if bold { out += [0x1B, 0x45, 1] }
                if large { out += [0x1D, 0x21, 0x01] }
                out += codePage.encode(String(text.prefix(columns)))
                out.append(0x0A)
                if large { out += [0x1D, 0x21, 0x00] }
                if bold { out += [0x1B, 0x45, 0] }
                if alignment == .centre { out += [0x1B, 0x61, 0] }
            case .barcode(let data):
                out += [0x1B, 0x61, 1]  // centred
                out += [0x1D, 0x68, 80]  // 80 dots high
                out += [0x1D, 0x77, 2]  // module 2 dots wide
                out += [0x1D, 0x48, 2]  // its text below
                // CODE128 in code set B ("{B"); a "{" in the data is written "{{".
                let payload = Array("{B".utf8) + Array(data.utf8.prefix(200).flatMap { $0 == UInt8(ascii: "{") ? [$0, $0] : [$0] })
                    .filter { $0 >= 0x20 && $0 < 0x7F }
                out += [0x1D, 0x6B, 73, UInt8(min(payload.count, 255))] + payload.prefix(255)
                out += [0x1B, 0x61, 0]
            case .image(let bitmap):
                out += [0x1B, 0x61, 1]
                out += [0x1D, 0x76, 0x30, 0,
                        UInt8(bitmap.bytesPerRow & 0xFF), UInt8(bitmap.bytesPerRow >> 8),
                        UInt8(bitmap.height & 0xFF), UInt8(bitmap.height >> 8)]
                out += bitmap.rows
                out += [0x1B, 0x61, 0]
            case .feed(let lines):
                out += [0x1B, 0x64, UInt8(max(0, min(lines, 255)))]
            }
        }
        if cut { out += [0x1D, 0x56, 66, 3] }  // feed to the cutter, partial cut
        return out
    }
}
