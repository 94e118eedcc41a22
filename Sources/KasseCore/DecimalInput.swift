/// Parses numbers the way a cashier types them: `29,90`, `29.90`, `29`, `1 234,50`, `0,523`.
public enum DecimalInput {
    /// Parses a non-negative decimal and returns it scaled by 10^`fractionDigits`.
    ///
    /// Accepts a comma or a dot as the decimal separator, and spaces between groups of
    /// thousands. Anything else is an error that says what is wrong.
    public static func parse(
        _ text: String,
        fractionDigits: Int,
        maximum: Int = 1_000_000_000_000
    ) throws(DecimalInputError) -> Int {
        let trimmed = text.trimmingSpaces()
        guard !trimmed.isEmpty else { throw .empty }
        if trimmed.hasPrefix("-") { throw .negative }
        var integerPart = 0
        var fraction = 0
        var fractionCount = 0
        var seenSeparator = false
        var seenDigit = false
        var previousWasSpace = false
        for character in trimmed {
            switch character {
            case _ where character.isASCII && character.isWholeNumber:
                let digit = character.wholeNumberValue ?? 0
                seenDigit = true
                previousWasSpace = false
                if seenSeparator {
                    fractionCount += 1
                    guard fractionCount <= fractionDigits else {
                        throw fractionDigits == 0 ? .noDecimalsAllowed : .tooManyDecimals(fractionDigits)
                    }
                    fraction = fraction * 10 + digit
                } else {
                    integerPart = integerPart * 10 + digit
                    guard integerPart <= maximum else { throw .tooLarge }
                }
            case ",", ".":
                guard !seenSeparator else { throw .multipleSeparators }
                guard fractionDigits > 0 else { throw .noDecimalsAllowed }
                seenSeparator = true
                previousWasSpace = false
            case " ", "\u{00A0}", "\u{202F}":
                guard seenDigit, !seenSeparator, !previousWasSpace else { throw .invalidCharacter(" ") }
                previousWasSpace = true
            default:
                throw .invalidCharacter(character)
            }
        }
        guard seenDigit, !previousWasSpace else { throw .noDigits }
        if seenSeparator && fractionCount == 0 { throw .missingDecimals }
        var scale = 1
        for _ in 0..<fractionDigits { scale *= 10 }
        for _ in fractionCount..<fractionDigits { fraction *= 10 }
        let (product, overflow) = integerPart.multipliedReportingOverflow(by: scale)
        guard !overflow, product + fraction <= maximum * scale else { throw .tooLarge }
        return product + fraction
    }
}

public enum DecimalInputError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case negative
    case noDigits
    case invalidCharacter(Character)
    case multipleSeparators
    case tooManyDecimals(Int)
    case noDecimalsAllowed
    case missingDecimals
    case tooLarge

    public var description: String {
        switch self {
        case .empty: "Nothing was typed"
        case .negative: "Negative amounts are not allowed here"
        case .noDigits: "Type a number, e.g. 29,90"
        case .invalidCharacter(let character): "'\(character)' is not allowed: use digits and one comma, e.g. 29,90"
        case .multipleSeparators: "Use only one comma or dot, e.g. 29,90"
        case .tooManyDecimals(let count): "At most \(count) decimals are allowed"
        case .noDecimalsAllowed: "Type a whole number"
        case .missingDecimals: "Type the decimals after the comma, or leave the comma out"
        case .tooLarge: "The number is too large"
        }
    }
}

extension Money {
    /// The largest price Kasse accepts from a cashier: 650 000,00, the API's per-payment limit.
    public static let maximumTypedMinorUnits = 65_000_000

    /// Parses a cashier-typed price such as `29,90`, `29.90` or `29`.
    public static func parse(_ text: String, currency: Currency) throws(DecimalInputError) -> Money {
        let minor = try DecimalInput.parse(text, fractionDigits: 2, maximum: maximumTypedMinorUnits / 100)
        guard minor <= maximumTypedMinorUnits else { throw .tooLarge }
        return Money(minorUnits: minor, currency: currency)
    }
}

extension String {
    func trimmingSpaces() -> String {
        // Fast path: nothing to trim (ASCII ends that are not spaces).
        if let first = utf8.first, let last = utf8.last, first > 32, first < 128, last > 32, last < 128 { return self }
        if isEmpty { return self }
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
