import ArgumentParser
import KasseFiles

@main
struct Kasse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kasse",
        abstract: "An in-store till for Vipps MobilePay, with its command line and a local simulator of the API.",
        subcommands: [
            TillCommand.self, DisplayCommand.self, TokenCommand.self, PaymentCommand.self, ReceiptCommand.self, WebhookCommand.self, ScannerCommand.self,
            SimulatorCommand.self,
            JournalCommand.self, ReportCommand.self, ReturnCommand.self, SettlementCommand.self,
            CatalogCommand.self, SAFTCommand.self, StaffCommand.self, PrinterCommand.self, BenchmarkCommand.self, ServerCommand.self, ConfigCommand.self,
        ],
        defaultSubcommand: TillCommand.self
    )

    /// Every file Kasse creates is private to its user unless it says otherwise (the journal,
    /// its -wal, -shm and anchor, logs, keys, exports), and the till's own work gets every file
    /// descriptor the system allows, so a busy listener never starves it.
    static func main() async {
        ProcessLimits.privateByDefault()
        ProcessLimits.raiseOpenFiles()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
