import ArgumentParser
import KasseTillApp

struct TillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "till",
        abstract: "Run the full-screen till (the default). Without configuration: DEMO mode on the built-in simulator.")

    @Option(help: "Configuration file (default: $KASSE_CONFIG or ~/.config/kasse/kasse.toml, if it exists).") var config: String?
    @Option(help: "Catalog file (default: till.catalog, or the market's sample in assets/).") var catalog: String?
    @Option(help: "The screens' language for this run: nb, da, fi or en (default: till.language, or the market's).") var language: String?

    func run() async throws {
        do {
            try await TillLauncher.run(configPath: config, catalogOverride: catalog, languageOverride: language, assets: Assets.path)
        } catch let error as TillLauncher.LaunchError {
            throw CLIError(error.description)
        }
    }
}
