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
}
