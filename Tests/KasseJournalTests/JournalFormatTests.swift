import Foundation
import KasseCore
import KasseLanguage
import Testing
import VippsModels
import KasseJournal
import KasseTesting

/// The journal's stored shape: explicit, versioned JSON with a `type` and named fields.
struct JournalFormatTests {
    static let line = JournalLine(
        lineID: 1, sku: "1001", gtin: "7040000000016", name: "Lettmelk 1 l", unitPrice: 2490, vatRateBasisPoints: 1500,
        weighed: false, quantity: 2, discount: 0, isReturn: false, total: 4980)
    static let reference = "S-1-20261121-000001-1"

    /// One of every entry kind.
    static let everyKind: [JournalEvent] = [
        .tillStarted(mode: "TEST", store: "S", till: "1"),
        .journalCreated(firstSale: 7),
        .lineAdded(sale: 1, line: line),
        .lineChanged(sale: 1, line: line),
        .lineVoided(sale: 1, lineID: 1, sku: "1001"),
        .customerIdentified(sale: 1, customer: "+47 ******67"),
        .paymentStarted(JournalPaymentStart(sale: 1, reference: reference, attempt: 1, amount: 4980, currency: "NOK",
                                            createKey: IdempotencyKey(stored: "c-\(reference)"), captureKey: IdempotencyKey(stored: "k-\(reference)"), customer: "+47 ******67",
                                            lines: [line])),
        .paymentOutcome(sale: 1, reference: reference, outcome: "AUTHORIZED"),
        .captureStarted(sale: 1, reference: reference, amount: 4980, key: IdempotencyKey(stored: "k-\(reference)")),
        .cancelStarted(sale: 1, reference: reference, key: IdempotencyKey(stored: "x1-\(reference)")),
        .paymentEnded(sale: 1, reference: reference, reason: "declined"),
        .saleCompleted(JournalSale(sale: 1, receiptNumber: "000001", reference: reference, currency: "NOK", total: 4980,
                                   captured: 4980, customer: "+47 ******67", lines: [line], vat: JournalSale.vat(of: [line]))),
        .saleAbandoned(sale: 1, reason: "new sale"),
        .saleVoided(JournalSale(sale: 2, receiptNumber: "000002", reference: "", currency: "NOK", total: 4980, captured: 0,
                                customer: "", lines: [line], vat: JournalSale.vat(of: [line]))),
        .refundStarted(JournalRefund(sale: 1, reference: reference, returnNumber: 1, amount: 2490, currency: "NOK",
                                     key: IdempotencyKey(stored: "r1-\(reference)"), lines: [line])),
        .refunded(sale: 1, reference: reference, returnNumber: 1, amount: 2490),
        .refundFailed(sale: 1, reference: reference, returnNumber: 2, reason: "refused"),
        .recovered(sale: 1, reference: reference, summary: "captured"),
        .zReport(JournalReport(kind: .z, number: 1, store: "S", till: "1", currency: "NOK", firstEntry: 1, lastEntry: 9,
                               generatedAt: "2026-11-21T10:00:00Z", salesCount: 1, salesTotal: 4980, returnsCount: 0,
                               returnsTotal: 0, abandonedSales: 0, endedPayments: 0, vat: [])),
        .operatorAction("quit"),
        .xReport(JournalReport(kind: .x, number: 2, store: "S", till: "1", currency: "NOK", firstEntry: 10, lastEntry: 12,
                               generatedAt: "2026-11-21T11:00:00Z", salesCount: 0, salesTotal: 0, returnsCount: 0,
                               returnsTotal: 0, abandonedSales: 0, endedPayments: 0, vat: [])),
        .transactionSigned(JournalSignature(register: "1", number: 1, transaction: "sale", sale: 1, reference: reference, returnNumber: nil,
                                            date: "2026-11-21", time: "11:00:00", amountIncludingVAT: 4980, amountExcludingVAT: 4330,
                                            signature: "c2lnbg==", keyVersion: "1", training: true)),
        .receiptCopied(sale: 1, reference: reference, receiptNumber: "000001", amount: 4980, text: ["KOPI"]),
        .receiptIssued(sale: 1, document: "sale", receiptNumber: "000001", text: ["Salgskvittering"]),
        .receiptNotPrinted(sale: 1, receiptNumber: "000001", reason: "no receipt printer"),
        .documentPrinted(sale: nil, document: "z-report", number: "3", confirmed: false),
        .printQueued(sale: 1, document: "sale", number: "000001"),
        .loggedIn(StaffMember(id: "1001", name: "Kari Kasserer", role: .cashier)),
        .loggedOut(employee: "1001"),
        .logInRefused(employee: "1001"),
        .managerApproved(employee: "9001", action: "Z report 1"),
        .trainingMode(on: true, manager: "9001"),
        .priceLookUp(sku: "1001", name: "Lettmelk 1 l", price: 2490, articleGroup: .food),
        .captureDeferred(sale: 1, reference: reference, tries: 2, reason: "capture failed, try again later (error 6280)"),
        .captureFailed(sale: 1, reference: reference, amount: 4980, reason: "funds unavailable (error 6260)"),
    ]

    static func encode(_ event: JournalEvent) throws -> [String: Any] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try #require(JSONSerialization.jsonObject(with: encoder.encode(event)) as? [String: Any])
    }

    @Test(arguments: everyKind)
    func everyKindIsWrittenWithItsTypeAndVersionAndNamedFields(event: JournalEvent) throws {
        let object = try Self.encode(event)
        #expect(object["type"] as? String == event.kind)
        #expect(object["format"] as? Int == JournalEvent.format)
        let data = try JSONEncoder().encode(event)
        let text = String(decoding: data, as: UTF8.self)
        #expect(!text.contains("\"_0\""), "\(text)")
        // No key is a Swift case name.
        #expect(object.keys.allSatisfy { !["paymentStarted", "saleCompleted", "lineAdded", "zReport", "operatorAction"].contains($0) })
        #expect(try JSONDecoder().decode(JournalEvent.self, from: data) == event)
        // One of each: no kind is listed twice.
        #expect(Set(Self.everyKind.map(\.kind)).count == Self.everyKind.count)
    }

    /// Every kind of entry is listed above: a new kind gets its golden file too.
    @Test func everyKindIsListed() {
        #expect(Set(Self.everyKind.map(\.kind)) == Set(JournalKind.allCases.map(\.rawValue)))
    }

    /// Each kind's stored JSON, byte for byte, against its golden file in `__Golden__`: a renamed
    /// Swift property or case changes what a shop's journal holds for years, so it must fail here.
    /// `RECORD_SNAPSHOTS=1 swift test --filter KasseJournalTests` writes them; a change to one is
    /// a new journal format (and `JournalEvent.format` goes up).
    @Test(arguments: everyKind)
    func everyKindIsStoredExactlyAsItsGoldenFile(event: JournalEvent) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let text = String(decoding: try encoder.encode(event), as: UTF8.self) + "\n"
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let url = root.appendingPathComponent("__Golden__/\(event.kind).json")
        expectGolden(text, at: url, what: "the stored form of \(event.kind)")
        // And the golden text is read back as the same entry (what old journals hold stays readable).
        let golden = try #require(try? String(contentsOf: url, encoding: .utf8))
        #expect(try JSONDecoder().decode(JournalEvent.self, from: Data(golden.utf8)) == event)
    }

    @Test func theDocumentedFieldsOfAPaymentStart() throws {
        let object = try Self.encode(Self.everyKind[6])
        #expect(Set(object.keys) == ["type", "format", "sale", "reference", "attempt", "amount", "currency", "createKey",
                                     "captureKey", "customer", "lines"])
        let sale = try Self.encode(Self.everyKind[11])
        #expect(Set(sale.keys) == ["type", "format", "sale", "receiptNumber", "reference", "currency", "total", "captured",
                                   "customer", "lines", "vat"])
    }

    /// Entries written before format 2 (Swift's synthesized enum shape) are still read.
    @Test func formatOneEntriesAreStillRead() throws {
        let old = [
            #"{"paymentStarted":{"_0":{"amount":4980,"attempt":1,"captureKey":"k","createKey":"c","currency":"NOK","customer":"+47 ******67","lines":[],"reference":"S-1-20261121-000001-1","sale":1}}}"#,
            #"{"operatorAction":{"_0":"quit"}}"#,
            #"{"lineVoided":{"lineID":1,"sale":2,"sku":"1001"}}"#,
            #"{"refunded":{"amount":2590,"reference":"R","returnNumber":1,"sale":1}}"#,
        ]
        let events = try old.map { try JSONDecoder().decode(JournalEvent.self, from: Data($0.utf8)) }
        #expect(events[0].kind == "payment-started" && events[0].reference == "S-1-20261121-000001-1")
        #expect(events[1] == .operatorAction("quit"))
        #expect(events[2] == .lineVoided(sale: 2, lineID: 1, sku: "1001"))
        #expect(events[3] == .refunded(sale: 1, reference: "R", returnNumber: 1, amount: 2590))
    }

    @Test func aNewerFormatOrAnUnknownTypeIsRefusedNotGuessed() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(JournalEvent.self, from: Data(#"{"format":3,"type":"operator","action":"x"}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(JournalEvent.self, from: Data(#"{"format":2,"type":"teleport","action":"x"}"#.utf8))
        }
    }
}
