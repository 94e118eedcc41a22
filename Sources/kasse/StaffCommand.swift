import ArgumentParser
import Foundation
import KasseConfig
import KasseCore

/// The staff list's PINs: only salted slow hashes go into the configuration.
struct StaffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "staff",
        abstract: "Staff who log in to the till: make the [[staff]] entry with a PIN hash for the configuration.",
        subcommands: [Pin.self])

    struct Pin: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a PIN (4–8 digits) and print its hash, or with --id and --name the whole [[staff]] table.",
            discussion: """
                The PIN is read from the terminal without showing it (typed twice), or as the first line of \
                standard input. It is never printed, logged or stored; only its scrypt hash is.
                """)
        @Option(help: "Employee number (1–20 letters or digits).") var id: String?
        @Option(help: "The employee's name.") var name: String?
        @Option(help: "cashier or manager.") var role: String = "cashier"

        func run() async throws {
            guard let role = StaffRole(rawValue: role.lowercased()) else { throw ValidationError("--role must be cashier or manager, not '\(role)'") }
            if let id, !StaffList.isValidID(id) { throw ValidationError("--id: 1 to 20 letters or digits, not '\(id)'") }
            let pin: String
            if isatty(STDIN_FILENO) == 1 {
                let first = Self.readHidden("PIN: ")
                guard StaffList.isValidPIN(first, role: role) else { throw CLIError(Self.rule(role)) }
                guard Self.readHidden("Again: ") == first else { throw CLIError("The two PINs differ; nothing was made.") }
                pin = first
            } else {
                guard let line = readLine(strippingNewline: true) else { throw CLIError("No PIN on standard input.") }
                pin = line.trimmingCharacters(in: .whitespaces)
                guard StaffList.isValidPIN(pin, role: role) else { throw CLIError(Self.rule(role)) }
            }
            let hash = try StaffPIN.hash(pin)
            guard let id else {
                emit("pin = \"\(hash)\"")
                return
            }
            emit("[[staff]]")
            emit("id = \"\(id)\"")
            emit("name = \(ConfigMigration.tomlString(name ?? id))")
            emit("role = \"\(role.rawValue)\"")
            emit("pin = \"\(hash)\"")
        }

        static func rule(_ role: StaffRole) -> String {
            role == .manager ? "A manager's PIN is 6 to 8 digits." : "A PIN is 4 to 8 digits."
        }

        /// A line from the terminal with echo off.
        static func readHidden(_ prompt: String) -> String {
            FileHandle.standardError.write(Data(prompt.utf8))
            var saved = termios()
            tcgetattr(STDIN_FILENO, &saved)
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSANOW, &quiet)
            defer {
                tcsetattr(STDIN_FILENO, TCSANOW, &saved)
                FileHandle.standardError.write(Data("\n".utf8))
            }
            return (readLine(strippingNewline: true) ?? "").trimmingCharacters(in: .whitespaces)
        }
    }
}
