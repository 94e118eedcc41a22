import KasseCore
import VippsModels

/// A language the till speaks: its messages (one template for every `MessageKey`) and how it
/// writes amounts, quantities, dates and times. Each language is one file in this folder
/// (`Norwegian.swift`, …) and one entry in `Language.all`.
public struct Language: Sendable, Hashable, CustomStringConvertible {
    /// `nb`, `da`, `fi`, `en`: what `till.language` and a cashier's `language` name.
    public let code: String
    /// The language's name in itself, for the configuration's error messages.
    public let name: String
    let groupSeparator: String
    let decimalSeparator: String
    /// How an amount is written in each currency; `{n}` is the number (`1 234,50`).
    let moneyPatterns: [CurrencyCode: String]
    /// Between day, month and year (`30.11.2026`), and between hours and minutes.
    let dateSeparator: String
    let timeSeparator: String
    /// The key a cashier presses for yes (`j`, `y`): also accepted everywhere yes is asked.
    public let yesKey: Character
    let templates: [MessageKey: String]
    /// The app's name its customer-facing words use (nil: the language's own words, Norway's);
    /// see `branded(_:)`.
    public let brand: AppBrand?

    init(code: String, name: String, groupSeparator: String, decimalSeparator: String, moneyPatterns: [CurrencyCode: String],
         dateSeparator: String, timeSeparator: String, yesKey: Character, templates: [MessageKey: String], brand: AppBrand? = nil) {
        self.brand = brand
        self.code = code
        self.name = name
        self.groupSeparator = groupSeparator
        self.decimalSeparator = decimalSeparator
        self.moneyPatterns = moneyPatterns
        self.dateSeparator = dateSeparator
        self.timeSeparator = timeSeparator
        self.yesKey = yesKey
        self.templates = templates
    }

    /// Every language Kasse speaks. A new language is a file like `Finnish.swift` and a line here.
    public static let all: [Language] = [.norwegian, .danish, .finnish, .english]

    /// The language a market's shops speak by default.
    public static func of(_ market: Market) -> Language {
        switch market {
        case .norway: .norwegian
        case .denmark: .danish
        case .finland: .finnish
        }
    }

    /// `nb` (also `no`, `nob`), `da`, `fi`, `en`, any case; nil for one Kasse does not speak.
    public static func named(_ code: String) -> Language? {
        let code = code.lowercased()
        let aliases = ["no": "nb", "nob": "nb", "nb-no": "nb", "norsk": "nb", "dan": "da", "da-dk": "da", "dansk": "da",
                       "fin": "fi", "fi-fi": "fi", "suomi": "fi", "eng": "en", "english": "en", "en-gb": "en"]
        let wanted = aliases[code] ?? code
        return all.first { $0.code == wanted }
    }

    public static func == (lhs: Language, rhs: Language) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
    public var description: String { code }

    // MARK: Messages

    /// The message in this language, its placeholders filled in and formatted the language's way.
    public func text(_ message: Message) -> String {
        let template = templates[message.key] ?? Language.english.templates[message.key] ?? message.key.rawValue
        guard template.contains("{") else { return template }
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            let name = String(rest[rest.index(after: open)..<close])
            if let argument = message.arguments[name] {
                out += format(argument)
            } else {
                out += "{\(name)}"
            }
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    public func text(_ key: MessageKey) -> String { text(Message(key)) }

    /// The language's own template for a message (nil where it has none: English is shown then).
    public func template(_ key: MessageKey) -> String? { templates[key] }

    public var templateCount: Int { templates.count }

    func format(_ argument: MessageArgument) -> String {
        switch argument {
        case .text(let text): text
        case .number(let number): String(number)
        case .money(let minor, let currency): money(minor, currency)
        case .amount(let minor): amount(minor)
        case .quantity(let quantity): self.quantity(quantity)
        case .date(let date): self.date(date)
        case .message(let message): text(message)
        case .vatRate(let rate): vatRate(rate)
        case .vatChange(let from, let to): vatRate(from) + " → " + vatRate(to)
        case .list(let items): items.map(format).joined(separator: ", ")
        }
    }

    // MARK: Formatting

    /// `1 234,50` (`1.234,50`, `1,234.50`): minor units as a number with two decimals.
    public func amount(_ minor: Int) -> String {
        (minor < 0 ? "-" : "") + number(minor.magnitude)
    }

    /// `1 234,50` for a magnitude in minor units.
    func number(_ magnitude: UInt) -> String {
        let major = String(magnitude / 100)
        let cents = magnitude % 100
        var groups: [Substring] = []
        var end = major.endIndex
        while end > major.startIndex {
            let start = major.index(end, offsetBy: -3, limitedBy: major.startIndex) ?? major.startIndex
            groups.insert(major[start..<end], at: 0)
            end = start
        }
        return groups.joined(separator: groupSeparator) + decimalSeparator + (cents < 10 ? "0\(cents)" : "\(cents)")
    }

    /// `kr 1 234,50`, `1.234,50 kr.`, `1 234,50 €`, `NOK 1,234.50`.
    public func money(_ minor: Int, _ currency: CurrencyCode) -> String {
        let pattern = moneyPatterns[currency] ?? "{n} \(currency.rawValue)"
        return (minor < 0 ? "-" : "") + pattern.replacing("{n}", with: number(minor.magnitude))
    }

    public func money(_ money: Money) -> String { self.money(money.minorUnits, money.currency) }

    /// `3`, `0,734 kg` (`0.734 kg`).
    public func quantity(_ quantity: Quantity) -> String {
        switch quantity {
        case .pieces(let count): return String(count)
        case .grams(let grams): return kilograms(grams) + " kg"
        }
    }

    /// `0,734`: grams as kilograms with three decimals.
    public func kilograms(_ grams: Int) -> String {
        var fraction = String(grams % 1000)
        while fraction.count < 3 { fraction = "0" + fraction }
        return "\(grams / 1000)\(decimalSeparator)\(fraction)"
    }

    /// `30.11.2026` (`30/11/2026`).
    public func date(_ date: CivilDate) -> String {
        Self.two(date.day) + dateSeparator + Self.two(date.month) + dateSeparator + String(date.year)
    }

    /// `30.11.` : a day without its year.
    public func shortDate(_ date: CivilDate) -> String {
        Self.two(date.day) + dateSeparator + Self.two(date.month) + (dateSeparator == "." ? "." : "")
    }

    /// `14:05` (`14.05` in Finnish); `14:05:09` with `seconds` (receipts and reports, which
    /// name the second their transaction was signed).
    public func time(_ time: LocalTime, seconds: Bool = false) -> String {
        Self.two(time.hour) + timeSeparator + Self.two(time.minute) + (seconds ? timeSeparator + Self.two(time.second) : "")
    }

    /// `30.11.2026 14:05`.
    public func dateTime(_ date: CivilDate, _ time: LocalTime, seconds: Bool = false) -> String {
        self.date(date) + " " + self.time(time, seconds: seconds)
    }

    /// `25 %`, `25,5 %` (`25%`, `25.5%` in English).
    public func vatRate(_ rate: VATRate) -> String {
        let basisPoints = rate.basisPoints
        var number = String(basisPoints / 100)
        if basisPoints % 100 != 0 {
            var fraction = String(basisPoints % 100)
            if fraction.count < 2 { fraction = "0" + fraction }
            while fraction.hasSuffix("0") { fraction.removeLast() }
            number += decimalSeparator + fraction
        }
        return number + (code == "en" ? "%" : " %")
    }

    static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}

/// A value put into a message's placeholder, formatted by the language that shows it.
public indirect enum MessageArgument: Sendable, Hashable {
    case text(String)
    case number(Int)
    case money(Int, CurrencyCode)
    /// Minor units as a number, without a currency.
    case amount(Int)
    case quantity(Quantity)
    case date(CivilDate)
    /// Another message, in the same language.
    case message(Message)
    case vatRate(VATRate)
    case vatChange(from: VATRate, to: VATRate)
    /// Several values, separated by commas.
    case list([MessageArgument])
}

/// Something to tell a person at the till: which message, and what goes into its placeholders.
/// Kept as this (not as text) until it is shown, so that it is shown in the language of
/// whoever reads it.
public struct Message: Sendable, Hashable, CustomStringConvertible {
    public let key: MessageKey
    public let arguments: [String: MessageArgument]

    public init(_ key: MessageKey, _ arguments: [String: MessageArgument] = [:]) {
        self.key = key
        self.arguments = arguments
    }

    /// In English: for logs, the journal and tests.
    public var description: String { Language.english.text(self) }
}
