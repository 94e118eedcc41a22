import ArgumentParser
import Foundation
import KasseCore
import KasseJournal
import KasseNorway
import KasseStore
import KasseTill
import KasseTillApp
import VippsClient
import VippsModels

/// Norwegian cash-register law: the key that signs every transaction, and the SAF-T Cash
/// Register export of the journal.
struct SAFTCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "saft",
        abstract: "Norway: the signing key, and the SAF-T Cash Register export of the journal.",
        subcommands: [Keygen.self, Export.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the journal's SAF-T Cash Register file for a period (business days in the shop's time zone).")
        @OptionGroup var options: JournalOptions
        @Option(help: "First business day, YYYY-MM-DD (or DD.MM.YYYY, or 'today').") var from: String
        @Option(help: "Last business day (default: the same as --from).") var to: String?
        @Option(help: "The file, or a folder to put 'SAF-T Cash Register_<orgnr>_<created>.xml' in (default: this folder).")
        var out: String = "."

        func run() async throws {
            let (journal, configuration) = try options.open(readOnly: true)
            let zone = configuration.settings.timeZone
            let now = Date().timeIntervalSince1970
            let today = zone.date(atUTC: Int64(now))
            guard let first = CivilDate.parse(from, today: today) else { throw ValidationError("--from: '\(from)' is not a date") }
            guard let last = CivilDate.parse(to ?? from, today: today) else { throw ValidationError("--to: '\(to ?? "")' is not a date") }
            guard first <= last else { throw ValidationError("--from \(first.iso) comes after --to \(last.iso)") }
            guard let company = configuration.company else {
                throw CLIError("the export names the company: add [company] with organisation_number, name, address, postal_code and city")
            }
            let created = zone.localTime(atUTC: Int64(now))
            var export = SAFTExport(settings: SAFTExport.Settings(
                company: company, store: configuration.settings.storeID, register: configuration.settings.tillID,
                currency: configuration.settings.market.currency.rawValue, zone: zone, from: first, to: last,
                createdDate: created.date, createdTime: created.time, softwareVersion: KasseVersion.current))

            var isFolder: ObjCBool = false
            let path = FileManager.default.fileExists(atPath: out, isDirectory: &isFolder) && isFolder.boolValue
                ? (out as NSString).appendingPathComponent(export.fileName) : out
            let partial = path + ".partial"
            // The transactions come last in the file but are made in the first pass, beside the
            // master data, so each sale is read once for both: they wait in a second file.
            let later = path + ".transactions.partial"
            guard FileManager.default.createFile(atPath: partial, contents: nil), let file = FileHandle(forWritingAtPath: partial),
                  FileManager.default.createFile(atPath: later, contents: nil), let transactions = FileHandle(forWritingAtPath: later)
            else {
                throw CLIError("cannot write \(partial)")
            }
            var buffers = ["", ""]
            func write(_ text: String, to index: Int, flush: Bool = false) throws {
                buffers[index] += text
                if flush || buffers[index].utf8.count > 1 << 20 {
                    try (index == 0 ? file : transactions).write(contentsOf: Data(buffers[index].utf8))
                    buffers[index] = ""
                }
            }
            do {
                let copies = try await journalCall { () async throws(JournalError) in try await journal.entries(kinds: ["receipt-copied"]) }
                export.copiedSales(copies.compactMap(\.sale))
                // Reports stored with their figures are exported as stored; a journal with older
                // reports has every report tallied anew from its sales.
                export.storedFigures = try await journalCall { () async throws(JournalError) in try await journal.reportsWithoutFigures() } == 0
                // Pass 1: master data and transactions; pass 2: events with the reports' figures.
                let firstKinds = Array(Set(SAFTExport.learnKinds + SAFTExport.transactionKinds))
                try await Self.eachEntry(journal, kinds: firstKinds) { entry in
                    let decoded = entry.event.map {
                        SAFTExport.Entry(sequence: entry.sequence, secondsSince1970: entry.secondsSince1970, employee: entry.employee, event: $0)
                    } ?? entry
                    export.learn(decoded)
                    try write(export.transaction(decoded), to: 1)
                }
                try write("", to: 1, flush: true)
                try transactions.close()
                try write(export.opening(), to: 0)
                // The receipt events of the signed transactions were learnt in pass 1 and come in their places.
                try await Self.eachEntry(journal, kinds: SAFTExport.eventKinds(storedFigures: export.storedFigures), linesOfVoids: true) {
                    entry in try write(export.event(entry), to: 0)
                }
                try write(export.finishEvents(), to: 0)
                try write("", to: 0, flush: true)
                // Then the transactions, copied across a megabyte at a time.
                guard let reader = FileHandle(forReadingAtPath: later) else { throw CLIError("cannot read \(later)") }
                while let chunk = try reader.read(upToCount: 1 << 20), !chunk.isEmpty { try file.write(contentsOf: chunk) }
                try reader.close()
                try write(SAFTExport.closing, to: 0, flush: true)
                try file.close()
                try? FileManager.default.removeItem(atPath: later)
                if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
                try FileManager.default.moveItem(atPath: partial, toPath: path)
            } catch {
                try? file.close()
                try? transactions.close()
                try? FileManager.default.removeItem(atPath: partial)
                try? FileManager.default.removeItem(atPath: later)
                throw CLIError("the export could not be written: \(error)")
            }
            emit("Wrote \(path)")
        }

        /// The journal's entries of `kinds` in order, a page at a time; with `linesOfVoids`, a
        /// removed line's sale's line entries just before the removal.
        static func eachEntry(_ journal: Journal, kinds: [String], linesOfVoids: Bool = false,
                              _ body: (SAFTExport.Entry) throws -> Void) async throws {
            var after = 0
            while true {
                var page = try await journalCall { () async throws(JournalError) in
                    try await journal.entries(after: after, kinds: kinds, limit: 5000)
                }
                guard let last = page.last else { return }
                if linesOfVoids, page.contains(where: { $0.kind == "line-voided" }) {
                    var withLines: [JournalEntry] = []
                    for entry in page {
                        if entry.kind == "line-voided", let sale = entry.sale {
                            let lines = try await journalCall { () async throws(JournalError) in try await journal.entries(sale: sale) }
                            withLines += lines.filter { ($0.kind == "line-added" || $0.kind == "line-changed") && $0.sequence < entry.sequence }
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

    struct Keygen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a 1024-bit RSA signing key: the private key for the till (mode 600), the public key for the product declaration.")
        @Option(help: "The folder to write the two files to.") var out: String = "."
        @Option(help: "The key's version, written with every signature; a new key continues the chain under a new version.")
        var keyVersion: String = "1"

        func validate() throws {
            guard !keyVersion.isEmpty, keyVersion.count <= 50,
                  keyVersion.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") })
            else { throw ValidationError("--key-version: 1–50 letters, digits, '-', '_' or '.'") }
        }

        func run() async throws {
            let privatePath = out + "/kasse-signing-key-v\(keyVersion).pem"
            let publicPath = out + "/kasse-signing-key-v\(keyVersion).pub.pem"
            for path in [privatePath, publicPath] where FileManager.default.fileExists(atPath: path) {
                throw CLIError("\(path) exists; a signing key is never replaced. Choose another --key-version or folder.")
            }
            let pair: (privatePEM: String, publicPEM: String)
            do {
                pair = try TransactionSigner.generateKey()
            } catch {
                throw CLIError("no key could be made: \(error)")
            }
            // The private key is created with mode 600 before a byte is written: it is never readable by others.
            guard FileManager.default.createFile(atPath: privatePath, contents: Data(pair.privatePEM.utf8), attributes: [.posixPermissions: 0o600])
            else { throw CLIError("cannot write \(privatePath)") }
            guard FileManager.default.createFile(atPath: publicPath, contents: Data(pair.publicPEM.utf8), attributes: [.posixPermissions: 0o644])
            else { throw CLIError("cannot write \(publicPath)") }
            emit("Private key (for this till only; keep it secret): \(privatePath)")
            emit("Public key (hand in with the product declaration): \(publicPath)")
            emit("Key version: \(keyVersion)")
        }
    }
}
