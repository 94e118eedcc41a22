import VippsModels

/// A market Kasse serves: its currency, VAT rates and telephone country code.
public enum Market: String, Sendable, Hashable, CaseIterable, Codable {
    case norway = "NO"
    case denmark = "DK"
    case finland = "FI"

    public var currency: Currency {
        switch self {
        case .norway: .NOK
        case .denmark: .DKK
        case .finland: .EUR
        }
    }

    /// The E.164 country calling code.
    public var callingCode: String {
        switch self {
        case .norway: "47"
        case .denmark: "45"
        case .finland: "358"
        }
    }

    /// The newest VAT rate of each category, highest first (the dated table: `vatSchedule`).
    public var vatRates: [VATRate] { vatSchedule.latestRates }

    public var displayName: String {
        switch self {
        case .norway: "Norway"
        case .denmark: "Denmark"
        case .finland: "Finland"
        }
    }

    /// Parses `NO`, `DK`, `FI` (any case) or the English country name.
    public init?(code: String) {
        switch code.lowercased() {
        case "no", "nor", "norway", "norge": self = .norway
        case "dk", "dnk", "denmark", "danmark": self = .denmark
        case "fi", "fin", "finland", "suomi": self = .finland
        default: return nil
        }
    }
}
