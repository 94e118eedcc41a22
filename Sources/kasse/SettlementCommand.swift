import ArgumentParser
import Foundation
import KasseCore
import KasseJournal
import KasseJournalSQLite
import KasseStore
import KasseTill
import KasseTillApp
import VippsClient
import VippsModels

/// `kasse settlement --date DAY`: the day's Vipps MobilePay sales and refunds in the journals,
/// matched with what Vipps MobilePay's ledger settled (the Report API).
struct SettlementCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settlement",
        abstract: "Match a day's Vipps MobilePay captures and refunds in the journals with Vipps MobilePay's settlement ledger.",
        discussion: """
            Reads the ledger of the configured sales unit (the Report API, with the till's API keys) for the \
            day and the days after it, and every sale and return of that day in the journals (the configured \
            one, and any more given with --journal: give every till that sells on the sales unit). Names each \
            sale matched; in the journal but not (yet) in the ledger; in the ledger but in no journal (money \
            Kasse never sold); settled with another amount; the fees; the payout. \
            Exit status 0: settled; 1: findings; 3: nothing wrong so far, but the day is not settled yet \
            (the ledger date is not closed, or not paid out): run it again later.
            """)
    @Option(help: "Configuration file (default: $KASSE_CONFIG or ~/.config/kasse/kasse.toml).") var config: String?
    @Option(help: "The day: YYYY-MM-DD, DD.MM.YYYY, 'today' or 'yesterday' (the shop's local date).") var date: String
    @Option(name: .customLong("journal"), help: "A till's journal file; repeat for every till on the sales unit (default: the configured journal).")
    var journals: [String] = []
    @Flag(help: "JSON instead of text.") var json = false

    func run() async throws {
        let settings: TillConfiguration
        do {
            settings = try TillLauncher.configuration(configPath: config)
        } catch {
            throw CLIError(error.description)
        }
        let zone = settings.settings.timeZone
        let today = TillLauncher.today(in: zone)
        let day: CivilDate
        if date.lowercased() == "yesterday" {
            day = today.adding(days: -1)
        } else if let parsed = CivilDate.parse(date, today: today) {
            day = parsed
        } else {
            throw CLIError("--date \(date): write YYYY-MM-DD, DD.MM.YYYY, 'today' or 'yesterday'")
        }
        var movements: [Settlement.Movement] = []
        for path in journals.isEmpty ? [settings.journalPath] : journals {
            let journal: Journal
            do {
                journal = try Journal(path: path, till: settings.settings.tillID, cashier: settings.defaultCashier, readOnly: true, create: false)
            } catch {
                throw CLIError(error.description)
            }
            let entries = try await journalCall { () async throws(JournalError) in try await journal.entries(kinds: [JournalKind.saleCompleted, .refunded].names) }
            for (till, tillEntries) in Dictionary(grouping: entries, by: \.till) {
                movements += Settlement.movements(till: till, entries: tillEntries.compactMap { entry in entry.event.map { (entry.at, $0) } },
                                                  date: day, zone: zone)
            }
        }
        let api = try APIOptions.parse(config.map { ["--config", $0] } ?? [])
        let client = try api.makeClient()
        let msn = client.configuration.merchantSerialNumber
        let result = try await callAPI {
            guard let ledger = try await client.ledgers(settlingFor: "api:\(msn)").first else {
                throw CLIError("no settlement ledger settles for sales unit \(msn): check the API keys (the Report API needs them too)")
            }
            return try await SettlementDays.reconcile(day: day, ledger: ledger, movements: movements, client: client)
        }
        if json {
            printJSON(result)
        } else {
            for line in Settlement.text(result) { emit(line) }
        }
        if result.hasDiscrepancies { throw ExitCode(1) }
        if !result.isSettled { throw ExitCode(3) }
    }
}
