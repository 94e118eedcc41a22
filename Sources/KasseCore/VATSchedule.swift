/// A market's VAT rates with the dates they took effect, per category of goods.
///
/// A catalog names a product's rate in basis points, as on its receipt. That rate belongs to
/// a category (standard, reduced, …); on any day the till sells at the rate the category has
/// *that day* (the shop's local date), so a rate change at midnight needs neither a new
/// catalog nor a restart, and a catalog still at the old rate sells at the new one. Returns
/// refund at the rate recorded with the original sale, never at today's.
public struct VATSchedule: Sendable, Hashable {
    public struct Period: Sendable, Hashable {
        /// First day this rate applies (local date).
        public var from: CivilDate
        public var rate: VATRate

        public init(from: CivilDate, rate: VATRate) {
            self.from = from
            self.rate = rate
        }
    }

    public struct Category: Sendable, Hashable {
        public var name: String
        /// Oldest first.
        public var periods: [Period]

        public init(name: String, periods: [Period]) {
            self.name = name
            self.periods = periods.sorted { $0.from < $1.from }
        }

        /// The rate on a day, or nil before the category existed.
        public func rate(on day: CivilDate) -> VATRate? {
            periods.last { $0.from <= day }?.rate
        }
    }

    public var categories: [Category]

    public init(categories: [Category]) {
        self.categories = categories
    }

    /// The category a catalog rate belongs to: the one that has (or had) this rate.
    public func category(of rate: VATRate) -> Category? {
        categories.first { category in category.periods.contains { $0.rate == rate } }
    }

    /// Whether a catalog may name this rate (in force now, in the past, or announced).
    public func isKnown(_ rate: VATRate) -> Bool { category(of: rate) != nil }

    /// The rate a product with this catalog rate is sold at on a day. A rate the schedule does
    /// not know is kept as it is (the catalog check reports it).
    public func rate(for catalogRate: VATRate, on day: CivilDate) -> VATRate {
        category(of: catalogRate)?.rate(on: day) ?? catalogRate
    }

    /// The rates in force on a day, highest first.
    public func rates(on day: CivilDate) -> [VATRate] {
        categories.compactMap { $0.rate(on: day) }.sorted(by: >)
    }

    /// The newest rate of each category (today's, unless a change is announced), highest first.
    public var latestRates: [VATRate] {
        categories.compactMap { $0.periods.last?.rate }.sorted(by: >)
    }

    /// Changes of rate (old → new) that take effect on exactly this day.
    public func changes(on day: CivilDate) -> [(from: VATRate, to: VATRate)] {
        categories.compactMap { category in
            guard let index = category.periods.firstIndex(where: { $0.from == day }), index > 0 else { return nil }
            return (category.periods[index - 1].rate, category.periods[index].rate)
        }
    }
}

extension VATSchedule {
    /// The rate a product sells at on a day in a market.
    public static func rate(_ product: Product, on day: CivilDate, in market: Market) -> VATRate {
        market.vatSchedule.rate(for: product.vatRate, on: day)
    }

    /// The product as sold on a day: its category's rate that day.
    public static func priced(_ product: Product, on day: CivilDate, in market: Market) -> Product {
        var priced = product
        priced.vatRate = rate(product, on: day, in: market)
        return priced
    }
}

extension Market {
    /// VAT rates with effective dates (sources in docs/money-vat-and-receipts.md). Finland: 25.5 % since
    /// 1 Sep 2024 (24 % before), 13.5 % since 1 Jan 2026 (14 % before), 10 % for newspapers and
    /// periodicals. Norway and Denmark: today's rates only (one period each, dated 2000 as
    /// "long before any Kasse journal"); their history is not needed for sales Kasse made.
    public var vatSchedule: VATSchedule {
        func day(_ year: Int, _ month: Int, _ date: Int) -> CivilDate { CivilDate(year: year, month: month, day: date) }
        func category(_ name: String, _ periods: (CivilDate, Int)...) -> VATSchedule.Category {
            VATSchedule.Category(name: name, periods: periods.map { VATSchedule.Period(from: $0.0, rate: VATRate($0.1)) })
        }
        switch self {
        case .norway:
            return VATSchedule(categories: [
                category("standard", (day(2000, 1, 1), 2500)),
                category("food", (day(2000, 1, 1), 1500)),
                category("low", (day(2000, 1, 1), 1200)),
                category("zero", (day(2000, 1, 1), 0)),
            ])
        case .denmark:
            return VATSchedule(categories: [
                category("standard", (day(2000, 1, 1), 2500)),
                category("zero", (day(2000, 1, 1), 0)),
            ])
        case .finland:
            return VATSchedule(categories: [
                category("standard", (day(2013, 1, 1), 2400), (day(2024, 9, 1), 2550)),
                category("reduced", (day(2013, 1, 1), 1400), (day(2026, 1, 1), 1350)),
                category("reduced-2", (day(2013, 1, 1), 1000)),
                category("zero", (day(2000, 1, 1), 0)),
            ])
        }
    }
}
