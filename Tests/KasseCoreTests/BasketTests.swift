import KasseCore
import Testing
import VippsModels

struct BasketTests {
    let melk = Product(sku: "1001", gtin: nil, name: "Lettmelk 1 l", unitPrice: 2490, vatRate: VATRate(1500), unit: .piece)
    let sjampo = Product(sku: "7004", gtin: nil, name: "Sjampo 250 ml", unitPrice: 4990, vatRate: VATRate(2500), unit: .piece)
    let bananer = Product(sku: "4001", gtin: nil, name: "Bananer løsvekt", unitPrice: 2990, vatRate: VATRate(1500), unit: .kilogram)

    @Test func addingTheSameProductAgainRaisesTheQuantity() throws {
        var basket = Basket(currency: .NOK)
        let first = try basket.add(melk)
        let second = try basket.add(melk, quantity: .pieces(2))
        #expect(first == second)
        #expect(basket.lines.count == 1)
        #expect(basket.lines[0].quantity == .pieces(3))
        #expect(basket.total == 7470)
        #expect(basket.itemCount == 3)
    }

    @Test func weighedItemsNeedAWeightAndRoundHalfUp() throws {
        var basket = Basket(currency: .NOK)
        #expect(throws: BasketError.quantity(.needsWeight)) { try basket.add(bananer) }
        try basket.add(bananer, quantity: .grams(523))
        // 29,90/kg × 0,523 kg = 15,6377 → 15,64
        #expect(basket.total == 1564)
        #expect(basket.lines[0].quantity.decimalString == "0.523")
        #expect(throws: BasketError.quantity(.soldByPiece)) { try basket.add(melk, quantity: .grams(100)) }
        // Weighed items are never merged: each weighing is its own line.
        try basket.add(bananer, quantity: .grams(1500))
        #expect(basket.lines.count == 2)
        #expect(basket.lines[1].quantity.decimalString == "1.5")
    }

    @Test func changeQuantityVoidAndDiscount() throws {
        var basket = Basket(currency: .NOK)
        let line = try basket.add(melk)
        let other = try basket.add(sjampo)
        try basket.setQuantity(lineID: line, to: .pieces(4))
        #expect(basket.line(id: line)?.totalAmount == 9960)
        try basket.setDiscount(lineID: line, minorUnits: 960)
        #expect(basket.line(id: line)?.totalAmount == 9000)
        try basket.setDiscount(lineID: other, percentBasisPoints: 1000)
        #expect(basket.line(id: other)?.discount == 499)
        #expect(basket.total == 9000 + 4491)
        #expect(basket.totalDiscount == 960 + 499)
        try basket.void(lineID: line)
        #expect(basket.lines.map(\.id) == [other])
        #expect(throws: BasketError.noSuchLine) { try basket.void(lineID: line) }
        // A new line never reuses a voided line's id.
        let third = try basket.add(melk)
        #expect(third != line)
    }

    @Test func discountsCannotExceedTheLineOrGoNegative() throws {
        var basket = Basket(currency: .NOK)
        let line = try basket.add(melk)
        #expect(throws: BasketError.discountTooLarge(maximum: 2490)) { try basket.setDiscount(lineID: line, minorUnits: 2491) }
        #expect(throws: BasketError.negativeDiscount) { try basket.setDiscount(lineID: line, minorUnits: -1) }
        #expect(throws: BasketError.discountPercentOutOfRange) { try basket.setDiscount(lineID: line, percentBasisPoints: 10001) }
        try basket.setQuantity(lineID: line, to: .pieces(3))
        try basket.setDiscount(lineID: line, minorUnits: 7000)
        // Lowering the quantity below the discount caps the discount at the new price.
        try basket.setQuantity(lineID: line, to: .pieces(1))
        #expect(basket.line(id: line)?.discount == 2490)
        #expect(basket.line(id: line)?.totalAmount == 0)
    }

    @Test func quantitiesOutOfRangeAreRefused() throws {
        var basket = Basket(currency: .NOK)
        #expect(throws: BasketError.quantity(.zero)) { try basket.add(melk, quantity: .pieces(0)) }
        #expect(throws: BasketError.quantity(.tooMany)) { try basket.add(melk, quantity: .pieces(10_000)) }
        #expect(throws: BasketError.quantity(.zero)) { try basket.add(bananer, quantity: .grams(0)) }
        #expect(basket.isEmpty)
    }

    @Test func totalCannotExceedOnePayment() throws {
        var basket = Basket(currency: .NOK)
        let dear = Product(sku: "X", gtin: nil, name: "Bil", unitPrice: 40_000_000, vatRate: VATRate(2500), unit: .piece)
        try basket.add(dear)
        #expect(throws: BasketError.totalTooLarge) { try basket.add(dear) }
        #expect(basket.lines.count == 1)
        #expect(basket.lines[0].quantity == .pieces(1))
    }

    @Test func vatIsSummedPerRateFromTheLines() throws {
        var basket = Basket(currency: .NOK)
        try basket.add(melk, quantity: .pieces(2))
        try basket.add(sjampo)
        let summaries = basket.vatSummaries
        #expect(summaries.map(\.rate.basisPoints) == [2500, 1500])
        #expect(summaries[0].gross == 4990 && summaries[0].tax == 998 && summaries[0].net == 3992)
        #expect(summaries[1].gross == 4980 && summaries[1].tax == 650 && summaries[1].net == 4330)
        #expect(summaries.reduce(0) { $0 + $1.gross } == basket.total)
    }

    @Test(arguments: [
        ("2", Quantity.pieces(2)), ("9999", .pieces(9999)),
    ])
    func parsesPieces(text: String, expected: Quantity) throws {
        #expect(try Quantity.parsePieces(text) == expected)
    }

    @Test(arguments: [
        ("0,523", Quantity.grams(523)), ("1.5", .grams(1500)), ("2", .grams(2000)), ("0,001", .grams(1)),
    ])
    func parsesKilograms(text: String, expected: Quantity) throws {
        #expect(try Quantity.parseKilograms(text) == expected)
    }

    @Test func badQuantitiesSayWhy() {
        #expect(throws: QuantityError.zero) { try Quantity.parsePieces("0") }
        #expect(throws: QuantityError.tooMany) { try Quantity.parsePieces("10000") }
        #expect(throws: QuantityError.invalidCount(.noDecimalsAllowed)) { try Quantity.parsePieces("1,5") }
        #expect(throws: QuantityError.invalidWeight(.tooManyDecimals(3))) { try Quantity.parseKilograms("0,5231") }
        #expect(throws: QuantityError.zero) { try Quantity.parseKilograms("0,000") }
        #expect(Quantity.grams(523).display == "0,523 kg")
    }
}
