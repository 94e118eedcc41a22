import KasseCore
import Testing
import VippsModels

struct CustomerTests {
    @Test(arguments: [
        ("https://qr.vipps.no/28/2/01/031/4791234567?v=1", PersonalQRCode.Issuer.vipps),
        ("https://qr.vipps.no/p/qwjhewqhueheuqwhuqwhe", .vipps),
        ("HTTPS://QR.VIPPS.NO/p/ABCdef123", .vipps),
        ("https://qr.mobilepay.dk/p/9a8b7c6d5e4f", .mobilePay),
        ("https://qr.mobilepay.fi/p/x1y2z3", .mobilePay),
    ])
    func recognisesPersonalQRCodesAndKeepsThemWhole(text: String, issuer: PersonalQRCode.Issuer) throws {
        let code = try PersonalQRCode(scanned: text)
        #expect(code.content == text)
        #expect(code.issuer == issuer)
        #expect(ScanClassification.classify(text).kind == .personalQR)
    }

    @Test func scannerTerminatorIsDroppedButNothingElse() throws {
        let code = try PersonalQRCode(scanned: "https://qr.vipps.no/28/2/01/031/4791234567?v=1\r\n")
        #expect(code.content == "https://qr.vipps.no/28/2/01/031/4791234567?v=1")
    }

    @Test func theNumberInsideAnOldCodeIsNeverExposed() throws {
        let code = try PersonalQRCode(scanned: "https://qr.vipps.no/28/2/01/031/4791234567?v=1")
        #expect(!code.masked.contains("91234567"))
        #expect(!CustomerIdentity.personalQR(code).masked.contains("4791234567"))
    }

    @Test(arguments: [
        ("", CustomerInputError.emptyScan),
        ("\r\n", .emptyScan),
        ("http://qr.vipps.no/p/abc", .notAPersonalQR),
        ("https://example.com/p/abc", .notAPersonalQR),
        ("https://qr.vipps.no.evil.com/p/abc", .notAPersonalQR),
        ("7040000000016", .notAPersonalQR),
        ("https://qr.vipps.no/", .incompleteQR),
        ("https://qr.vipps.no", .incompleteQR),
        ("https://qr.vipps.no/?v=1", .incompleteQR),
        ("https://qr.vipps.no/p/" + String(repeating: "a", count: 240), .qrTooLong(262)),
        ("https://qr.vipps.no/p/ab cd", .qrHasBadCharacters),
        ("https://qr.vipps.no/p/abæ", .qrHasBadCharacters),
    ])
    func malformedCodesAreRejectedWithAReason(text: String, error: CustomerInputError) {
        #expect(throws: error) { try PersonalQRCode(scanned: text) }
        #expect(!error.description.isEmpty)
    }

    @Test(arguments: [
        ("912 34 567", Market.norway, "4791234567"),
        ("91234567", .norway, "4791234567"),
        ("+47 912 34 567", .norway, "4791234567"),
        ("0047 91234567", .norway, "4791234567"),
        ("4791234567", .norway, "4791234567"),
        ("+4791234567", .denmark, "4791234567"),
        ("12 34 56 78", .denmark, "4512345678"),
        ("+45 12345678", .norway, "4512345678"),
        ("040 123 4567", .finland, "358401234567"),
        ("0401234567", .finland, "358401234567"),
        ("+358 40 123 4567", .finland, "358401234567"),
        ("+358 040 123 4567", .finland, "358401234567"),
        ("00358401234567", .norway, "358401234567"),
        ("912-34-567", .norway, "4791234567"),
        ("+46 70 123 45 67", .norway, "46701234567"),
    ])
    func typedNumbersBecomeMSISDNs(text: String, market: Market, expected: String) throws {
        #expect(try MSISDN(typed: text, market: market).digits == expected)
    }

    @Test(arguments: [
        ("", Market.norway, CustomerInputError.phoneEmpty),
        ("   ", .norway, .phoneEmpty),
        ("+", .norway, .phoneEmpty),
        ("9123456", .norway, .phoneNationalLength(expected: 8, found: 7, market: .norway)),
        ("912345678", .norway, .phoneNationalLength(expected: 8, found: 9, market: .norway)),
        ("9123456a", .norway, .phoneHasLetters),
        ("91+234567", .norway, .phonePlusInMiddle),
        ("+47 9123456", .norway, .phoneNationalLength(expected: 8, found: 7, market: .norway)),
        ("+47 0912 34 567", .norway, .phoneTrunkZero),
        ("401234567", .finland, .phoneFinnishNeedsTrunk),
        ("+1234", .norway, .phoneWrongLength(4)),
        ("+1234567890123456", .norway, .phoneWrongLength(16)),
    ])
    func wrongNumbersTellTheCashierWhatIsWrong(text: String, market: Market, error: CustomerInputError) {
        #expect(throws: error) { try MSISDN(typed: text, market: market) }
        #expect(!error.description.isEmpty)
    }

    @Test func phoneNumbersAreMaskedForLogsAndScreens() throws {
        let number = try MSISDN(typed: "91234567", market: .norway)
        #expect(number.masked == "+47 ******67")
        #expect(!"\(number)".contains("912345"))
        #expect(number.grouped == "+47 912 34 567")
        #expect(try MSISDN(typed: "040 123 4567", market: .finland).masked == "+358 *******67")
    }

    @Test func scansAreClassified() {
        #expect(ScanClassification.classify("7040000000016").kind == .gtin)
        #expect(ScanClassification.classify("7040000000016\r").kind == .gtin)
        #expect(ScanClassification.classify("7040000000017").kind == .text)
        #expect(ScanClassification.classify("https://example.com").kind == .text)
        #expect(ScanClassification.classify("ABC-123").kind == .text)
    }
}

struct ReferenceTests {
    let date = CivilDate(year: 2026, month: 11, day: 21)

    @Test func referencesNameStoreTillDaySequenceAndAttempt() {
        let reference = PaymentReference(store: "Oslo 1", till: "3", date: date, sequence: 123, attempt: 1)
        #expect(reference.value == "OSLO1-3-20261121-000123-1")
        #expect(PaymentReference.isValid(reference.value))
        let retry = PaymentReference(store: "Oslo 1", till: "3", date: date, sequence: 123, attempt: 2)
        #expect(retry != reference)
    }

    @Test func awkwardStoreAndTillNamesStillGiveValidReferences() {
        let names = ["", "Bøgh & Søn — Århus", String(repeating: "x", count: 200), "!!!", "ÆØÅ"]
        for store in names {
            for till in names {
                for sequence in [0, 1, 99_999_999, 123_456_789] {
                    let reference = PaymentReference(store: store, till: till, date: date, sequence: sequence, attempt: 999)
                    #expect(PaymentReference.isValid(reference.value), "\(reference.value)")
                    #expect(reference.value.count <= 50)
                }
            }
        }
    }

    @Test(arguments: ["abc", "has space 123", "æøå12345", String(repeating: "a", count: 51), "under_score1"])
    func invalidReferencesAreRefused(text: String) {
        #expect(throws: ReferenceError.invalid(text)) { try PaymentReference(text) }
    }

    @Test func descriptionsAreThreeToOneHundredCharacters() {
        #expect(PaymentDescription.make(shopName: "Kiwi Majorstuen", receiptNumber: "000123") == "Kiwi Majorstuen, kvittering 000123")
        let long = PaymentDescription.make(shopName: String(repeating: "Å", count: 300), receiptNumber: "1")
        #expect(long.count == 100)
        #expect(long.hasSuffix("kvittering 1"))
        #expect(PaymentDescription.normalised("") == "Kasse")
        #expect(PaymentDescription.normalised("ab") == "Kasse ab")
        #expect(PaymentDescription.normalised("a\nb\tc") == "a b c")
        #expect(PaymentDescription.isValid(PaymentDescription.normalised(String(repeating: "z", count: 500))))
    }
}
