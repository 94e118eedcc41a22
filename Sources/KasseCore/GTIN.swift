/// A Global Trade Item Number: EAN-8, UPC-A (GTIN-12), EAN-13 or GTIN-14, with a valid check digit.
///
/// Stored as its GTIN-14 form (left-padded with zeros), so a UPC-A and the EAN-13 with a
/// leading zero that encodes the same item compare equal.
public struct GTIN: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Fourteen ASCII digits.
    public let gtin14: String
    /// The digits as scanned or typed (8, 12, 13 or 14 of them).
    public let original: String

    public enum Format: String, Sendable, Hashable {
        case ean8 = "EAN-8"
        case upcA = "UPC-A"
        case ean13 = "EAN-13"
        case gtin14 = "GTIN-14"
    }

    public var format: Format {
        switch original.utf8.count {
        case 8: .ean8
        case 12: .upcA
        case 13: .ean13
        default: .gtin14
        }
    }

    public var description: String { original }

    public static func < (lhs: GTIN, rhs: GTIN) -> Bool { lhs.gtin14 < rhs.gtin14 }

    /// Two GTINs are the same item when their GTIN-14 forms agree, however they were written.
    public static func == (lhs: GTIN, rhs: GTIN) -> Bool { lhs.gtin14 == rhs.gtin14 }

    public func hash(into hasher: inout Hasher) { hasher.combine(gtin14) }

    /// Whether the text has the shape of a GTIN (8, 12, 13 or 14 digits), valid or not.
    public static func looksLikeGTIN(_ text: String) -> Bool {
        let count = text.utf8.count
        return [8, 12, 13, 14].contains(count) && text.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
    }

    /// Validates digits and check digit.
    public init(_ text: String) throws(GTINError) {
        let digits = Array(text.utf8)
        guard !digits.isEmpty else { throw .empty }
        guard digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { throw .notDigits }
        guard [8, 12, 13, 14].contains(digits.count) else { throw .wrongLength(digits.count) }
        let values = digits.map { Int($0 - 48) }
        let expected = GTIN.checkDigit(forPayload: values.dropLast())
        guard let actual = values.last, actual == expected else {
            throw .badCheckDigit(expected: expected, found: values.last ?? 0)
        }
        self.original = text
        self.gtin14 = String(repeating: "0", count: 14 - digits.count) + text
    }

    /// The fourteen digits as a number (what the catalog indexes).
    public var value: UInt64 {
        var value: UInt64 = 0
        for byte in gtin14.utf8 { value = value * 10 + UInt64(byte - 48) }
        return value
    }

    /// A GTIN known to be valid: its GTIN-14 value and how many digits it was written with.
    init(validatedValue value: UInt64, digits: Int) {
        var text = String(value)
        if text.utf8.count < digits { text = String(repeating: "0", count: digits - text.utf8.count) + text }
        self.original = text
        self.gtin14 = String(repeating: "0", count: 14 - digits) + text
    }

    /// The GS1 mod-10 check digit for the digits before it (weights 3,1,3,… from the right).
    public static func checkDigit<C: Collection>(forPayload payload: C) -> Int where C.Element == Int {
        var sum = 0
        for (offset, digit) in payload.reversed().enumerated() {
            sum += digit * (offset % 2 == 0 ? 3 : 1)
        }
        return (10 - sum % 10) % 10
    }

    /// Appends the check digit to a payload of 7, 11, 12 or 13 digits.
    public static func completing(_ payload: String) -> String {
        let digits = payload.utf8.map { Int($0) - 48 }
        return payload + String(checkDigit(forPayload: digits))
    }
}

public enum GTINError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case notDigits
    case wrongLength(Int)
    case badCheckDigit(expected: Int, found: Int)

    public var description: String {
        switch self {
        case .empty: "No barcode"
        case .notDigits: "A barcode number has only digits"
        case .wrongLength(let count): "A barcode number has 8, 12, 13 or 14 digits, not \(count)"
        case .badCheckDigit(let expected, let found):
            "Barcode check digit is wrong (last digit is \(found), should be \(expected)): rescan or retype it"
        }
    }
}
