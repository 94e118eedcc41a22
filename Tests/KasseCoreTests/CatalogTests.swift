import Foundation
import KasseCore
import Testing
import VippsModels

struct CatalogTests {
    static let sampleURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("assets/catalog.csv")

    static func sample() throws -> CatalogCSV.Result {
        CatalogCSV.parse(try String(contentsOf: sampleURL, encoding: .utf8), market: .norway)
    }

    @Test func shippedSampleIsARealisticNorwegianShop() throws {
        let result = try Self.sample()
        #expect(result.problems.isEmpty, "\(result.problems)")
        let products = result.catalog.products
        #expect(products.count >= 100)
        #expect(products.contains { $0.unit == .kilogram })
        #expect(products.contains { $0.vatRate.basisPoints == 1500 })
        #expect(products.contains { $0.vatRate.basisPoints == 2500 })
        #expect(products.contains { $0.name.contains("ø") })
        #expect(products.contains { $0.name.contains("å") })
        #expect(products.contains { $0.name.contains("æ") || $0.name.contains("Æ") })
        #expect(products.contains { $0.name.contains(",") })
    }

    /// Article groups (SAF-T PredefinedBasicID-04): the sample names one per product; a catalog
    /// without the column sells as Sale of goods; a wrong code is reported with its line.
    @Test func articleGroupsAreReadFromTheirColumn() throws {
        let sample = try Self.sample().catalog
        #expect(sample.product(sku: "1001")?.articleGroup == .food)
        #expect(sample.product(sku: "1025")?.articleGroup == .softDrinks)
        #expect(sample.product(sku: "7000")?.articleGroup == .otherGoods)
        #expect(Set(sample.products.map(\.articleGroup)).count >= 4)

        let plain = CatalogCSV.parse("sku,gtin,name,unit_price,vat_rate,unit\n1,,Brød,3000,1500,PCS\n")
        #expect(plain.problems.isEmpty)
        #expect(plain.catalog.product(sku: "1")?.articleGroup == .saleOfGoods)

        let mixed = CatalogCSV.parse("""
            sku,gtin,name,unit_price,vat_rate,unit,article_group
            1,,Brød,3000,1500,PCS,04006
            2,,Øl,3000,2500,PCS,4007
            3,,Ting,3000,2500,PCS,
            4,,Feil,3000,2500,PCS,09999
            """)
        #expect(mixed.catalog.product(sku: "1")?.articleGroup == .food)
        #expect(mixed.catalog.product(sku: "2")?.articleGroup.id == "04007")
        #expect(mixed.catalog.product(sku: "3")?.articleGroup == .saleOfGoods)
        #expect(mixed.catalog.product(sku: "4") == nil)
        #expect(mixed.problems.map(\.line) == [5])
        #expect(mixed.problems.first?.message.contains("article_group '09999'") == true)
        // Written back out, the column survives.
        let product = try #require(sample.product(sku: "1025"))
        #expect(CatalogCSV.line(for: product).hasSuffix(",04011"))
    }

    @Test func looksUpByGTINSKUAndUPC() throws {
        let catalog = try Self.sample().catalog
        #expect(try catalog.lookup(code: "7040000000016").get().name == "Lettmelk 1 l")
        #expect(try catalog.lookup(code: "1001").get().name == "Lettmelk 1 l")
        #expect(try catalog.lookup(code: "036000291452").get().sku == "8002")
        // The same UPC-A written as EAN-13 finds the same product.
        #expect(try catalog.lookup(code: "0036000291452").get().sku == "8002")
        #expect(try catalog.lookup(code: " 1001 ").get().sku == "1001")
    }

    @Test func badCheckDigitIsReportedNotSilentlyUnknown() throws {
        let catalog = try Self.sample().catalog
        guard case .failure(.invalidGTIN(.badCheckDigit(expected: 6, found: 7))) = catalog.lookup(code: "7040000000017") else {
            Issue.record("expected a check digit error")
            return
        }
        guard case .failure(.unknownGTIN) = catalog.lookup(code: "5901234123457") else {
            Issue.record("expected unknown GTIN")
            return
        }
        guard case .failure(.unknownCode("XYZ")) = catalog.lookup(code: "XYZ") else {
            Issue.record("expected unknown code")
            return
        }
        guard case .failure(.empty) = catalog.lookup(code: "  ") else {
            Issue.record("expected empty")
            return
        }
    }

    @Test func nameSearchIgnoresCaseAndAccents() throws {
        let catalog = try Self.sample().catalog
        #expect(catalog.search(name: "bonne").map(\.name).contains("Bønner i tomatsaus 420 g"))
        #expect(catalog.search(name: "BØNNE").map(\.name).contains("Bønner i tomatsaus 420 g"))
        #expect(catalog.search(name: "creme fraiche").map(\.name) == ["Crème fraîche 3 dl"])
        #expect(catalog.search(name: "okologisk").count == 2)
        #expect(catalog.search(name: "blabaer").map(\.name) == ["Blåbær fryst 250 g"])
        #expect(catalog.search(name: "zzzz").isEmpty)
        #expect(catalog.search(name: "   ").isEmpty)
    }

    @Test func nameSearchRanksPrefixesFirstAndMatchesAllWords() throws {
        let catalog = Catalog(products: [
            product("1", "Sjokolademelk 0,5 l"),
            product("2", "Lettmelk 1 l"),
            product("3", "Melk lett"),
            product("4", "Tine melk 1 l"),
        ])
        #expect(catalog.search(name: "melk").map(\.sku) == ["3", "4", "1", "2"])
        #expect(catalog.search(name: "melk 1").map(\.sku) == ["4", "2"])
        #expect(catalog.search(name: "melk", limit: 2).map(\.sku) == ["3", "4"])
    }

    @Test func linesWithMistakesAreReportedAndSkipped() {
        let text = """
            sku,gtin,name,unit_price,vat_rate,unit
            1,7040000000016,Melk,2490,1500,PCS
            2,7040000000017,Bad check,100,1500,PCS
            3,,No price,abc,1500,PCS
            4,,Bad rate,100,2000,PCS
            5,,Bad unit,100,1500,LITRE
            1,,Duplicate SKU,100,1500,PCS
            6,7040000000016,Duplicate GTIN,100,1500,PCS
            7,,"Quoted, name",100,2500,KG
            8,,Too few
            9,,"Unclosed,100,1500,PCS
            ,,No sku,100,1500,PCS
            10,,,100,1500,PCS
            11,,Negative,-5,1500,PCS
            12,,Too dear,2147483648,2500,PCS
            """
        let result = CatalogCSV.parse(text, market: .norway)
        #expect(result.catalog.products.map(\.sku) == ["1", "7"])
        #expect(result.catalog.product(sku: "7")?.name == "Quoted, name")
        #expect(result.problems.map(\.line) == [3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15])
        #expect(result.problems.last?.message.contains("too large") == true)
        #expect(result.problems[0].message.contains("check digit"))
        #expect(result.problems[2].message.contains("not a VAT rate in Norway"))
        #expect(result.problems.allSatisfy { !$0.message.isEmpty })
    }

    @Test func wrongHeaderStopsWithAClearMessage() {
        let result = CatalogCSV.parse("sku,name,price\n1,Melk,100\n")
        #expect(result.catalog.count == 0)
        #expect(result.problems.first?.message.contains("header") == true)
    }

    @Test func finnishRatesAreValidInAFinnishCatalog() {
        let text = "sku,gtin,name,unit_price,vat_rate,unit\r\n1,,Maito,129,1400,PCS\r\n2,,Saippua,399,2550,PCS\r\n"
        let result = CatalogCSV.parse(text, market: .finland)
        #expect(result.problems.isEmpty)
        #expect(result.catalog.product(sku: "2")?.vatRate == VATRate(2550))
        #expect(!CatalogCSV.parse(text, market: .norway).problems.isEmpty)
    }

    @Test func generatedCatalogsRoundTripThroughTheFileFormat() {
        let csv = CatalogGenerator.csv(count: 2_000, seed: 7)
        let result = CatalogCSV.parse(csv, market: .norway)
        #expect(result.problems.isEmpty)
        #expect(result.catalog.count == 2_000)
        #expect(Array(result.catalog.products) == CatalogGenerator.products(count: 2_000, seed: 7))
        #expect(result.catalog.products.contains { $0.unit == .kilogram })
    }

    func product(_ sku: String, _ name: String) -> Product {
        Product(sku: sku, gtin: nil, name: name, unitPrice: 100, vatRate: VATRate(1500), unit: .piece)
    }

    /// Every product of a large catalog is found again by its SKU (any ASCII case), by its
    /// GTIN written as scanned and as GTIN-14, and read back exactly; the indexes grow from
    /// empty, so this also covers rehashing.
    @Test func everyRowIsFoundByEachKeyAfterTheIndexesGrow() throws {
        let products = CatalogGenerator.products(count: 5_000, seed: 3)
        let catalog = Catalog(products: products)
        #expect(catalog.count == products.count)
        for (row, product) in products.enumerated() {
            #expect(catalog.product(at: row) == product)
            #expect(catalog.product(sku: product.sku.lowercased())?.sku == product.sku)
            #expect(catalog.product(sku: product.sku.uppercased())?.sku == product.sku)
            let gtin = try #require(product.gtin)
            #expect(catalog.product(gtin: gtin)?.sku == product.sku)
            #expect(catalog.product(gtin: try GTIN(gtin.gtin14))?.sku == product.sku)
            #expect(catalog.product(gtin: gtin)?.gtin?.original == gtin.original)
        }
        #expect(catalog.product(sku: "no-such-sku") == nil)
        #expect(catalog.product(gtin: try GTIN("5901234123457")) == nil)
    }

    @Test func skuCaseIsIgnoredOnlyForLetters() {
        let catalog = Catalog(products: [
            Product(sku: "AB-1", gtin: nil, name: "Letters", unitPrice: 100, vatRate: VATRate(2500), unit: .piece),
            Product(sku: "@1", gtin: nil, name: "At sign", unitPrice: 100, vatRate: VATRate(2500), unit: .piece),
            Product(sku: "Æ1", gtin: nil, name: "Nordic", unitPrice: 100, vatRate: VATRate(2500), unit: .piece),
        ])
        #expect(catalog.product(sku: "ab-1")?.name == "Letters")
        // '@' and '`' differ only in the case bit but are not letters.
        #expect(catalog.product(sku: "`1") == nil)
        #expect(catalog.product(sku: "@1")?.name == "At sign")
        #expect(catalog.product(sku: "Æ1")?.name == "Nordic")
    }

    @Test func duplicatesAreRefusedByTheBuilder() throws {
        var builder = Catalog.Builder()
        let milk = Product(sku: "1", gtin: try GTIN("7040000000016"), name: "Melk", unitPrice: 2490, vatRate: VATRate(1500), unit: .piece)
        #expect(builder.add(milk) == .added)
        var sameSKU = milk
        sameSKU.gtin = nil
        #expect(builder.add(sameSKU) == .duplicateSKU)
        var sameGTIN = milk
        sameGTIN.sku = "2"
        #expect(builder.add(sameGTIN) == .duplicateGTIN)
        #expect(builder.build().count == 1)
    }

    @Test func invalidUTF8InANameIsRepairedNotStoredRaw() {
        var bytes = Array("sku,gtin,name,unit_price,vat_rate,unit\n1,,Br".utf8)
        bytes += [0xFF, 0xC3]
        bytes += Array("d,100,1500,PCS\n2,,\u{00A0}Ost,200,1500,PCS\n".utf8)
        let result = bytes.withUnsafeBufferPointer { CatalogCSV.parse(bytes: $0, market: .norway) }
        #expect(result.problems.isEmpty)
        #expect(result.catalog.product(sku: "1")?.name == "Br\u{FFFD}\u{FFFD}d")
        #expect(result.catalog.search(name: "br").map(\.sku) == ["1"])
        #expect(result.catalog.search(name: "ost").map(\.sku) == ["2"])
    }

    /// Plain ASCII names keep no folded copy: they are lowercased while searching, with the
    /// same ranking as folded names.
    @Test func plainAndNordicNamesSearchAlike() {
        func product(_ sku: String, _ name: String) -> Product {
            Product(sku: sku, gtin: nil, name: name, unitPrice: 100, vatRate: VATRate(2500), unit: .piece)
        }
        let catalog = Catalog(products: [
            product("1", "Grov MELK"), product("2", "MELK lett"), product("3", "Skummet-Melk"),
            product("4", "Søt melk"), product("5", "Kremelk"), product("6", "BLÅBÆR"),
        ])
        #expect(catalog.search(name: "melk").map(\.sku) == ["2", "1", "3", "4", "5"])
        #expect(catalog.search(name: "MELK GROV").map(\.sku) == ["1"])
        #expect(catalog.search(name: "blabaer").map(\.sku) == ["6"])
        #expect(catalog.search(name: "sot").map(\.sku) == ["4"])
        #expect(catalog.search(name: "xyz").isEmpty)
    }
}
