import Foundation
import KasseJournal
import KasseJournalSQLite
import KasseNorway
import KasseStore
import KasseStoreServer
import KasseTill
import VippsModels

/// Where a SAF-T export reads one till's journal: the till's own file, or the store server's copy.
protocol SAFTJournalSource: Sendable {
    /// A page of entries of `kinds` after `sequence`, in order.
    func entries(after sequence: Int, kinds: [String], limit: Int) async throws -> [JournalEntry]
    func entries(sale: Int) async throws -> [JournalEntry]
    /// The sales that had a copy receipt.
    func copiedSales() async throws -> [Int]
    func reportsWithoutFigures() async throws -> Int
}

/// The till's journal file.
struct TillJournalSource: SAFTJournalSource {
    let journal: Journal

    func entries(after sequence: Int, kinds: [String], limit: Int) async throws -> [JournalEntry] {
        try await journalCall { () async throws(JournalError) in try await journal.entries(after: sequence, kinds: kinds, limit: limit) }
    }

    func entries(sale: Int) async throws -> [JournalEntry] {
        try await journalCall { () async throws(JournalError) in try await journal.entries(sale: sale) }
    }

    func copiedSales() async throws -> [Int] {
        try await journalCall { () async throws(JournalError) in try await journal.entries(kinds: [JournalKind.receiptCopied].names) }.compactMap(\.sale)
    }

    func reportsWithoutFigures() async throws -> Int {
        try await journalCall { () async throws(JournalError) in try await journal.reportsWithoutFigures() }
    }
}

/// One till's journal as the store server keeps it.
struct ServerCopySource: SAFTJournalSource {
    let database: StoreDatabase
    let till: String

    func entries(after sequence: Int, kinds: [String], limit: Int) async throws -> [JournalEntry] {
        try await database.entries(till: till, after: sequence, kinds: kinds, limit: limit)
    }

    func entries(sale: Int) async throws -> [JournalEntry] {
        try await database.entries(till: till, sale: sale)
    }

    func copiedSales() async throws -> [Int] {
        var sales: [Int] = []
        var after = 0
        while true {
            let page = try await database.entries(till: till, after: after, kinds: [JournalKind.receiptCopied].names, limit: 5000)
            guard let last = page.last else { return sales }
            sales += page.compactMap(\.sale)
            after = last.sequence
        }
    }

    func reportsWithoutFigures() async throws -> Int {
        try await database.reportsWithoutFigures(till: till)
    }
}

/// Writes a SAF-T Cash Register file: the master data of every register in it, then each store's
/// `<location>` with a `<cashregister>` per till (its events, then its transactions). One till's
/// file (`kasse saft export`) and a store's (`kasse server saft`) are written the same way.
///
/// Each journal is read twice, a page at a time: pass 1 learns the master data and makes the
/// transactions (kept in a file of their own until their place in the file comes); pass 2 makes
/// the events. The file appears whole under its name, or not at all.
enum SAFTFile {
    struct Register {
        var export: SAFTExport
        var source: any SAFTJournalSource
    }

    static func write(to path: String, registers: [Register], master: SAFTExport) async throws {
        let partial = path + ".partial"
        var transactionFiles: [String] = []
        guard FileManager.default.createFile(atPath: partial, contents: nil), let file = FileHandle(forWritingAtPath: partial) else {
            throw CLIError("cannot write \(partial)")
        }
        var buffer = ""
        func write(_ text: String, flush: Bool = false) throws {
            buffer += text
            if flush || buffer.utf8.count > 1 << 20 {
                try file.write(contentsOf: Data(buffer.utf8))
                buffer = ""
            }
        }
        do {
            // Pass 1 for every register: master data and transactions.
            var registers = registers
            var master = master
            for index in registers.indices {
                let later = path + ".transactions-\(index).partial"
                transactionFiles.append(later)
                try await transactions(&registers[index], to: later)
                master.takeMasterData(of: registers[index].export)
            }
            try write(master.masterData())
            var store: String?
            for (index, register) in registers.enumerated() {
                var export = register.export
                if store != export.settings.store {
                    if store != nil { try write(SAFTExport.locationClosing) }
                    store = export.settings.store
                    try write(SAFTExport.location(store: export.settings.store))
                }
                try write(export.register())
                // Pass 2: the events (the signed transactions' receipt events, learnt in pass 1, in their places).
                try await eachEntry(register.source, kinds: SAFTExport.eventKinds(storedFigures: export.storedFigures), linesOfVoids: true) {
                    entry in try write(export.event(entry))
                }
                try write(export.finishEvents(), flush: true)
                // Then the transactions, copied across a megabyte at a time.
                guard let reader = FileHandle(forReadingAtPath: transactionFiles[index]) else { throw CLIError("cannot read \(transactionFiles[index])") }
                while let chunk = try reader.read(upToCount: 1 << 20), !chunk.isEmpty { try file.write(contentsOf: chunk) }
                try reader.close()
                try write(SAFTExport.registerClosing)
            }
            if store != nil { try write(SAFTExport.locationClosing) }
            try write(SAFTExport.fileClosing, flush: true)
            try file.close()
            for later in transactionFiles { try? FileManager.default.removeItem(atPath: later) }
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(atPath: partial, toPath: path)
        } catch {
            try? file.close()
            try? FileManager.default.removeItem(atPath: partial)
            for later in transactionFiles { try? FileManager.default.removeItem(atPath: later) }
            if let error = error as? CLIError { throw error }
            throw CLIError("the export could not be written: \(error)")
        }
    }

    /// Pass 1 of one register: its master data learnt, its transactions written to `path`.
    static func transactions(_ register: inout Register, to path: String) async throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let file = FileHandle(forWritingAtPath: path) else {
            throw CLIError("cannot write \(path)")
        }
        defer { try? file.close() }
        register.export.copiedSales(try await register.source.copiedSales())
        // Reports stored with their figures are exported as stored; a journal with older
        // reports has every report tallied anew from its sales.
        register.export.storedFigures = try await register.source.reportsWithoutFigures() == 0
        var buffer = ""
        let kinds = Array(Set(SAFTExport.learnKinds + SAFTExport.transactionKinds))
        var export = register.export
        try await eachEntry(register.source, kinds: kinds) { entry in
            let decoded = entry.event.map {
                SAFTExport.Entry(sequence: entry.sequence, secondsSince1970: entry.secondsSince1970, employee: entry.employee, event: $0)
            } ?? entry
            export.learn(decoded)
            buffer += export.transaction(decoded)
            if buffer.utf8.count > 1 << 20 {
                try file.write(contentsOf: Data(buffer.utf8))
                buffer = ""
            }
        }
        try file.write(contentsOf: Data(buffer.utf8))
        register.export = export
    }

    /// A journal's entries of `kinds` in order, a page at a time; with `linesOfVoids`, a removed
    /// line's sale's line entries just before the removal.
    static func eachEntry(_ source: any SAFTJournalSource, kinds: [String], linesOfVoids: Bool = false,
                          _ body: (SAFTExport.Entry) throws -> Void) async throws {
        var after = 0
        while true {
            var page = try await source.entries(after: after, kinds: kinds, limit: 5000)
            guard let last = page.last else { return }
            if linesOfVoids, page.contains(where: { $0.kind == .lineVoided }) {
                var withLines: [JournalEntry] = []
                for entry in page {
                    if entry.kind == .lineVoided, let sale = entry.sale {
                        let lines = try await source.entries(sale: sale)
                        withLines += lines.filter { ($0.kind == .lineAdded || $0.kind == .lineChanged) && $0.sequence < entry.sequence }
                    }
                    withLines.append(entry)
                }
                page = withLines
            }
            for entry in page {
                guard let seconds = InternetTime.parseRFC3339(entry.at) else {
                    throw CLIError("journal entry \(entry.sequence) has no readable time; run kasse journal verify")
                }
                // Decoded only if the export needs the event (most entries are never decoded).
                try body(SAFTExport.Entry(sequence: entry.sequence, secondsSince1970: Int64(seconds), employee: entry.cashier,
                                          kind: entry.kind, sale: entry.sale, decode: { entry.event }))
            }
            after = last.sequence
        }
    }
}
