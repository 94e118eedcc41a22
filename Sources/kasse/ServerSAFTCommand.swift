import ArgumentParser
import Foundation
import KasseCore
import KasseNorway
import KasseStore
import KasseStoreServer
import KasseTillApp
import VippsClient

extension ServerCommand {
    /// Norway: one SAF-T Cash Register file for a store (or every store) from the server's copy
    /// of the tills' journals: a `<location>` per store, a `<cashregister>` per till.
    struct SAFT: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "saft",
            abstract: "Norway: the SAF-T Cash Register file of a store's tills for a period, from the server's copy of their journals.")

        @Option(help: "The server's configuration file (with [company]).") var config: String = "/etc/kasse/server.toml"
        @Option(help: "One store; default: every store of the configuration, each its own location.") var store: String?
        @Option(help: "First business day, YYYY-MM-DD (or DD.MM.YYYY, or 'today').") var from: String
        @Option(help: "Last business day (default: the same as --from).") var to: String?
        @Option(help: "The file, or a folder to put 'SAF-T Cash Register_<orgnr>_<created>.xml' in (default: this folder).")
        var out: String = "."

        func run() async throws {
            let configuration = try ServerCommand.load(config)
            guard let company = configuration.company else {
                throw CLIError("the export names the company: add [company] with organisation_number, name, address, postal_code and city to \(config)")
            }
            let zone = ShopTimeZone.of(.norway)
            let now = Date().timeIntervalSince1970
            let today = zone.date(atUTC: Int64(now))
            guard let first = CivilDate.parse(from, today: today) else { throw ValidationError("--from: '\(from)' is not a date") }
            guard let last = CivilDate.parse(to ?? from, today: today) else { throw ValidationError("--to: '\(to ?? "")' is not a date") }
            guard first <= last else { throw ValidationError("--from \(first.iso) comes after --to \(last.iso)") }
            var tills = configuration.tills.tills
            if let store {
                tills = tills.filter { $0.store.uppercased() == store.uppercased() }
                guard !tills.isEmpty else {
                    let stores = Array(Set(configuration.tills.tills.map(\.store))).sorted()
                    throw CLIError("no store \(store) in \(config): \(stores.joined(separator: ", "))")
                }
            }
            // Each store's tills together (a location each), in the configuration's order.
            let stores = tills.map(\.store).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            tills = stores.flatMap { store in tills.filter { $0.store == store } }
            let created = zone.localTime(atUTC: Int64(now))
            func settings(store: String, register: String) -> SAFTExport.Settings {
                SAFTExport.Settings(company: company, store: store, register: register, currency: "NOK", zone: zone, from: first, to: last,
                                    createdDate: created.date, createdTime: created.time, softwareVersion: KasseVersion.current)
            }
            var master = SAFTExport(settings: settings(store: stores.joined(separator: ", "), register: ""))
            master.selection = stores.map { store in
                "store \(store), registers \(tills.filter { $0.store == store }.map(\.till).joined(separator: ", "))"
            }.joined(separator: "; ")
            var isFolder: ObjCBool = false
            let path = FileManager.default.fileExists(atPath: out, isDirectory: &isFolder) && isFolder.boolValue
                ? (out as NSString).appendingPathComponent(master.fileName) : out
            let database = configuration.databaseDescription
            try await StoreDatabase.with(configuration) { copy in
                let registers = tills.map { till in
                    var export = SAFTExport(settings: settings(store: till.store, register: till.till))
                    export.reportIDPrefix = till.key + "-"
                    return SAFTFile.Register(export: export, source: ServerCopySource(database: copy, till: till.key))
                }
                do {
                    try await SAFTFile.write(to: path, registers: registers, master: master)
                } catch let error as CLIError {
                    throw error
                } catch {
                    throw CLIError("PostgreSQL (\(database)): \(String(describing: error).prefix(300))")
                }
            }
            emit("Wrote \(path) (\(tills.count) till\(tills.count == 1 ? "" : "s") in \(stores.count) store\(stores.count == 1 ? "" : "s"))")
        }
    }
}
