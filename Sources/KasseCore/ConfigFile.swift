/// Kasse's configuration, as read from its TOML file: typed settings are made from this.
///
/// Scalars are kept as text under their dotted path (`till.market`), arrays of scalars as
/// lists, and arrays of tables (`[[scanners.device]]`, `[[staff]]`) as lists of tables, each
/// with the line every key stands on, so a value that parses but makes no sense is reported
/// with its line and key. The TOML itself is read by a real TOML library (`KasseConfig`).
public struct ConfigFile: Sendable, Equatable {
    /// Scalars by dotted path: strings as they are, numbers in decimal, booleans `true`/`false`.
    public var values: [String: String]
    /// Line of each key.
    public var lines: [String: Int]
    /// Arrays of scalars by dotted path.
    public var lists: [String: [String]]
    /// Arrays of tables by dotted path, in file order.
    public var tables: [String: [Table]]
    /// Things a person should change although the file still works (an old form, say).
    public var hints: [String]

    public struct Table: Sendable, Equatable {
        public var values: [String: String]
        public var lines: [String: Int]
        /// The line of its `[[…]]` header.
        public var line: Int

        public init(values: [String: String] = [:], lines: [String: Int] = [:], line: Int = 0) {
            self.values = values
            self.lines = lines
            self.line = line
        }

        public subscript(key: String) -> String? { values[key] }

        /// `line 12 (scanners.device[2].role)`, for messages.
        public func location(_ path: String, _ key: String, index: Int) -> String {
            "line \(lines[key] ?? line) (\(path)[\(index + 1)].\(key))"
        }
    }

    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }

        public init(line: Int, message: String) {
            self.line = line
            self.message = message
        }
    }

    public init(values: [String: String] = [:], lines: [String: Int] = [:], lists: [String: [String]] = [:],
                tables: [String: [Table]] = [:], hints: [String] = []) {
        self.values = values
        self.lines = lines
        self.lists = lists
        self.tables = tables
        self.hints = hints
    }

    public subscript(key: String) -> String? { values[key] }

    /// A true/false setting, as TOML writes it (`true`, `false`; an earlier Kasse's `yes` and
    /// `no` too); `default` when the key is absent. The one reader of every flag in the file.
    public func flag(_ key: String, default value: Bool) throws(InvalidValue) -> Bool {
        guard let text = values[key] else { return value }
        switch text.lowercased() {
        case "true", "yes": return true
        case "false", "no": return false
        default: throw InvalidValue(description: "\(location(key)): must be true or false, not '\(text.prefix(40))'")
        }
    }

    /// A value of the wrong form, with its line and key.
    public struct InvalidValue: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// `line 7 (till.market)` where the key is in the file, else just the key.
    public func location(_ key: String) -> String {
        lines[key].map { "line \($0) (\(key))" } ?? key
    }
}


extension ConfigFile {
    /// The secrets this file holds, by key (never their values): API keys, the store server's
    /// till token, the display secret, the webhook secret, staff PIN hashes.
    public var secretKeys: [String] {
        var keys = ["api.client_secret", "api.subscription_key", "server.token", "display.secret", "server.webhook_secret"]
            .filter { values[$0] != nil }
        if (tables["staff"] ?? []).contains(where: { $0.values["pin"] != nil }) { keys.append("[[staff]] pin") }
        return keys
    }

    /// The warning for a file holding secrets that users other than its owner may read
    /// (`mode`: its permission bits); nil when there is nothing to say.
    public func permissionWarning(path: String, mode: Int) -> String? {
        let keys = secretKeys
        guard mode & 0o077 != 0, !keys.isEmpty else { return nil }
        return "\(path) holds secrets (\(keys.joined(separator: ", "))) and can be read by other users "
            + "(mode \(String(mode, radix: 8))): run chmod 600 \(path)"
    }
}
