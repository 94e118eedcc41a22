import KasseCore
import KasseLanguage
import Testing
import VippsModels

struct LanguageTests {
    static func placeholders(_ template: String) -> Set<String> {
        var names = Set<String>()
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            names.insert(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }

    @Test("every message exists in every language, with the same placeholders as in English", arguments: Language.all)
    func complete(_ language: Language) {
        for key in MessageKey.allCases {
            let template = language.template(key)
            #expect(template != nil, "\(language.code) has no \(key)")
            guard let template, let english = Language.english.template(key) else { continue }
            #expect(!template.isEmpty, "\(language.code) \(key) is empty")
            #expect(Self.placeholders(template) == Self.placeholders(english),
                    "\(language.code) \(key): \(Self.placeholders(template).sorted()) but English has \(Self.placeholders(english).sorted())")
        }
        #expect(language.templateCount == MessageKey.allCases.count, "\(language.code) has templates for keys that do not exist")
    }

    /// Each market's language writes its own currency the way its shops do.
    @Test(arguments: [
        (123_450, Market.norway, "kr 1 234,50"),
        (123_450, .finland, "1 234,50 €"),
        (123_450, .denmark, "1.234,50 kr."),
        (5, .norway, "kr 0,05"),
        (0, .norway, "kr 0,00"),
        (100_000_000, .norway, "kr 1 000 000,00"),
        (-2990, .norway, "-kr 29,90"),
        (99, .finland, "0,99 €"),
        (123_456_789, .denmark, "1.234.567,89 kr."),
        (Int.min, .norway, "-kr 92 233 720 368 547 758,08"),
    ])
    func formatsInTheShopsLanguage(minor: Int, market: Market, expected: String) {
        #expect(Language.of(market).money(minor, market.currency) == expected)
    }

    @Test func amountsAreWrittenEachLanguagesWay() {
        #expect(Language.norwegian.money(123_450, .NOK) == "kr 1 234,50")
        #expect(Language.danish.money(123_450, .DKK) == "1.234,50 kr.")
        #expect(Language.finnish.money(123_450, .EUR) == "1 234,50 €")
        #expect(Language.english.money(123_450, .NOK) == "NOK 1,234.50")
        #expect(Language.english.money(5, .EUR) == "€0.05")
        #expect(Language.norwegian.money(-2490, .NOK) == "-kr 24,90")
        #expect(Language.danish.money(-123_456_789, .DKK) == "-1.234.567,89 kr.")
        #expect(Language.finnish.money(100, .NOK) == "1,00 NOK", "another currency keeps its code")
        #expect(Language.norwegian.amount(0) == "0,00")
    }

    @Test func quantitiesDatesTimesAndRates() {
        let date = CivilDate(year: 2026, month: 11, day: 30)
        let time = LocalTime(hour: 14, minute: 5, second: 9)
        #expect(Language.norwegian.dateTime(date, time) == "30.11.2026 14:05")
        #expect(Language.finnish.dateTime(date, time) == "30.11.2026 14.05")
        #expect(Language.english.dateTime(date, time, seconds: true) == "30/11/2026 14:05:09")
        #expect(Language.danish.shortDate(date) == "30.11.")
        #expect(Language.norwegian.quantity(.grams(734)) == "0,734 kg")
        #expect(Language.english.quantity(.grams(12_050)) == "12.050 kg")
        #expect(Language.finnish.quantity(.pieces(3)) == "3")
        #expect(Language.finnish.vatRate(VATRate(1350)) == "13,5 %")
        #expect(Language.english.vatRate(VATRate(2550)) == "25.5%")
        #expect(Language.danish.vatRate(VATRate(2500)) == "25 %")
    }

    @Test func placeholdersAreFilledTheLanguagesWay() {
        let message = Message(.requestSent, ["amount": .money(7670, .NOK), "customer": .text("+47 ******01")])
        #expect(Language.norwegian.text(message) == "Betalingsforespørsel på kr 76,70 sendt til +47 ******01.")
        #expect(Language.english.text(message) == "Payment request of NOK 76.70 sent to +47 ******01.")
        #expect(message.description == Language.english.text(message), "logs and tests read English")
        // A message inside a message is in the same language.
        let nested = Message(.cancelFailed, ["reason": .message(Message(.vippsUnreachable))])
        #expect(Language.danish.text(nested) == "Annulleringen mislykkedes: Ingen forbindelse til Vipps MobilePay. Tjek netværket; intet er tabt.")
        // A placeholder nobody filled stays visible rather than vanishing.
        #expect(Language.finnish.text(Message(.amountLine)) == "Summa: {amount}")
    }

    @Test func languagesAreNamedByTheirCodes() {
        #expect(Language.named("nb") == .norwegian && Language.named("NO") == .norwegian && Language.named("nob") == .norwegian)
        #expect(Language.named("da") == .danish && Language.named("fi") == .finnish && Language.named("EN") == .english)
        #expect(Language.named("sv") == nil)
        #expect(Language.of(.denmark) == .danish && Language.of(.finland) == .finnish && Language.of(.norway) == .norwegian)
        #expect(Set(Language.all.map(\.code)).count == Language.all.count)
    }

    /// Every error the core can raise has a message for the cashier in every language.
    @Test func coreErrorsSpeakEveryLanguage() {
        let messages: [Message] = [
            QuantityError.invalidWeight(.tooManyDecimals(3)).message, BasketError.totalTooLarge.message,
            CustomerInputError.phoneNationalLength(expected: 8, found: 7, market: .denmark).message,
            LookupError.unknownCode("42").message, GTINError.badCheckDigit(expected: 6, found: 7).message,
            VippsFailure.refused(code: .customerNotFound, status: 400, title: nil).message, VippsFailure.unavailable(status: 429).message,
        ]
        for language in Language.all {
            for message in messages {
                let text = language.text(message)
                #expect(!text.contains("{"), "\(language): \(text)")
            }
        }
        #expect(Language.danish.text(messages[2]) == "Et mobilnummer i Danmark har 8 cifre; 7 blev skrevet")
        #expect(Language.english.text(messages[1]) == "The sale would exceed the largest amount one payment can carry (650,000.00)")
    }
}
