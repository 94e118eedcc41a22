import KasseCore

/// Checks, before the TOML library sees a file, what made the library stop the program when
/// fuzzed: toml++ asserts (and in a build without assertions, assumes) that a table header's
/// name starts with a key character, so `[` followed by a line break, `=`, `{` or a non-ASCII
/// letter aborted the till, and so did `}` where an array expects a value (`a = [}`) and a
/// date-like value followed by a space, one digit and the end of the value (`d = 2026-11-30 1`).
/// Outside strings and comments TOML allows only ASCII, a table header needs a name, an array
/// holds values and a date's time has two digits; such a file gets a clear message with its
/// line instead.
enum TOMLPrecheck {
    static func check(_ text: String) throws(ConfigFile.ParseError) {
        var line = 1
        var scalars = Array(text.unicodeScalars)[...]
        enum State { case code, basic, literal, multiBasic, multiLiteral, comment }
        var state = State.code
        var arrayDepth = 0
        var atLineStart = true
        var lastSignificant: Unicode.Scalar = "\n"
        // The current line's text outside strings and comments (strings as a `"`).
        var code: [Unicode.Scalar] = []
        func checkDates() throws(ConfigFile.ParseError) {
            defer { code.removeAll(keepingCapacity: true) }
            let terminators: Set<Unicode.Scalar> = [" ", "\t", "\r", "]", "}", ",", "#"]
            let starts: Set<Unicode.Scalar> = [" ", "\t", "=", "[", ",", "{"]
            guard code.count >= 13 else { return }
            for i in 0...(code.count - 13) where i == 0 || starts.contains(code[i - 1]) {
                let first = code[i]
                guard ("0"..."9").contains(first) || first == "+" || first == "-" else { continue }
                guard code[(i + 1)..<(i + 10)].allSatisfy({ !terminators.contains($0) }), code[i + 4] == "-", code[i + 7] == "-",
                      code[i + 10] == " ", ("0"..."9").contains(code[i + 11]), terminators.contains(code[i + 12])
                else { continue }
                throw ConfigFile.ParseError(line: line, message: "a date's time needs two-digit hours, like 2026-11-30 08:00:00")
            }
        }
        func starts(_ prefix: String) -> Bool { scalars.starts(with: prefix.unicodeScalars) }
        func isKeyStart(_ scalar: Unicode.Scalar?) -> Bool {
            guard let scalar else { return true }  // end of file: the library reports it
            return scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-"
                || scalar == "\"" || scalar == "'" || scalar == "]")
        }
        while let scalar = scalars.first {
            if scalar == "\n" {
                code.append(" ")
                try checkDates()
                line += 1
                atLineStart = true
                if state == .comment || state == .basic || state == .literal { state = .code }
                scalars.removeFirst()
                continue
            }
            switch state {
            case .code:
                if scalar != "#" { code.append(scalar) }
                if scalar == "[" && atLineStart && arrayDepth == 0 {
                    // A table header: `[name]` or `[[name]]`, spaces allowed inside.
                    var rest = scalars.dropFirst()
                    if rest.first == "[" { rest = rest.dropFirst() }
                    while rest.first == " " || rest.first == "\t" { rest = rest.dropFirst() }
                    guard isKeyStart(rest.first) else {
                        throw ConfigFile.ParseError(line: line, message: "a table header needs a name, like [till] or [[scanners.device]]")
                    }
                    atLineStart = false
                    scalars = rest
                    continue
                }
                if scalar == "}" && arrayDepth > 0 && (lastSignificant == "[" || lastSignificant == ",") {
                    throw ConfigFile.ParseError(line: line, message: "a value is missing before '}' in an array")
                }
                if scalar == "[" { arrayDepth += 1 } else if scalar == "]" && arrayDepth > 0 { arrayDepth -= 1 }
                if scalar != " " && scalar != "\t" && scalar != "\r" && scalar != "#" { lastSignificant = scalar }
                if scalar != " " && scalar != "\t" && scalar != "\r" { atLineStart = false }
                if starts("\"\"\"") { state = .multiBasic; scalars.removeFirst(3); continue }
                if starts("'''") { state = .multiLiteral; scalars.removeFirst(3); continue }
                if scalar == "\"" { state = .basic } else if scalar == "'" { state = .literal } else if scalar == "#" { state = .comment }
                if !scalar.isASCII {
                    throw ConfigFile.ParseError(
                        line: line, message: "'\(Character(scalar))' outside quotes: TOML allows only a–z, A–Z, 0–9, _ and - in keys; put text in quotes")
                }
            case .basic:
                if scalar == "\\" { scalars.removeFirst(); if scalars.first == "\n" { continue } } else if scalar == "\"" { state = .code }
            case .literal:
                if scalar == "'" { state = .code }
            case .multiBasic:
                if scalar == "\\" { scalars.removeFirst(); if scalars.first == "\n" { continue } } else if starts("\"\"\"") { state = .code; scalars.removeFirst(3); continue }
            case .multiLiteral:
                if starts("'''") { state = .code; scalars.removeFirst(3); continue }
            case .comment:
                break
            }
            if !scalars.isEmpty { scalars.removeFirst() }
        }
        code.append(" ")
        try checkDates()
    }
}
