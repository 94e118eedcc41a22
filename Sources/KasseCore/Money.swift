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

    /// Formats the amount the way the shop's locale writes it, e.g. `kr 1 234,50` or `1 234,50 €`.
    public func formatted(in locale: ShopLocale) -> String {
        locale.format(self)
    }
}

/// Every currency the till handles has two decimals.
extension Currency {
    public var minorUnitsPerMajor: Int { 100 }
}

/// Writes money and numbers the way a shop in one of the three markets expects.
///
/// Groups of thousands are separated by a plain space (nb, fi) or a dot (da), and the
/// decimal separator is a comma. A plain space is used rather than U+00A0 so that
/// columns line up in any terminal.
public enum ShopLocale: String, Sendable, Hashable, CaseIterable, Codable {
    case nb = "nb-NO"
    case da = "da-DK"
    case fi = "fi-FI"

    var groupSeparator: String { self == .da ? "." : " " }

    /// `1 234,50` without any currency sign; negative amounts get a leading `-`.
    public func formatNumber(minorUnits: Int) -> String {
        (minorUnits < 0 ? "-" : "") + formatMagnitude(minorUnits.magnitude)
    }

    private func formatMagnitude(_ magnitude: UInt) -> String {
        let major = String(magnitude / 100)
        let minor = magnitude % 100
        var groups: [Substring] = []
        var end = major.endIndex
        while end > major.startIndex {
            let start = major.index(end, offsetBy: -3, limitedBy: major.startIndex) ?? major.startIndex
            groups.insert(major[start..<end], at: 0)
            end = start
        }
        return groups.joined(separator: groupSeparator) + "," + (minor < 10 ? "0\(minor)" : "\(minor)")
    }

    public func format(_ money: Money) -> String {
        let sign = money.minorUnits < 0 ? "-" : ""
        let number = formatMagnitude(money.minorUnits.magnitude)
        switch (self, money.currency) {
        case (.nb, .NOK): return sign + "kr " + number
        case (.da, .DKK): return sign + number + " kr."
        case (_, .EUR): return sign + number + " €"
        case (_, .NOK): return sign + number + " NOK"
        case (_, .DKK): return sign + number + " DKK"
        }
    }
}
