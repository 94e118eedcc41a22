import KasseCore
import KasseLanguage
import VippsModels
import KasseJournal

/// The receipts the till hands out, as Norway's law shapes them (kassasystemforskrifta § 2-8-1 ff.)
/// and in the till's document language for every market,, as text of a
/// fixed width; printing is the printer's business. Pure: the same sale always gives the same
/// document.
public struct LegalReceipt: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// «Salgskvittering».
        case sale
        /// «Returkvittering», referring to the original sale's receipt number.
        case `return`(originalReceipt: String)
        /// A copy of a sales receipt, marked «KOPI» (at most one per sale).
        case copy
        /// Made in training mode: clearly not a receipt.
        case training
    }

    public var kind: Kind
    public var company: CompanyIdentity
    /// The kassapunkt (till) id.
    public var register: String
    public var cashier: String
    public var receiptNumber: String
    public var date: CivilDate
    public var time: LocalTime
    public var lines: [JournalLine]
    public var vat: [JournalVAT]
    /// VAT included; negative on a return.
    public var total: Int
    /// The payment reference at Vipps MobilePay.
    public var paymentReference: String
    public var currency: CurrencyCode
    /// The language it is printed in (Norwegian in Norway; the shop's language elsewhere).
    public var language: Language
    /// The original went to the customer electronically (attached to the Vipps MobilePay payment,
    /// shown in their app): titled «Elektronisk salgskvittering» (§ 2-8-4). A paper receipt of
    /// such a sale is its copy, never a second original (§ 2-8-6); see `issued(for:…)`.
    public var electronic: Bool

    public init(kind: Kind, company: CompanyIdentity, register: String, cashier: String, receiptNumber: String, date: CivilDate,
                time: LocalTime, lines: [JournalLine], vat: [JournalVAT], total: Int, paymentReference: String,
                currency: CurrencyCode = .NOK, language: Language = .norwegian, electronic: Bool = false) {
        self.electronic = electronic
        self.currency = currency
        self.language = language
        self.kind = kind
        self.company = company
        self.register = register
        self.cashier = cashier
        self.receiptNumber = receiptNumber
        self.date = date
        self.time = time
        self.lines = lines
        self.vat = vat
        self.total = total
        self.paymentReference = paymentReference
    }

    /// A paid sale's receipt (or its copy, or a training receipt).
    public static func forSale(_ sale: JournalSale, kind: Kind = .sale, company: CompanyIdentity, register: String, cashier: String,
                               date: CivilDate, time: LocalTime, language: Language = .norwegian, electronic: Bool = false) -> LegalReceipt {
        LegalReceipt(kind: kind, company: company, register: register, cashier: cashier, receiptNumber: sale.receiptNumber, date: date,
                     time: time, lines: sale.lines, vat: sale.vat, total: sale.total, paymentReference: sale.reference,
                     currency: CurrencyCode(rawValue: sale.currency) ?? .NOK, language: language, electronic: electronic)
    }

    /// A return's receipt: the returned lines, negative, referring to the sale.
    public static func forReturn(_ refund: JournalRefund, of sale: JournalSale, company: CompanyIdentity, register: String, cashier: String,
                                 date: CivilDate, time: LocalTime, language: Language = .norwegian) -> LegalReceipt {
        LegalReceipt(kind: .return(originalReceipt: sale.receiptNumber), company: company, register: register, cashier: cashier,
                     receiptNumber: "R\(refund.returnNumber)", date: date, time: time, lines: refund.lines,
                     vat: refund.vat.map { JournalVAT(rateBasisPoints: $0.rateBasisPoints, gross: -$0.gross, tax: -$0.tax) },
                     total: -refund.amount, paymentReference: refund.reference,
                     currency: CurrencyCode(rawValue: refund.currency) ?? .NOK, language: language)
    }

    /// The title of a stored receipt's `document` (`sale`, `return`, `copy`, `training`).
    public static func title(ofDocument document: String, language: Language = .norwegian) -> String? {
        switch document {
        case "sale": Self.title(.sale, language)
        case "return": Self.title(.return(originalReceipt: ""), language)
        case "copy": Self.title(.copy, language)
        case "training": Self.title(.training, language)
        default: nil
        }
    }

    public var title: String { electronic && kind == .sale ? language.text(.receiptTitleElectronicSale) : Self.title(kind, language) }

    /// The titles a stored receipt of this `document` may carry (a sale's original is titled as
    /// electronic when it went to the customer's app; a copy carries its original's title).
    public static func titles(ofDocument document: String, language: Language = .norwegian) -> [String] {
        switch document {
        case "sale", "copy": [Self.title(.sale, language), language.text(.receiptTitleElectronicSale)]
        default: Self.title(ofDocument: document, language: language).map { [$0] } ?? []
        }
    }

    /// The copy of a receipt handed out before: the original's lines exactly as they were
    /// (its number, date, time, cashier and title), under the «KOPI» marking (§ 2-8-6). The law
    /// asks for no line with the time of the copy; the journal's `receipt-copied` entry has it.
    public static func copy(ofOriginal lines: [String], width: Int, language: Language = .norwegian) -> [String] {
        let banner = String(language.text(.receiptBannerCopy).prefix(width))
        return [String(repeating: " ", count: (width - banner.count) / 2) + banner] + lines
    }

    static func title(_ kind: Kind, _ language: Language) -> String {
        switch kind {
        case .sale: language.text(.receiptTitleSale)
        case .return: language.text(.receiptTitleReturn)
        case .copy: language.text(.receiptTitleCopy)
        case .training: language.text(.receiptTitleTraining)
        }
    }

    /// The receipt, `width` characters a line (48 fits 80 mm paper in the printer's normal font).
    public func text(width: Int = 48) -> [String] {
        func money(_ minor: Int) -> String { language.amount(minor) }
        func say(_ key: MessageKey, _ arguments: [String: MessageArgument] = [:]) -> String { language.text(Message(key, arguments)) }
        // A label and its amount on one line; when both do not fit (narrow paper, a long name),
        // the label on its own line(s) and the amount right-aligned below: nothing is cut off.
        func row(_ left: String, _ right: String) -> [String] {
            if left.count + 1 + right.count <= width {
                return [left + String(repeating: " ", count: width - left.count - right.count) + right]
            }
            var lines: [String] = []
            var rest = Substring(left)
            while !rest.isEmpty {
                lines.append(String(rest.prefix(width)))
                rest = rest.dropFirst(width)
            }
            return lines + [String(repeating: " ", count: max(0, width - right.count)) + right]
        }
        func centred(_ text: String) -> String {
            let shown = String(text.prefix(width))
            return String(repeating: " ", count: (width - shown.count) / 2) + shown
        }
        let rule = String(repeating: "-", count: width)
        let sign = total < 0 || { if case .return = kind { true } else { false } }() ? -1 : 1
        var out: [String] = []
        if case .training = kind { out.append(centred(say(.receiptBannerTraining))) }
        if case .copy = kind { out.append(centred(say(.receiptBannerCopy))) }
        out.append(centred(title))
        out.append(rule)
        out.append(centred(company.name))
        let vatRegistered = company.vatRegistered ? " " + say(.receiptVATRegistered) : ""
        if let number = try? OrganisationNumber(company.organisationNumber) {
            out.append(centred(say(.receiptOrganisation, ["number": .text(number.description)]) + vatRegistered))
        } else if !company.organisationNumber.isEmpty {
            out.append(centred(say(.receiptOrganisation, ["number": .text(company.organisationNumber)]) + vatRegistered))
        }
        // A shop outside Norway without [company] is named by its shop name alone.
        if !company.address.isEmpty { out.append(centred(company.address)) }
        if !company.postalCode.isEmpty || !company.city.isEmpty { out.append(centred("\(company.postalCode) \(company.city)")) }
        out.append(rule)
        out += row(say(.receiptNumber, ["number": .text(receiptNumber)]), language.dateTime(date, time, seconds: true))
        if case .return(let original) = kind { out.append(say(.receiptReturnOf, ["number": .text(original)])) }
        out += row(say(.receiptRegister, ["till": .text(register)]), say(.receiptCashier, ["cashier": .text(cashier)]))
        out.append(rule)
        for line in lines {
            let amount = sign * (line.isReturn ? -line.total : line.total)
            out += row(line.name, money(amount))
            let quantity = line.weighed ? language.quantity(.grams(line.quantity)) : say(.receiptPieces, ["count": .number(line.quantity)])
            out.append("  \(quantity) x \(money(line.unitPrice))" + (line.weighed ? "/kg" : ""))
            if line.discount > 0 { out += row("  " + say(.receiptDiscount), money(-sign * line.discount)) }
        }
        out.append(rule)
        out += row(say(.receiptTotal, ["currency": .text(currency.rawValue)]), money(total))
        for rate in vat {
            out += row("  " + say(.receiptVAT, ["rate": .vatRate(VATRate(rate.rateBasisPoints)), "gross": .amount(rate.gross)]), money(rate.tax))
        }
        out.append(rule)
        out += row(say(total < 0 ? .receiptRefunded : .receiptPaid), money(total))
        out.append(say(.receiptReference, ["reference": .text(paymentReference)]))
        if case .training = kind { out.append(centred(say(.receiptFooterTraining))) }
        return out
    }
}

extension LegalReceipt {
    /// The receipts handed out for the transactions committed among `events` (a sale, a training
    /// sale, a refunded return), each as a `receipt` journal entry holding the document in full
    /// (kassasystemforskrifta § 2-7: every receipt produced is journaled). `notPrinted`: why a
    /// sale's receipt went to the customer's app only (nil: it is printed, or the customer is
    /// asked), recorded as such. `width`: the paper's characters a line (the receipt is stored as
    /// it is printed).
    ///
    /// A paid sale's original is the receipt attached to its Vipps MobilePay payment: it reaches
    /// the customer's app before any paper can, on every sale, and cannot be marked afterwards.
    /// So it is the «Elektronisk salgskvittering», and paper printed for the sale is its one
    /// «KOPI» (`copy(ofOriginal:…)`, journaled as `receipt-copied`). A training sale never reaches
    /// Vipps MobilePay: its receipt is paper only. A return's receipt is not attached to anything
    /// and is printed as the original.
    public static func issued(for events: [JournalEvent], refunds: [JournalRefund], company: CompanyIdentity, register: String,
                              cashier: String, atUTC seconds: Int64, zone: ShopTimeZone, notPrinted: String? = nil,
                              width: Int = 48, language: Language = .norwegian) -> [JournalEvent] {
        let (date, time) = zone.localTime(atUTC: seconds)
        var issued: [JournalEvent] = []
        for event in events {
            switch event {
            case .saleCompleted(let sale):
                let receipt = forSale(sale, kind: sale.isTraining ? .training : .sale, company: company, register: register,
                                      cashier: cashier, date: date, time: time, language: language, electronic: !sale.isTraining)
                issued.append(.receiptIssued(sale: sale.sale, document: sale.isTraining ? "training" : "sale",
                                             receiptNumber: sale.receiptNumber, text: receipt.text(width: width)))
                if let notPrinted, !sale.isTraining {
                    issued.append(.receiptNotPrinted(sale: sale.sale, receiptNumber: sale.receiptNumber, reason: notPrinted))
                }
            case .refunded(let sale, let reference, let returnNumber, _):
                guard let refund = refunds.first(where: { $0.reference == reference && $0.returnNumber == returnNumber }) else { continue }
                let original = TillState.receiptNumber(forSale: sale)
                let receipt = LegalReceipt(
                    kind: .return(originalReceipt: original), company: company, register: register, cashier: cashier,
                    receiptNumber: "R\(refund.returnNumber)", date: date, time: time, lines: refund.lines,
                    vat: refund.vat.map { JournalVAT(rateBasisPoints: $0.rateBasisPoints, gross: -$0.gross, tax: -$0.tax) },
                    total: -refund.amount, paymentReference: refund.reference,
                    currency: CurrencyCode(rawValue: refund.currency) ?? .NOK, language: language)
                issued.append(.receiptIssued(sale: sale, document: "return", receiptNumber: receipt.receiptNumber, text: receipt.text(width: width)))
            default:
                continue
            }
        }
        return issued
    }
}
