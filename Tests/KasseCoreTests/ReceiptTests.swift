import Foundation
import KasseCore
import Testing
import VippsModels

struct ReceiptTests {
    let melk = Product(sku: "1001", gtin: nil, name: "Lettmelk 1 l", unitPrice: 2490, vatRate: VATRate(1500), unit: .piece)
    let bananer = Product(sku: "4001", gtin: nil, name: "Bananer løsvekt", unitPrice: 2990, vatRate: VATRate(1500), unit: .kilogram)
    let saippua = Product(sku: "FI-1", gtin: nil, name: "Saippua", unitPrice: 399, vatRate: VATRate(2550), unit: .piece)

    @Test func everyLineCarriesTheFieldsTheAPIExpects() throws {
        var basket = Basket(currency: .NOK)
        let line = try basket.add(melk, quantity: .pieces(3))
        try basket.setDiscount(lineID: line, minorUnits: 470)
        try basket.add(bananer, quantity: .grams(523))
        let receipt = SaleReceipt.make(for: basket, posId: "till-3", receiptNumber: "000123")
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(receipt)) as? [String: Any]
        let lines = try #require(json?["orderLines"] as? [[String: Any]])
        let first = lines[0]
        #expect(first["name"] as? String == "Lettmelk 1 l")
        #expect(first["id"] as? String == "1001")
        #expect(first["totalAmount"] as? Int == 7000)
        #expect(first["totalTaxAmount"] as? Int == 913)
        #expect(first["totalAmountExcludingTax"] as? Int == 6087)
        #expect(first["taxRate"] as? Int == 1500)
        #expect(first["taxPercentage"] as? Int == 15)
        #expect(first["discount"] as? Int == 470)
        #expect(first["isReturn"] == nil)
        let unit = try #require(first["unitInfo"] as? [String: Any])
        #expect(unit["unitPrice"] as? Int == 2490)
        #expect(unit["quantity"] as? String == "3")
        #expect(unit["quantityUnit"] as? String == "PCS")
        let second = lines[1]
        #expect(second["discount"] == nil)
        #expect((second["unitInfo"] as? [String: Any])?["quantity"] as? String == "0.523")
        #expect((second["unitInfo"] as? [String: Any])?["quantityUnit"] as? String == "KG")
        let bottom = try #require(json?["bottomLine"] as? [String: Any])
        #expect(bottom["currency"] as? String == "NOK")
        #expect(bottom["posId"] as? String == "till-3")
        #expect(bottom["receiptNumber"] as? String == "000123")
        #expect(SaleReceipt.problems(in: receipt, paymentAmount: basket.total).isEmpty)
    }

    @Test func finnishTwentyFiveAndAHalfPercentIsSentAsTaxRateOnly() throws {
        var basket = Basket(currency: .EUR)
        try basket.add(saippua, quantity: .pieces(2))
        let receipt = SaleReceipt.make(for: basket, posId: "kassa-1", receiptNumber: "1")
        let line = receipt.orderLines[0]
        #expect(line.taxRate == 2550)
        #expect(line.taxPercentage == nil)
        // 7,98 € × 2550 / 12550 = 1,6214 → 1,62
        #expect(line.totalTaxAmount == 162)
        #expect(line.totalAmountExcludingTax == 636)
        let json = String(decoding: try JSONEncoder().encode(receipt), as: UTF8.self)
        #expect(!json.contains("taxPercentage"))
        #expect(json.contains("\"taxRate\":2550"))
        #expect(basket.vatSummaries.first?.tax == 162)
    }

    @Test func vippsPublishedExampleDoesNotAddUpAndKasseNotices() {
        // The in-store example of the ePayment guide: 199,00 with 149,25 net and 29,75 tax.
        let published = Receipt(
            orderLines: [OrderLine(name: "Item", id: "1", totalAmount: 19900, totalAmountExcludingTax: 14925,
                                   totalTaxAmount: 2975, taxPercentage: 25, taxRate: 2500)],
            bottomLine: BottomLine(currency: .NOK))
        #expect(!SaleReceipt.problems(in: published, paymentAmount: 19900).isEmpty)
    }

    @Test func returnLinesArePositiveAndMarkedAsReturns() throws {
        var basket = Basket(currency: .NOK)
        try basket.add(melk, quantity: .pieces(2))
        try basket.add(melk, isReturn: true)
        #expect(basket.lines.count == 2)
        #expect(basket.total == 2490)
        let receipt = SaleReceipt.make(for: basket, posId: "t", receiptNumber: "2")
        #expect(receipt.orderLines[1].isReturn == true)
        #expect(receipt.orderLines.allSatisfy { $0.totalAmount >= 0 })
        #expect(receipt.netTotal == 2490)
        #expect(SaleReceipt.problems(in: receipt, paymentAmount: 2490).isEmpty)
        #expect(basket.vatSummaries.first?.gross == 2490)
    }

    @Test func problemsAreFoundInBrokenReceipts() {
        let bad = Receipt(
            orderLines: [
                OrderLine(name: "A", id: "1", totalAmount: 1000, totalAmountExcludingTax: 800, totalTaxAmount: 200,
                          taxPercentage: 20, taxRate: 2500, unitInfo: UnitInfo(unitPrice: 1000, quantity: "1,5", quantityUnit: .PCS)),
                OrderLine(name: "B", id: "2", totalAmount: -5, totalAmountExcludingTax: -5, totalTaxAmount: 0, taxRate: 0),
                OrderLine(name: "C", id: "3", totalAmount: 100, totalAmountExcludingTax: 100, totalTaxAmount: 0),
            ],
            bottomLine: BottomLine(currency: .NOK))
        let problems = SaleReceipt.problems(in: bad, paymentAmount: 1000)
        #expect(problems.contains { $0.contains("taxPercentage 20 disagrees") })
        #expect(problems.contains { $0.contains("quantity '1,5'") })
        #expect(problems.contains { $0.contains("negative amounts") })
        #expect(problems.contains { $0.contains("neither taxRate nor taxPercentage") })
        #expect(problems.contains { $0.contains("lines add up to 1095") })
    }

    @Test(arguments: ["3", "0.523", "1.5", "12345678.5", "1.12345678"])
    func validQuantities(text: String) { #expect(SaleReceipt.isValidQuantity(text)) }

    @Test(arguments: ["", "1,5", ".5", "1.", "-1", "1.123456789", "12345678901", "1.2.3", "a"])
    func invalidQuantities(text: String) { #expect(!SaleReceipt.isValidQuantity(text)) }

    /// Property: for many random baskets in every market and at every rate, each line adds
    /// up, tax follows the one rounding rule, no line is negative, and the lines sum to the
    /// payment amount exactly.
    @Test(arguments: Market.allCases)
    func randomBasketsAlwaysAddUp(market: Market) throws {
        var random = SeededRandom(seed: 0xC0FFEE ^ (UInt64(market.callingCode) ?? 0))
        for round in 0..<400 {
            var basket = Basket(currency: market.currency)
            let lineCount = Int(random.next() % 12) + 1
            for index in 0..<lineCount {
                let rate = market.vatRates[Int(random.next() % UInt64(market.vatRates.count))]
                let weighed = random.next() % 4 == 0
                let product = Product(
                    sku: "P\(round)-\(index)", gtin: nil, name: "Vare \(index)",
                    unitPrice: Int(random.next() % 200_000), vatRate: rate, unit: weighed ? .kilogram : .piece)
                let quantity: Quantity = weighed ? .grams(Int(random.next() % 5_000) + 1) : .pieces(Int(random.next() % 20) + 1)
                let isReturn = random.next() % 10 == 0
                guard let line = try? basket.add(product, quantity: quantity, isReturn: isReturn) else { continue }
                if random.next() % 3 == 0, let gross = basket.line(id: line)?.grossAmount, gross > 0 {
                    try basket.setDiscount(lineID: line, minorUnits: Int(random.next() % UInt64(gross + 1)))
                }
                if random.next() % 7 == 0 { try basket.void(lineID: line) }
            }
            guard !basket.isEmpty else { continue }
            let receipt = SaleReceipt.make(for: basket, posId: "till-1", receiptNumber: "\(round)")
            #expect(SaleReceipt.problems(in: receipt, paymentAmount: basket.total) == [])
            #expect(receipt.bottomLine.currency == market.currency)
            for line in receipt.orderLines {
                #expect(line.totalAmount == line.totalAmountExcludingTax + line.totalTaxAmount)
                #expect(line.totalAmount >= 0 && line.totalTaxAmount >= 0 && line.totalAmountExcludingTax >= 0)
                #expect((line.taxPercentage != nil) == ((line.taxRate ?? 1) % 100 == 0))
            }
            let summed = basket.vatSummaries.reduce(0) { $0 + $1.gross }
            #expect(summed == basket.total)
            #expect(basket.vatSummaries.allSatisfy { $0.gross == $0.net + $0.tax })
        }
    }
}
