import Crypto

/// The numeric error codes of the ePayment API that Kasse acts on, by name (from the API's
/// error list), shared by the client, the simulator and the till.
public struct VippsErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public init(_ rawValue: Int) { self.rawValue = rawValue }

    public static let idempotencyConflict = VippsErrorCode(4020)
    public static let invalidPersonalQR = VippsErrorCode(4060)
    public static let invalidPhoneNumber = VippsErrorCode(4070)
    public static let referenceExists = VippsErrorCode(4150)
    public static let invalidCurrency = VippsErrorCode(5040)
    public static let pushMessageNotAllowed = VippsErrorCode(5080)
    public static let referenceNotFound = VippsErrorCode(5090)
    public static let amountTooSmall = VippsErrorCode(6010)
    /// Cancel of a payment that is not reserved (already aborted, expired, captured…).
    public static let cannotCancelNonReserved = VippsErrorCode(6050)
    public static let orderProcessing = VippsErrorCode(6160)
    /// Cancel while the customer is approving: try again in a moment.
    public static let cannotCancelProcessing = VippsErrorCode(6250)
    public static let fundsUnavailable = VippsErrorCode(6260)
    public static let captureFailedTryLater = VippsErrorCode(6280)
    public static let customerNotFound = VippsErrorCode(7010)

    public var description: String { String(rawValue) }
}

/// What went wrong with a request to Vipps MobilePay, as the till decides on it. Made from
/// the error's status, code and kind, never from its text.
public enum VippsFailure: Sendable, Hashable {
    /// No payment has this reference (HTTP 404, error 5090).
    case notFound
    /// The API refused the request; sending it again unchanged cannot help.
    case refused(code: VippsErrorCode?, status: Int?, title: String?)
    /// The payment is busy (the customer is approving, the order is processing): the same
    /// operation may succeed in a moment.
    case busy(VippsErrorCode)
    /// No complete answer, even after retries: a write may or may not have been carried out.
    case noAnswer
    /// Kasse could not connect at all.
    case unreachable
    /// Vipps MobilePay answered 5xx, 423 or 429 on every attempt.
    case unavailable(status: Int)
    /// The API keys were refused.
    case unauthorized
    /// An answer that could not be read.
    case unreadableAnswer
    /// Kasse's own settings are wrong (a key too long, a bad URL).
    case misconfigured(String)
    /// Kasse did not send the request: what it needed first (the journal) failed.
    case notSent(String)

    /// Whether the same operation may still succeed, or already have: never start a new one meanwhile.
    public var isTransient: Bool { retryAdvice.mayHappenLater }

    /// The one retry decision, with its reason.
    public var retryAdvice: RetryAdvice {
        switch self {
        case .noAnswer: .sameRequest("no complete answer: the request may or may not have been carried out")
        case .unreachable: .sameRequest("no connection")
        case .unavailable(let status): .sameRequest("HTTP \(status): the API asks to try again")
        case .busy(let code): .later("error \(code): the payment is busy; the same operation may succeed in a moment")
        case .notFound: .never("no payment has this reference")
        case .refused(let code, let status, _): .never("refused (\(code.map { "error \($0)" } ?? status.map { "HTTP \($0)" } ?? "no code"))")
        case .unauthorized: .never("the API keys were refused")
        case .unreadableAnswer: .never("the answer could not be read")
        case .misconfigured(let detail): .never("Kasse's settings: \(detail)")
        case .notSent(let detail): .never("not sent: \(detail)")
        }
    }

    /// From an HTTP error answer: its status and error code.
    public static func from(status: Int, code: VippsErrorCode?, title: String?) -> VippsFailure {
        if status == 404 || code == .referenceNotFound { return .notFound }
        if let code, code == .cannotCancelProcessing || code == .orderProcessing || code == .captureFailedTryLater {
            return .busy(code)
        }
        if status == 401 || status == 403 { return .unauthorized }
        if status == 429 || status == 423 || status >= 500 { return .unavailable(status: status) }
        return .refused(code: code, status: status, title: title)
    }
}

/// Whether trying again can help, and why (one decision, used by the client's retries, the
/// poller and the till).
public enum RetryAdvice: Sendable, Hashable, CustomStringConvertible {
    /// Send the same request again, same key and body: it may not have arrived or been served.
    case sameRequest(String)
    /// Not now, but the operation may succeed shortly (with a new attempt at it).
    case later(String)
    /// Retrying cannot help.
    case never(String)

    public var reason: String {
        switch self {
        case .sameRequest(let reason), .later(let reason), .never(let reason): reason
        }
    }

    public var retriesSameRequest: Bool { if case .sameRequest = self { true } else { false } }
    public var mayHappenLater: Bool { if case .never = self { false } else { true } }

    public var description: String {
        switch self {
        case .sameRequest(let reason): "retry the same request: \(reason)"
        case .later(let reason): "try again later: \(reason)"
        case .never(let reason): "do not retry: \(reason)"
        }
    }
}

/// An `Idempotency-Key`: at most 50 characters (the API's limit), made one way for every
/// write Kasse sends, so a retry, here or after a restart, always sends the same key.
public struct IdempotencyKey: Hashable, Sendable, Codable, CustomStringConvertible, ExpressibleByStringInterpolation {
    public static let maximumLength = 50
    public let value: String

    public enum Operation: Sendable, Hashable {
        case create
        case capture
        /// The n-th cancel of one payment (0 first; a cancel refused while the customer approves is tried again with n + 1).
        case cancel(Int)
        /// The cancel start-up recovery sends for a payment the cashier had left.
        case recoveryCancel
        /// Return number n of a sale.
        case refund(Int)
        /// The release of a reservation Vipps MobilePay could not capture.
        case releaseUncaptured

        var prefix: String {
            switch self {
            case .create: "c-"
            case .capture: "k-"
            case .cancel(let n): "x\(n)-"
            case .recoveryCancel: "xr-"
            case .refund(let n): "r\(n)-"
            case .releaseUncaptured: "xu-"
            }
        }
    }

    /// The key for an operation on a payment: `prefix-reference`, or, when that would pass
    /// 50 characters, the prefix and a SHA-256 digest of the reference (the same every time).
    public init(_ operation: Operation, reference: String) {
        let plain = operation.prefix + reference
        if plain.count <= Self.maximumLength {
            value = plain
        } else {
            let digest = SHA256.hash(data: Array(reference.utf8)).map { byte in
                let hex = Array("0123456789abcdef")
                return String([hex[Int(byte >> 4)], hex[Int(byte & 0x0f)]])
            }.joined()
            value = operation.prefix + digest.prefix(Self.maximumLength - operation.prefix.count)
        }
    }

    public enum Invalid: Error, Equatable, CustomStringConvertible {
        case empty, tooLong(Int), character(Character)
        public var description: String {
            switch self {
            case .empty: "an idempotency key cannot be empty"
            case .tooLong(let count): "an idempotency key has at most 50 characters (this one has \(count))"
            case .character(let character): "an idempotency key may hold letters, digits, - and _ only (not '\(character)')"
            }
        }
    }

    /// A key someone typed or stored: 1–50 characters of ASCII letters, digits, `-` and `_`.
    public init(validating text: String) throws(Invalid) {
        guard !text.isEmpty else { throw .empty }
        guard text.count <= Self.maximumLength else { throw .tooLong(text.count) }
        if let bad = text.first(where: { !($0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_")) }) {
            throw .character(bad)
        }
        value = text
    }

    /// A key written in the code (tests, fixed keys); it must be valid.
    public init(stringLiteral text: String) {
        precondition(!text.isEmpty && text.count <= Self.maximumLength, "an idempotency key has 1–50 characters")
        value = text
    }

    /// A stored key as it was stored (journal entries written before this type).
    public init(stored: String) { value = stored }

    public init(from decoder: any Decoder) throws {
        value = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    public var description: String { value }
}
