import ArgumentParser
import Foundation
import KasseFiles
import KasseConfig
import KasseCore
import KasseJournal
import KasseJournalSQLite
import KasseStore
import KasseLanguage
import KasseStoreServer
import KasseTill
import Logging
import VippsModels

struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "The store server: Vipps MobilePay webhooks for every till, journals and reports in PostgreSQL.",
        subcommands: [Serve.self, Token.self, Keygen.self, Report.self, Settle.self, SAFT.self, Catalog.self, Restore.self],
        defaultSubcommand: Serve.self
    )

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve", abstract: "Receive webhooks, push them to the tills and keep their journals (the default).")

        @Option(help: "The server's configuration file (TOML: [server] and one [[till]] per till).")
        var config: String = "/etc/kasse/server.toml"

        func run() async throws {
            let text: String
            do {
                text = try String(contentsOfFile: config, encoding: .utf8)
            } catch {
                throw CLIError("cannot read \(config): \((error as NSError).localizedDescription)")
            }
            var configuration: StoreServerConfiguration
            do {
                let file = try ConfigReader.parse(text)
                if let attributes = try? FileManager.default.attributesOfItem(atPath: config),
                   let mode = attributes[.posixPermissions] as? Int, let warning = file.permissionWarning(path: config, mode: mode) {
                    warn("warning: \(warning)")
                }
                configuration = try StoreServerConfiguration.load(file: file, environment: ProcessInfo.processInfo.environment)
                try configuration.loadFiles()
            } catch let error as ConfigFile.ParseError {
                throw CLIError("\(config): \(error.description)")
            } catch let error as StoreServerError {
                throw CLIError("\(config): \(error.description)")
            }
            var logger = Logger(label: "kasse.server")
            logger.logLevel = ProcessInfo.processInfo.environment["KASSE_SERVER_DEBUG"] == nil ? .info : .debug
            if configuration.tls == nil {
                logger.warning("no tls_certificate and tls_key: tills reach this server over plain http://, tokens and journals in clear; use TLS on any network the shop does not fully control")
            }
            let tills = configuration.tills.tills.map(\.key).joined(separator: ", ")
            let database = configuration.databaseDescription
            let loaded = configuration
            // Every night at [settlement] at: each sales unit's days matched with Vipps MobilePay's ledger.
            if let settings = configuration.settlement {
                let check = try ServerCommand.settlementCheck(config)
                let nightly = logger
                Task.detached {
                    while !Task.isCancelled {
                        let wait = settings.secondsUntilNextRun(now: Int64(Date().timeIntervalSince1970))
                        nightly.info("settlement: next run in \(wait) s")
                        try? await Task.sleep(for: .seconds(wait))
                        let today = settings.zone.date(atUTC: Int64(Date().timeIntervalSince1970))
                        do {
                            let results = try await StoreDatabaseAccess.settle(loaded, settings: settings, days: nil, today: today, check: check)
                            for (msn, result) in results {
                                let state = result.hasDiscrepancies ? "FINDINGS" : result.isSettled ? "settled" : "not settled yet"
                                nightly.info("settlement \(result.date) sales unit \(msn): \(state)")
                            }
                        } catch {
                            nightly.error("settlement: \(error)")
                        }
                    }
                }
            }
            try await StoreServer(configuration: loaded, logger: logger).run { port in
                emit("Kasse store server listening on \(loaded.host):\(port)\(loaded.tls == nil ? "" : " (TLS)")")
                emit("  webhooks: POST \(loaded.webhookPath) (registered as \(loaded.publicURL))")
                emit("  PostgreSQL: \(database)")
                emit("  tills: \(tills)")
            }
        }
    }

    /// Reads the server's configuration file.
    static func load(_ path: String) throws -> StoreServerConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CLIError("cannot read \(path): \((error as NSError).localizedDescription)")
        }
        do {
            return try StoreServerConfiguration.load(file: try ConfigReader.parse(text), environment: ProcessInfo.processInfo.environment)
        } catch let error as ConfigFile.ParseError {
            throw CLIError("\(path): \(error.description)")
        } catch let error as StoreServerError {
            throw CLIError("\(path): \(error.description)")
        }
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "Reports from the server's copy of the tills' journals: each till's X report (as the till's own), each store's, every Z report checked against the copy, and sales per till, store and day.")

        @Option(help: "The server's configuration file.") var config: String = "/etc/kasse/server.toml"
        @Option(help: "One till (STORE-TILL, as kasse server prints it); default: every till.") var till: String?
        @Option(help: "One store; default: every store.") var store: String?
        @Option(help: "Sales of one business day (2026-11-30); default: every day.") var day: String?
        @Option(help: "The shops' market (NO, DK, FI): the currency and the days' time zone.") var market: String = "NO"
        @Option(help: "The reports' language (nb, da, fi, en); default: the market's.") var language: String?

        func run() async throws {
            let configuration = try ServerCommand.load(config)
            guard let market = Market(code: market) else { throw ValidationError("--market must be NO, DK or FI") }
            let language = try language.map { code in
                guard let named = Language.named(code) else { throw ValidationError("--language must be nb, da, fi or en") }
                return named
            } ?? Language.of(market)
            var selected = configuration.tills.tills
            if let till {
                guard let one = configuration.tills.till(key: till.uppercased()) else {
                    throw CLIError("no till \(till) in \(config): \(configuration.tills.tills.map(\.key).joined(separator: ", "))")
                }
                selected = [one]
            }
            if let store { selected = selected.filter { $0.store.uppercased() == store.uppercased() } }
            let today = ShopTimeZone.of(market).date(atUTC: Int64(Date().timeIntervalSince1970))
            let dayFilter = try day.map { text in
                guard let parsed = CivilDate.parse(text, today: today) else { throw ValidationError("--day must be a day (2026-11-30), not '\(text)'") }
                return parsed
            }
            let currency = market.currency.rawValue
            let zone = ShopTimeZone.of(market)
            let generatedAt = InternetTime.rfc3339(Date().timeIntervalSince1970)
            let stores = selected.map(\.store).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            var mismatches = 0
            try await StoreReports.with(configuration) { reports in
                var days: [StoreReports.DayTotals] = []
                var checkedZ: [(till: StoreTill, z: StoreReports.CheckedZ)] = []
                var xReports: [(till: StoreTill, report: JournalReport)] = []
                do {
                    for till in selected {
                        xReports.append((till, try await reports.xReport(till, currency: currency, generatedAt: generatedAt)))
                        checkedZ += try await reports.zReports(till, currency: currency).map { (till, $0) }
                    }
                    days = try await reports.days(selected, day: dayFilter, zone: zone)
                } catch {
                    throw CLIError("PostgreSQL (\(configuration.databaseDescription)): \(String(describing: error).prefix(300))")
                }
                for (till, report) in xReports {
                    emit("Till \(till.key), from the server's copy of its journal:")
                    emit(report.text(language: language, zone: zone))
                    emit("")
                }
                // A store's takings over all its tills, since each till's own last Z report.
                for store in stores {
                    let tills = xReports.filter { $0.till.store == store }
                    guard tills.count > 1 else { continue }
                    let total = JournalReport.combined(tills.map(\.report), kind: .x, store: store,
                                                       till: tills.map(\.till.till).joined(separator: ", "), currency: currency,
                                                       generatedAt: generatedAt)
                    let heading = language.text(Message(.reportStoreTotals, ["store": .text(store)]))
                    emit(total.text(language: language, zone: zone, heading: heading))
                    emit("")
                }
                // Each Z report a till made, against the same report made again from the copy.
                let shownZ = checkedZ.filter { item in
                    guard let dayFilter else { return true }
                    guard let seconds = InternetTime.parseRFC3339(item.z.at) else { return false }
                    return zone.date(atUTC: Int64(seconds)) == dayFilter
                }
                emit("Z reports, each made again from the server's copy (\(currency)):")
                emit(Self.left("till", 14) + Self.right("Z", 3) + "   " + Self.left("closed", 17) + Self.right("sales", 9)
                     + Self.right("amount", 13) + Self.right("returns", 9) + Self.right("amount", 13) + Self.right("net", 13))
                for (till, z) in shownZ {
                    let stored = z.stored
                    let closed = InternetTime.parseRFC3339(z.at).map { seconds in
                        let local = zone.localTime(atUTC: Int64(seconds))
                        return "\(local.date.iso) \(language.time(local.time, seconds: false))"
                    } ?? z.at
                    var line = Self.left(till.key, 14) + Self.right("\(stored.number)", 3) + "   " + Self.left(closed, 17)
                        + Self.right("\(stored.salesCount)", 9) + Self.right(language.amount(stored.salesTotal), 13)
                        + Self.right("\(stored.returnsCount)", 9) + Self.right(language.amount(stored.returnsTotal), 13)
                        + Self.right(language.amount(stored.netTotal), 13)
                    if z.matches {
                        line += "  matches the copy"
                    } else {
                        mismatches += 1
                        let again = z.recomputed
                        line += "  DIFFERS: the copy makes \(again.salesCount) sales \(language.amount(again.salesTotal)), "
                            + "\(again.returnsCount) returns \(language.amount(again.returnsTotal))"
                    }
                    emit(line)
                }
                // A store's day: the Z reports its tills closed that day, together.
                var storeDays: [(store: String, day: String, reports: [JournalReport])] = []
                for (till, z) in shownZ {
                    let day = InternetTime.parseRFC3339(z.at).map { zone.date(atUTC: Int64($0)).iso } ?? String(z.at.prefix(10))
                    if let index = storeDays.firstIndex(where: { $0.store == till.store && $0.day == day }) {
                        storeDays[index].reports.append(z.stored)
                    } else {
                        storeDays.append((till.store, day, [z.stored]))
                    }
                }
                for storeDay in storeDays where storeDay.reports.count > 1 {
                    let total = JournalReport.combined(storeDay.reports, kind: .z, store: storeDay.store, till: "", currency: currency,
                                                       generatedAt: generatedAt)
                    emit(Self.left(storeDay.store, 14) + Self.right("", 3) + "   " + Self.left(storeDay.day + " store", 17)
                         + Self.right("\(total.salesCount)", 9) + Self.right(language.amount(total.salesTotal), 13)
                         + Self.right("\(total.returnsCount)", 9) + Self.right(language.amount(total.returnsTotal), 13)
                         + Self.right(language.amount(total.netTotal), 13) + "  (\(storeDay.reports.count) Z reports)")
                }
                if shownZ.isEmpty { emit("(none)") }
                emit("")
                emit("Sales per till and day (\(currency)):")
                emit("day         till            sales       amount  returns       amount          net")
                var total = StoreReports.DayTotals(till: "all", day: dayFilter ?? today)
                for store in stores {
                    let rows = days.filter { row in selected.contains { $0.key == row.till && $0.store == store } }
                    var storeTotal = StoreReports.DayTotals(till: store, day: dayFilter ?? today)
                    for row in rows {
                        emit(Self.row(row.day.iso, row.till, row, language))
                        storeTotal.add(row)
                    }
                    if stores.count > 1 { emit(Self.row("store", store, storeTotal, language)) }
                    total.add(storeTotal)
                }
                emit(Self.row("total", "", total, language))
                // What the nightly settlement found (kasse server settle), newest day first.
                let settled: [StoreDatabase.StoredSettlement]
                do {
                    settled = try await reports.settlements()
                } catch {
                    throw CLIError("PostgreSQL (\(configuration.databaseDescription)): \(String(describing: error).prefix(300))")
                }
                emit("")
                emit("Settlement with Vipps MobilePay's ledger (the nightly run; kasse server settle):")
                let shown = settled.filter { dayFilter == nil || $0.day == dayFilter?.iso }
                if shown.isEmpty { emit("(no day checked yet)") }
                for stored in shown {
                    let state = stored.findings ? "FINDINGS" : stored.settled ? "settled" : "not settled yet"
                    emit("\(stored.day)  sales unit \(stored.msn)  \(state)  (checked \(stored.checks) time\(stored.checks == 1 ? "" : "s"))")
                    if let result = try? JSONDecoder().decode(Settlement.Result.self, from: Data(stored.result.utf8)), !stored.settled {
                        for line in Settlement.text(result).dropFirst() { emit("    " + line) }
                    }
                }
            }
            if mismatches > 0 {
                throw CLIError("\(mismatches) Z report\(mismatches == 1 ? " differs" : "s differ") from the server's copy of the journal: run kasse journal verify at the till")
            }
        }

        static func right(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        static func left(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }

        static func row(_ day: String, _ till: String, _ row: StoreReports.DayTotals, _ language: Language) -> String {
            func right(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
            func left(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
            return left(day, 12) + left(till, 14) + right("\(row.salesCount)", 7) + right(language.amount(row.salesTotal), 13)
                + right("\(row.returnsCount)", 9) + right(language.amount(row.returnsTotal), 13) + right(language.amount(row.netTotal), 13)
        }
    }

    struct Catalog: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "catalog",
            abstract: "Import a catalog (the till's CSV format) for every till; connected tills fetch it at once, the others when they connect.")

        @Argument(help: "The catalog file (CSV: sku,gtin,name,unit_price,vat_rate,unit,article_group).") var file: String
        @Option(help: "The server's configuration file.") var config: String = "/etc/kasse/server.toml"
        @Option(help: "The shops' market (NO, DK, FI): which VAT rates and article groups are valid.") var market: String = "NO"

        func run() async throws {
            let configuration = try ServerCommand.load(config)
            guard let market = Market(code: market) else { throw ValidationError("--market must be NO, DK or FI") }
            guard let data = FileManager.default.contents(atPath: file) else { throw CLIError("cannot read \(file)") }
            let csv = String(decoding: data, as: UTF8.self)
            let parsed = CatalogCSV.parse(csv, market: market)
            for problem in parsed.problems.prefix(20) { warn("\(file) \(problem)") }
            guard parsed.catalog.count > 0 else { throw CLIError("\(file) has no product a till can sell; nothing was imported") }
            let version = try await StoreDatabase.with(configuration) { database in
                try await database.importCatalog(csv: csv, products: parsed.catalog.count)
            }
            emit("Catalog version \(version): \(parsed.catalog.count) products\(parsed.problems.isEmpty ? "" : ", \(parsed.problems.count) line(s) skipped")")
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "restore",
            abstract: "Write a till's journal as the server holds it to a new journal file (a till whose disk was lost; a SAF-T export from the server's copy).",
            discussion: "Then: kasse journal verify --journal FILE, kasse saft export --journal FILE --config TILL.toml --from … --to ….")

        @Option(help: "The server's configuration file.") var config: String = "/etc/kasse/server.toml"
        @Option(help: "The till (STORE-TILL, as kasse server prints it).") var till: String
        @Option(help: "The journal file to write (must not exist).") var out: String

        func run() async throws {
            let configuration = try ServerCommand.load(config)
            guard let one = configuration.tills.till(key: till.uppercased()) else {
                throw CLIError("no till \(till) in \(config): \(configuration.tills.tills.map(\.key).joined(separator: ", "))")
            }
            guard !FileManager.default.fileExists(atPath: out) else { throw CLIError("\(out) exists already; name a new file") }
            let journal: Journal
            do {
                journal = try Journal(path: out, till: one.till, cashier: "")
            } catch {
                throw CLIError(error.description)
            }
            var restored = 0
            do {
                try await StoreDatabase.with(configuration) { database in
                    var after = 0
                    while true {
                        let page = try await database.entries(till: one.key, after: after, limit: 5_000)
                        guard let last = page.last else { break }
                        try await journal.restore(page)
                        restored += page.count
                        after = last.sequence
                    }
                }
            } catch let error as JournalError {
                throw CLIError(error.description)
            } catch let error as CLIError {
                throw error
            } catch {
                throw CLIError("PostgreSQL (\(configuration.databaseDescription)): \(String(describing: error).prefix(300))")
            }
            emit("Restored \(restored) entries of till \(one.key) to \(out)")
        }
    }

    /// A link key: a till's (it signs its journal batches; the server's [[till]] names its
    /// public part) or the server's (it signs catalogs; each till's [server] names its public part).
    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "keygen",
            abstract: "Make a link key (mode 600, never replaced) and print its public part: a till's for the server's [[till]] public_key, the server's for the tills' catalog_public_key.")

        @Option(help: "The key file to make (e.g. /etc/kasse/link.key at a till, /etc/kasse/catalog.key at the server).") var out: String

        func run() throws {
            let key = LinkSigningKey.generate()
            do {
                try PrivateFile.write(Data(key.fileText.utf8), to: out, replace: false)
            } catch {
                throw CLIError(error.code == EEXIST ? "\(out) exists; a key is never replaced. Choose another file." : error.description)
            }
            emit("Key: \(out) (mode 600)")
            emit("# At a till, in its [server]:    key = \"\(out)\"   and at the server, in its [[till]]:")
            emit("# At the server, in its [server]: catalog_key = \"\(out)\"   and at every till, in [server]: catalog_public_key = the same value")
            emit("public_key = \"\(key.publicKey)\"")
        }
    }

    struct Token: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "token",
            abstract: "Make a till's token: the token goes in the till's [server] token, its SHA-256 in the server's [[till]] token_sha256.")

        @Option(help: "The till's store id (till.store_id).") var store: String
        @Option(help: "The till's id (till.till_id).") var till: String

        func run() throws {
            var bytes = [UInt8](repeating: 0, count: 32)
            var generator = SystemRandomNumberGenerator()
            for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255, using: &generator) }
            let token = JournalChain.hex(bytes)
            emit("# In the till's configuration (keep it secret, like a password):")
            emit("[server]")
            emit("url = \"https://STORE-SERVER:8790\"")
            emit("token = \"\(token)\"")
            emit("key = \"/etc/kasse/link.key\"                 # made by: kasse server keygen --out /etc/kasse/link.key")
            emit("catalog_public_key = \"…\"                    # the server's: kasse server keygen --out /etc/kasse/catalog.key")
            emit("ca = \"/etc/kasse/server-ca.pem\"            # the certificate that proves the server is yours")
            emit("")
            emit("# In the server's configuration:")
            emit("[[till]]")
            emit("store = \"\(store)\"")
            emit("till = \"\(till)\"")
            emit("token_sha256 = \"\(StoreTills.tokenHash(token))\"")
        }
    }
}
