import Foundation
import KassePrinting
import KasseQR
import Testing

/// A terminal's text, drawn with half blocks, read by a real QR decoder (`zbarimg` from
/// Debian's zbar-tools) from an image of the screen: each character cell is a light upper
/// and/or lower half on the terminal's dark background.
enum TerminalQR {
    /// The image of `lines` as a terminal shows them (light text on dark), `scale` pixels a
    /// half cell, with `margin` cells of dark background around.
    static func image(_ lines: [String], scale: Int = 6, margin: Int = 3) -> Bitmap {
        let columns = (lines.map(\.count).max() ?? 0) + 2 * margin
        let width = columns * scale, height = (lines.count + 2 * margin) * 2 * scale
        let bytesPerRow = (width + 7) / 8
        var rows = [UInt8](repeating: 0, count: bytesPerRow * height)
        func setBlack(_ x: Int, _ y: Int) { rows[y * bytesPerRow + x / 8] |= 0x80 >> UInt8(x % 8) }
        for y in 0..<height {
            for x in 0..<width { setBlack(x, y) }
        }
        for (lineIndex, line) in lines.enumerated() {
            for (column, character) in line.enumerated() {
                let upper = character == "█" || character == "▀", lower = character == "█" || character == "▄"
                for half in 0..<2 where half == 0 ? upper : lower {
                    let top = ((lineIndex + margin) * 2 + half) * scale, left = (column + margin) * scale
                    for y in top..<(top + scale) {
                        for x in left..<(left + scale) { rows[y * bytesPerRow + x / 8] &= ~(0x80 >> UInt8(x % 8)) }
                    }
                }
            }
        }
        return Bitmap(width: width, height: height, rows: rows)!
    }

    /// What zbarimg reads in the picture of `lines` (nil: no code found).
    static func decode(_ lines: [String]) async throws -> String? {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-qr-\(UUID().uuidString).png").path
        try Data(PNG.encode(image(lines))).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try await runProgram("/usr/bin/zbarimg", ["--raw", "-q", "-Sdisable", "-Sqrcode.enable", path])
        guard result.status == 0 else { return nil }
        return result.output.hasSuffix("\n") ? String(result.output.dropLast()) : result.output
    }
}
