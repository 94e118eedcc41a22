/// What a printed document looks like on paper, as a bitmap (for the emulator's PNG): text in
/// a console font (bold drawn twice, large twice as high), images dot for dot, a barcode as a
/// band of bars over its text. The bars stand for the barcode; they are not its CODE128 pattern.
public enum PaperImage {
    public static func render(_ document: ESCPOSReader.Document, columns: Int, font: ConsoleFont) -> Bitmap {
        let margin = font.width
        let width = columns * font.width + 2 * margin
        var rows: [[Bool]] = []
        func blank(_ count: Int) { for _ in 0..<count { rows.append([Bool](repeating: false, count: width)) } }
        func draw(_ text: String, bold: Bool, large: Bool, centred: Bool) {
            let characters = Array(text.prefix(columns))
            let left = margin + (centred ? (columns - characters.count) / 2 * font.width : 0)
            let scale = large ? 2 : 1
            for y in 0..<(font.height * scale) {
                var row = [Bool](repeating: false, count: width)
                for (index, character) in characters.enumerated() {
                    for x in 0..<font.width where font.ink(character, x: x, y: y / scale) {
                        let dot = left + index * font.width + x
                        if dot < width { row[dot] = true }
                        if bold, dot + 1 < width { row[dot + 1] = true }
                    }
                }
                rows.append(row)
            }
        }
        blank(font.height)
        for line in document.lines {
            switch line.content {
            case .text(let text):
                draw(text, bold: line.bold, large: line.large, centred: line.centred)
            case .barcode(let data), .qrCode(let data):
                let bars = min(width - 2 * margin, 24 + data.count * 22)
                let left = (width - bars) / 2
                for _ in 0..<(font.height * 3) {
                    var row = [Bool](repeating: false, count: width)
                    for x in 0..<bars where (x * 7 + x / 3) % 5 < 2 { row[left + x] = true }
                    rows.append(row)
                }
                draw(data, bold: false, large: false, centred: true)
            case .image(let bitmap):
                let left = line.centred ? max(0, (width - bitmap.width) / 2) : margin
                for y in 0..<bitmap.height {
                    var row = [Bool](repeating: false, count: width)
                    for x in 0..<bitmap.width where left + x < width && bitmap.isBlack(x: x, y: y) { row[left + x] = true }
                    rows.append(row)
                }
            }
        }
        blank(font.height)
        if document.cut {
            var row = [Bool](repeating: false, count: width)
            for x in stride(from: 0, to: width, by: 4) { row[x] = true; if x + 1 < width { row[x + 1] = true } }
            rows.append(row)
        }
        let perRow = (width + 7) / 8
        var bytes = [UInt8](repeating: 0, count: perRow * rows.count)
        for (y, row) in rows.enumerated() {
            for (x, black) in row.enumerated() where black { bytes[y * perRow + x / 8] |= 0x80 >> UInt8(x % 8) }
        }
        return Bitmap(width: width, height: rows.count, rows: bytes)!
    }
}
