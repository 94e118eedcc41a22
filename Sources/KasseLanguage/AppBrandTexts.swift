import KasseCore

/// The customer-facing words that name the app, as they are in Denmark and Finland before and
/// after MobilePay became Vipps (12 January 2027; see `AppBrand`). Norway's words never
/// changed, and a language's own templates are Norway's (and the neutral ones); in Denmark and
/// Finland `branded(_:)` lays these over them.
extension Language {
    /// This language with the app named as `brand` says (nil: as it is).
    public func branded(_ brand: AppBrand?) -> Language {
        guard let brand, let overrides = Self.brandTexts[brand]?[code] else { return self }
        return Language(code: code, name: name, groupSeparator: groupSeparator, decimalSeparator: decimalSeparator,
                        moneyPatterns: moneyPatterns, dateSeparator: dateSeparator, timeSeparator: timeSeparator, yesKey: yesKey,
                        templates: templates.merging(overrides) { $1 }, brand: brand)
    }

    /// The messages that name the app, per brand and language.
    public static let brandedKeys: [MessageKey] = [
        .askToApprove, .customerScanPrompt, .customerProductCode, .customerNotPersonalQR, .receiptPaid, .receiptRefunded,
        .returnReceiptRefunded,
    ]

    static let brandTexts: [AppBrand: [String: [MessageKey: String]]] = [
        .mobilePay: [
            "da": [
                .askToApprove: "Bed kunden åbne MobilePay-appen og godkende betalingen.",
                .customerScanPrompt: "Scan din MobilePay-QR-kode her",
                .customerProductCode: "Det er en vares stregkode. Vis QR-koden i MobilePay-appen.",
                .customerNotPersonalQR: "Det er ikke din personlige betalingskode. Åbn MobilePay og vis din egen QR-kode.",
                .receiptPaid: "Betalt med MobilePay",
                .receiptRefunded: "Tilbagebetalt til MobilePay",
                .returnReceiptRefunded: "TILBAGEBETALT til MobilePay",
            ],
            "fi": [
                .askToApprove: "Pyydä asiakasta avaamaan MobilePay-sovellus ja hyväksymään maksu.",
                .customerScanPrompt: "Skannaa MobilePay-QR-koodisi tässä",
                .customerProductCode: "Tuo on tuotteen viivakoodi. Näytä QR-koodi MobilePay-sovelluksesta.",
                .customerNotPersonalQR: "Tuo ei ole henkilökohtainen maksukoodisi. Avaa MobilePay ja näytä oma QR-koodisi.",
                .receiptPaid: "Maksettu MobilePaylla",
                .receiptRefunded: "Hyvitetty MobilePayhin",
                .returnReceiptRefunded: "HYVITETTY MobilePayhin",
            ],
            "en": [
                .askToApprove: "Ask the customer to open the MobilePay app and approve it.",
                .customerScanPrompt: "Scan your MobilePay QR code here",
                .customerProductCode: "That is a product barcode. Show the QR code in your MobilePay app.",
                .customerNotPersonalQR: "That is not your personal payment code. Open MobilePay and show your own QR code.",
                .receiptPaid: "Paid with MobilePay",
                .receiptRefunded: "Refunded to MobilePay",
                .returnReceiptRefunded: "REFUNDED to MobilePay",
            ],
        ],
        .vipps: [
            "da": [
                .askToApprove: "Bed kunden åbne Vipps-appen og godkende betalingen.",
                .customerScanPrompt: "Scan din Vipps-QR-kode her",
                .customerProductCode: "Det er en vares stregkode. Vis QR-koden i Vipps-appen.",
                .customerNotPersonalQR: "Det er ikke din personlige betalingskode. Åbn Vipps og vis din egen QR-kode.",
                .receiptPaid: "Betalt med Vipps",
                .receiptRefunded: "Tilbagebetalt til Vipps",
                .returnReceiptRefunded: "TILBAGEBETALT til Vipps",
            ],
            "fi": [
                .askToApprove: "Pyydä asiakasta avaamaan Vipps-sovellus ja hyväksymään maksu.",
                .customerScanPrompt: "Skannaa Vipps-QR-koodisi tässä",
                .customerProductCode: "Tuo on tuotteen viivakoodi. Näytä QR-koodi Vipps-sovelluksesta.",
                .customerNotPersonalQR: "Tuo ei ole henkilökohtainen maksukoodisi. Avaa Vipps ja näytä oma QR-koodisi.",
                .receiptPaid: "Maksettu Vippsillä",
                .receiptRefunded: "Hyvitetty Vippsiin",
                .returnReceiptRefunded: "HYVITETTY Vippsiin",
            ],
            "en": [
                .askToApprove: "Ask the customer to open the Vipps app and approve it.",
                .customerScanPrompt: "Scan your Vipps QR code here",
                .customerProductCode: "That is a product barcode. Show the QR code in your Vipps app.",
                .customerNotPersonalQR: "That is not your personal payment code. Open Vipps and show your own QR code.",
                .receiptPaid: "Paid with Vipps",
                .receiptRefunded: "Refunded to Vipps",
                .returnReceiptRefunded: "REFUNDED to Vipps",
            ],
        ],
    ]
}
