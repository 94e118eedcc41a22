import ArgumentParser
import Foundation
import KasseFiles
import KasseCore
import KasseJournal
import KasseJournalSQLite
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
            let export = SAFTExport(settings: SAFTExport.Settings(
                company: company, store: configuration.settings.storeID, register: configuration.settings.tillID,
                currency: configuration.settings.market.currency.rawValue, zone: zone, from: first, to: last,
                createdDate: created.date, createdTime: created.time, softwareVersion: KasseVersion.current))

            var isFolder: ObjCBool = false
            let path = FileManager.default.fileExists(atPath: out, isDirectory: &isFolder) && isFolder.boolValue
                ? (out as NSString).appendingPathComponent(export.fileName) : out
            try await SAFTFile.write(to: path, registers: [SAFTFile.Register(export: export, source: TillJournalSource(journal: journal))],
                                     master: export)
            emit("Wrote \(path)")
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
            do {
                try PrivateFile.write(Data(pair.privatePEM.utf8), to: privatePath, replace: false)
                try PrivateFile.write(Data(pair.publicPEM.utf8), to: publicPath, mode: 0o644, replace: false)
            } catch {
                throw CLIError("\(error)")
            }
            emit("Private key (for this till only; keep it secret): \(privatePath)")
            emit("Public key (hand in with the product declaration): \(publicPath)")
            emit("Key version: \(keyVersion)")
        }
    }
}
