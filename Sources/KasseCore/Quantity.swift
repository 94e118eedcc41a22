/// How much of a product is on a line: whole pieces, or a weight in grams.
public enum Quantity: Sendable, Hashable {
    case pieces(Int)
    case grams(Int)

    public static let maximumPieces = 9_999
    /// 999,999 kg: a scale never weighs more at a counter.
    public static let maximumGrams = 999_999

    /// The receipt's decimal string: `3`, `0.523`, `1.5` (kilograms for weights).
    public var decimalString: String {
        switch self {
        case .pieces(let count):
            return String(count)
        case .grams(let grams):
            let kilos = grams / 1000
            var fraction = String(grams % 1000)
            while fraction.count < 3 { fraction = "0" + fraction }
            while fraction.hasSuffix("0") { fraction.removeLast() }
            return fraction.isEmpty ? String(kilos) : "\(kilos).\(fraction)"
        }
    }

    /// `3`, `0,523 kg`: what the till shows.
    public var display: String {
        switch self {
        case .pieces(let count): return String(count)
        case .grams(let grams):
            let kilos = grams / 1000
            var fraction = String(grams % 1000)
            while fraction.count < 3 { fraction = "0" + fraction }
            return "\(kilos),\(fraction) kg"
        }
    }

    /// Parses a weight typed in kilograms: `0,523`, `1.5`, `2`.
    public static func parseKilograms(_ text: String) throws(QuantityError) -> Quantity {
        let grams: Int
        do {
            grams = try DecimalInput.parse(text, fractionDigits: 3, maximum: maximumGrams / 1000)
        } catch {
            throw .invalidWeight(error)
        }
        guard grams > 0 else { throw .zero }
        guard grams <= maximumGrams else { throw .tooMany }
        return .grams(grams)
    }

    /// Parses a count of pieces: `1` to `9999`.
    public static func parsePieces(_ text: String) throws(QuantityError) -> Quantity {
        let count: Int
        do {
            count = try DecimalInput.parse(text, fractionDigits: 0, maximum: maximumPieces)
        } catch .tooLarge {
            throw .tooMany
        } catch {
            throw .invalidCount(error)
        }
        guard count > 0 else { throw .zero }
        return .pieces(count)
    }

    func validate(for unit: SaleUnit) throws(BasketError) {
        switch (self, unit) {
        case (.pieces(let count), .piece):
            guard count > 0 else { throw .quantity(.zero) }
            guard count <= Quantity.maximumPieces else { throw .quantity(.tooMany) }
        case (.grams(let grams), .kilogram):
            guard grams > 0 else { throw .quantity(.zero) }
            guard grams <= Quantity.maximumGrams else { throw .quantity(.tooMany) }
        case (.pieces, .kilogram):
            throw .quantity(.needsWeight)
        case (.grams, .piece):
            throw .quantity(.soldByPiece)
        }
    }
}

public enum QuantityError: Error, Sendable, Equatable, CustomStringConvertible {
    case zero
    case tooMany
    case invalidWeight(DecimalInputError)
    case invalidCount(DecimalInputError)
    case needsWeight
    case soldByPiece

    public var description: String {
        switch self {
        case .zero: "The quantity must be more than zero"
        case .tooMany: "That quantity is too large"
        case .invalidWeight(let error): "Weight in kg, e.g. 0,523: \(error)"
        case .invalidCount(let error): "Number of pieces: \(error)"
        case .needsWeight: "This item is sold by weight: enter the weight in kg"
        case .soldByPiece: "This item is sold by the piece, not by weight"
        }
    }
}
