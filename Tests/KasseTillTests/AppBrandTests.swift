import KasseCore
import KasseLanguage
import KasseTill
import Testing
import KasseJournal

/// MobilePay becomes Vipps in Denmark and Finland on 12 January 2027: the customer-facing words
/// follow the shop's date (the till's screen, the customer display, the receipts), snapshots
/// on both sides of the change in Danish and Finnish; Norway is as it was.
struct AppBrandTests {
    static let lastMobilePayDay = CivilDate(year: 2027, month: 1, day: 11)
    static let firstVippsDay = CivilDate(year: 2027, month: 1, day: 12)

    @Test func theAppsNameByMarketAndDate() {
        #expect(AppBrand.inUse(in: .norway, on: Self.lastMobilePayDay) == nil)
        #expect(AppBrand.inUse(in: .norway, on: Self.firstVippsDay) == nil)
        for market in [Market.denmark, .finland] {
            #expect(AppBrand.inUse(in: market, on: CivilDate(year: 2026, month: 12, day: 7)) == .mobilePay)
            #expect(AppBrand.inUse(in: market, on: Self.lastMobilePayDay) == .mobilePay)
            #expect(AppBrand.inUse(in: market, on: Self.firstVippsDay) == .vipps)
        }
        #expect(AppBrand.landingHost(in: .denmark, on: Self.lastMobilePayDay) == "pay.mobilepay.dk")
        #expect(AppBrand.landingHost(in: .denmark, on: Self.firstVippsDay) == "pay.vipps.dk")
        #expect(AppBrand.landingHost(in: .finland, on: Self.lastMobilePayDay) == "pay.mobilepay.fi")
        #expect(AppBrand.landingHost(in: .finland, on: Self.firstVippsDay) == "pay.vipps.fi")
        #expect(AppBrand.landingHost(in: .norway, on: Self.lastMobilePayDay) == "pay.vipps.no")
        // The display may draw a payment code on either host, before and after.
        for host in ["pay.mobilepay.dk", "pay.vipps.dk", "pay.mobilepay.fi", "pay.vipps.fi"] {
            #expect(CustomerView.mayDraw("https://\(host)/?token=abc", loopback: false), "\(host)")
        }
    }

    /// The till waiting for the customer, and the customer display welcoming them, on the last
    /// MobilePay day and the first Vipps day, in Danish and Finnish.
    @Test(arguments: [(Market.denmark, Language.danish), (.finland, .finnish)])
    func theScreenAndTheDisplayNameTheAppOfTheDay(market: Market, language: Language) throws {
        let waiting = try #require(TillScreenTests.scenes().first { $0.0 == "waiting" }?.1)
        for (day, brand) in [(Self.lastMobilePayDay, "MobilePay"), (Self.firstVippsDay, "Vipps")] {
            var state = waiting
            state.settings.market = market
            state.settings.language = language
            state.today = day
            let screen = TillScreen.render(state, size: TillScreenTests.small)
            assertSnapshot(screen, named: "brand-waiting-\(language.code)-\(day.iso)-80x24")
            #expect(screen.text.contains("\(brand)-"), "\(screen.text)")
            #expect(!screen.text.contains(brand == "Vipps" ? "MobilePay" : "Vipps-"), "\(screen.text)")

            var display = TillDriver.forScreens()
            display.state.settings.market = market
            display.state.settings.language = language
            display.state.today = day
            let view = CustomerView(display.state)
            #expect(view.app?.rawValue == brand)
            let welcome = CustomerScreen.render(view, size: CustomerScreenTests.small)
            assertSnapshot(welcome, named: "brand-customer-welcome-\(language.code)-\(day.iso)-40x12")
            #expect(welcome.text.contains(brand) && !welcome.text.contains(brand == "Vipps" ? "MobilePay" : "Vipps"), "\(welcome.text)")
        }
    }

    /// In Norway nothing changes on the 12th: the words are the language's own.
    @Test func norwayIsAsItWas() throws {
        let waiting = try #require(TillScreenTests.scenes().first { $0.0 == "waiting" }?.1)
        var before = waiting, after = waiting
        before.settings.language = .norwegian
        after.settings.language = .norwegian
        before.today = Self.lastMobilePayDay
        after.today = Self.firstVippsDay
        #expect(TillScreen.render(before, size: TillScreenTests.small).text.replacingOccurrences(of: "11/01/2027", with: "")
                    .replacingOccurrences(of: "11.01.2027", with: "")
                == TillScreen.render(after, size: TillScreenTests.small).text.replacingOccurrences(of: "12/01/2027", with: "")
                    .replacingOccurrences(of: "12.01.2027", with: ""))
        #expect(Language.norwegian.branded(AppBrand.inUse(in: .norway, on: Self.firstVippsDay)) == .norwegian)
    }

    /// Every language that speaks in Denmark or Finland has each app-naming message for each brand.
    @Test func everyBrandedMessageIsThereForEachBrand() {
        for brand in AppBrand.allCases {
            for language in [Language.danish, .finnish, .english] {
                let branded = language.branded(brand)
                #expect(branded.brand == brand)
                for key in Language.brandedKeys {
                    let text = branded.text(key)
                    #expect(text.contains(brand.rawValue), "\(language.code) \(brand) \(key): \(text)")
                    #expect(!text.contains(brand == .vipps ? "MobilePay" : "Vipps"), "\(language.code) \(brand) \(key): \(text)")
                }
            }
        }
    }
}
