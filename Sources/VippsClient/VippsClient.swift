import Foundation
import Logging
import VippsModels

/// The Vipps MobilePay APIs a till and an integrator need, with tokens, headers, retries
/// and idempotency done right.
///
/// Every write takes the caller's idempotency key: the caller stores it before calling, and
/// every retry, here or after a restart, sends the same key with the same body. A write
/// whose answer is lost is resolved by reading the payment back, never by guessing.
public struct VippsClient: Sendable {
    public let configuration: VippsConfiguration
    let transport: any HTTPTransport
    let tokens: AccessTokenProvider
    let retry: RetryPolicy
    let sleeper: any Sleeper
    let logger: Logger
    let random: @Sendable () -> Double

    public init(
        configuration: VippsConfiguration,
        transport: any HTTPTransport = AsyncHTTPClientTransport(),
        retry: RetryPolicy = .default,
        sleeper: any Sleeper = TaskSleeper(),
        logger: Logger = Logger(label: "kasse.vipps"),
        now: @escaping @Sendable () -> Date = { Date() },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }
    ) {
        self.configuration = configuration
        self.transport = transport
        self.retry = retry
        self.sleeper = sleeper
        self.logger = logger
        self.random = random
        self.tokens = AccessTokenProvider(configuration: configuration, transport: transport, logger: logger, now: now)
    }

    // MARK: Access token

    /// Fetches (or reuses) a token and tells when it expires; the token itself stays inside.
    public func accessTokenExpiry() async throws -> Date {
        try await tokens.token().expiresAt
    }

    // MARK: ePayment

    /// Creates a payment. If the answer is lost even after retries with the same key, the
    /// payment is read back: if it exists, that is the answer.
    public func createPayment(_ request: CreatePaymentRequest, idempotencyKey: IdempotencyKey) async throws -> CreatePaymentResponse {
        let body = try JSONCoding.encode(request)
        do {
            return try await send(.POST, "/epayment/v1/payments", body: body, idempotencyKey: idempotencyKey,
                                  expect: CreatePaymentResponse.self)
        } catch let error as VippsError where error.kind == .transport {
            logger.warning("create \(request.reference): no answer after retries; reading the payment back")
            switch try await readBack(request.reference) {
            case .some(let payment):
                logger.info("create \(request.reference): the payment exists (\(payment.state.rawValue)); the lost answer was a success")
                return CreatePaymentResponse(redirectUrl: payment.redirectUrl, reference: payment.reference)
            case .none:
                throw VippsError(kind: .http, status: 404, title: "Payment was not created", errorCode: VippsErrorCode.referenceNotFound.rawValue,
                                 message: "no answer to create, and the payment does not exist: it was not created")
            }
        }
    }

    public func getPayment(_ reference: String) async throws -> GetPaymentResponse {
        try await send(.GET, "/epayment/v1/payments/\(escape(reference))", expect: GetPaymentResponse.self)
    }

    public func events(_ reference: String) async throws -> [PaymentEvent] {
        try await send(.GET, "/epayment/v1/payments/\(escape(reference))/events", expect: [PaymentEvent].self)
    }

    public func capture(_ reference: String, amount: Amount, idempotencyKey: IdempotencyKey) async throws -> ModificationResponse {
        try await modify(reference, "capture", body: try JSONCoding.encode(ModificationRequest(modificationAmount: amount)),
                         idempotencyKey: idempotencyKey, event: .CAPTURED)
    }

    public func refund(_ reference: String, amount: Amount, idempotencyKey: IdempotencyKey) async throws -> ModificationResponse {
        try await modify(reference, "refund", body: try JSONCoding.encode(ModificationRequest(modificationAmount: amount)),
                         idempotencyKey: idempotencyKey, event: .REFUNDED)
    }

    public func cancel(_ reference: String, transactionOnly: Bool = false, idempotencyKey: IdempotencyKey) async throws
        -> ModificationResponse
    {
        let body = transactionOnly ? try JSONCoding.encode(CancelModificationRequest(cancelTransactionOnly: true)) : nil
        return try await modify(reference, "cancel", body: body, idempotencyKey: idempotencyKey, event: nil)
    }

    /// The test environment's force approve (and the simulator's).
    public func forceApprove(_ reference: String, customer: Customer? = nil) async throws {
        let body = try JSONCoding.encode(ForceApproveRequest(customer: customer))
        _ = try await sendRaw(.POST, "/epayment/v1/test/payments/\(escape(reference))/approve", body: body, idempotencyKey: nil)
    }

    private func modify(_ reference: String, _ operation: String, body: [UInt8]?, idempotencyKey: IdempotencyKey,
                        event: PaymentEventName?) async throws -> ModificationResponse
    {
        do {
            return try await send(.POST, "/epayment/v1/payments/\(escape(reference))/\(operation)", body: body,
                                  idempotencyKey: idempotencyKey, expect: ModificationResponse.self)
        } catch let error as VippsError where error.kind == .transport {
            // Did it happen? The event log records each operation with its idempotency key.
            logger.warning("\(operation) \(reference): no answer after retries; reading the event log back")
            let events: [PaymentEvent]
            let payment: GetPaymentResponse
            do {
                events = try await self.events(reference)
                payment = try await getPayment(reference)
            } catch {
                throw VippsError(kind: .outcomeUnknown, message: "\(operation) \(reference): no answer, and the payment cannot be read back yet")
            }
            let done = events.contains { $0.idempotencyKey == idempotencyKey.value && (event == nil || $0.name == event) }
                || (event == nil && (payment.state == .TERMINATED || events.contains { $0.name == .CANCELLED && $0.idempotencyKey == idempotencyKey.value }))
            guard done else {
                throw VippsError(kind: .http, status: nil, title: "\(operation) was not carried out",
                                 message: "no answer to \(operation), and the event log shows it did not happen")
            }
            let psp = events.last { $0.idempotencyKey == idempotencyKey.value }?.pspReference ?? payment.pspReference
            return ModificationResponse(amount: payment.amount, state: payment.state, aggregate: payment.aggregate,
                                        pspReference: psp, reference: reference)
        }
    }

    private func readBack(_ reference: String) async throws -> GetPaymentResponse? {
        do {
            return try await getPayment(reference)
        } catch let error as VippsError where error.status == 404 {
            return nil
        } catch let error as VippsError where error.kind == .transport {
            throw VippsError(kind: .outcomeUnknown, message: "create \(reference): no answer, and the payment cannot be read back yet: \(error.message)")
        }
    }

    // MARK: Order Management

    /// Attaches `receipt` to the order. Order Management takes one receipt per order and never
    /// replaces it: a 409 is answered by reading the order back. The same receipt there (a retry
    /// whose first answer was lost, or an attach done before) is success; another one is an
    /// error that says so.
    public func attachReceipt(_ reference: String, receipt: Receipt, paymentType: String = "ECOM") async throws {
        do {
            _ = try await sendRaw(.POST, "/order-management/v2/\(paymentType)/receipts/\(escape(reference))",
                                  body: try JSONCoding.encode(receipt), idempotencyKey: nil)
        } catch let error as VippsError where error.status == 409 {
            let attached = try await order(reference, paymentType: paymentType).receipt
            if attached == receipt {
                logger.info("receipt \(reference): already attached, the same receipt")
                return
            }
            var refused = error
            refused.detail = "order \(reference) already has another receipt; Order Management takes one receipt per order and never replaces it"
            refused.message = refused.detail ?? error.message
            throw refused
        }
    }

    public func order(_ reference: String, paymentType: String = "ECOM") async throws -> OrderResponse {
        try await send(.GET, "/order-management/v2/\(paymentType)/\(escape(reference))", expect: OrderResponse.self)
    }

    // MARK: Webhooks

    public func registerWebhook(url: String, events: [String]) async throws -> WebhookRegistrationResponse {
        try await send(.POST, "/webhooks/v1/webhooks", body: try JSONCoding.encode(WebhookRegistrationRequest(url: url, events: events)),
                       expect: WebhookRegistrationResponse.self)
    }

    public func webhooks() async throws -> [Webhook] {
        try await send(.GET, "/webhooks/v1/webhooks", expect: WebhookList.self).webhooks
    }

    public func deleteWebhook(id: String) async throws {
        _ = try await sendRaw(.DELETE, "/webhooks/v1/webhooks/\(escape(id))", body: nil, idempotencyKey: nil)
    }

    // MARK: Report API (settlement)

    /// The ledgers these keys see; `recipientHandle` (`api:MSN`) keeps those that settle for one sales unit.
    public func ledgers(settlingFor recipientHandle: String? = nil) async throws -> [Ledger] {
        var items: [Ledger] = []
        var cursor: String?
        repeat {
            var query: [String] = []
            if let recipientHandle { query.append("settlesForRecipientHandles=\(escape(recipientHandle))") }
            if let cursor { query.append("cursor=\(escape(cursor))") }
            let page = try await send(.GET, "/settlement/v1/ledgers" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")),
                                      expect: LedgerList.self)
            items += page.items
            cursor = page.cursor.flatMap { $0.isEmpty || page.items.isEmpty ? nil : $0 }
        } while cursor != nil
        return items
    }

    /// What a ledger holds for one ledger date (`topic`: `funds` or `fees`), every page of it.
    public enum LedgerDay: Sendable, Equatable {
        /// The date has not begun, or its report is not there yet (HTTP 404): try later.
        case notYet
        /// `closed`: the date is closed and this is all of it; otherwise more may come.
        case entries([LedgerTransaction], closed: Bool)
    }

    public func ledgerDay(ledgerID: String, topic: String = "funds", date: String) async throws -> LedgerDay {
        var items: [LedgerTransaction] = []
        var cursor: String?
        var closed = true
        repeat {
            let path = "/report/v2/ledgers/\(escape(ledgerID))/\(escape(topic))/dates/\(escape(date))"
                + (cursor.map { "?cursor=\(escape($0))" } ?? "")
            let response: LedgerReportPage
            do {
                response = try await send(.GET, path, expect: LedgerReportPage.self)
            } catch let error as VippsError where error.status == 404 {
                return .notYet
            }
            items += response.items
            if response.tryLater == true { closed = false }
            cursor = response.hasMore == true ? response.cursor : nil
        } while cursor != nil
        return .entries(items, closed: closed)
    }

    // MARK: QR

    public func exchangeQR(_ content: String) async throws -> QRExchangeResponse {
        try await send(.POST, "/qr/v1/exchange", body: try JSONCoding.encode(QRExchangeRequest(qrCode: content)),
                       expect: QRExchangeResponse.self)
    }

    // MARK: The one place requests are sent

    public enum Method: String, Sendable { case GET, POST, DELETE, PUT }

    func send<T: Decodable>(_ method: Method, _ path: String, body: [UInt8]? = nil, idempotencyKey: IdempotencyKey? = nil,
                            expect: T.Type) async throws -> T
    {
        let response = try await sendRaw(method, path, body: body, idempotencyKey: idempotencyKey)
        do {
            return try JSONCoding.decoder.decode(T.self, from: response.body)
        } catch {
            throw VippsError(kind: .decoding, status: response.status,
                             message: "\(method.rawValue) \(path): the answer could not be read as \(T.self)")
        }
    }

    /// Sends with auth and system headers; retries connection errors, timeouts, 5xx, 423 and
    /// 429 with the same key and body; refreshes the token once on 401. A token fetch that fails
    /// the same way is retried here too, by the same decision (the request was not sent yet).
    public func sendRaw(_ method: Method, _ path: String, body: [UInt8]?, idempotencyKey: IdempotencyKey?) async throws
        -> TransportResponse
    {
        if let idempotencyKey, idempotencyKey.value.isEmpty || idempotencyKey.value.count > IdempotencyKey.maximumLength {
            throw VippsError(kind: .configuration, message: "an idempotency key must be 1–50 characters")
        }
        var attempt = 0
        var refreshedToken = false
        while true {
            attempt += 1
            try Task.checkCancellation()
            let token: AccessTokenProvider.Token
            do {
                token = try await tokens.token()
            } catch let error as VippsError where error.retryAdvice.retriesSameRequest {
                try await pauseBeforeRetry(after: error, attempt: attempt, "\(method.rawValue) \(path): the access token could not be fetched")
                continue
            }
            var headers: [(String, String)] = [
                ("Authorization", "Bearer \(token.value)"),
                ("Ocp-Apim-Subscription-Key", configuration.subscriptionKey),
                ("Merchant-Serial-Number", configuration.merchantSerialNumber),
                ("Vipps-System-Name", configuration.systemName),
                ("Vipps-System-Version", configuration.systemVersion),
                ("Vipps-System-Plugin-Name", configuration.pluginName),
                ("Vipps-System-Plugin-Version", configuration.pluginVersion),
            ]
            if let idempotencyKey { headers.append(("Idempotency-Key", idempotencyKey.value)) }
            if body != nil { headers.append(("Content-Type", "application/json")) }
            let request = TransportRequest(method: method.rawValue, url: configuration.baseURL + path, headers: headers,
                                           body: body, timeout: retry.requestTimeout)
            switch try await attemptOnce(request) {
            case .success(let response):
                return response
            case .unauthorized where !refreshedToken:
                refreshedToken = true
                await tokens.invalidate(token)
                logger.info("\(method.rawValue) \(path): token refused; fetching a new one")
                attempt -= 1
                continue
            case .unauthorized:
                throw VippsError(kind: .http, status: 401, title: "Unauthorized",
                                 message: "the API refused a fresh access token: check the subscription key and MSN")
            case .retryable(let error):
                try await pauseBeforeRetry(after: error, attempt: attempt, "\(method.rawValue) \(path)", sameKey: true)
            }
        }
    }

    /// One retry decision for a request and for the token it needed: gives up (throws the
    /// failure) once the attempts are spent, else waits the back-off (`Retry-After` wins).
    private func pauseBeforeRetry(after failure: VippsError, attempt: Int, _ what: String, sameKey: Bool = false) async throws {
        guard attempt < retry.maxAttempts else {
            logger.warning("\(what): giving up after \(attempt) attempts: \(failure)")
            throw failure
        }
        let wait = retry.backoff(afterAttempt: attempt, retryAfterSeconds: failure.retryAfter, random: random())
        logger.info("\(what): \(failure.status.map { "HTTP \($0)" } ?? failure.message); retry \(attempt + 1) of \(retry.maxAttempts) in \(wait)\(sameKey ? " with the same idempotency key" : "")")
        try await sleeper.sleep(for: wait)
    }

    private enum AttemptOutcome {
        case success(TransportResponse)
        case unauthorized
        case retryable(VippsError)
    }

    /// One request: a success, a refused token, an error worth retrying, or a thrown error
    /// that retrying cannot mend.
    private func attemptOnce(_ request: TransportRequest) async throws -> AttemptOutcome {
        let response: TransportResponse
        do {
            response = try await transport.send(request)
        } catch let error as TransportError {
            var failure = VippsError(kind: .transport, message: "\(request.method) \(request.url.dropFirst(configuration.baseURL.count)): \(error)")
            failure.couldNotConnect = error.kind == .connect
            return .retryable(failure)
        }
        if (200..<300).contains(response.status) { return .success(response) }
        if response.status == 401 { return .unauthorized }
        let retryAfter = response.header("Retry-After").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let failure = VippsError.from(status: response.status, body: response.body, retryAfter: retryAfter)
        if failure.retryAdvice.retriesSameRequest { return .retryable(failure) }
        throw failure
    }

    func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }
}
