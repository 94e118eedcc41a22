import KasseCore
import Testing
import VippsModels

struct MoneyTests {
    @Test(arguments: [
        ("29,90", 2990), ("29.90", 2990), ("29", 2900), ("29,9", 2990), (" 29,90 ", 2990),
        ("0,05", 5), ("1 234,50", 123_450), ("0", 0), (",50", 50), ("650000", 65_000_000),
    ])
    func parsesCashierTypedPrices(text: String, expected: Int) throws {
        #expect(try Money.parse(text, currency: .NOK).minorUnits == expected)
    }

    @Test(arguments: [
        ("", DecimalInputError.empty),
        ("abc", .invalidCharacter("a")),
        ("29,901", .tooManyDecimals(2)),
        ("29,90,1", .multipleSeparators),
        ("29.9.0", .multipleSeparators),
        ("-5", .negative),
        ("29,", .missingDecimals),
        ("1e5", .invalidCharacter("e")),
        ("kr 29", .invalidCharacter("k")),
        ("650000,01", .tooLarge),
        ("99999999999999999999", .tooLarge),
        ("12  34", .invalidCharacter(" ")),
    ])
    func rejectsAnythingElseWithAReason(text: String, error: DecimalInputError) {
        #expect(throws: error) { try Money.parse(text, currency: .NOK) }
        #expect(!error.description.isEmpty)
    }

    @Test func vatRatesOfEveryMarket() {
        #expect(Market.norway.vatRates.map(\.basisPoints) == [2500, 1500, 1200, 0])
        #expect(Market.denmark.vatRates.map(\.basisPoints) == [2500, 0])
        #expect(Market.finland.vatRates.map(\.basisPoints) == [2550, 1350, 1000, 0])
        #expect(Market.finland.currency == .EUR)
    }

    @Test func taxPercentageOnlyForWholePercentRates() {
        #expect(VATRate(2500).wholePercent == 25)
        #expect(VATRate(0).wholePercent == 0)
        #expect(VATRate(2550).wholePercent == nil)
        #expect(VATRate(2550).label == "25,5 %")
        #expect(VATRate(1400).label == "14 %")
        #expect(VATRate(1205).label == "12,05 %")
    }

    @Test func vatRateOutsideBasisPointRangeIsRejected() throws {
        #expect(throws: VATRateError.outOfRange(10001)) { try VATRate.validated(10001) }
        #expect(throws: VATRateError.outOfRange(-1)) { try VATRate.validated(-1) }
        #expect(try VATRate.validated(10000).basisPoints == 10000)
    }

    @Test(arguments: [
        // gross, rate, tax: tax = gross × r / (10000 + r), halves away from zero
        (1000, 2500, 200), (19900, 2500, 3980), (12550, 2550, 2550), (2490, 1500, 325),
        (1, 2500, 0), (3, 2500, 1), (5, 1500, 1), (0, 2500, 0), (1000, 0, 0), (100, 10000, 50),
        (1255, 2550, 255), (-1000, 2500, -200),
    ])
    func taxIsRoundedHalfUpFromTheGross(gross: Int, rate: Int, tax: Int) {
        #expect(VATRate(rate).taxIncluded(inGross: gross) == tax)
    }
}
