import VippsModels

/// How a product is sold: by the piece, or weighed in kilograms.
public enum SaleUnit: String, Sendable, Hashable, Codable {
    case piece = "PCS"
    case kilogram = "KG"

    public var quantityUnit: QuantityUnit { self == .piece ? .PCS : .KG }
}

/// One catalog entry.
public struct Product: Sendable, Hashable, Identifiable {
    public var sku: String
    public var gtin: GTIN?
    public var name: String
    /// Price per piece or per kilogram, VAT included, in minor units.
    public var unitPrice: Int
    public var vatRate: VATRate
    public var unit: SaleUnit
    /// The main group the reports and the SAF-T export count it in.
    public var articleGroup: ArticleGroup

    public var id: String { sku }

    public init(sku: String, gtin: GTIN?, name: String, unitPrice: Int, vatRate: VATRate, unit: SaleUnit,
                articleGroup: ArticleGroup = .saleOfGoods) {
        self.sku = sku
        self.gtin = gtin
        self.name = name
        self.unitPrice = unitPrice
        self.vatRate = vatRate
        self.unit = unit
        self.articleGroup = articleGroup
    }
}
