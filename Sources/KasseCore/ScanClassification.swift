/// What a scan turned out to be.
public enum ScanKind: String, Sendable, Hashable, Codable {
    case personalQR = "personal-qr"
    case gtin
    case text
}

public enum ScanClassification: Sendable, Hashable {
    case personalQR(PersonalQRCode)
    case gtin(GTIN)
    case text(String)

    public var kind: ScanKind {
        switch self {
        case .personalQR: .personalQR
        case .gtin: .gtin
        case .text: .text
        }
    }

    /// Classifies a scanner's text: a personal QR code, a GTIN with a valid check digit, or
    /// anything else (a SKU label, a misread, another QR code).
    public static func classify(_ scanned: String) -> ScanClassification {
        if let code = try? PersonalQRCode(scanned: scanned) { return .personalQR(code) }
        var text = Substring(scanned)
        while let last = text.last, last.isNewline || last == "\t" || last == " " { text.removeLast() }
        let trimmed = String(text)
        if GTIN.looksLikeGTIN(trimmed), let gtin = try? GTIN(trimmed) { return .gtin(gtin) }
        return .text(trimmed)
    }
}
