import ArgumentParser
import Foundation
import KasseConfig
import KasseCore
import KasseFiles

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "The configuration file: rewrite one written for an earlier Kasse.",
        subcommands: [Migrate.self])

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rewrite a configuration file from an earlier Kasse (bare words: market = NO) in TOML, line for line.",
            discussion: """
                Every bare word is quoted, numbers and true/false stay as they are, comments and blank lines are kept, and \
                each line stays on its line. The old file is kept beside the new one as FILE.before-migrate, with the same \
                permissions. A file that is already TOML is left alone.
                """)
        @Argument(help: "The configuration file (default: the one the till reads).") var file: String?
        @Flag(help: "Print the rewritten file instead of writing it.") var print = false

        func run() async throws {
            let path = file ?? ConfigFiles.defaultPath(environment: ProcessInfo.processInfo.environment)
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw CLIError("cannot read \(path): \((error as NSError).localizedDescription)")
            }
            guard !ConfigMigration.isTOML(text) else {
                emit("\(path) is already TOML: nothing to change.")
                return
            }
            let migrated: String
            do {
                migrated = try ConfigMigration.migrate(text)
                _ = try ConfigReader.parse(migrated)
                guard ConfigMigration.isTOML(migrated) else { throw ConfigFile.ParseError(line: 1, message: "the rewrite is not TOML") }
            } catch {
                throw CLIError("\(path): \(error); nothing was changed. Fix that line by hand (text values in quotes).")
            }
            if print {
                emit(migrated)
                return
            }
            // The old file and the new one are as private as the file was (it may hold secrets).
            let mode = PrivateFile.mode(of: path).map { $0 & 0o777 } ?? 0o600
            let kept = path + ".before-migrate"
            do {
                try PrivateFile.write(Data(text.utf8), to: kept, mode: mode)
                try PrivateFile.write(Data(migrated.utf8), to: path, mode: mode)
            } catch {
                throw CLIError(error.description)
            }
            let changed = zip(text.split(separator: "\n", omittingEmptySubsequences: false),
                              migrated.split(separator: "\n", omittingEmptySubsequences: false)).filter { $0 != $1 }.count
            emit("\(path) rewritten in TOML (\(changed) line\(changed == 1 ? "" : "s") changed); the old file is kept as \(kept).")
        }
    }
}
