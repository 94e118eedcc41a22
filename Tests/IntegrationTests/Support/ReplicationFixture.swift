import AsyncHTTPClient
import Foundation
import KasseCore
import KasseJournal
import KasseJournalSQLite
import KasseStore
import KasseStoreLink
import KasseStoreServer
import KasseTill
import Logging
import NIOCore
import PostgresNIO
import Synchronization
import Testing
import VippsModels
import KasseTesting
import VippsWebhooks

enum ReplicationFixture {
    static func journal(till: String = "1", entries: Int, note: String = "entry") async throws -> Journal {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-replica-\(UUID().uuidString)/journal.sqlite").path
        let journal = try Journal(path: path, till: till, cashier: "1001")
        try await add(entries, to: journal, note: note)
        return journal
    }

    static func add(_ count: Int, to journal: Journal, note: String = "entry") async throws {
        var left = count
        while left > 0 {
            let chunk = min(left, 1000)
            try await journal.append((0..<chunk).map { .operatorAction("\(note) \(left - $0)") })
            left -= chunk
        }
    }

    /// The server's copy of a till's journal is the till's journal, entry for entry.
    static func expectCopy(of journal: Journal, in database: String, till: String) async throws {
        let store = try StoreServerFixture.database(database)
        let copy = try await store.client.withRunning { try await store.entries(till: till, limit: 100_000) }
        let original = try await journal.entries()
        #expect(copy.count == original.count)
        #expect(copy == original, "the server's copy differs from the till's journal")
    }
}
