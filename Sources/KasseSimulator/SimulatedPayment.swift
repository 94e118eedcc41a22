import Foundation
import VippsModels

/// An API error the simulator answers with: HTTP status, title, and the numeric code.
struct APIError: Error, Sendable, Equatable {
    var status: Int
    var title: String
    var detail: String?
    var code: Int?
    /// A field-level complaint (`extraDetails` name/reason) for 400s without a code.
    var field: (name: String, reason: String)?
    var retryAfter: Int?

    init(_ status: Int, _ title: String, detail: String? = nil, code: Int? = nil,
         field: (name: String, reason: String)? = nil, retryAfter: Int? = nil) {
        self.status = status
        self.title = title
        self.detail = detail
        self.code = code
        self.field = field
        self.retryAfter = retryAfter
    }

    static func == (lhs: APIError, rhs: APIError) -> Bool {
        lhs.status == rhs.status && lhs.title == rhs.title && lhs.code == rhs.code && lhs.detail == rhs.detail
    }

    static func invalidField(_ name: String, _ reason: String) -> APIError {
        APIError(400, "Bad Request", detail: "See extraDetails for further details", field: (name, reason))
    }

    static func coded(_ code: Int, _ title: String, status: Int = 400, detail: String? = nil) -> APIError {
        APIError(status, title, detail: detail ?? title, code: code)
    }

    static func coded(_ code: VippsErrorCode, _ title: String, status: Int = 400, detail: String? = nil) -> APIError {
        coded(code.rawValue, title, status: status, detail: detail)
    }

    /// Errors a client should retry later with the same key; never stored for idempotent replay.
    var isTransient: Bool {
        status == 429 || status == 423 || status >= 500
            || code == VippsErrorCode.cannotCancelProcessing.rawValue || code == VippsErrorCode.orderProcessing.rawValue
    }
}

/// The pending action of a simulated customer.
struct CustomerPlan: Sendable, Equatable {
    var behaviour: CustomerBehaviour
    /// When the customer acts (approve/abort).
    var actsAt: Date?
    /// From when the customer is in the middle of approving (cancel answers 6250).
    var processingFrom: Date?
}

/// One payment as the simulator keeps it, with the rules of its state machine.
/// How the control API asked a payment's captures to fail: `code` 6260 (funds unavailable, for
/// good) or 6280 (try again later) `times` times, or until the capture guarantee is over
/// (then 6260).
struct CaptureFailurePlan: Codable, Sendable, Hashable {
    var code: Int
    var times: Int?
}

struct SimulatedPayment: Sendable {
    var msn: String
    var reference: String
    var pspReference: String
    var amount: Amount
    var state: PaymentState
    var aggregate: Aggregate
    var paymentMethod: PaymentMethodType
    var userFlow: UserFlow
    var customer: Customer?
    var customerName: String?
    var customerInteraction: CustomerInteraction
    var paymentDescription: String?
    var receipt: Receipt?
    var metadata: [String: String]?
    var redirectUrl: String?
    var createdAt: Date
    var expiresAt: Date
    var events: [PaymentEvent] = []
    var plan: CustomerPlan
    /// Set by the control API to put the customer mid-approval right now.
    var forcedProcessing = false
    /// `profile.scope` of the create request: what the customer is asked to share.
    var profileScope: String?
    /// The customer's `sub` for the userinfo endpoint: set once AUTHORIZED when a scope was asked for.
    var sub: String?
    /// Until when a capture is guaranteed to succeed: set when AUTHORIZED (the sales unit's
    /// market's guarantee, or what the control API asked for).
    var captureGuaranteedUntil: Date?
    /// Set by the control API: the guarantee to give this payment, in seconds from its authorization.
    var guaranteeOverride: TimeInterval?
    /// Set by the control API: how this payment's captures fail.
    var captureFailure: CaptureFailurePlan?

    func isProcessing(at now: Date) -> Bool {
        guard state == .CREATED else { return false }
        if forcedProcessing { return true }
        if let from = plan.processingFrom, let acts = plan.actsAt { return now >= from && now < acts }
        return false
    }

    var getResponse: GetPaymentResponse {
        GetPaymentResponse(
            aggregate: aggregate, amount: amount, state: state, paymentMethod: PaymentMethodResponse(type: paymentMethod),
            profile: ProfileResponse(sub: sub), pspReference: pspReference, redirectUrl: redirectUrl, reference: reference,
            metadata: metadata, captureGuaranteedUntil: captureGuaranteedUntil.map(Timestamps.rfc3339))
    }

    func modificationResponse(pspReference: String) -> ModificationResponse {
        ModificationResponse(amount: amount, state: state, aggregate: aggregate, pspReference: pspReference, reference: reference)
    }

    private func money(_ value: Int) -> Amount { Amount(currency: amount.currency, value: value) }

    // MARK: Transitions. Each returns the event it caused (nil when nothing changed).

    /// `guarantee`: how long a capture is guaranteed in the sales unit's market.
    mutating func authorize(at now: Date, pspReference: String, guarantee: TimeInterval) -> PaymentEvent? {
        guard state == .CREATED else { return nil }
        state = .AUTHORIZED
        if profileScope != nil, sub == nil { sub = Self.subject(msn: msn, reference: reference) }
        aggregate.authorizedAmount = amount
        forcedProcessing = false
        captureGuaranteedUntil = now.addingTimeInterval(guaranteeOverride ?? guarantee)
        var event = record(.AUTHORIZED, amount: amount, key: nil, at: now, psp: pspReference)
        event.captureGuaranteedUntil = captureGuaranteedUntil.map(Timestamps.rfc3339)
        events[events.count - 1] = event
        return event
    }

    mutating func abort(at now: Date, pspReference: String) -> PaymentEvent? {
        guard state == .CREATED else { return nil }
        state = .ABORTED
        forcedProcessing = false
        return record(.ABORTED, amount: amount, key: nil, at: now, psp: pspReference)
    }

    mutating func expire(at now: Date, pspReference: String) -> PaymentEvent? {
        guard state == .CREATED else { return nil }
        state = .EXPIRED
        forcedProcessing = false
        return record(.EXPIRED, amount: amount, key: nil, at: now, psp: pspReference)
    }

    mutating func cancel(transactionOnly: Bool, key: String, at now: Date, pspReference: String) -> Result<PaymentEvent, APIError> {
        switch state {
        case .CREATED:
            if isProcessing(at: now) {
                return .failure(.coded(.cannotCancelProcessing, "Cannot cancel processing payment",
                                       detail: "The customer is approving the payment right now. Retry the cancel later."))
            }
            state = .TERMINATED
            aggregate.cancelledAmount = amount
            return .success(record(.TERMINATED, amount: amount, key: key, at: now, psp: pspReference))
        case .AUTHORIZED:
            if transactionOnly {
                return .failure(.coded(6060, "Cannot cancel authorized payment",
                                       detail: "cancelTransactionOnly is set and the payment is already authorized"))
            }
            if aggregate.capturedAmount.value >= aggregate.authorizedAmount.value {
                return .failure(.coded(6040, "Cannot cancel a captured payment", detail: "The payment is fully captured. Refund instead."))
            }
            let remaining = aggregate.capturable
            guard remaining > 0 else {
                return .failure(.coded(6190, "Payment cannot be cancelled", detail: "Nothing is left to cancel"))
            }
            aggregate.cancelledAmount = money(aggregate.cancelledAmount.value + remaining)
            return .success(record(.CANCELLED, amount: money(remaining), key: key, at: now, psp: pspReference))
        case .ABORTED, .EXPIRED, .TERMINATED:
            return .failure(.coded(.cannotCancelNonReserved, "Cannot cancel a non-reserved payment",
                                   detail: "The payment is \(state.rawValue) and holds no reservation"))
        }
    }

    mutating func capture(_ requested: Amount, key: String, at now: Date, pspReference: String) -> Result<PaymentEvent, APIError> {
        if let error = checkModificationAmount(requested) { return .failure(error) }
        switch state {
        case .CREATED:
            return .failure(.coded(6080, "Cannot capture before reservation", detail: "The payment is not authorized yet"))
        case .TERMINATED:
            return .failure(.coded(6070, "Cannot capture a cancelled payment"))
        case .ABORTED, .EXPIRED:
            return .failure(.coded(6200, "Payment cannot be captured", detail: "The payment is \(state.rawValue)"))
        case .AUTHORIZED:
            if aggregate.capturable == 0 && aggregate.cancelledAmount.value > 0 {
                return .failure(.coded(6070, "Cannot capture a cancelled payment", detail: "The rest of the reservation was cancelled"))
            }
            if aggregate.capturable == 0 {
                return .failure(.coded(6170, "Payment already captured"))
            }
            if let failure = captureFailure {
                let guaranteeOver = captureGuaranteedUntil.map { now >= $0 } ?? false
                if failure.code == VippsErrorCode.fundsUnavailable.rawValue || guaranteeOver {
                    return .failure(.coded(.fundsUnavailable, "Funds unavailable",
                                           detail: "The money could not be taken from the customer's payment source"))
                }
                if let left = failure.times {
                    if left <= 0 {
                        captureFailure = nil
                    } else {
                        captureFailure?.times = left - 1
                        return .failure(.coded(.captureFailedTryLater, "Capture failed, please try again later",
                                               detail: "Retry the capture with the same Idempotency-Key"))
                    }
                } else {
                    return .failure(.coded(.captureFailedTryLater, "Capture failed, please try again later",
                                           detail: "Retry the capture with the same Idempotency-Key"))
                }
            }
            guard requested.value <= aggregate.capturable else {
                return .failure(.coded(6090, "Capture amount too high",
                                       detail: "At most \(aggregate.capturable) can be captured; \(requested.value) was requested"))
            }
            aggregate.capturedAmount = money(aggregate.capturedAmount.value + requested.value)
            return .success(record(.CAPTURED, amount: requested, key: key, at: now, psp: pspReference))
        }
    }

    mutating func refund(_ requested: Amount, key: String, at now: Date, pspReference: String) -> Result<PaymentEvent, APIError> {
        if let error = checkModificationAmount(requested) { return .failure(error) }
        guard state == .AUTHORIZED else {
            return .failure(.coded(6020, "Refund before reservation", detail: "The payment is \(state.rawValue)"))
        }
        guard requested.value <= aggregate.refundable else {
            return .failure(.coded(6150, "Not enough refundable",
                                   detail: "At most \(aggregate.refundable) can be refunded; \(requested.value) was requested"))
        }
        aggregate.refundedAmount = money(aggregate.refundedAmount.value + requested.value)
        return .success(record(.REFUNDED, amount: requested, key: key, at: now, psp: pspReference))
    }

    private func checkModificationAmount(_ requested: Amount) -> APIError? {
        if requested.currency != amount.currency {
            return .coded(4040, "Invalid amount", detail: "The currency must be \(amount.currency.rawValue)")
        }
        if requested.value <= 0 {
            return .coded(4040, "Invalid amount", detail: "The amount must be greater than zero")
        }
        return nil
    }

    @discardableResult
    mutating func record(_ name: PaymentEventName, amount: Amount, key: String?, at now: Date, psp: String) -> PaymentEvent {
        let event = PaymentEvent(
            reference: reference, pspReference: psp, name: name, amount: amount, timestamp: Timestamps.rfc3339(now),
            idempotencyKey: key, success: true)
        events.append(event)
        return event
    }
}

enum Timestamps {
    static func rfc3339(_ date: Date) -> String { InternetTime.rfc3339(date.timeIntervalSince1970) }

    static func parseRFC3339(_ text: String) -> Date? {
        InternetTime.parseRFC3339(text).map { Date(timeIntervalSince1970: $0) }
    }

    /// `Thu, 30 Mar 2023 08:38:32 GMT`
    static func rfc1123(_ date: Date) -> String { InternetTime.httpDate(date.timeIntervalSince1970) }
}

extension SimulatedPayment {
    /// A stable, UUID-shaped `sub` for a customer's consent on one payment.
    static func subject(msn: String, reference: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var second: UInt64 = 0x8422_2325_cbf2_9ce4
        for byte in "\(msn)|\(reference)".utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
            second = (second &+ UInt64(byte)) &* 0x9e37_79b9_7f4a_7c15
        }
        let hex = String(hash, radix: 16).leftPadded(16) + String(second, radix: 16).leftPadded(16)
        let characters = Array(hex)
        let parts = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }
        return parts.joined(separator: "-")
    }
}
