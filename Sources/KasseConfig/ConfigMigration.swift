import Foundation
import KasseCore

/// Rewrites a configuration file written for an earlier Kasse into TOML (`kasse config migrate`).
/// Earlier versions read a small subset of TOML that also took unquoted text (`market = NO`);
/// TOML does not, so such a file is rewritten line for line: every bare word quoted, numbers
/// and `true`/`false` left as they are, quoted values, section headers, comments and blank lines
/// kept. Each line stays on its line, so every line number Kasse names in a message is the same
/// in the old file and the new one. The till reads an old file through this same rewrite (and
/// says to run the command); TOMLKit is Kasse's only reader of the file.
///
/// ```
/// # comment
/// [till]
/// market = NO          →   market = "NO"
/// till_id = 3          →   till_id = 3
/// ```
public enum ConfigMigration {
    /// The TOML form of `text`, line for line. A line the old reader refused is refused with its line.
    public static func migrate(_ text: String) throws(ConfigFile.ParseError) -> String {
        var seen: [String: Int] = [:]
        var section = ""
        var number = 0
        var out: [String] = []
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            var line = Substring(raw)
            if line.hasSuffix("\r") { line = line.dropLast() }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") {
                out.append(String(line))
                continue
            }
            if trimmed.hasPrefix("[") {
                guard trimmed.hasSuffix("]") else { throw ConfigFile.ParseError(line: number, message: "a section header ends with ]") }
                let name = trimmed.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }) else {
                    throw ConfigFile.ParseError(line: number, message: "'\(trimmed)' is not a valid section name")
                }
                section = name
                out.append("[\(name)]")
                continue
            }
            guard let equals = trimmed.firstIndex(of: "=") else {
                throw ConfigFile.ParseError(line: number, message: "expected key = value, found '\(trimmed)'")
            }
            let key = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
                throw ConfigFile.ParseError(line: number, message: "'\(key)' is not a valid key")
            }
            let fullKey = section.isEmpty ? key : "\(section).\(key)"
            if let first = seen[fullKey] {
                throw ConfigFile.ParseError(line: number, message: "\(fullKey) is set twice (first on line \(first))")
            }
            seen[fullKey] = number
            let (value, comment) = try parseValue(Substring(trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)),
                                                  line: number)
            out.append("\(key) = \(tomlValue(value))" + (comment.map { " \($0)" } ?? ""))
        }
        return out.joined(separator: "\n")
    }

    /// Whether `text` is already TOML (nothing for `kasse config migrate` to do).
    public static func isTOML(_ text: String) -> Bool {
        (try? ConfigReader.parseTOML(text)) != nil
    }

    /// A value as the old reader took it, and the comment after it (`# …`), if any.
    static func parseValue(_ text: Substring, line: Int) throws(ConfigFile.ParseError) -> (String, String?) {
        guard let first = text.first else { throw ConfigFile.ParseError(line: line, message: "a value is missing after =") }
        guard first == "\"" else {
            guard let hash = text.firstIndex(of: "#") else { return (String(text.trimmingCharacters(in: .whitespaces)), nil) }
            return (String(text[..<hash].trimmingCharacters(in: .whitespaces)), String(text[hash...]))
        }
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
                return (out, rest.isEmpty ? nil : rest)
            } else {
                out.append(character)
            }
            index = text.index(after: index)
        }
        throw ConfigFile.ParseError(line: line, message: "the quoted value is not closed")
    }

    /// A whole number (no leading zero) and `true`/`false` stay bare; all else is a TOML string.
    static func tomlValue(_ value: String) -> String {
        if value == "true" || value == "false" { return value }
        let digits = value.hasPrefix("-") ? value.dropFirst() : Substring(value)
        if !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0.isASCII && $0.isNumber }), digits == "0" || digits.first != "0" {
            return value
        }
        return tomlString(value)
    }

    /// A TOML basic string: quotes, backslashes and control characters escaped (what Kasse
    /// writes into a configuration: here, and `kasse staff pin`'s lines).
    public static func tomlString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += String(format: "\\u%04X", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
