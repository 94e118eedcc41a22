/// `POST /accesstoken/get` response. Every field arrives as a string, numbers included.
public struct AccessTokenResponse: Codable, Sendable, Hashable {
    public var token_type: String
    public var expires_in: String
    public var ext_expires_in: String
    public var expires_on: String
    public var not_before: String
    public var resource: String
    public var access_token: String

    public init(
        token_type: String, expires_in: String, ext_expires_in: String, expires_on: String, not_before: String,
        resource: String, access_token: String
    ) {
        self.token_type = token_type
        self.expires_in = expires_in
        self.ext_expires_in = ext_expires_in
        self.expires_on = expires_on
        self.not_before = not_before
        self.resource = resource
        self.access_token = access_token
    }

    enum CodingKeys: String, CodingKey {
        case token_type, expires_in, ext_expires_in, expires_on, not_before, resource, access_token
    }

    /// Tolerates numbers where strings are documented.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func text(_ key: CodingKeys) throws -> String {
            if let value = try? container.decode(String.self, forKey: key) { return value }
            if let value = try? container.decode(Int.self, forKey: key) { return String(value) }
            if !container.contains(key) { return "" }
            throw DecodingError.typeMismatch(
                String.self, .init(codingPath: [key], debugDescription: "\(key.rawValue) is neither string nor number"))
        }
        self.token_type = try text(.token_type)
        self.expires_in = try text(.expires_in)
        self.ext_expires_in = try text(.ext_expires_in)
        self.expires_on = try text(.expires_on)
        self.not_before = try text(.not_before)
        self.resource = try text(.resource)
        self.access_token = try container.decode(String.self, forKey: .access_token)
    }
}

public struct WebhookRegistrationRequest: Codable, Sendable, Hashable {
    public var url: String
    public var events: [String]
    public init(url: String, events: [String]) {
        self.url = url
        self.events = events
    }
}

public struct WebhookRegistrationResponse: Codable, Sendable, Hashable {
    public var id: String
    public var secret: String
    public init(id: String, secret: String) {
        self.id = id
        self.secret = secret
    }
}

public struct Webhook: Codable, Sendable, Hashable {
    public var id: String
    public var url: String
    public var events: [String]
    public init(id: String, url: String, events: [String]) {
        self.id = id
        self.url = url
        self.events = events
    }
}

public struct WebhookList: Codable, Sendable, Hashable {
    public var webhooks: [Webhook]
    public init(webhooks: [Webhook]) { self.webhooks = webhooks }
}

public struct QRExchangeRequest: Codable, Sendable, Hashable {
    public var qrCode: String
    public var requestedData: [String]?
    public init(qrCode: String, requestedData: [String]? = ["MSISDN"]) {
        self.qrCode = qrCode
        self.requestedData = requestedData
    }
}

public struct QRExchangeResponse: Codable, Sendable, Hashable {
    public var msisdn: String
    public var version: String
    public var timestamp: Int?
    public init(msisdn: String, version: String, timestamp: Int? = nil) {
        self.msisdn = msisdn
        self.version = version
        self.timestamp = timestamp
    }
}

/// `GET /order-management/v2/{paymentType}/{orderId}`.
public struct OrderResponse: Codable, Sendable, Hashable {
    public var category: OrderCategory?
    public var receipt: Receipt?
    public init(category: OrderCategory? = nil, receipt: Receipt? = nil) {
        self.category = category
        self.receipt = receipt
    }
}

public struct OrderCategory: Codable, Sendable, Hashable {
    public var category: String
    public var orderDetailsUrl: String
    public var imageId: String?
}
