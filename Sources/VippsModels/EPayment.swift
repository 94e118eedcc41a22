/// The ePayment API's request and response bodies (`/epayment/v1/…`), as the live API
/// sends them (see `shared/research/vipps-api.md` for where that differs from the old spec).

public enum PaymentState: String, Codable, Sendable, Hashable, CaseIterable {
    case CREATED, AUTHORIZED, ABORTED, EXPIRED, TERMINATED

    /// A state that never changes again (AUTHORIZED stays AUTHORIZED through capture and refund).
    public var isFinal: Bool { self != .CREATED }
}

public enum PaymentEventName: String, Codable, Sendable, Hashable, CaseIterable {
    case CREATED, ABORTED, EXPIRED, CANCELLED, CAPTURED, REFUNDED, AUTHORIZED, TERMINATED

    /// The webhook event type, e.g. `epayments.payment.authorized.v1`.
    public var webhookEventType: String { "epayments.payment.\(rawValue.lowercased()).v1" }
}

public enum UserFlow: String, Codable, Sendable, Hashable, CaseIterable {
    case PUSH_MESSAGE, NATIVE_REDIRECT, WEB_REDIRECT, QR
}

public enum CustomerInteraction: String, Codable, Sendable, Hashable {
    case CUSTOMER_PRESENT, CUSTOMER_NOT_PRESENT
}

public enum PaymentMethodType: String, Codable, Sendable, Hashable {
    case WALLET, CARD
}

public struct PaymentMethod: Codable, Sendable, Hashable {
    public var type: PaymentMethodType
    public init(type: PaymentMethodType) { self.type = type }
}

public struct PaymentMethodResponse: Codable, Sendable, Hashable {
    public var type: PaymentMethodType
    public var cardBin: String?
    public init(type: PaymentMethodType, cardBin: String? = nil) {
        self.type = type
        self.cardBin = cardBin
    }
}

/// Exactly one of the three must be set.
public struct Customer: Codable, Sendable, Hashable {
    public var phoneNumber: String?
    public var personalQr: String?
    public var customerToken: String?

    public init(phoneNumber: String? = nil, personalQr: String? = nil, customerToken: String? = nil) {
        self.phoneNumber = phoneNumber
        self.personalQr = personalQr
        self.customerToken = customerToken
    }
}

public struct QRFormat: Codable, Sendable, Hashable {
    public var format: String
    public var size: Int?
    public init(format: String, size: Int? = nil) {
        self.format = format
        self.size = size
    }
}

public struct ProfileRequest: Codable, Sendable, Hashable {
    public var scope: String?
    public init(scope: String?) { self.scope = scope }
}

public struct ProfileResponse: Codable, Sendable, Hashable {
    public var sub: String?
    public init(sub: String? = nil) { self.sub = sub }
}

public struct CreatePaymentRequest: Codable, Sendable, Hashable {
    public var amount: Amount
    public var paymentMethod: PaymentMethod
    public var customer: Customer?
    public var customerInteraction: CustomerInteraction?
    public var reference: String
    public var userFlow: UserFlow
    public var returnUrl: String?
    public var expiresAt: String?
    public var qrFormat: QRFormat?
    public var paymentDescription: String?
    public var receipt: Receipt?
    public var receiptUrl: String?
    public var metadata: [String: String]?
    public var profile: ProfileRequest?
    public var minimumUserAge: Int?

    public init(
        amount: Amount,
        paymentMethod: PaymentMethod = PaymentMethod(type: .WALLET),
        customer: Customer? = nil,
        customerInteraction: CustomerInteraction? = nil,
        reference: String,
        userFlow: UserFlow,
        returnUrl: String? = nil,
        expiresAt: String? = nil,
        qrFormat: QRFormat? = nil,
        paymentDescription: String? = nil,
        receipt: Receipt? = nil,
        receiptUrl: String? = nil,
        metadata: [String: String]? = nil,
        profile: ProfileRequest? = nil,
        minimumUserAge: Int? = nil
    ) {
        self.amount = amount
        self.paymentMethod = paymentMethod
        self.customer = customer
        self.customerInteraction = customerInteraction
        self.reference = reference
        self.userFlow = userFlow
        self.returnUrl = returnUrl
        self.expiresAt = expiresAt
        self.qrFormat = qrFormat
        self.paymentDescription = paymentDescription
        self.receipt = receipt
        self.receiptUrl = receiptUrl
        self.metadata = metadata
        self.profile = profile
        self.minimumUserAge = minimumUserAge
    }
}

public struct CreatePaymentResponse: Codable, Sendable, Hashable {
    public var redirectUrl: String?
    public var reference: String
    public init(redirectUrl: String? = nil, reference: String) {
        self.redirectUrl = redirectUrl
        self.reference = reference
    }
}

public struct Aggregate: Codable, Sendable, Hashable {
    public var authorizedAmount: Amount
    public var cancelledAmount: Amount
    public var capturedAmount: Amount
    public var refundedAmount: Amount

    public init(authorizedAmount: Amount, cancelledAmount: Amount, capturedAmount: Amount, refundedAmount: Amount) {
        self.authorizedAmount = authorizedAmount
        self.cancelledAmount = cancelledAmount
        self.capturedAmount = capturedAmount
        self.refundedAmount = refundedAmount
    }

    public static func zero(_ currency: CurrencyCode) -> Aggregate {
        let zero = Amount(currency: currency, value: 0)
        return Aggregate(authorizedAmount: zero, cancelledAmount: zero, capturedAmount: zero, refundedAmount: zero)
    }

    /// Authorized and neither captured nor released yet.
    public var capturable: Int { authorizedAmount.value - capturedAmount.value - cancelledAmount.value }
    /// Captured and not refunded yet.
    public var refundable: Int { capturedAmount.value - refundedAmount.value }
}

public struct GetPaymentResponse: Codable, Sendable, Hashable {
    public var aggregate: Aggregate
    public var amount: Amount
    public var state: PaymentState
    public var paymentMethod: PaymentMethodResponse
    public var profile: ProfileResponse
    public var pspReference: String
    public var redirectUrl: String?
    public var reference: String
    public var metadata: [String: String]?
    /// Once AUTHORIZED: until when Vipps MobilePay guarantees that a capture can succeed
    /// (RFC 3339; added August 2026). After it, a capture may fail for good (6260).
    public var captureGuaranteedUntil: String?

    public init(
        aggregate: Aggregate, amount: Amount, state: PaymentState, paymentMethod: PaymentMethodResponse,
        profile: ProfileResponse, pspReference: String, redirectUrl: String? = nil, reference: String,
        metadata: [String: String]? = nil, captureGuaranteedUntil: String? = nil
    ) {
        self.captureGuaranteedUntil = captureGuaranteedUntil
        self.aggregate = aggregate
        self.amount = amount
        self.state = state
        self.paymentMethod = paymentMethod
        self.profile = profile
        self.pspReference = pspReference
        self.redirectUrl = redirectUrl
        self.reference = reference
        self.metadata = metadata
    }
}

public struct PaymentEvent: Codable, Sendable, Hashable {
    public var reference: String
    public var pspReference: String
    public var name: PaymentEventName
    public var amount: Amount
    /// RFC 3339, e.g. `2026-11-21T10:51:44.533Z`.
    public var timestamp: String
    public var idempotencyKey: String?
    public var success: Bool
    /// On AUTHORIZED: until when a capture is guaranteed (as on GET payment).
    public var captureGuaranteedUntil: String?

    public init(
        reference: String, pspReference: String, name: PaymentEventName, amount: Amount, timestamp: String,
        idempotencyKey: String?, success: Bool, captureGuaranteedUntil: String? = nil
    ) {
        self.captureGuaranteedUntil = captureGuaranteedUntil
        self.reference = reference
        self.pspReference = pspReference
        self.name = name
        self.amount = amount
        self.timestamp = timestamp
        self.idempotencyKey = idempotencyKey
        self.success = success
    }
}

/// Body of capture and refund.
public struct ModificationRequest: Codable, Sendable, Hashable {
    public var modificationAmount: Amount
    public init(modificationAmount: Amount) { self.modificationAmount = modificationAmount }
}

/// Body of cancel (optional).
public struct CancelModificationRequest: Codable, Sendable, Hashable {
    public var cancelTransactionOnly: Bool?
    public init(cancelTransactionOnly: Bool? = nil) { self.cancelTransactionOnly = cancelTransactionOnly }
}

public struct ModificationResponse: Codable, Sendable, Hashable {
    public var amount: Amount
    public var state: PaymentState
    public var aggregate: Aggregate
    public var pspReference: String
    public var reference: String

    public init(amount: Amount, state: PaymentState, aggregate: Aggregate, pspReference: String, reference: String) {
        self.amount = amount
        self.state = state
        self.aggregate = aggregate
        self.pspReference = pspReference
        self.reference = reference
    }
}

/// Body of the test environment's force approve.
public struct ForceApproveRequest: Codable, Sendable, Hashable {
    public var customer: Customer?
    public var token: String?
    public init(customer: Customer? = nil, token: String? = nil) {
        self.customer = customer
        self.token = token
    }
}

/// The body of a webhook for an ePayment event.
public struct WebhookEvent: Codable, Sendable, Hashable {
    public var msn: String
    public var reference: String
    public var pspReference: String
    public var name: PaymentEventName
    public var amount: Amount
    public var timestamp: String
    public var idempotencyKey: String?
    public var success: Bool

    public init(
        msn: String, reference: String, pspReference: String, name: PaymentEventName, amount: Amount,
        timestamp: String, idempotencyKey: String?, success: Bool
    ) {
        self.msn = msn
        self.reference = reference
        self.pspReference = pspReference
        self.name = name
        self.amount = amount
        self.timestamp = timestamp
        self.idempotencyKey = idempotencyKey
        self.success = success
    }
}
