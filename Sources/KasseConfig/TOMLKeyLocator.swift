import Foundation

/// Finds the line each key of a TOML document stands on: the TOML library reads the values;
/// this only points at them for messages. It follows `[table]` and `[[array]]` headers and
/// `key = …` lines (dotted and quoted keys included), and skips multi-line strings.
enum TOMLKeyLocator {
    /// Lines by path; keys inside the n-th `[[a.b]]` are `a.b[n].key` (n from 0), and the
    /// header itself is `a.b[n]`.
    static func lines(of text: String) -> [String: Int] {
        var result: [String: Int] = [:]
        var prefix = ""
        var arrayCounts: [String: Int] = [:]
        var inMultiline: String?
        var number = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if let delimiter = inMultiline {
                if countOccurrences(of: delimiter, in: line) % 2 == 1 { inMultiline = nil }
                continue
            }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[[") {
                guard let end = line.range(of: "]]") else { continue }
                let name = keyPath(line[line.index(line.startIndex, offsetBy: 2)..<end.lowerBound])
                let index = arrayCounts[name, default: 0]
                arrayCounts[name] = index + 1
                prefix = "\(name)[\(index)]."
                result["\(name)[\(index)]"] = number
                continue
            }
            if line.hasPrefix("[") {
                guard let end = line.firstIndex(of: "]") else { continue }
                let name = keyPath(line[line.index(after: line.startIndex)..<end])
                prefix = name + "."
                result[name] = result[name] ?? number
                continue
            }
            guard let equals = keyValueSeparator(in: line) else { continue }
            let key = keyPath(line[..<equals])
            if !key.isEmpty { result[prefix + key] = number }
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            for delimiter in ["\"\"\"", "'''"] where value.hasPrefix(delimiter) {
                if countOccurrences(of: delimiter, in: value) == 1 { inMultiline = delimiter }
            }
        }
        return result
    }

    /// `a . "b.c" . d` → `a.b.c.d` (quotes removed; good enough for pointing at lines).
    static func keyPath(_ text: Substring) -> String {
        text.split(separator: ".").map { part in
            var trimmed = part.trimmingCharacters(in: .whitespaces)
            if trimmed.count >= 2, let first = trimmed.first, first == "\"" || first == "'", trimmed.last == first {
                trimmed = String(trimmed.dropFirst().dropLast())
            }
            return trimmed
        }.joined(separator: ".")
    }

    /// The `=` of a key/value line, outside quotes.
    static func keyValueSeparator(in line: String) -> String.Index? {
        var quote: Character?
        for index in line.indices {
            let character = line[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "=" {
                return index
            }
        }
        return nil
    }

    static func countOccurrences(of needle: String, in text: String) -> Int {
        var count = 0
        var rest = text[...]
        while let range = rest.range(of: needle) {
            count += 1
            rest = rest[range.upperBound...]
        }
        return count
    }
}
