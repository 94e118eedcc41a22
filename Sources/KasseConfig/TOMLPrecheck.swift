import KasseCore

/// Checks, before the TOML library sees a file, what made the library stop the program when
/// fuzzed: toml++ asserts (and in a build without assertions, assumes) that a table header's
/// name starts with a key character, so `[` followed by a line break, `=`, `{` or a non-ASCII
/// letter aborted the till, and so did `}` where an array expects a value (`a = [}`). Outside
/// strings and comments TOML allows only ASCII, a table header needs a name, and an array
/// holds values; such a file gets a clear message with its line instead.
enum TOMLPrecheck {
    static func check(_ text: String) throws(ConfigFile.ParseError) {
        var line = 1
        var scalars = Array(text.unicodeScalars)[...]
        enum State { case code, basic, literal, multiBasic, multiLiteral, comment }
        var state = State.code
        var arrayDepth = 0
        var atLineStart = true
        var lastSignificant: Unicode.Scalar = "\n"
        func starts(_ prefix: String) -> Bool { scalars.starts(with: prefix.unicodeScalars) }
        func isKeyStart(_ scalar: Unicode.Scalar?) -> Bool {
            guard let scalar else { return true }  // end of file: the library reports it
            return scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-"
                || scalar == "\"" || scalar == "'" || scalar == "]")
        }
        while let scalar = scalars.first {
            if scalar == "\n" {
                line += 1
                atLineStart = true
                if state == .comment || state == .basic || state == .literal { state = .code }
                scalars.removeFirst()
                continue
            }
            switch state {
            case .code:
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
    }
}
