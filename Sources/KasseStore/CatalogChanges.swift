import KasseCore

/// What changed between two catalogs, as the till journals it when the store server sends a
/// new one: products added, removed, and prices changed (in minor units).
public struct CatalogChanges: Sendable, Equatable {
    public struct PriceChange: Sendable, Equatable {
        public var sku: String
        public var name: String
        public var old: Int
        public var new: Int

        public init(sku: String, name: String, old: Int, new: Int) {
            self.sku = sku
            self.name = name
            self.old = old
            self.new = new
        }
    }

    public var added: [String] = []
    public var removed: [String] = []
    public var prices: [PriceChange] = []

    public init(from old: Catalog, to new: Catalog) {
        var before: [String: Product] = [:]
        for product in old.products { before[product.sku] = product }
        var seen = Set<String>()
        for product in new.products {
            seen.insert(product.sku)
            if let previous = before[product.sku] {
                if previous.unitPrice != product.unitPrice {
                    prices.append(PriceChange(sku: product.sku, name: product.name, old: previous.unitPrice, new: product.unitPrice))
                }
            } else {
                added.append(product.sku)
            }
        }
        removed = old.products.map(\.sku).filter { !seen.contains($0) }
    }

    /// One line for the journal: the counts, and each price change (`SKU old→new`), at most 50.
    public var summary: String {
        var text = "\(added.count) added, \(removed.count) removed, \(prices.count) price change(s)"
        if !prices.isEmpty {
            text += ": " + prices.prefix(50).map { "\($0.sku) \($0.old)→\($0.new)" }.joined(separator: ", ")
            if prices.count > 50 { text += ", …" }
        }
        return text
    }
}
