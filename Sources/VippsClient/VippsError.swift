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

    /// An error answer (RFC 7807 problem with Vipps MobilePay's fields) as an error.
    public static func from(status: Int, body: [UInt8], retryAfter: Int?) -> VippsError {
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

    /// Set for a transport failure: Kasse could not connect at all (nothing was sent).
    public var couldNotConnect = false

    /// The failure as the till and the command line decide on it: from the kind, status and
    /// error code, never from the text.
    public var failure: VippsFailure {
        switch kind {
        case .transport: couldNotConnect ? .unreachable : .noAnswer
        case .outcomeUnknown: .noAnswer
        case .decoding: .unreadableAnswer
        case .configuration: .misconfigured(message)
        case .http:
            if let status { .from(status: status, code: errorCode.map { VippsErrorCode($0) }, title: title) }
            else { .refused(code: errorCode.map { VippsErrorCode($0) }, status: nil, title: title) }
        }
    }

    /// The one retry decision (see `VippsFailure.retryAdvice`).
    public var retryAdvice: RetryAdvice { failure.retryAdvice }

    /// Whether the same operation may still succeed (or already have): the same request sent
    /// again, or the operation tried again in a moment.
    public var isRetryable: Bool { retryAdvice.mayHappenLater }

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
}
