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

public enum VATRateError: Error, Sendable, Equatable, CustomStringConvertible {
    case outOfRange(Int)

    public var description: String {
        switch self {
        case .outOfRange(let value):
            "VAT rate \(value) is not between 0 and 10000 basis points (2500 means 25 %)"
        }
    }
}
