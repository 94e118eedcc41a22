/// The name of the app a customer pays with, as the customer-facing words say it. In Norway it
/// is Vipps. In Denmark and Finland the MobilePay app is called Vipps from 12 January 2027
/// (endpoints, keys, webhooks and existing QR codes stay): before that day the words say
/// MobilePay, from it Vipps. Like the dated VAT tables, the shop's local date decides, so a
/// till that runs across midnight changes with the day. (The company, Vipps MobilePay, keeps
/// its name in what the cashier reads about the service.)
public enum AppBrand: String, Sendable, Hashable, Codable, CaseIterable {
    case mobilePay = "MobilePay"
    case vipps = "Vipps"

    /// The first day of Vipps in Denmark and Finland.
    public static let vippsInDenmarkAndFinland = CivilDate(year: 2027, month: 1, day: 12)

    /// The app's name in `market` on `date`; nil in Norway, whose words never changed.
    public static func inUse(in market: Market, on date: CivilDate) -> AppBrand? {
        switch market {
        case .norway: nil
        case .denmark, .finland: date < vippsInDenmarkAndFinland ? .mobilePay : .vipps
        }
    }

    /// The host of the payment landing pages in `market` on `date` (`pay.mobilepay.dk` until
    /// the change, `pay.vipps.dk` from it; Norway `pay.vipps.no`).
    public static func landingHost(in market: Market, on date: CivilDate) -> String {
        let country = switch market {
        case .norway: "no"
        case .denmark: "dk"
        case .finland: "fi"
        }
        return inUse(in: market, on: date) == .mobilePay ? "pay.mobilepay.\(country)" : "pay.vipps.\(country)"
    }
}
