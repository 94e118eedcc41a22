import Foundation
@testable import IntegrationSupport
import KassePrinting
import KasseQR
import Testing


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
