/// Makes large, realistic-looking catalogs for benchmarks: unique SKUs and GTINs, Nordic
/// names, about one product in ten weighed.
public enum CatalogGenerator {
    static let nouns = [
        "Melk", "Brød", "Ost", "Smør", "Kaffe", "Te", "Juice", "Pølse", "Kjøttdeig", "Laks", "Torsk", "Rømme",
        "Bønner", "Kikerter", "Ris", "Pasta", "Sjokolade", "Kjeks", "Yoghurt", "Syltetøy", "Potetgull", "Brus",
        "Grøt", "Knekkebrød", "Leverpostei", "Sild", "Reker", "Kylling", "Egg", "Fløte", "Sjampo", "Såpe",
        "Tannkrem", "Servietter", "Lys", "Batterier", "Epler", "Pærer", "Gulrøtter", "Løk", "Æbleskiver", "Blåbær",
    ]
    static let adjectives = [
        "økologisk", "grov", "lett", "ekstra", "søt", "salt", "fersk", "fryst", "røkt", "gammeldags", "hjemmelaget",
        "norsk", "dansk", "finsk", "mørk", "lys", "krydret", "mild", "sterk", "blå", "grønn", "rød", "gul",
    ]
    static let brands = ["Fjord", "Nordlys", "Bøgh", "Åsgård", "Tine", "Væråsen", "Sørlandet", "Kjølen", "Lofoten", "Møre"]
    static let sizes = ["100 g", "200 g", "250 g", "400 g", "500 g", "1 kg", "0,5 l", "1 l", "1,5 l", "6 stk", "12 stk"]

    public static func products(count: Int, seed: UInt64, market: Market = .norway) -> [Product] {
        var random = SeededRandom(seed: seed)
        let rates = market.vatRates
        var products: [Product] = []
        products.reserveCapacity(count)
        for index in 0..<count {
            let weighed = random.next() % 10 == 0
            let noun = nouns[Int(random.next() % UInt64(nouns.count))]
            let adjective = adjectives[Int(random.next() % UInt64(adjectives.count))]
            let brand = brands[Int(random.next() % UInt64(brands.count))]
            let name = weighed
                ? "\(brand) \(noun) \(adjective) løsvekt"
                : "\(brand) \(noun) \(adjective) \(sizes[Int(random.next() % UInt64(sizes.count))])"
            let payload = "20" + pad(index, 10)
            let gtin = try? GTIN(GTIN.completing(payload))
            let rate = random.next() % 4 == 0 ? rates[0] : rates[min(1, rates.count - 1)]
            products.append(Product(
                sku: "G\(index + 1)",
                gtin: gtin,
                name: name,
                unitPrice: 500 + Int(random.next() % 50_000),
                vatRate: rate,
                unit: weighed ? .kilogram : .piece
            ))
        }
        return products
    }

    /// The products as a catalog file, header included.
    public static func csv(count: Int, seed: UInt64, market: Market = .norway) -> String {
        var out = CatalogCSV.headerWithGroup.joined(separator: ",") + "\n"
        for product in products(count: count, seed: seed, market: market) {
            out += CatalogCSV.line(for: product) + "\n"
        }
        return out
    }
}
