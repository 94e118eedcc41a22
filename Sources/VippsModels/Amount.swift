/// An ISO 4217 currency the ePayment API accepts.
public enum CurrencyCode: String, Codable, Sendable, Hashable, CaseIterable {
    case NOK, DKK, EUR
}

/// `{"currency": "NOK", "value": 1000}`: an amount in minor units (øre, cents).
public struct Amount: Codable, Sendable, Hashable {
    public var currency: CurrencyCode
    public var value: Int

    public init(currency: CurrencyCode, value: Int) {
        self.currency = currency
        self.value = value
    }
}
