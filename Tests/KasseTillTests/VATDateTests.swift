import KasseCore
import KasseLanguage
import KasseTill
import VippsModels
import Testing
import KasseJournal

/// VAT rates with effective dates: the till sells at the rate of the sale's local date and a
/// return refunds at the rate of the original sale.
struct VATDateTests {
    static func day(_ y: Int, _ m: Int, _ d: Int) -> CivilDate { CivilDate(year: y, month: m, day: d) }

    static let finnishCatalog = CatalogCSV.parse("""
        sku,gtin,name,unit_price,vat_rate,unit
        1,,Ruisleipä,350,1350,PCS
        2,,Kahvi 500 g,690,1400,PCS
        3,,Sanomalehti,400,1000,PCS
        4,,Akku AA,990,2550,PCS
        """, market: .finland)

    @Test func aFinnishCatalogAt13point5LoadsAndAnOldRateIsStillKnown() {
        #expect(Self.finnishCatalog.problems.isEmpty, "\(Self.finnishCatalog.problems)")
        #expect(Self.finnishCatalog.catalog.count == 4)
        // A rate Finland never had is refused with the line.
        let wrong = CatalogCSV.parse("sku,gtin,name,unit_price,vat_rate,unit\n1,,X,100,1500,PCS\n", market: .finland)
        #expect(wrong.problems.count == 1)
    }

    @Test func theScheduleGivesTheRateOfTheDay() {
        let finland = Market.finland.vatSchedule
        #expect(finland.rate(for: VATRate(1400), on: Self.day(2025, 12, 31)) == VATRate(1400))
        #expect(finland.rate(for: VATRate(1400), on: Self.day(2026, 1, 1)) == VATRate(1350))
        #expect(finland.rate(for: VATRate(1350), on: Self.day(2025, 12, 31)) == VATRate(1400))
        #expect(finland.rate(for: VATRate(2550), on: Self.day(2024, 8, 31)) == VATRate(2400))
        #expect(finland.rate(for: VATRate(2400), on: Self.day(2024, 9, 1)) == VATRate(2550))
        #expect(finland.rate(for: VATRate(1000), on: Self.day(2026, 11, 30)) == VATRate(1000))
        #expect(finland.rates(on: Self.day(2026, 11, 30)) == [2550, 1350, 1000, 0].map(VATRate.init))
        #expect(finland.rates(on: Self.day(2025, 6, 1)) == [2550, 1400, 1000, 0].map(VATRate.init))
        #expect(Market.finland.vatRates == [2550, 1350, 1000, 0].map(VATRate.init))
        #expect(finland.changes(on: Self.day(2026, 1, 1)).map { [$0.from, $0.to] } == [[VATRate(1400), VATRate(1350)]])
        #expect(Market.norway.vatSchedule.rates(on: Self.day(2026, 11, 30)) == [2500, 1500, 1200, 0].map(VATRate.init))
    }

    static func driver(on day: CivilDate) -> TillDriver {
        var driver = TillDriver()
        driver.state = TillState(
            settings: TillSettings(mode: .demo, shopName: "Kauppa", storeID: "HKI1", tillID: "1", market: .finland),
            saleNumber: 1, now: Fixture.start, today: day)
        return driver
    }

    @Test func aTillRunningAcrossTheRateChangeUsesTheNewRateForTheNextSale() {
        var till = Self.driver(on: Self.day(2025, 12, 31))
        till.till = Till(catalog: Self.finnishCatalog.catalog)
        till.type("2")
        #expect(till.state.basket.lines.map(\.product.vatRate) == [VATRate(1400)])
        // Midnight: the open basket sells at the new day's rate, and the cashier is told.
        #expect(till.send(.dayChanged(Self.day(2026, 1, 1))).isEmpty)
        let state = till.state
        #expect(state.today == Self.day(2026, 1, 1))
        #expect(state.basket.lines.map(\.product.vatRate) == [VATRate(1350)])
        #expect(state.banner?.text.contains("14% → 13.5%") == true, "\(String(describing: state.banner))")
        #expect(state.banner.map { Language.finnish.text($0.message) } == "Uudet ALV-kannat tästä päivästä: 14 % → 13,5 %")
        // The next line too; the reference carries the new date.
        till.type("1")
        #expect(till.state.basket.lines.map(\.product.vatRate) == [VATRate(1350), VATRate(1350)])
        #expect(till.state.basket.vatSummaries.map(\.rate) == [VATRate(1350)])
        till.press(.function(2))
        till.type("0401234567")
        let effects = till.send(.keyPressed(.function(4)))
        let create = effects.compactMap { effect -> CreatePaymentRequest? in
            if case .createPayment(let request, _) = effect { return request }
            return nil
        }.first
        #expect(create?.reference.contains("-20260101-") == true, "\(effects)")
        #expect(create?.receipt?.orderLines.allSatisfy { $0.taxRate == 1350 } == true)
        #expect(till.receive().isEmpty)
    }

    @Test func aSaleAt14PercentReturnedAfterTheChangeIsRefundedAt14Percent() throws {
        var till = Self.driver(on: Self.day(2025, 12, 31))
        till.till = Till(catalog: Self.finnishCatalog.catalog)
        till.type("2")
        let state = till.state
        let lines = state.basket.lines.map(JournalLine.init)
        let sale = JournalSale(sale: 1, receiptNumber: "000001", reference: "HKI1-1-20251231-000001-1", currency: "EUR",
                               total: 690, captured: 690, customer: "+358 ******67", lines: lines, vat: JournalSale.vat(of: lines))
        #expect(sale.vat.map(\.rateBasisPoints) == [1400])
        // Two days later, after the change, the return keeps the sale's rate.
        #expect(till.send(.dayChanged(Self.day(2026, 1, 2))).isEmpty)
        let plan = try ReturnPlan.make(sale: sale, earlier: [], selection: .all, refundable: 690).get()
        let refund = JournalRefund(sale: 1, reference: sale.reference, returnNumber: 1, amount: plan.amount, currency: "EUR",
                                   key: "r1", lines: plan.lines)
        #expect(refund.lines.map(\.vatRateBasisPoints) == [1400])
        #expect(refund.vat == [JournalVAT(rateBasisPoints: 1400, gross: 690, tax: VATRate(1400).taxIncluded(inGross: 690))])
    }
}
