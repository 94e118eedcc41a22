/// The receipt shape shared by ePayment `receipt` and the Order Management API
/// (`#/components/schemas/Receipt` of the current Order Management document).
public struct Receipt: Codable, Sendable, Hashable {
    public var orderLines: [OrderLine]
    public var bottomLine: BottomLine

    public init(orderLines: [OrderLine], bottomLine: BottomLine) {
        self.orderLines = orderLines
        self.bottomLine = bottomLine
    }
}

public struct OrderLine: Codable, Sendable, Hashable {
    public var name: String
    public var id: String
    /// Including tax and discount, minor units.
    public var totalAmount: Int
    /// After discount, excluding tax.
    public var totalAmountExcludingTax: Int
    public var totalTaxAmount: Int
    /// Deprecated whole-percent rate; sent only when `taxRate` is a whole percent.
    public var taxPercentage: Int?
    /// Basis points, 0–10000 (2550 = 25.5 %).
    public var taxRate: Int?
    public var unitInfo: UnitInfo?
    /// Total discount on the line, minor units.
    public var discount: Int?
    public var productUrl: String?
    public var isReturn: Bool?
    public var isShipping: Bool?

    public init(
        name: String,
        id: String,
        totalAmount: Int,
        totalAmountExcludingTax: Int,
        totalTaxAmount: Int,
        taxPercentage: Int? = nil,
        taxRate: Int? = nil,
        unitInfo: UnitInfo? = nil,
        discount: Int? = nil,
        productUrl: String? = nil,
        isReturn: Bool? = nil,
        isShipping: Bool? = nil
    ) {
        self.name = name
        self.id = id
        self.totalAmount = totalAmount
        self.totalAmountExcludingTax = totalAmountExcludingTax
        self.totalTaxAmount = totalTaxAmount
        self.taxPercentage = taxPercentage
        self.taxRate = taxRate
        self.unitInfo = unitInfo
        self.discount = discount
        self.productUrl = productUrl
        self.isReturn = isReturn
        self.isShipping = isShipping
    }
}

public enum QuantityUnit: String, Codable, Sendable, Hashable, CaseIterable {
    case PCS, KG, KM, MINUTE, LITRE, KWH
}

public struct UnitInfo: Codable, Sendable, Hashable {
    /// Price per unit including tax, excluding discount.
    public var unitPrice: Int
    /// A decimal string, `^\d+([\.]\d{1,8})?$`, at most 10 characters.
    public var quantity: String
    public var quantityUnit: QuantityUnit?

    public init(unitPrice: Int, quantity: String, quantityUnit: QuantityUnit?) {
        self.unitPrice = unitPrice
        self.quantity = quantity
        self.quantityUnit = quantityUnit
    }
}

public struct BottomLine: Codable, Sendable, Hashable {
    public var currency: CurrencyCode
    public var tipAmount: Int?
    public var posId: String?
    public var paymentSources: PaymentSources?
    public var barcode: Barcode?
    public var receiptNumber: String?

    public init(
        currency: CurrencyCode,
        tipAmount: Int? = nil,
        posId: String? = nil,
        paymentSources: PaymentSources? = nil,
        barcode: Barcode? = nil,
        receiptNumber: String? = nil
    ) {
        self.currency = currency
        self.tipAmount = tipAmount
        self.posId = posId
        self.paymentSources = paymentSources
        self.barcode = barcode
        self.receiptNumber = receiptNumber
    }
}

public struct PaymentSources: Codable, Sendable, Hashable {
    public var giftCard: Int?
    public var card: Int?
    public var voucher: Int?
    public var cash: Int?

    public init(giftCard: Int? = nil, card: Int? = nil, voucher: Int? = nil, cash: Int? = nil) {
        self.giftCard = giftCard
        self.card = card
        self.voucher = voucher
        self.cash = cash
    }
}

public struct Barcode: Codable, Sendable, Hashable {
    public var format: String
    public var data: String?

    public init(format: String, data: String?) {
        self.format = format
        self.data = data
    }
}

extension Receipt {
    /// What the receipt adds up to: sales lines minus return lines.
    public var netTotal: Int {
        orderLines.reduce(0) { $0 + ($1.isReturn == true ? -$1.totalAmount : $1.totalAmount) }
    }
}
