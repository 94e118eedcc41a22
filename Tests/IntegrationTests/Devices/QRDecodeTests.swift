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

@Suite struct QRDecodeTests {
    @Test(arguments: [
        "kasse",
        "https://qr.vipps.no/v1?token=5f2c0c1b9a8e4d7f",
        "http://127.0.0.1:39123/simulator/v1/landing/TEST1-2-20261201-000001-1?token=0123456789abcdef0123456789abcdef",
        "https://example.no/" + String(repeating: "æøå-", count: 20),
        String(repeating: "Z", count: 213),
    ])
    func aRealDecoderReadsTheHalfBlockDrawing(text: String) async throws {
        let code = try QRCode(text)
        let decoded = try await TerminalQR.decode(code.halfBlockLines(quietZone: 2))
        #expect(decoded == text, "version \(code.version), mask \(code.mask)")
    }

    /// Every mask and both levels make codes a decoder reads (the mask is chosen by penalty, so
    /// texts are varied until each of the eight has been chosen at least once).
    @Test func everyMaskReads() async throws {
        var seen: Set<Int> = []
        var attempt = 0
        while seen.count < 8 && attempt < 400 {
            attempt += 1
            let text = "https://kasse.example/\(attempt)/\(String(repeating: "q", count: attempt % 40))"
            for level in [QRCode.Level.medium, .low] {
                let code = try QRCode(text, level: level)
                guard !seen.contains(code.mask) else { continue }
                seen.insert(code.mask)
                let decoded = try await TerminalQR.decode(code.halfBlockLines())
                #expect(decoded == text, "mask \(code.mask), version \(code.version), level \(level)")
            }
        }
        #expect(seen.count == 8, "masks chosen: \(seen.sorted())")
    }
}
