import VippsModels
/// A calendar day, without time zone arithmetic: the till's clock supplies it.
public struct CivilDate: Sendable, Hashable, Comparable, Codable {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// `20261121`
    public var compact: String {
        pad(year, 4) + pad(month, 2) + pad(day, 2)
    }

    /// `2026-11-21`
    public var iso: String { pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) }

    /// `21.11.2026`, as a Norwegian, Danish or Finnish shop writes a day.
    public var dotted: String { pad(day, 2) + "." + pad(month, 2) + "." + pad(year, 4) }

    /// The day `days` later (earlier when negative).
    public func adding(days: Int) -> CivilDate {
        let civil = InternetTime.civil(fromDays: InternetTime.days(fromCivil: year, month, day) + Int64(days))
        return CivilDate(year: civil.year, month: civil.month, day: civil.day)
    }

    /// Monday to Friday (public holidays are not known here).
    public var isWeekday: Bool {
        // 1970-01-01 was a Thursday: day 0 is Thursday, so (days + 3) mod 7 is 0 on a Monday.
        ((InternetTime.days(fromCivil: year, month, day) % 7) + 7 + 3) % 7 < 5
    }

    /// What a cashier types for a day: `2026-11-21`, `21.11.2026`, `21.11` (this year),
    /// `21/11/2026` (English), `today` / `i dag` / `idag` / `tänään`. Nil for anything else, or a
    /// day that does not exist.
    public static func parse(_ text: String, today: CivilDate) -> CivilDate? {
        let text = String(text.lowercased().filter { $0 != " " }.map { $0 == "/" ? "." : $0 })
        if ["today", "idag", "idag.", "tänään"].contains(text) { return today }
        let parts: [Int]
        let date: CivilDate
        if text.contains("-") {
            parts = text.split(separator: "-", omittingEmptySubsequences: false).compactMap { Int($0) }
            guard parts.count == 3, text.split(separator: "-").count == 3 else { return nil }
            date = CivilDate(year: parts[0], month: parts[1], day: parts[2])
        } else if text.contains(".") {
            parts = text.split(separator: ".").compactMap { Int($0) }
            guard parts.count == text.split(separator: ".").count, parts.count == 2 || parts.count == 3 else { return nil }
            date = CivilDate(year: parts.count == 3 ? parts[2] : today.year, month: parts[1], day: parts[0])
        } else {
            return nil
        }
        let days = [31, date.year % 4 == 0 && (date.year % 100 != 0 || date.year % 400 == 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (2000...2999).contains(date.year), (1...12).contains(date.month), date.day >= 1, date.day <= days[date.month - 1]
        else { return nil }
        return date
    }
}

func pad(_ value: Int, _ width: Int) -> String {
    let text = String(value)
    return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
}

/// The `reference` of one payment attempt: unique per merchant, `^[a-zA-Z0-9-]{8,50}$`.
///
/// Built from the store, the till, the day, the till's sale number and the attempt:
/// `OSL1-T3-20261121-000123-1`. A new attempt after a definite failure gets the next
/// attempt number and so a new reference; a retry of the same request never does.
public struct PaymentReference: Sendable, Hashable, CustomStringConvertible, Codable {
    public let value: String

    public var description: String { value }

    public static let maximumLength = 50
    public static let minimumLength = 8

    public init(store: String, till: String, date: CivilDate, sequence: Int, attempt: Int) {
        let storePart = PaymentReference.sanitise(store, maxLength: 12, fallback: "S")
        let tillPart = PaymentReference.sanitise(till, maxLength: 12, fallback: "T")
        let sequencePart = pad(max(0, sequence) % 100_000_000, 6)
        let attemptPart = String(max(1, attempt) % 1000)
        self.value = [storePart, tillPart, date.compact, sequencePart, attemptPart].joined(separator: "-")
    }

    /// The part of every reference that names the till: `OSL1-T3` (store and till, as the
    /// reference writes them). The store server routes a payment's events to its till by it.
    public static func tillPrefix(store: String, till: String) -> String {
        sanitise(store, maxLength: 12, fallback: "S") + "-" + sanitise(till, maxLength: 12, fallback: "T")
    }

    /// The till part of a till reference (`OSL1-T3` of `OSL1-T3-20261121-000123-1`); nil for a
    /// reference not made by a Kasse till.
    public static func tillPrefix(of reference: String) -> String? {
        let parts = reference.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 5, businessDay(of: reference) != nil, parts[3].allSatisfy({ $0.isASCII && $0.isNumber }),
              !parts[0].isEmpty, !parts[1].isEmpty
        else { return nil }
        return parts[0] + "-" + parts[1]
    }

    /// The business day a till reference carries (`STORE-TILL-YYYYMMDD-SALE-ATTEMPT`, read from
    /// the end, so a store id with dashes does not matter): the shop's local day when the
    /// payment was made. "The sales of a day" means this, everywhere (the till's returns,
    /// `kasse journal list`, the audit).
    public static func businessDay(of reference: String) -> CivilDate? {
        let parts = reference.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 5 else { return nil }
        let day = parts[parts.count - 3]
        guard day.count == 8, day.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(day) else { return nil }
        let date = CivilDate(year: number / 10_000, month: number / 100 % 100, day: number % 100)
        return CivilDate.parse(date.iso, today: date) == date ? date : nil
    }

    /// Accepts an existing reference (from the command line or the API).
    public init(_ value: String) throws(ReferenceError) {
        guard PaymentReference.isValid(value) else { throw .invalid(value) }
        self.value = value
    }

    /// `^[a-zA-Z0-9-]{8,50}$`
    public static func isValid(_ value: String) -> Bool {
        let bytes = value.utf8
        guard (minimumLength...maximumLength).contains(bytes.count) else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
    }

    /// Keeps ASCII letters and digits (after folding å→a and the like).
    static func sanitise(_ text: String, maxLength: Int, fallback: String) -> String {
        let folded = TextFolding.fold(text)
        let kept = folded.filter { isAlphanumeric($0) }.prefix(maxLength)
        return kept.isEmpty ? fallback : String(decoding: Array(kept), as: UTF8.self).uppercased()
    }
}

public enum ReferenceError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(String)

    public var description: String {
        switch self {
        case .invalid(let value):
            "'\(value)' is not a valid payment reference: 8–50 letters, digits and dashes"
        }
    }
}

/// The `paymentDescription` the customer sees in the app: 3–100 characters.
public enum PaymentDescription {
    public static let minimumLength = 3
    public static let maximumLength = 100

    /// `Kiwi Majorstuen, kvittering 000123`, shortened to fit.
    public static func make(shopName: String, receiptNumber: String, word: String = "kvittering") -> String {
        let tail = ", \(word) \(receiptNumber)"
        let name = shopName.trimmingSpaces().isEmpty ? "Kasse" : shopName.trimmingSpaces()
        let room = maximumLength - tail.count
        let shortened = name.count > room ? String(name.prefix(max(0, room - 1))) + "…" : name
        return normalised(shortened + tail)
    }

    /// Makes any text a valid description: collapses control characters, trims, pads short
    /// text and cuts long text at 100 characters.
    public static func normalised(_ text: String) -> String {
        var cleaned = String(text.map { $0.isNewline || $0 == "\t" ? " " : $0 }).trimmingSpaces()
        if cleaned.count < minimumLength { cleaned = cleaned.isEmpty ? "Kasse" : "Kasse \(cleaned)" }
        if cleaned.count > maximumLength { cleaned = String(cleaned.prefix(maximumLength - 1)) + "…" }
        return cleaned
    }

    public static func isValid(_ text: String) -> Bool {
        (minimumLength...maximumLength).contains(text.count)
    }
}
