import VippsModels

/// Everything that can go wrong talking to Vipps MobilePay, with what a person can do about it.
public struct VippsError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The API answered with an error status.
        case http
        /// No complete answer came back, even after retries.
        case transport
        /// A write whose outcome is still unknown after retries and reading the payment back.
        case outcomeUnknown
        /// An answer that could not be understood.
        case decoding
        /// Something is wrong with Kasse's own configuration.
        case configuration
    }

    public var kind: Kind
    public var status: Int?
    public var title: String?
    public var detail: String?
    public var errorCode: Int?
    public var traceId: String?
    /// Seconds the API asked to wait before trying again.
    public var retryAfter: Int?
    /// A technical explanation without secrets (shown with --verbose, logged).
    public var message: String
    /// Field-level reasons from `extraDetails` (`name: reason`), the error code left out.
    public var fieldErrors: [String] = []

    public init(kind: Kind, status: Int? = nil, title: String? = nil, detail: String? = nil, errorCode: Int? = nil,
                traceId: String? = nil, retryAfter: Int? = nil, message: String) {
        self.kind = kind
        self.status = status
        self.title = title
        self.detail = detail
        self.errorCode = errorCode
        self.traceId = traceId
        self.retryAfter = retryAfter
        self.message = message
    }

    static func from(status: Int, body: [UInt8], retryAfter: Int?) -> VippsError {
        let problem = try? JSONCoding.decoder.decode(Problem.self, from: body)
        var title = problem?.title
        if title?.isEmpty ?? true { title = defaultTitle(status) }
        var error = VippsError(
            kind: .http, status: status, title: title, detail: problem?.detail, errorCode: problem?.errorCode,
            traceId: problem?.traceId.isEmpty == false ? problem?.traceId : nil, retryAfter: retryAfter,
            message: problem?.detail ?? title ?? "HTTP \(status)")
        error.fieldErrors = (problem?.extraDetails ?? []).filter { $0.name != "ErrorCode" }.map { "\($0.name): \($0.reason)" }
        return error
    }

    static func defaultTitle(_ status: Int) -> String {
        switch status {
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 409: "Conflict"
        case 423: "Locked"
        case 429: "Too Many Requests"
        case 500...: "Server error"
        default: "HTTP \(status)"
        }
    }

    /// Whether trying the same request again (same key, same body) can help.
    public var isRetryable: Bool {
        switch kind {
        case .transport, .outcomeUnknown: return true
        case .decoding, .configuration: return false
        case .http:
            guard let status else { return false }
            return status == 429 || status == 423 || status >= 500 || errorCode == 6250 || errorCode == 6160 || errorCode == 6280
        }
    }

    /// One line: status, error code, title, traceId.
    public var description: String {
        var parts: [String] = []
        if let status { parts.append("HTTP \(status)") }
        if let errorCode { parts.append("ErrorCode \(errorCode)") }
        parts.append(title ?? message)
        if let detail, detail != title, !(detail.hasPrefix("See extraDetails") && !fieldErrors.isEmpty) { parts.append(detail) }
        parts.append(contentsOf: fieldErrors)
        if let traceId { parts.append("traceId \(traceId)") }
        return parts.joined(separator: ": ")
    }

    /// A short message for the person at the till.
    public var cashierMessage: String {
        switch errorCode {
        case 7010: return "Vipps MobilePay could not send the payment to this customer. Ask them to check the app, or pay another way."
        case 5080: return "This shop may not send payment requests straight to phones yet (PUSH_MESSAGE not approved). Contact the shop owner."
        case 4060: return "The QR code was not accepted. Ask the customer to show their personal QR code again."
        case 4070: return "The phone number was not accepted. Check the number."
        case 6250: return "The customer is approving right now. Try cancelling again in a moment."
        case 6010: return "The amount is too small for Vipps MobilePay."
        case 5040: return "This sales unit cannot take payments in this currency. Contact the shop owner."
        case 4150: return "This payment reference was used before. Start a new payment attempt."
        default: break
        }
        switch kind {
        case .transport: return "No connection to Vipps MobilePay. Check the network; nothing is lost."
        case .outcomeUnknown: return "No answer from Vipps MobilePay yet. Kasse keeps checking; do not take another payment."
        case .configuration: return "Kasse is not set up correctly: \(message)"
        case .decoding: return "Vipps MobilePay answered something Kasse did not understand. Try again."
        case .http: break
        }
        switch status {
        case 401, 403: return "Kasse could not log in to Vipps MobilePay. Contact the shop owner (API keys)."
        case 429: return "Too many requests to Vipps MobilePay. Wait a moment."
        case .some(500...): return "Vipps MobilePay has a problem right now. Try again."
        default: return title ?? "Vipps MobilePay refused the request."
        }
    }
}
