import VippsModels

/// Builds the ePayment `receipt` for a basket, and checks that any receipt adds up.
public enum SaleReceipt {
    /// The receipt for a basket, line for line.
    ///
    /// - Parameters:
    ///   - posId: the store and the till (`OSLO1-2`), shown as the receipt's POS id.
    ///   - receiptNumber: the till's receipt number for this sale; also the receipt's barcode
    ///     (CODE 128, as on paper), which the till's returns (F3) find the sale by.
    public static func make(for basket: Basket, posId: String, receiptNumber: String) -> Receipt {
        let orderLines = basket.lines.map(orderLine(for:))
        return Receipt(
            orderLines: orderLines,
            bottomLine: BottomLine(currency: basket.currency, posId: posId, barcode: Barcode(format: "CODE 128", data: receiptNumber),
                                   receiptNumber: receiptNumber)
        )
    }

    public static func orderLine(for line: BasketLine) -> OrderLine {
        OrderLine(
            name: line.product.name,
            id: line.product.sku,
            totalAmount: line.totalAmount,
            totalAmountExcludingTax: line.totalExcludingTax,
            totalTaxAmount: line.taxAmount,
            taxPercentage: line.product.vatRate.wholePercent,
            taxRate: line.product.vatRate.basisPoints,
            unitInfo: UnitInfo(
                unitPrice: line.product.unitPrice,
                quantity: line.quantity.decimalString,
                quantityUnit: line.product.unit.quantityUnit
            ),
            discount: line.discount > 0 ? line.discount : nil,
            isReturn: line.isReturn ? true : nil
        )
    }

    /// Every way a receipt can fail to add up. Empty for a good receipt.
    ///
    /// - Parameter paymentAmount: the amount of the payment the receipt belongs to.
    public static func problems(in receipt: Receipt, paymentAmount: Int) -> [String] {
        var problems: [String] = []
        if receipt.orderLines.isEmpty { problems.append("a receipt needs at least one line") }
        for (index, line) in receipt.orderLines.enumerated() {
            let label = "line \(index + 1) (\(line.name))"
            if line.totalAmount != line.totalAmountExcludingTax + line.totalTaxAmount {
                problems.append("\(label): totalAmount \(line.totalAmount) ≠ \(line.totalAmountExcludingTax) + \(line.totalTaxAmount)")
            }
            if line.totalAmount < 0 || line.totalAmountExcludingTax < 0 || line.totalTaxAmount < 0 {
                problems.append("\(label): negative amounts are not allowed; use isReturn")
            }
            if let rate = line.taxRate {
                if !(0...10000).contains(rate) { problems.append("\(label): taxRate \(rate) out of 0–10000") }
                let expected = VATRate(rate).taxIncluded(inGross: line.totalAmount)
                if line.totalTaxAmount != expected {
                    problems.append("\(label): totalTaxAmount \(line.totalTaxAmount), expected \(expected) at \(rate) bp")
                }
                if let percent = line.taxPercentage, percent * 100 != rate {
                    problems.append("\(label): taxPercentage \(percent) disagrees with taxRate \(rate)")
                }
                if line.taxPercentage == nil && rate % 100 == 0 {
                    problems.append("\(label): whole-percent taxRate \(rate) without taxPercentage")
                }
                if line.taxPercentage != nil && rate % 100 != 0 {
                    problems.append("\(label): taxPercentage sent for a fractional rate \(rate)")
                }
            } else if line.taxPercentage == nil {
                problems.append("\(label): neither taxRate nor taxPercentage")
            }
            if let unit = line.unitInfo {
                if !isValidQuantity(unit.quantity) {
                    problems.append("\(label): quantity '\(unit.quantity)' is not a decimal string")
                }
                if unit.unitPrice < 0 { problems.append("\(label): negative unitPrice") }
            }
            if let discount = line.discount, discount < 0 { problems.append("\(label): negative discount") }
        }
        if receipt.netTotal != paymentAmount {
            problems.append("lines add up to \(receipt.netTotal), the payment is \(paymentAmount)")
        }
        return problems
    }

    /// `^\d+([\.]\d{1,8})?$`, at most 10 characters.
    public static func isValidQuantity(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 10 else { return false }
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count <= 2, let integer = parts.first, !integer.isEmpty,
            integer.allSatisfy({ $0 >= 48 && $0 <= 57 })
        else { return false }
        if parts.count == 2 {
            let fraction = parts[1]
            return (1...8).contains(fraction.count) && fraction.allSatisfy { $0 >= 48 && $0 <= 57 }
        }
        return true
    }
}
