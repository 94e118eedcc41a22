import ArgumentParser
import Foundation
import KasseConfig
import KasseCore
import KasseStoreServer
import KasseTill
import KasseTillApp
import Logging
import VippsClient
import VippsModels
import KasseJournal

extension ServerCommand {
    /// `kasse server settle`: what `kasse server` does each night, now.
    struct Settle: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "settle",
            abstract: "Match the tills' days with Vipps MobilePay's settlement ledger and keep the results (what the server does each night).",
            discussion: """
                For every sales unit ([api] msn, or a [[till]]'s own msn): each day's captures and refunds of all \
                its tills, from the server's copy of their journals, matched with the ledger (the Report API, with \
                the [api] keys). Without --date: yesterday, and every earlier day of the last two weeks not settled \
                yet. The results are kept in PostgreSQL and shown by kasse server report. \
                Exit status 0: every day checked is settled; 1: findings; 3: a day is not settled yet.
                """)
        @Option(help: "The server's configuration file.") var config: String = "/etc/kasse/server.toml"
        @Option(help: "One day (2026-12-07); default: yesterday and the days not settled yet.") var date: String?

        func run() async throws {
            let configuration = try ServerCommand.load(config)
            guard let settings = configuration.settlement else {
                throw CLIError("\(config): settlement needs the API keys: an [api] section with url, client_id, client_secret, subscription_key and msn")
            }
            let check = try ServerCommand.settlementCheck(config)
            let today = settings.zone.date(atUTC: Int64(Date().timeIntervalSince1970))
            let day = try date.map { text in
                guard let parsed = CivilDate.parse(text, today: today) else { throw ValidationError("--date must be a day (2026-12-07), not '\(text)'") }
                return parsed
            }
            let results = try await StoreDatabaseAccess.settle(configuration, settings: settings, days: day.map { [$0] }, today: today, check: check)
            for (msn, result) in results {
                emit("Sales unit \(msn):")
                for line in Settlement.text(result) { emit("  " + line) }
            }
            if results.contains(where: { $0.result.hasDiscrepancies }) { throw ExitCode(1) }
            if results.contains(where: { !$0.result.isSettled }) { throw ExitCode(3) }
        }
    }

    /// The ledger check with the server's [api] keys: the ledger of each sales unit, read by the Report API.
    static func settlementCheck(_ path: String) throws -> StoreSettlement.Check {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CLIError("cannot read \(path): \((error as NSError).localizedDescription)")
        }
        var warnings: [String] = []
        let base: VippsConfiguration
        do {
            base = try VippsConfiguration.load(file: try ConfigReader.parse(text), environment: ProcessInfo.processInfo.environment,
                                               warnings: &warnings)
        } catch let error as ConfigFile.ParseError {
            throw CLIError("\(path): \(error.description)")
        } catch {
            throw CLIError("\(path): [api]: \(error)")
        }
        var logger = Logger(label: "kasse.server.settlement")
        logger.logLevel = .error
        let quiet = logger
        return { msn, day, movements in
            let logger = quiet
            var configuration = base
            configuration.merchantSerialNumber = msn
            let client = VippsClient(configuration: configuration, logger: logger)
            guard let ledger = try await client.ledgers(settlingFor: "api:\(msn)").first else {
                throw CLIError("no settlement ledger settles for sales unit \(msn) with these API keys")
            }
            return try await SettlementDays.reconcile(day: day, ledger: ledger, movements: movements, client: client)
        }
    }
}

/// The server's database for one settlement run.
enum StoreDatabaseAccess {
    static func settle(_ configuration: StoreServerConfiguration, settings: SettlementSettings, days: [CivilDate]?, today: CivilDate,
                       check: @escaping StoreSettlement.Check) async throws -> [(msn: String, result: Settlement.Result)] {
        do {
            return try await StoreDatabase.with(configuration) { database in
                let settlement = StoreSettlement(database: database, tills: configuration.tills, settings: settings)
                var checked = days ?? []
                if days == nil { checked = try await settlement.daysToCheck(today: today) }
                return try await settlement.run(days: checked, check: check)
            }
        } catch let error as CLIError {
            throw error
        } catch let error as VippsError {
            throw CLIError("settlement: \(error.description)")
        } catch {
            throw CLIError("settlement (PostgreSQL \(configuration.databaseDescription)): \(String(describing: error).prefix(300))")
        }
    }
}
