import KasseCore
import KasseJournal

/// One sale the tests of receipts and reports share: a company, three lines (one weighed and
/// discounted, two VAT rates) and the paid sale they make.
public enum Samples {
    public static let company = CompanyIdentity(name: "Kiwi Majorstuen AS", organisationNumber: "974760673", address: "Majorstuveien 1",
                                                postalCode: "0367", city: "Oslo", vatRegistered: true)
    public static let lines = [
        JournalLine(lineID: 1, sku: "1001", gtin: "7040000000016", name: "Lettmelk 1 l", unitPrice: 2490, vatRateBasisPoints: 1500,
                    weighed: false, quantity: 2, discount: 0, isReturn: false, total: 4980),
        JournalLine(lineID: 2, sku: "4001", gtin: nil, name: "Epler", unitPrice: 3990, vatRateBasisPoints: 1500,
                    weighed: true, quantity: 1234, discount: 500, isReturn: false, total: 4424),
        JournalLine(lineID: 3, sku: "9001", gtin: nil, name: "Oppvaskmiddel", unitPrice: 4990, vatRateBasisPoints: 2500,
                    weighed: false, quantity: 1, discount: 0, isReturn: false, total: 4990),
    ]
    public static let sale = JournalSale(sale: 42, receiptNumber: "000042", reference: "OSLO1-3-20261130-000042-1", currency: "NOK",
                                         total: 14_394, captured: 14_394, customer: "+47 ******67", lines: lines, vat: JournalSale.vat(of: lines))
}
