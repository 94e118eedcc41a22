/// A VAT rate in basis points, as the receipt's `taxRate`: 2500 is 25 %, 2550 is 25.5 %.
public struct VATRate: Sendable, Hashable, Comparable, Codable {
    public let basisPoints: Int

    public init(_ basisPoints: Int) {
        self.basisPoints = basisPoints
    }

    /// A rate from a catalog or a config file: 0 to 10000 basis points.
    public static func validated(_ basisPoints: Int) throws(VATRateError) -> VATRate {
        guard (0...10000).contains(basisPoints) else { throw .outOfRange(basisPoints) }
        return VATRate(basisPoints)
    }

    public static func < (lhs: VATRate, rhs: VATRate) -> Bool { lhs.basisPoints < rhs.basisPoints }

    /// The deprecated integer `taxPercentage`, present only when the rate is a whole percent.
    public var wholePercent: Int? {
        basisPoints % 100 == 0 ? basisPoints / 100 : nil
    }

    /// `25 %`, `25,5 %`, `14 %`.
    public var label: String {
        let whole = basisPoints / 100
        let fraction = basisPoints % 100
        if fraction == 0 { return "\(whole) %" }
        let decimals = fraction % 10 == 0 ? "\(fraction / 10)" : (fraction < 10 ? "0\(fraction)" : "\(fraction)")
        return "\(whole),\(decimals) %"
    }

    /// The VAT contained in a gross (VAT-inclusive) amount.
    ///
    /// The one rounding rule of Kasse: `tax = gross × rate / (10000 + rate)`, rounded to the
    /// nearest minor unit with halves rounded away from zero. The net amount is always
    /// `gross − tax`, so `net + tax == gross` holds exactly on every line.
    public func taxIncluded(inGross gross: Int) -> Int {
        guard basisPoints > 0, gross != 0 else { return 0 }
        let denominator = 10000 + basisPoints
        let numerator = gross.magnitude * UInt(basisPoints)
        let rounded = (2 * numerator + UInt(denominator)) / (2 * UInt(denominator))
        return gross < 0 ? -Int(rounded) : Int(rounded)
    }
}

/// A sale's VAT per rate: the one computation the screen, the receipt sent with the payment, the
/// journal, the printed receipts, the X and Z reports and the SAF-T export all use. Each line's
/// tax comes from the line's own VAT-inclusive total (`VATRate.taxIncluded`), and a rate's tax is
/// the sum of its lines' taxes, so the lines of every receipt add up to the figures under them.
/// (Taking the tax from each rate's total instead can differ by a minor unit or more.)
public enum VATBreakdown {
    public struct Rate: Sendable, Hashable {
        public var rate: VATRate
        /// VAT included; negative for returned lines.
        public var gross: Int
        public var tax: Int
        public var net: Int { gross - tax }
    }

    /// `lines`: each line's rate and VAT-inclusive total (negative for a returned line).
    /// Highest rate first; a rate with no lines is left out.
    public static func of(_ lines: [(rate: VATRate, gross: Int)]) -> [Rate] {
        var byRate: [VATRate: Rate] = [:]
        for line in lines {
            var sum = byRate[line.rate] ?? Rate(rate: line.rate, gross: 0, tax: 0)
            sum.gross += line.gross
            sum.tax += line.rate.taxIncluded(inGross: line.gross)
            byRate[line.rate] = sum
        }
        return byRate.values.sorted { $0.rate > $1.rate }
    }
}

public enum VATRateError: Error, Sendable, Equatable, CustomStringConvertible {
    case outOfRange(Int)

    public var description: String {
        switch self {
        case .outOfRange(let value):
            "VAT rate \(value) is not between 0 and 10000 basis points (2500 means 25 %)"
        }
    }
}
