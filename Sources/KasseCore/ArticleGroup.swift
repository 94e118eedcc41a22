/// A product's main group (hovedgruppe): the reports count sales per group, and the SAF-T
/// Cash Register export names each group by its code in Skatteetaten's list
/// PredefinedBasicID-04 (`04006` Food, `04011` Soft drinks, …).
///
/// The catalog's optional `article_group` column holds the code; a catalog without the column
/// sells everything as `04003` Sale of goods (Varesalg).
public struct ArticleGroup: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The code's number: 4006 for `04006`.
    public let code: Int

    /// Only codes in the list; `nil` for anything else.
    public init?(code: Int) {
        guard Self.names[code] != nil else { return nil }
        self.code = code
    }

    /// `04006` (also `4006`).
    public init?(_ text: some StringProtocol) {
        guard (4...5).contains(text.count), text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(text) else { return nil }
        self.init(code: value)
    }

    /// The five-digit code as the list writes it.
    public var id: String {
        let digits = String(code)
        return String(repeating: "0", count: max(0, 5 - digits.count)) + digits
    }

    public var description: String { id }
    /// Norwegian (bokmål) name from the code list.
    public var norwegianName: String { Self.names[code]?.nob ?? id }
    public var englishName: String { Self.names[code]?.eng ?? id }

    /// The group's name in a report's language (`nb`, `da`, `fi`, else English): Skatteetaten's
    /// Norwegian and English names, and our Danish and Finnish translations of them.
    public func name(languageCode: String) -> String {
        switch languageCode {
        case "nb": norwegianName
        case "da": Self.danishNames[code] ?? englishName
        case "fi": Self.finnishNames[code] ?? englishName
        default: englishName
        }
    }

    public static func < (lhs: ArticleGroup, rhs: ArticleGroup) -> Bool { lhs.code < rhs.code }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let group = ArticleGroup(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an article group: \(text)"))
        }
        self = group
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(id)
    }

    /// Varesalg: what a product without a group is sold as.
    public static let saleOfGoods = ArticleGroup(uncheckedCode: 4003)
    public static let food = ArticleGroup(uncheckedCode: 4006)
    public static let softDrinks = ArticleGroup(uncheckedCode: 4011)
    public static let otherDrinks = ArticleGroup(uncheckedCode: 4012)
    public static let otherGoods = ArticleGroup(uncheckedCode: 4014)

    private init(uncheckedCode: Int) { code = uncheckedCode }

    /// Skatteetaten's code list PredefinedBasicID-04 (Norwegian SAF-T Cash Register data).
    static let names: [Int: (nob: String, eng: String)] = [
        4001: ("Uttak av behandlingstjenester", "Withdrawal of treatment services"),
        4002: ("Uttak av behandlingsvarer", "Withdrawal of goods used for treatment services"),
        4003: ("Varesalg", "Sale of goods"),
        4004: ("Salg av behandlingstjenester", "Sale of treatment services"),
        4005: ("Salg av hårklipp", "Sale of haircut"),
        4006: ("Mat", "Food"),
        4007: ("Øl", "Beer"),
        4008: ("Vin", "Wine"),
        4009: ("Brennevin", "Liquor"),
        4010: ("Rusbrus/Cider", "Alcopops/Cider"),
        4011: ("Mineralvann (brus)", "Soft drinks/Mineral water"),
        4012: ("Annen drikke (te, kaffe etc)", "Other drinks (tea, coffee etc)"),
        4013: ("Tobakk", "Tobacco"),
        4014: ("Andre varer", "Other goods"),
        4015: ("Inngangspenger", "Entrance fee (cover charge)"),
        4016: ("Inngangspenger fri adgang", "Free entrance (members etc)"),
        4017: ("Garderobeavgift", "Cloakroom fee"),
        4018: ("Garderobeavgift fri garderobe", "Free cloakroom"),
        4019: ("Helpensjon", "Accommodation - full board"),
        4020: ("Halvpensjon", "Accommodation - half board"),
        4021: ("Overnatting med frokost", "Accommodation - with breakfast"),
        4999: ("Øvrige", "Other"),
    ]

    static let danishNames: [Int: String] = [
        4001: "Udtag af behandlingsydelser", 4002: "Udtag af behandlingsvarer", 4003: "Varesalg",
        4004: "Salg af behandlingsydelser", 4005: "Salg af klipning", 4006: "Mad", 4007: "Øl", 4008: "Vin",
        4009: "Spiritus", 4010: "Alkoholsodavand/cider", 4011: "Mineralvand (sodavand)",
        4012: "Anden drikke (te, kaffe osv.)", 4013: "Tobak", 4014: "Andre varer", 4015: "Entré", 4016: "Fri entré",
        4017: "Garderobegebyr", 4018: "Fri garderobe", 4019: "Helpension", 4020: "Halvpension",
        4021: "Overnatning med morgenmad", 4999: "Øvrige",
    ]

    static let finnishNames: [Int: String] = [
        4001: "Hoitopalvelujen otto", 4002: "Hoitotuotteiden otto", 4003: "Tavaramyynti", 4004: "Hoitopalvelujen myynti",
        4005: "Hiustenleikkuun myynti", 4006: "Ruoka", 4007: "Olut", 4008: "Viini", 4009: "Väkevät alkoholijuomat",
        4010: "Lonkero/siideri", 4011: "Kivennäisvesi (limsa)", 4012: "Muut juomat (tee, kahvi ym.)", 4013: "Tupakka",
        4014: "Muut tavarat", 4015: "Pääsymaksu", 4016: "Vapaa pääsy", 4017: "Narikkamaksu", 4018: "Vapaa narikka",
        4019: "Täysihoito", 4020: "Puolihoito", 4021: "Majoitus aamiaisella", 4999: "Muut",
    ]
}
