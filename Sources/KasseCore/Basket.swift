/// One line of a basket.
public struct BasketLine: Sendable, Hashable, Identifiable {
    /// Stable within the basket, never reused after a void.
    public let id: Int
    public var product: Product
    public var quantity: Quantity
    /// The discount on the whole line, minor units, never more than the line's gross.
    public var discount: Int
    /// A line taken back (counts negative towards the total; the receipt marks it `isReturn`).
    public var isReturn: Bool

    /// Price before discount: unit price × quantity (× kg, rounded half up to a minor unit).
    public var grossAmount: Int {
        switch quantity {
        case .pieces(let count):
            return product.unitPrice * count
        case .grams(let grams):
            return (product.unitPrice * grams * 2 + 1000) / 2000
        }
    }

    /// What the customer pays for the line, VAT included.
    public var totalAmount: Int { grossAmount - discount }
    public var taxAmount: Int { product.vatRate.taxIncluded(inGross: totalAmount) }
    public var totalExcludingTax: Int { totalAmount - taxAmount }
    /// The line's effect on the sale's total: negative for a return.
    public var signedTotal: Int { isReturn ? -totalAmount : totalAmount }
}

/// VAT for one rate across the basket.
public struct VATSummary: Sendable, Hashable {
    public var rate: VATRate
    public var gross: Int
    public var net: Int
    public var tax: Int
}

/// A sale in progress: lines the cashier adds, changes and voids.
public struct Basket: Sendable, Hashable {
    public let currency: Currency
    public private(set) var lines: [BasketLine] = []
    private var nextLineID = 1

    /// No single sale may exceed what one payment can carry.
    public static let maximumTotal = 65_000_000

    public init(currency: Currency) {
        self.currency = currency
    }

    public var isEmpty: Bool { lines.isEmpty }

    /// Sales minus returns, in minor units.
    public var total: Int { lines.reduce(0) { $0 + $1.signedTotal } }
    public var totalMoney: Money { Money(minorUnits: total, currency: currency) }
    public var totalDiscount: Int { lines.reduce(0) { $0 + ($1.isReturn ? -$1.discount : $1.discount) } }
    public var itemCount: Int {
        lines.reduce(0) {
            if case .pieces(let count) = $1.quantity { return $0 + count }
            return $0 + 1
        }
    }

    public func line(id: Int) -> BasketLine? { lines.first { $0.id == id } }

    /// Adds a product. Another piece of a product already on an undiscounted line is added to
    /// that line rather than starting a new one.
    /// - Returns: the id of the line that now holds the product.
    @discardableResult
    public mutating func add(_ product: Product, quantity: Quantity = .pieces(1), isReturn: Bool = false) throws(BasketError) -> Int {
        try quantity.validate(for: product.unit)
        if case .pieces(let count) = quantity,
            let index = lines.firstIndex(where: {
                $0.product == product && $0.discount == 0 && $0.isReturn == isReturn && product.unit == .piece
            }),
            case .pieces(let existing) = lines[index].quantity
        {
            let merged = Quantity.pieces(existing + count)
            try merged.validate(for: product.unit)
            var candidate = self
            candidate.lines[index].quantity = merged
            try candidate.checkTotal()
            self = candidate
            return lines[index].id
        }
        var candidate = self
        let line = BasketLine(id: nextLineID, product: product, quantity: quantity, discount: 0, isReturn: isReturn)
        candidate.lines.append(line)
        candidate.nextLineID += 1
        try candidate.checkTotal()
        self = candidate
        return line.id
    }

    /// Sets each line's VAT rate (a rate change at midnight, for a sale still open).
    public mutating func setVATRates(_ rate: (Product) -> VATRate) {
        for index in lines.indices { lines[index].product.vatRate = rate(lines[index].product) }
    }

    public mutating func setQuantity(lineID: Int, to quantity: Quantity) throws(BasketError) {
        guard let index = lines.firstIndex(where: { $0.id == lineID }) else { throw .noSuchLine }
        try quantity.validate(for: lines[index].product.unit)
        var candidate = self
        candidate.lines[index].quantity = quantity
        if candidate.lines[index].discount > candidate.lines[index].grossAmount {
            candidate.lines[index].discount = candidate.lines[index].grossAmount
        }
        try candidate.checkTotal()
        self = candidate
    }

    /// Removes a line. The line's id is never used again in this basket.
    public mutating func void(lineID: Int) throws(BasketError) {
        guard let index = lines.firstIndex(where: { $0.id == lineID }) else { throw .noSuchLine }
        lines.remove(at: index)
    }

    /// Sets the discount on a line, in minor units (0 removes it).
    public mutating func setDiscount(lineID: Int, minorUnits: Int) throws(BasketError) {
        guard let index = lines.firstIndex(where: { $0.id == lineID }) else { throw .noSuchLine }
        guard minorUnits >= 0 else { throw .negativeDiscount }
        guard minorUnits <= lines[index].grossAmount else { throw .discountTooLarge(maximum: lines[index].grossAmount) }
        lines[index].discount = minorUnits
    }

    /// Sets a discount as a percentage in basis points (1000 = 10 %), rounded half up.
    public mutating func setDiscount(lineID: Int, percentBasisPoints: Int) throws(BasketError) {
        guard let line = line(id: lineID) else { throw .noSuchLine }
        guard (0...10000).contains(percentBasisPoints) else { throw .discountPercentOutOfRange }
        let amount = (line.grossAmount * percentBasisPoints * 2 + 10000) / 20000
        try setDiscount(lineID: lineID, minorUnits: amount)
    }

    /// VAT per rate, highest rate first. Built from the lines' own tax amounts, so the
    /// summary and the receipt agree to the minor unit. Returns count negative.
    public var vatSummaries: [VATSummary] {
        VATBreakdown.of(lines.map { ($0.product.vatRate, $0.isReturn ? -$0.totalAmount : $0.totalAmount) })
            .map { VATSummary(rate: $0.rate, gross: $0.gross, net: $0.net, tax: $0.tax) }
    }

    private func checkTotal() throws(BasketError) {
        let sales = lines.reduce(0) { $0 + ($1.isReturn ? 0 : $1.totalAmount) }
        guard sales <= Basket.maximumTotal else { throw .totalTooLarge }
    }
}

public enum BasketError: Error, Sendable, Equatable, CustomStringConvertible {
    case quantity(QuantityError)
    case noSuchLine
    case negativeDiscount
    case discountTooLarge(maximum: Int)
    case discountPercentOutOfRange
    case totalTooLarge

    public var description: String {
        switch self {
        case .quantity(let error): error.description
        case .noSuchLine: "That line is no longer in the basket"
        case .negativeDiscount: "A discount cannot be negative"
        case .discountTooLarge: "The discount is larger than the line's price"
        case .discountPercentOutOfRange: "A discount is between 0 and 100 %"
        case .totalTooLarge: "The sale would exceed the largest amount one payment can carry (650 000,00)"
        }
    }
}
