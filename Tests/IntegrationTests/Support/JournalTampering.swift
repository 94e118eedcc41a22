import Foundation
import GRDB
import KasseJournal
import KasseJournalSQLite
import KasseTill
import Testing

/// Rewrites a journal as someone holding the file could: triggers dropped, entries changed or
/// removed, and (when `rechain`) every hash recomputed with the documented formula, so that
/// the chain alone verifies again.
enum JournalTampering {
    static func rewrite(_ path: String, rechain: Bool, _ change: (inout [JournalEntry]) -> Void) throws {
        let database = try DatabaseQueue(path: path)
        try database.write { db in
            try db.execute(sql: "DROP TRIGGER entry_no_update; DROP TRIGGER entry_no_delete")
            var entries = try Row.fetchAll(db, sql: "SELECT * FROM entry ORDER BY sequence").map { row in
                JournalEntry(sequence: row["sequence"], at: row["at"], till: row["till"], cashier: row["cashier"], kind: row["kind"],
                             sale: row["sale"], reference: row["reference"], payload: row["payload"],
                             previousHash: row["previousHash"], hash: row["hash"])
            }
            change(&entries)
            if rechain {
                var previous = Journal.genesisHash
                for index in entries.indices {
                    entries[index].sequence = index + 1
                    entries[index].previousHash = previous
                    entries[index].hash = JournalEntry.hash(
                        sequence: entries[index].sequence, at: entries[index].at, till: entries[index].till,
                        cashier: entries[index].cashier, kind: entries[index].kind, payload: entries[index].payload,
                        previousHash: previous)
                    previous = entries[index].hash
                }
            }
            try db.execute(sql: "DELETE FROM entry")
            for entry in entries {
                try db.execute(
                    sql: "INSERT INTO entry (sequence, at, till, cashier, kind, sale, reference, payload, previousHash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    arguments: [entry.sequence, entry.at, entry.till, entry.cashier, entry.kind, entry.sale, entry.reference,
                                entry.payload, entry.previousHash, entry.hash])
            }
        }
        _ = try database.writeWithoutTransaction { try $0.checkpoint(.truncate) }
    }
}
