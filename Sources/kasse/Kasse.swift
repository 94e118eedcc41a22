import ArgumentParser

@main
struct Kasse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kasse",
        abstract: "An in-store till for Vipps MobilePay, with its command line and a local simulator of the API.",
        subcommands: [
            TillCommand.self, DisplayCommand.self, TokenCommand.self, PaymentCommand.self, ReceiptCommand.self, WebhookCommand.self, ScannerCommand.self,
            SimulatorCommand.self,
            JournalCommand.self, ReportCommand.self, ReturnCommand.self,
            CatalogCommand.self, SAFTCommand.self, StaffCommand.self, PrinterCommand.self, BenchmarkCommand.self, ServerCommand.self,
        ],
        defaultSubcommand: TillCommand.self
    )
}
