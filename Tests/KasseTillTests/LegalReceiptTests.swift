import Foundation
import KasseCore
import KasseLanguage
import KasseTill
import Testing
import VippsModels
import KasseJournal
import KasseTesting

/// The receipts as documents, each kind compared with its golden text in __Receipts__
/// (`RECORD_SNAPSHOTS=1 swift test --filter LegalReceiptTests` writes them anew).
struct LegalReceiptTests {
    static let company = Samples.company
    static let lines = Samples.lines
    static let sale = Samples.sale
    static let date = CivilDate(year: 2026, month: 11, day: 30)
    static let time = LocalTime(hour: 14, minute: 5, second: 9)

    static func check(_ receipt: LegalReceipt, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let text = receipt.text().joined(separator: "\n") + "\n"
        #expect(receipt.text().allSatisfy { $0.count <= 48 }, "a line is wider than the paper", sourceLocation: sourceLocation)
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("__Receipts__/\(name).txt")
        expectGolden(text, at: url, what: "receipt \(name)", sourceLocation: sourceLocation)
    }

    @Test func eachKindOfReceipt() {
        let sale = LegalReceipt.forSale(Self.sale, company: Self.company, register: "3", cashier: "anna", date: Self.date, time: Self.time)
        Self.check(sale, "salgskvittering")
        // What the law asks to see on it.
        let text = sale.text().joined(separator: "\n")
        for required in ["Salgskvittering", "Kiwi Majorstuen AS", "Org.nr. 974 760 673 MVA", "Majorstuveien 1", "0367 Oslo",
                         "Kvittering nr. 000042", "30.11.2026 14:05:09", "Kasse 3", "Kasserer anna", "MVA 15 %", "MVA 25 %",
                         "TOTALT NOK", "143,94", "Betalt Vipps MobilePay", "OSLO1-3-20261130-000042-1"] {
            #expect(text.contains(required), "\(required) missing")
        }
        Self.check(LegalReceipt.forSale(Self.sale, kind: .copy, company: Self.company, register: "3", cashier: "anna", date: Self.date,
                                        time: LegalReceiptTests.time), "kopi")
        Self.check(LegalReceipt.forSale(Self.sale, kind: .training, company: Self.company, register: "3", cashier: "anna", date: Self.date,
                                        time: Self.time), "trening")
        let refund = JournalRefund(sale: 42, reference: Self.sale.reference, returnNumber: 7, amount: 2490, currency: "NOK",
                                   key: IdempotencyKey(.refund(7), reference: Self.sale.reference),
                                   lines: [JournalLine(lineID: 1, sku: "1001", gtin: nil, name: "Lettmelk 1 l", unitPrice: 2490, vatRateBasisPoints: 1500,
                                                       weighed: false, quantity: 1, discount: 0, isReturn: false, total: 2490)])
        let back = LegalReceipt.forReturn(refund, of: Self.sale, company: Self.company, register: "3", cashier: "anna", date: Self.date,
                                          time: Self.time)
        Self.check(back, "returkvittering")
        let returned = back.text().joined(separator: "\n")
        #expect(returned.contains("Returkvittering") && returned.contains("Retur av kvittering nr. 000042") && returned.contains("-24,90")
                && returned.contains("Tilbakebetalt Vipps MobilePay"))
    }

    /// On 58 mm paper (32 characters) every line fits and nothing the law asks for is lost;
    /// a shop without a company (outside Norway) is named by its shop name alone.
    @Test func narrowPaperAndAShopWithoutACompany() {
        let sale = LegalReceipt.forSale(Self.sale, company: Self.company, register: "3", cashier: "anna", date: Self.date, time: Self.time)
        let narrow = sale.text(width: 32)
        #expect(narrow.allSatisfy { $0.count <= 32 }, "\(narrow)")
        let joined = narrow.joined(separator: "\n")
        for required in ["Salgskvittering", "Org.nr. 974 760 673 MVA", "Kvittering nr. 000042", "TOTALT NOK", "143,94", "MVA 25 %"] {
            #expect(joined.contains(required), "\(required) missing")
        }
        let shop = CompanyIdentity(name: "Butikken", organisationNumber: "", address: "", postalCode: "", city: "", vatRegistered: false)
        let plain = LegalReceipt.forSale(Self.sale, company: shop, register: "1", cashier: "", date: Self.date, time: Self.time).text()
        #expect(plain.contains { $0.trimmingCharacters(in: .whitespaces) == "Butikken" })
        #expect(!plain.contains { $0.contains("Org.nr.") })
        #expect(!plain.contains { $0.trimmingCharacters(in: .whitespaces).isEmpty })
    }

    /// Outside Norway the receipt is in the shop's language, with its currency and formats.
    @Test func aDanishAndAFinnishReceipt() {
        var sale = Self.sale
        sale.currency = "EUR"
        let finnish = LegalReceipt.forSale(sale, company: CompanyIdentity(name: "Kauppa Oy", organisationNumber: "", address: "Aleksanterinkatu 1",
                                                                          postalCode: "00100", city: "Helsinki", vatRegistered: false),
                                           register: "1", cashier: "aino", date: Self.date, time: Self.time, language: .finnish).text()
        #expect(finnish.contains { $0.contains("Myyntikuitti") })
        #expect(finnish.contains { $0.hasPrefix("Kuitti nro 000042") && $0.hasSuffix("30.11.2026 14.05.09") })
        #expect(finnish.contains { $0.hasPrefix("YHTEENSÄ EUR") && $0.hasSuffix("143,94") })
        #expect(finnish.contains { $0.contains("1,234 kg x 39,90/kg") })
        sale.currency = "DKK"
        let danish = LegalReceipt.forSale(sale, kind: .copy, company: CompanyIdentity(name: "Butik ApS", organisationNumber: "", address: "",
                                                                                      postalCode: "", city: "", vatRegistered: false),
                                          register: "1", cashier: "mette", date: Self.date, time: Self.time, language: .danish).text()
        #expect(danish.contains { $0.contains("KOPI - Kvittering") })
        #expect(danish.contains { $0.hasPrefix("I ALT DKK") && $0.hasSuffix("143,94") })
        #expect(danish.contains { $0.hasPrefix("  Moms 25 % af 49,90") })
    }

    /// The receipt names the app the customer paid with as the day of the sale calls it: in
    /// Denmark and Finland MobilePay until 11 January 2027, Vipps from the 12th; Norway as ever.
    @Test func theReceiptNamesTheAppOfTheDay() {
        let company = CompanyIdentity(name: "Butik ApS", organisationNumber: "", address: "", postalCode: "", city: "", vatRegistered: false)
        func paidLine(_ market: Market, _ language: Language, _ day: CivilDate) -> String? {
            LegalReceipt.forSale(Self.sale, company: company, register: "1", cashier: "mette", date: day, time: Self.time,
                                 language: language.branded(AppBrand.inUse(in: market, on: day)))
                .text().first { $0.hasPrefix("Betal") || $0.hasPrefix("Maksettu") }
        }
        let before = CivilDate(year: 2027, month: 1, day: 11), after = CivilDate(year: 2027, month: 1, day: 12)
        #expect(paidLine(.denmark, .danish, before)?.hasPrefix("Betalt med MobilePay ") == true)
        #expect(paidLine(.denmark, .danish, after)?.hasPrefix("Betalt med Vipps ") == true)
        #expect(paidLine(.finland, .finnish, before)?.hasPrefix("Maksettu MobilePaylla ") == true)
        #expect(paidLine(.finland, .finnish, after)?.hasPrefix("Maksettu Vippsillä ") == true)
        #expect(paidLine(.norway, .norwegian, after)?.hasPrefix("Betalt Vipps MobilePay ") == true)
    }
}
