import Foundation
import KasseCore

/// The configuration reader of earlier Kasse versions (a small subset of TOML that also took
/// unquoted text), kept so their files still read. New files are read by `ConfigReader`.
///
/// ```
/// # comment
/// [api]
/// url = "https://apitest.vipps.no"
/// msn = "123456"
/// [till]
/// id = 3
/// ```
/// Values may be quoted (`"…"` with `\"` and `\\`) or bare. Keys are `section.key`. Every
/// mistake is reported with its line number.
enum LegacyConfigParser {

    static func parse(_ text: String) throws(ConfigFile.ParseError) -> ConfigFile {
        var values: [String: String] = [:]
        var lines: [String: Int] = [:]
        var section = ""
        var number = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            var line = Substring(raw)
            if line.hasSuffix("\r") { line = line.dropLast() }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            if trimmed.hasPrefix("[") {
                guard trimmed.hasSuffix("]") else { throw ConfigFile.ParseError(line: number, message: "a section header ends with ]") }
                let name = trimmed.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }) else {
                    throw ConfigFile.ParseError(line: number, message: "'\(trimmed)' is not a valid section name")
                }
                section = String(name)
                continue
            }
            guard let equals = trimmed.firstIndex(of: "=") else {
                throw ConfigFile.ParseError(line: number, message: "expected key = value, found '\(trimmed)'")
            }
            let key = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
                throw ConfigFile.ParseError(line: number, message: "'\(key)' is not a valid key")
            }
            let valueText = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            let value = try parseValue(Substring(valueText), line: number)
            let fullKey = section.isEmpty ? String(key) : "\(section).\(key)"
            guard values[fullKey] == nil else {
                throw ConfigFile.ParseError(line: number, message: "\(fullKey) is set twice (first on line \(lines[fullKey] ?? 0))")
            }
            values[fullKey] = value
            lines[fullKey] = number
        }
        return ConfigFile(values: values, lines: lines)
    }

    static func parseValue(_ text: Substring, line: Int) throws(ConfigFile.ParseError) -> String {
        guard let first = text.first else { throw ConfigFile.ParseError(line: line, message: "a value is missing after =") }
        if first == "\"" {
            var out = ""
            var escaped = false
            var index = text.index(after: text.startIndex)
            while index < text.endIndex {
                let character = text[index]
                if escaped {
                    switch character {
                    case "n": out.append("\n")
                    case "t": out.append("\t")
                    case "\"", "\\": out.append(character)
                    default: throw ConfigFile.ParseError(line: line, message: "unknown escape \\\(character)")
                    }
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    let rest = text[text.index(after: index)...].trimmingCharacters(in: .whitespaces)
                    guard rest.isEmpty || rest.hasPrefix("#") else {
                        throw ConfigFile.ParseError(line: line, message: "unexpected text after the closing quote")
                    }
                    return out
                } else {
                    out.append(character)
                }
                index = text.index(after: index)
            }
            throw ConfigFile.ParseError(line: line, message: "the quoted value is not closed")
        }
        var bare = text
        if let hash = bare.firstIndex(of: "#") { bare = bare[..<hash] }
        return String(bare.trimmingCharacters(in: .whitespaces))
    }
}
