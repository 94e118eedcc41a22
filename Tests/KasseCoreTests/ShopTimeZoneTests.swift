import KasseCore
import Testing

/// The business day follows the shop's clock: its zone's rule, summer time included.
struct ShopTimeZoneTests {
    /// Seconds since 1970 of a UTC time.
    static func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int = 0, _ second: Int = 0) -> Int64 {
        // Days from the civil date (the same algorithm the code uses is not reused here:
        // a table of known instants instead).
        var days = 0
        for y in 1970..<year { days += (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 366 : 365 }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        days += lengths.prefix(month - 1).reduce(0, +) + day - 1
        return Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    @Test func osloMidnightInWinterAndSummer() {
        let oslo = ShopTimeZone.of(.norway)
        // Winter: UTC+1, so the day changes at 23:00 UTC.
        #expect(oslo.date(atUTC: Self.utc(2026, 11, 30, 22, 59, 59)) == CivilDate(year: 2026, month: 11, day: 30))
        #expect(oslo.date(atUTC: Self.utc(2026, 11, 30, 23, 0, 0)) == CivilDate(year: 2026, month: 12, day: 1))
        // Summer: UTC+2, at 22:00 UTC.
        #expect(oslo.date(atUTC: Self.utc(2026, 6, 30, 21, 59, 59)) == CivilDate(year: 2026, month: 6, day: 30))
        #expect(oslo.date(atUTC: Self.utc(2026, 6, 30, 22, 0, 0)) == CivilDate(year: 2026, month: 7, day: 1))
        // New Year's Eve across the year.
        #expect(oslo.date(atUTC: Self.utc(2026, 12, 31, 23, 30)) == CivilDate(year: 2027, month: 1, day: 1))
    }

    /// 2026: summer time from Sunday 29 March 01:00 UTC to Sunday 25 October 01:00 UTC.
    @Test func summerTimeStartsAndEndsOnTheLastSundays() {
        let oslo = ShopTimeZone.of(.norway)
        #expect(oslo.offset(atUTC: Self.utc(2026, 3, 29, 0, 59, 59)) == 3600)
        #expect(oslo.offset(atUTC: Self.utc(2026, 3, 29, 1, 0, 0)) == 7200)
        #expect(oslo.offset(atUTC: Self.utc(2026, 10, 25, 0, 59, 59)) == 7200)
        #expect(oslo.offset(atUTC: Self.utc(2026, 10, 25, 1, 0, 0)) == 3600)
        let helsinki = ShopTimeZone.of(.finland)
        #expect(helsinki.offset(atUTC: Self.utc(2026, 1, 15, 12)) == 7200)
        #expect(helsinki.offset(atUTC: Self.utc(2026, 7, 15, 12)) == 10_800)
        #expect(helsinki.date(atUTC: Self.utc(2026, 7, 15, 21, 0)) == CivilDate(year: 2026, month: 7, day: 16))
        #expect(ShopTimeZone.utc.date(atUTC: Self.utc(2026, 7, 15, 23, 59)) == CivilDate(year: 2026, month: 7, day: 15))
    }

    @Test func rulesAndZoneinfoFootersAreRead() throws {
        let tokyo = try ShopTimeZone(rule: "JST-9")
        #expect(tokyo.offset(atUTC: Self.utc(2026, 7, 1, 0)) == 32_400)
        let newYork = try ShopTimeZone(rule: "EST5EDT,M3.2.0,M11.1.0")
        #expect(newYork.offset(atUTC: Self.utc(2026, 1, 10, 12)) == -18_000)
        #expect(newYork.offset(atUTC: Self.utc(2026, 7, 10, 12)) == -14_400)
        let file = Array("TZif2".utf8) + [0, 1, 2, 10] + Array("CET-1CEST,M3.5.0,M10.5.0/3\n".utf8)
        let named = try ShopTimeZone(name: "Europe/Oslo", tzif: file)
        #expect(named.offset(atUTC: Self.utc(2026, 7, 1, 0)) == 7200 && named.name == "Europe/Oslo")
        for bad in ["", "CET", "CET-1CEST,M3.5.0", "CET-1CEST,M13.5.0,M10.5.0", "1CET", "CET-1CEST,J60,J300", "CET-1CEST,M3.5.0,M10.5.0/3x"] {
            #expect(throws: ShopTimeZone.Invalid.self, "\(bad)") { try ShopTimeZone(rule: bad) }
        }
        #expect(throws: ShopTimeZone.Invalid.self) { try ShopTimeZone(name: "X", tzif: Array("not a zone file\n".utf8)) }
    }

    @Test func aReferenceCarriesItsBusinessDay() {
        #expect(PaymentReference.businessDay(of: "OSLO1-1-20260404-000404-1") == CivilDate(year: 2026, month: 4, day: 4))
        // A store id with dashes and digits does not confuse it: the day is read from the end.
        #expect(PaymentReference.businessDay(of: "S-20250101-X-2-20261130-000001-12") == CivilDate(year: 2026, month: 11, day: 30))
        #expect(PaymentReference.businessDay(of: "OSLO1-1-20261331-000001-1") == nil)
        #expect(PaymentReference.businessDay(of: "order-12345678") == nil)
    }
}
