import KassePrinting
import KasseQR

/// The simulator's QR images (what Vipps MobilePay's `redirectUrl` names for `userFlow: QR`).
enum QRImages {
    /// Dark squares on white, with the standard's quiet zone of 4 modules.
    static func svg(_ code: QRCode) -> String {
        let span = code.size + 8
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(span) \(span)\" shape-rendering=\"crispEdges\">"
        svg += "<rect width=\"\(span)\" height=\"\(span)\" fill=\"#fff\"/><path fill=\"#000\" d=\""
        for row in 0..<code.size {
            for column in 0..<code.size where code.isDark(row: row, column: column) { svg += "M\(column + 4) \(row + 4)h1v1h-1z" }
        }
        return svg + "\"/></svg>\n"
    }

    /// `size` × `size` pixels, the code and its quiet zone scaled to fill them.
    static func png(_ code: QRCode, size: Int) -> [UInt8] {
        let span = code.size + 8
        let bytesPerRow = (size + 7) / 8
        var rows = [UInt8](repeating: 0, count: bytesPerRow * size)
        for y in 0..<size {
            let row = y * span / size - 4
            for x in 0..<size where code.isDark(row: row, column: x * span / size - 4) {
                rows[y * bytesPerRow + x / 8] |= 0x80 >> UInt8(x % 8)
            }
        }
        return PNG.encode(Bitmap(width: size, height: size, rows: rows)!)
    }
}
