import Foundation
import GRDB
import KasseJournal
import KasseJournalSQLite
import KasseTill
import Testing

enum JournalFixture {
    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("kasse-journal-\(UUID().uuidString)/journal.sqlite").path
    }

    static let line = JournalLine(
        lineID: 1, sku: "1001", gtin: "7040000000016", name: "Lettmelk 1 l", unitPrice: 2490, vatRateBasisPoints: 1500,
        weighed: false, quantity: 2, discount: 0, isReturn: false, total: 4980)

    static func sale(_ number: Int, reference: String) -> JournalSale {
        JournalSale(sale: number, receiptNumber: String(format: "%06d", number), reference: reference, currency: "NOK", total: 4980,
                    captured: 4980, customer: "+47 ******67", lines: [Self.line], vat: JournalSale.vat(of: [Self.line]))
    }
}
