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
                each line stays on its line. The old file is kept beside the new one as FILE.before-migrate; both keep the \
                file's permissions and owner. A file that is already TOML is left alone.
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
                guard ConfigMigration.isTOML(migrated) else { throw ConfigFile.ParseError(line: 1, message: "the rewrite is not TOML") }
            } catch {
                throw CLIError("\(path): \(error); nothing was changed. Fix that line by hand (text values in quotes).")
            }
            if print {
                emit(migrated)
                return
            }
            // The old file and the new one are as private as the file was (it may hold secrets),
            // and belong to whoever it belonged to: root migrating /etc/kasse/kasse.toml must not
            // leave a file the till's own user can no longer read.
            var original = stat()
            guard stat(path, &original) == 0 else { throw CLIError("cannot read \(path): \(String(cString: strerror(errno)))") }
            let mode = original.st_mode & 0o777
            let kept = path + ".before-migrate"
            do {
                for (file, content) in [(kept, text), (path, migrated)] {
                    try PrivateFile.write(Data(content.utf8), to: file, mode: mode)
                    if original.st_uid != geteuid() || original.st_gid != getegid(), chown(file, original.st_uid, original.st_gid) != 0 {
                        throw CLIError("\(file) could not be given to its owner (uid \(original.st_uid), gid \(original.st_gid)): "
                            + "\(String(cString: strerror(errno))); run the command as that user or as root")
                    }
                }
            } catch let error as CLIError {
                throw error
            } catch {
                throw CLIError("\(error)")
            }
            let changed = zip(text.split(separator: "\n", omittingEmptySubsequences: false),
                              migrated.split(separator: "\n", omittingEmptySubsequences: false)).filter { $0 != $1 }.count
            emit("\(path) rewritten in TOML (\(changed) line\(changed == 1 ? "" : "s") changed); the old file is kept as \(kept).")
        }
    }
}
