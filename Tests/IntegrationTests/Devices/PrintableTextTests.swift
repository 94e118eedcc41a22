@testable import IntegrationSupport
import KasseCore
import KasseLanguage
import KassePrinting
import VippsModels
import Testing

/// Everything a language can put on paper prints on every code page Kasse supports: a
/// character the page lacks prints as its documented stand-in, never as `?`.
struct PrintableTextTests {
    @Test(arguments: CodePage.allCases)
    func everyMessageOfEveryLanguagePrintsWithoutAQuestionMark(page: CodePage) {
        var texts: [String] = []
        for language in Language.all {
            for key in MessageKey.allCases { if let template = language.template(key) { texts.append(template) } }
            for currency in [CurrencyCode.NOK, .DKK, .EUR] { texts.append(language.money(123_450, currency)) }
            texts.append(language.kilograms(734))
        }
        for text in texts {
            let printed = String(page.encode(text).map { page.character(for: $0) })
            let questionMarks = printed.filter { $0 == "?" }.count, meant = text.filter { $0 == "?" }.count
            #expect(questionMarks == meant, "\(page): '\(text)' prints as '\(printed)'")
        }
    }

    @Test func standInsAreTheDocumentedOnes() {
        #expect(String(CodePage.pc865.encode("Journal 1–39").map { CodePage.pc865.character(for: $0) }) == "Journal 1-39")
        #expect(String(CodePage.pc865.encode("1 234,50 €").map { CodePage.pc865.character(for: $0) }) == "1 234,50 EUR")
        #expect(String(CodePage.pc858.encode("1 234,50 €").map { CodePage.pc858.character(for: $0) }) == "1 234,50 €")
        #expect(String(CodePage.pc858.encode("“Šampanja…”").map { CodePage.pc858.character(for: $0) }) == "\"Sampanja...\"")
        #expect(String(CodePage.wpc1252.encode("“Šampanja…”").map { CodePage.wpc1252.character(for: $0) }) == "“Šampanja…”")
        #expect(CodePage.pc865.encode("漢") == [UInt8(ascii: "?")])
    }
}
