import KasseCore
import Testing
import VippsModels

struct GTINTests {
    @Test(arguments: [
        ("7040000000016", GTIN.Format.ean13),
        ("70400014", .ean8),
        ("036000291452", .upcA),
        ("10036000291459", .gtin14),
        ("5901234123457", .ean13),
        ("96385074", .ean8),
    ])
    func acceptsValidGTINs(text: String, format: GTIN.Format) throws {
        let gtin = try GTIN(text)
        #expect(gtin.format == format)
        #expect(gtin.gtin14.count == 14)
        #expect(gtin.original == text)
    }

    @Test func upcAAndItsEAN13FormAreTheSameItem() throws {
        #expect(try GTIN("036000291452") == GTIN("0036000291452"))
    }

    @Test func badCheckDigitSaysWhatItShouldBe() {
        #expect(throws: GTINError.badCheckDigit(expected: 7, found: 8)) { try GTIN("5901234123458") }
        let message = GTINError.badCheckDigit(expected: 7, found: 8).description
        #expect(message.contains("check digit"))
        #expect(message.contains("7"))
    }

    @Test(arguments: [
        ("", GTINError.empty), ("12345", .wrongLength(5)), ("590123412345A", .notDigits),
        ("123456789012345", .wrongLength(15)), ("59012341 3457", .notDigits),
    ])
    func rejectsMalformedNumbers(text: String, error: GTINError) {
        #expect(throws: error) { try GTIN(text) }
    }

    @Test func everyWrongCheckDigitIsCaught() throws {
        for payload in ["590123412345", "7040000", "03600029145", "1003600029145"] {
            let valid = GTIN.completing(payload)
            #expect(throws: Never.self) { try GTIN(valid) }
            for digit in 0...9 where String(digit) != String(valid.last!) {
                #expect(throws: GTINError.self) { try GTIN(payload + String(digit)) }
            }
        }
    }
}
