/// A Norwegian organisation number (organisasjonsnummer): nine digits, the last a modulus-11
/// check digit over the first eight with weights 3 2 7 6 5 4 3 2.
public struct OrganisationNumber: Sendable, Hashable, CustomStringConvertible {
    public let digits: String

    public enum Invalid: Error, Equatable, CustomStringConvertible {
        case notNineDigits(String)
        case checkDigit(String)

        public var description: String {
            switch self {
            case .notNineDigits(let text): "'\(text)' is not an organisation number: it has nine digits (e.g. 999 999 999)"
            case .checkDigit(let text): "'\(text)' is not an organisation number: its check digit is wrong (a typing error?)"
            }
        }
    }

    /// `999999999`, `999 999 999`, `NO 999 999 999 MVA`: spaces, the `NO` prefix and the `MVA`
    /// suffix are allowed around the nine digits.
    public init(_ text: String) throws(Invalid) {
        var cleaned = text.uppercased().filter { $0 != " " && $0 != "." && $0 != "-" }
        if cleaned.hasPrefix("NO") { cleaned.removeFirst(2) }
        if cleaned.hasSuffix("MVA") { cleaned.removeLast(3) }
        guard cleaned.count == 9, cleaned.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw .notNineDigits(text) }
        let values = cleaned.compactMap { $0.wholeNumberValue }
        let weights = [3, 2, 7, 6, 5, 4, 3, 2]
        let remainder = zip(values, weights).reduce(0) { $0 + $1.0 * $1.1 } % 11
        let check = remainder == 0 ? 0 : 11 - remainder
        guard check != 10, check == values[8] else { throw .checkDigit(text) }
        digits = cleaned
    }

    /// `999 999 999`
    public var description: String {
        let characters = Array(digits)
        return String(characters[0..<3]) + " " + String(characters[3..<6]) + " " + String(characters[6..<9])
    }
}
