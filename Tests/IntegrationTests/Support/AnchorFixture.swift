import Foundation
import GRDB
import KasseJournal
import KasseJournalSQLite
import KasseTill
import Testing

enum AnchorFixture {
    static let line = JournalFixture.line

    /// A journal of three paid sales (8 entries) with a Z report (entry 6) after the second; its path.
    static func journal() async throws -> String {
        let path = JournalFixture.temporaryPath()
        let journal = try Journal(path: path, till: "1", cashier: "anna")
        try await journal.append([.tillStarted(mode: "TEST", store: "S", till: "1")])
        for sale in 1...3 {
            let reference = "S-1-20261121-00000\(sale)-1"
            try await journal.append([.lineAdded(sale: sale, line: line)])
            try await journal.append([.saleCompleted(JournalFixture.sale(sale, reference: reference))])
            if sale == 2 { _ = try await journal.zReport(store: "S", currency: "NOK") }
        }
        #expect(try await journal.anchorCheck() == .matches(sequence: 8))
        return path
    }

    static func verify(_ path: String, _ extra: [String] = []) async throws -> (status: Int32, text: String) {
        let result = try await KasseBinary.run(["journal", "verify", "--journal", path] + extra)
        return (result.status, result.output + result.errors)
    }

    /// The till at start, on this journal (DEMO mode): refused before anything is sold.
    static func tillStart(_ path: String) async throws -> (status: Int32, errors: String) {
        let home = (path as NSString).deletingLastPathComponent
        let result = try await KasseBinary.run(["till"], environment: ["HOME": home, "KASSE_JOURNAL": path, "KASSE_LOG": home + "/log"])
        return (result.status, result.errors)
    }
}
