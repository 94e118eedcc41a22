import Foundation
import KasseCore
import TOMLKit

/// Reads Kasse's configuration file with a real TOML library (TOMLKit, over toml++) into a
/// `ConfigFile`: scalars by dotted path, arrays, arrays of tables, and the line of every key.
///
/// A file written for an earlier Kasse, whose hand-written reader took unquoted text
/// (`market = NO`), is still read when it is not valid TOML, through `ConfigMigration`'s rewrite,
/// with a hint to run `kasse config migrate`; every other mistake is reported with its line.
public enum ConfigReader {
    public static func parse(_ text: String) throws(ConfigFile.ParseError) -> ConfigFile {
        do {
            return try parseTOML(text)
        } catch {
            // Earlier Kasse files (bare words as values) still work, rewritten into TOML the way
            // `kasse config migrate` rewrites them, with a hint to run it. Only a file of Kasse's
            // own settings: anything else is just not TOML.
            if let migrated = try? ConfigMigration.migrate(text), var file = try? parseTOML(migrated), !file.values.isEmpty,
               file.values.keys.allSatisfy(isKnownSetting) {
                file.hints.append(
                    "this file is not valid TOML (\(error)); it was read the way earlier versions of Kasse read it. "
                        + "Run kasse config migrate on it to rewrite it in TOML (text values in quotes: market = \"NO\").")
                return file
            }
            throw error
        }
    }

    /// TOML only (TOMLKit, after the checks that keep toml++ from stopping the program).
    static func parseTOML(_ text: String) throws(ConfigFile.ParseError) -> ConfigFile {
        let table: TOMLTable
        do {
            try TOMLPrecheck.check(text)
            table = try TOMLTable(string: text)
        } catch {
            switch error {
            case let error as TOMLParseError: throw ConfigFile.ParseError(line: error.source.begin.line, message: error.description)
            case let error as ConfigFile.ParseError: throw error
            default: throw ConfigFile.ParseError(line: 1, message: "\(error)")
            }
        }
        let lines = TOMLKeyLocator.lines(of: text)
        var file = ConfigFile()
        try flatten(table, prefix: "", into: &file, lines: lines)
        return file
    }

    static func flatten(_ table: TOMLTable, prefix: String, into file: inout ConfigFile, lines: [String: Int]) throws(ConfigFile.ParseError) {
        for key in table.keys.sorted() {
            guard let value = table[key] else { continue }
            let path = prefix.isEmpty ? key : "\(prefix).\(key)"
            switch value.type {
            case .table:
                if let nested = value.table { try flatten(nested, prefix: path, into: &file, lines: lines) }
            case .array:
                guard let array = value.array else { continue }
                let elements = Array(array)
                if !elements.isEmpty, elements.allSatisfy({ $0.type == .table }) {
                    var tables: [ConfigFile.Table] = []
                    for (index, element) in elements.enumerated() {
                        guard let nested = element.table else { continue }
                        var inner = ConfigFile()
                        let headerKey = "\(path)[\(index)]"
                        try flatten(nested, prefix: "", into: &inner, lines: [:])
                        var entry = ConfigFile.Table(values: inner.values, line: lines[headerKey] ?? lines[path] ?? 0)
                        for key in inner.values.keys { entry.lines[key] = lines["\(headerKey).\(key)"] ?? entry.line }
                        tables.append(entry)
                    }
                    file.tables[path] = tables
                } else {
                    // Lists of lists, or of tables mixed with values: no Kasse setting has that
                    // shape; the scalars are kept and the unknown-key check names the key.
                    file.lists[path] = elements.compactMap(scalar)
                    file.lines[path] = lines[path]
                }
            default:
                if let text = scalar(value) {
                    file.values[path] = text
                    file.lines[path] = lines[path] ?? lines[prefix] ?? 0
                }
            }
        }
    }

    static func scalar(_ value: any TOMLValueConvertible) -> String? {
        switch value.type {
        case .string: value.string
        case .int: value.int.map(String.init)
        case .bool: value.bool.map { $0 ? "true" : "false" }
        case .double: value.double.map { String($0) }
        case .date, .time, .dateTime: value.tomlValue.debugDescription
        case .table, .array: nil
        }
    }
}

extension ConfigReader {
    /// The settings Kasse reads, by section. A section the next versions use (`display`) is
    /// accepted as it is.
    static let knownKeys: [String: Set<String>] = [
        "api": ["url", "client_id", "client_secret", "subscription_key", "msn", "system_name", "system_version", "plugin_name",
                "plugin_version"],
        "till": ["shop_name", "store_id", "till_id", "market", "catalog", "log", "cashier_id", "language", "time_zone", "signing_key",
                 "signing_key_version"],
        "company": ["organisation_number", "name", "address", "postal_code", "city", "vat_registered"],
        "journal": ["path"],
        "scanners": ["enabled", "layout", "devices", "suffix", "pause_ms"],
        "scanners.device": ["match", "role"],
        "staff": ["id", "name", "role", "pin", "language"],
        "printer": ["network", "device", "file", "paper_mm", "columns", "code_page", "timeout_ms", "receipt", "logo"],
        "server": ["url", "token", "key", "catalog_public_key", "ca", "insecure"],
    ]
    static let openSections: Set<String> = ["display"]

    /// `section.key` of a setting Kasse reads.
    static func isKnownSetting(_ path: String) -> Bool {
        let parts = path.split(separator: ".").map(String.init)
        guard parts.count >= 2 else { return false }
        return knownKeys[parts.dropLast().joined(separator: ".")]?.contains(parts[parts.count - 1]) == true
    }

    /// A line for each key Kasse does not know (a typo would otherwise be ignored without a
    /// word), with the setting it probably meant.
    public static func unknownKeys(in file: ConfigFile) -> [String] {
        var notes: [String] = []
        func check(_ path: String, line: Int?) {
            let parts = path.split(separator: ".").map(String.init)
            guard let first = parts.first, !openSections.contains(first) else { return }
            let section = parts.dropLast().joined(separator: ".")
            let key = parts.last ?? path
            guard let known = knownKeys[section] else {
                notes.append("line \(line ?? 0): [\(section.isEmpty ? key : section)] is not a section Kasse knows; it is ignored")
                return
            }
            guard !known.contains(key) else { return }
            let guess = known.min { distance($0, key) < distance($1, key) }.flatMap { distance($0, key) <= 2 ? $0 : nil }
            notes.append("line \(line ?? 0): \(path) is not a setting Kasse knows; it is ignored"
                         + (guess.map { " (did you mean \(section).\($0)?)" } ?? ""))
        }
        for key in (Array(file.values.keys) + Array(file.lists.keys)).sorted() { check(key, line: file.lines[key]) }
        for (path, tables) in file.tables.sorted(by: { $0.key < $1.key }) {
            for table in tables {
                for key in table.values.keys.sorted() { check("\(path).\(key)", line: table.lines[key]) }
            }
        }
        return notes
    }

    /// Levenshtein distance, for "did you mean".
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
