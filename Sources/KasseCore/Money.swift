import VippsModels

public typealias Currency = CurrencyCode

/// An amount of money in integer minor units (øre, cents) with its currency.
public struct Money: Sendable, Hashable, Comparable {
    public var minorUnits: Int
    public var currency: Currency

    public init(minorUnits: Int, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    public static func < (lhs: Money, rhs: Money) -> Bool {
        (lhs.currency.rawValue, lhs.minorUnits) < (rhs.currency.rawValue, rhs.minorUnits)
    }

    /// The amount as the API sends it.
    public var amount: Amount { Amount(currency: currency, value: minorUnits) }
}

/// Every currency the till handles has two decimals.
extension Currency {
    public var minorUnitsPerMajor: Int { 100 }
}

