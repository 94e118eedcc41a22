import Testing

@testable import KasseQR

/// The QR encoder against the standard's worked numbers, and its structure. That real
/// decoders read what it makes is checked in the integration tests (zbarimg).
@Suite struct QRCodeTests {
    /// Version 1-M, "HELLO WORLD" (the standard's annex example): its 16 data codewords give these 10 error-correction codewords.
    @Test func reedSolomonGivesTheStandardsCodewords() {
        let data: [UInt8] = [32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17]
        let ec = ReedSolomon.remainder(data, divisor: ReedSolomon.divisor(degree: 10))
        #expect(ec == [196, 35, 39, 119, 235, 215, 231, 226, 93, 23])
    }

    /// Level L with mask 4: 110011000101111; version 7's information: 000111110010010100.
    @Test func formatAndVersionInformationCarryTheirBCHCodes() {
        var matrix = Matrix(size: 45)
        matrix.drawFormat(level: .low, mask: 4)
        // Bits 0–5 go down column 8 from the top: the lowest bits of the format word.
        let word = 0b110011000101111
        for index in 0...5 { #expect(matrix[index, 8] == ((word >> index) & 1 == 1), "format bit \(index)") }
        for index in 0..<8 { #expect(matrix[8, 44 - index] == ((word >> index) & 1 == 1), "format bit \(index), second copy") }

        var seven = Matrix(size: 45)
        seven.drawFunctionPatterns(version: 7, alignment: QRCode.alignmentCentres(version: 7))
        let version = 0b000111110010010100
        for index in 0..<18 {
            #expect(seven[index / 3, 45 - 11 + index % 3] == ((version >> index) & 1 == 1), "version bit \(index)")
        }
    }

    @Test func theSmallestVersionThatHoldsTheText() throws {
        #expect(try QRCode("kasse").version == 1)
        #expect(try QRCode(String(repeating: "a", count: 14)).version == 1)  // 1-M holds 14 bytes
        #expect(try QRCode(String(repeating: "a", count: 15)).version == 2)
        let url = "https://qr.vipps.no/v1?token=" + String(repeating: "x", count: 64)
        let code = try QRCode(url)
        #expect(code.size == 17 + 4 * code.version)
        #expect((5...6).contains(code.version))
        #expect(try QRCode(String(repeating: "b", count: 213)).version == 10)
        #expect(throws: QRCode.TooLong.self) { try QRCode(String(repeating: "b", count: 214)) }
    }

    @Test func findersTimingAndTheDarkModuleAreWhereTheStandardPutsThem() throws {
        let code = try QRCode("https://example.no/pay?id=123")
        let n = code.size
        for (row, column) in [(0, 0), (0, n - 7), (n - 7, 0)] {
            // 7×7: dark ring, light ring, dark 3×3 centre.
            #expect(code.isDark(row: row, column: column) && code.isDark(row: row + 6, column: column + 6))
            #expect(!code.isDark(row: row + 1, column: column + 1) && code.isDark(row: row + 3, column: column + 3))
        }
        for index in 8..<(n - 8) { #expect(code.isDark(row: 6, column: index) == (index % 2 == 0)) }
        #expect(code.isDark(row: n - 8, column: 8))
    }

    @Test func halfBlocksDrawTwoModuleRowsALineWithTheQuietZoneLight() throws {
        let code = try QRCode("kasse")
        let lines = code.halfBlockLines(quietZone: 2)
        #expect(lines.count == code.halfBlockSize().lines && lines.count == 13)
        #expect(lines.allSatisfy { $0.count == 25 })
        #expect(lines[0] == String(repeating: "█", count: 25))
        // Module rows 0 and 1: the finder's dark top edge over its light ring (▄ inside, dark at its
        // sides), then the light separator.
        #expect(lines[1].hasPrefix("██ ▄▄▄▄▄ "))
        // The last line: the quiet zone's last row alone, light over nothing.
        #expect(lines[12] == String(repeating: "▀", count: 25))
    }
}
