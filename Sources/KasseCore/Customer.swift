/// Who pays: the customer as the till identified them.
public enum CustomerIdentity: Sendable, Hashable {
    /// The complete content of a scanned personal QR code, sent as `customer.personalQr`.
    case personalQR(PersonalQRCode)
    /// A number the cashier typed, as an MSISDN, sent as `customer.phoneNumber`.
    case phoneNumber(MSISDN)
    /// Nobody named: the customer scans the shop's QR code (on the customer display) with their
    /// phone's camera (`userFlow: QR`), for a customer who cannot show their own code.
    case shopQR

    /// Safe to show on screen and in logs.
    public var masked: String {
        switch self {
        case .personalQR(let code): code.masked
        case .phoneNumber(let number): number.masked
        case .shopQR: "QR"
        }
    }
}

/// A personal Vipps or MobilePay QR code, kept exactly as scanned.
///
/// The phone number inside an old Vipps code is never parsed out: the content of the code
/// can change at any time, and the API wants it whole.
public struct PersonalQRCode: Sendable, Hashable {
    public let content: String

    public enum Issuer: String, Sendable { case vipps = "Vipps", mobilePay = "MobilePay" }
    public let issuer: Issuer

    public static let minimumLength = 5
    public static let maximumLength = 255

    /// Hosts whose URLs are personal QR codes. Vipps: `https://qr.vipps.no/28/2/01/031/4791234567?v=1`
    /// and the tokenised `https://qr.vipps.no/p/…`. MobilePay's tokenised codes are
    /// recognised by their MobilePay host; the exact form is not published.
    static let vippsHosts: Set<String> = ["qr.vipps.no"]
    static let mobilePayHosts: Set<String> = [
        "qr.mobilepay.dk", "qr.mobilepay.fi", "qr.mobilepay.no", "mobilepay.dk", "mobilepay.fi",
        "www.mobilepay.dk", "www.mobilepay.fi", "products.mobilepay.dk", "products.mobilepay.fi",
    ]

    /// Recognises a scan. A trailing Enter, Tab or spaces from the scanner are dropped;
    /// nothing else is changed.
    public init(scanned text: String) throws(CustomerInputError) {
        var content = Substring(text)
        while let last = content.last, last.isNewline || last == "\t" || last == " " { content.removeLast() }
        while let first = content.first, first == " " || first == "\t" { content.removeFirst() }
        let value = String(content)
        guard !value.isEmpty else { throw .emptyScan }
        let lower = value.lowercased()
        guard lower.hasPrefix("https://") else { throw .notAPersonalQR }
        let afterScheme = lower.dropFirst("https://".count)
        let hostEnd = afterScheme.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? afterScheme.endIndex
        let host = String(afterScheme[..<hostEnd])
        let rest = afterScheme[hostEnd...]
        let issuer: Issuer
        if PersonalQRCode.vippsHosts.contains(host) {
            issuer = .vipps
        } else if PersonalQRCode.mobilePayHosts.contains(host) {
            issuer = .mobilePay
        } else {
            throw .notAPersonalQR
        }
        // The path must carry something after the host: a bare `https://qr.vipps.no/` is no one.
        let path = rest.drop { $0 == "/" }
        guard !path.isEmpty, !path.hasPrefix("?") else { throw .incompleteQR }
        guard value.count >= PersonalQRCode.minimumLength, value.count <= PersonalQRCode.maximumLength else {
            throw .qrTooLong(value.count)
        }
        guard value.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else { throw .qrHasBadCharacters }
        self.content = value
        self.issuer = issuer
    }

    /// `https://qr.vipps.no/…4567?v=1` → `qr.vipps.no …(43 chars)`: enough to tell codes apart.
    public var masked: String {
        let host = content.dropFirst("https://".count).prefix { $0 != "/" }
        return "\(issuer.rawValue) QR \(host) …\(String(content.suffix(4)).filter { $0.isLetter || $0.isNumber })"
    }
}

/// A mobile number in MSISDN form: country code and subscriber number, digits only, 10–15 digits.
public struct MSISDN: Sendable, Hashable, CustomStringConvertible {
    public let digits: String

    public var description: String { masked }

    /// `47 9** ** *67`: the country code and the last two digits, the rest hidden.
    public var masked: String {
        let visibleTail = 2
        let codeLength = digits.hasPrefix("358") ? 3 : 2
        let code = digits.prefix(codeLength)
        let middle = String(repeating: "*", count: max(0, digits.count - codeLength - visibleTail))
        return "+\(code) \(middle)\(digits.suffix(visibleTail))"
    }

    /// The number grouped for reading back to the customer: `+47 912 34 567`.
    public var grouped: String {
        let codeLength = digits.hasPrefix("358") ? 3 : 2
        let code = digits.prefix(codeLength)
        let national = Array(digits.dropFirst(codeLength))
        if national.count == 8 && (code == "47" || code == "45") {
            if code == "47" {
                return "+\(code) \(String(national[0..<3])) \(String(national[3..<5])) \(String(national[5...]))"
            }
            return "+\(code) \(String(national[0..<2])) \(String(national[2..<4])) \(String(national[4..<6])) \(String(national[6...]))"
        }
        return "+\(code) \(String(national))"
    }

    /// Trusts digits that are already an MSISDN (from a config or the API).
    public init(validated digits: String) throws(CustomerInputError) {
        guard digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { throw .phoneHasLetters }
        guard (10...15).contains(digits.utf8.count) else { throw .phoneWrongLength(digits.utf8.count) }
        self.digits = digits
    }

    /// Turns what a cashier typed into an MSISDN.
    ///
    /// Spaces, dashes, dots and brackets are ignored; `+` or a leading `00` marks an
    /// international number; an 8-digit number gets the shop's country code (Norway,
    /// Denmark); a Finnish number loses its trunk `0`.
    public init(typed text: String, market: Market) throws(CustomerInputError) {
        var raw = ""
        for character in text {
            if character == " " || character == "-" || character == "." || character == "(" || character == ")"
                || character == "\u{00A0}"
            {
                continue
            }
            raw.append(character)
        }
        guard !raw.isEmpty else { throw .phoneEmpty }
        var international = false
        if raw.hasPrefix("+") {
            raw.removeFirst()
            international = true
        } else if raw.hasPrefix("00") {
            raw.removeFirst(2)
            international = true
        }
        guard !raw.isEmpty else { throw .phoneEmpty }
        guard raw.allSatisfy({ $0.isASCII && $0.isWholeNumber }) else {
            throw raw.contains("+") ? .phonePlusInMiddle : .phoneHasLetters
        }
        var digits: String
        if international {
            digits = raw
            // +358 040 … : the trunk 0 is dropped after the country code.
            if digits.hasPrefix("3580") { digits = "358" + digits.dropFirst(4) }
            if digits.hasPrefix("470") || digits.hasPrefix("450") { throw .phoneTrunkZero }
        } else {
            switch market {
            case .norway, .denmark:
                guard raw.count == 8 else {
                    if raw.count > 8 && (raw.hasPrefix("47") || raw.hasPrefix("45") || raw.hasPrefix("358")) && raw.count <= 15 {
                        // Already has a country code, just without + or 00.
                        digits = raw
                        break
                    }
                    throw .phoneNationalLength(expected: 8, found: raw.count, market: market)
                }
                digits = market.callingCode + raw
            case .finland:
                if raw.hasPrefix("0") {
                    let national = raw.dropFirst()
                    guard (6...11).contains(national.count) else {
                        throw .phoneNationalLength(expected: 10, found: raw.count, market: market)
                    }
                    digits = "358" + national
                } else if raw.hasPrefix("358") || raw.hasPrefix("47") || raw.hasPrefix("45") {
                    digits = raw
                    if digits.hasPrefix("3580") { digits = "358" + digits.dropFirst(4) }
                } else {
                    throw .phoneFinnishNeedsTrunk
                }
            }
        }
        if digits.hasPrefix("47") || digits.hasPrefix("45") {
            guard digits.count == 10 else {
                throw .phoneNationalLength(expected: 8, found: digits.count - 2, market: digits.hasPrefix("47") ? .norway : .denmark)
            }
        }
        guard (10...15).contains(digits.count) else { throw .phoneWrongLength(digits.count) }
        self.digits = digits
    }
}

public enum CustomerInputError: Error, Sendable, Equatable, CustomStringConvertible {
    case emptyScan
    case notAPersonalQR
    case incompleteQR
    case qrTooLong(Int)
    case qrHasBadCharacters
    case phoneEmpty
    case phoneHasLetters
    case phonePlusInMiddle
    case phoneTrunkZero
    case phoneNationalLength(expected: Int, found: Int, market: Market)
    case phoneFinnishNeedsTrunk
    case phoneWrongLength(Int)

    public var description: String {
        switch self {
        case .emptyScan: "The scan was empty: scan the customer's QR code again"
        case .notAPersonalQR: "That code is not a Vipps MobilePay personal QR code: ask the customer to open their QR code in the app"
        case .incompleteQR: "The QR code was read only in part: scan it again"
        case .qrTooLong(let count): "That QR code is \(count) characters long; a personal QR code is 5–255: scan it again"
        case .qrHasBadCharacters: "The QR code was misread (unexpected characters): scan it again"
        case .phoneEmpty: "Type the customer's mobile number"
        case .phoneHasLetters: "A phone number has only digits (and + at the start)"
        case .phonePlusInMiddle: "+ may only stand at the start of the number"
        case .phoneTrunkZero: "Leave out the 0 after the country code"
        case .phoneNationalLength(let expected, let found, let market):
            "A mobile number in \(market.displayName) has \(expected) digits; \(found) were typed"
        case .phoneFinnishNeedsTrunk: "Type the Finnish number with its leading 0 (040 123 4567) or with +358"
        case .phoneWrongLength(let count): "A mobile number with country code has 10–15 digits; \(count) were typed"
        }
    }
}
