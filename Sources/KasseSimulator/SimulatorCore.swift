import Foundation
import KasseQR
import KasseCore
import Logging
import VippsModels
import VippsWebhooks

/// Everything the simulator knows and every rule it enforces. One actor, so requests are
/// handled one at a time exactly as if they were serialised by the real service.
actor SimulatorCore {
    let configuration: SimulatorConfiguration
    let clock: SimulatorClock
    let logger: Logger
    /// Set once the server knows its port; used to build redirect URLs.
    var baseURL = "http://127.0.0.1"

    private var random: SeededRandom
    private var tokens: [String: Date] = [:]
    private var payments: [String: SimulatedPayment] = [:]
    private var pending: Set<String> = []
    private var idempotency: [String: StoredResponse] = [:]
    private var rateWindows: [String: [Date]] = [:]
    private var receipts: [String: Receipt] = [:]
    private var faults: [FaultRule]
    private var trafficLog: FileHandle?
    private var receiptWarnings: [String: [String]] = [:]
    /// What the Report API shows: every capture and refund, per sales unit.
    private var ledger = SimulatedLedger()
    let webhooks: WebhookRegistry

    struct StoredResponse {
        var fingerprint: String
        var response: SimResponse
    }

    init(configuration: SimulatorConfiguration, clock: SimulatorClock, logger: Logger) {
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.random = SeededRandom(seed: configuration.seed)
        self.faults = configuration.faults
        self.webhooks = WebhookRegistry()
        if let path = configuration.trafficLog {
            if !FileManager.default.fileExists(atPath: path) {
                _ = FileManager.default.createFile(atPath: path, contents: nil)
            }
            trafficLog = FileHandle(forWritingAtPath: path)
            trafficLog?.seekToEndOfFile()
        }
    }

    func setBaseURL(_ url: String) { baseURL = url }

    // MARK: Entry point

    func handle(_ operation: Operation, _ request: SimRequest) async -> SimResponse {
        let now = clock.now()
        settle(at: now)
        var response: SimResponse
        var dropAfter = false
        switch applyFaults(for: operation) {
        case .fail(let failure):
            response = failure
        case .proceed(let latencyMs, let drop):
            if latencyMs > 0 { try? await Task.sleep(for: .milliseconds(latencyMs)) }
            dropAfter = drop
            response = dispatch(operation, request, now: clock.now())
        }
        if dropAfter && response.status < 500 {
            logger.info("fault: dropping the answer to \(operation.rawValue) after carrying it out")
            response.dropConnection = true
        }
        log(operation, request, response)
        return response
    }

    private func dispatch(_ operation: Operation, _ request: SimRequest, now: Date) -> SimResponse {
        if operation == .accessToken { return accessToken(request, now: now) }
        if operation == .userinfo { return userinfo(request, now: now) }
        let merchant: SimulatedMerchant
        switch authenticate(request, now: now, requireMSN: true) {
        case .failure(let error): return problem(error, request)
        case .success(let found): merchant = found
        }
        if let error = rateLimit(operation, request, merchant: merchant, now: now) { return problem(error, request) }
        switch operation {
        case .create: return withIdempotency(operation, request, merchant: merchant, scope: "create", conflictCode: 4020) {
            createPayment($0, merchant: merchant, now: now)
        }
        case .get: return getPayment(request, merchant: merchant)
        case .events: return getEvents(request, merchant: merchant)
        case .capture:
            return withIdempotency(operation, request, merchant: merchant, scope: "capture", conflictCode: 4010) {
                modify(.capture, $0, merchant: merchant, now: now)
            }
        case .refund:
            return withIdempotency(operation, request, merchant: merchant, scope: "refund", conflictCode: 4150) {
                modify(.refund, $0, merchant: merchant, now: now)
            }
        case .cancel:
            return withIdempotency(operation, request, merchant: merchant, scope: "cancel", conflictCode: 4020) {
                modify(.cancel, $0, merchant: merchant, now: now)
            }
        case .approve: return forceApprove(request, merchant: merchant, now: now)
        case .registerWebhook: return registerWebhook(request, merchant: merchant)
        case .listWebhooks: return listWebhooks(merchant: merchant)
        case .deleteWebhook: return deleteWebhook(request, merchant: merchant)
        case .postReceipt: return postReceipt(request, merchant: merchant)
        case .getOrder: return getOrder(request, merchant: merchant)
        case .qrExchange: return exchangeQR(request)
        case .accessToken: return accessToken(request, now: now)
        case .userinfo: return userinfo(request, now: now)
        case .ledgers: return ledgers(request)
        case .ledgerReport: return ledgerReport(request, now: now)
        }
    }

    // MARK: Report API (settlement)

    private func ledgers(_ request: SimRequest) -> SimResponse {
        var items = configuration.merchants.map(SimulatedLedger.ledger(for:))
        if let handle = request.parameters["?settlesForRecipientHandles"] {
            items = items.filter { $0.settlesForRecipientHandles.contains(handle) }
        }
        return .json(200, LedgerList(cursor: nil, items: items))
    }

    /// One ledger date's funds or fees, a page at a time (`cursor`: the offset of the next page).
    /// Not there yet: 404; not closed yet: what has appeared, with `tryLater`.
    private func ledgerReport(_ request: SimRequest, now: Date) -> SimResponse {
        let ledgerID = request.parameters["ledgerId"] ?? ""
        guard let merchant = configuration.merchants.first(where: { SimulatedLedger.ledgerID(msn: $0.msn) == ledgerID }) else {
            return problem(APIError(404, "Not Found", detail: "No ledger \(ledgerID) for these API keys"), request)
        }
        let topic = request.parameters["topic"] ?? ""
        guard topic == "funds" || topic == "fees" else {
            return problem(APIError(400, "Bad Request", detail: "topic must be funds or fees"), request)
        }
        guard let date = CivilDate.parse(request.parameters["ledgerDate"] ?? "", today: CivilDate(year: 2000, month: 1, day: 1)),
              date.iso == request.parameters["ledgerDate"] else {
            return problem(APIError(400, "Bad Request", detail: "ledgerDate must be YYYY-MM-DD"), request)
        }
        let market = SimulatedLedger.market(of: merchant.currency)
        let startOfDate = SimulatedLedger.start(of: date, in: ShopTimeZone.of(market))
        if now.timeIntervalSince1970 < TimeInterval(startOfDate) {
            // The date has not begun: "interpret HTTP 404 as a signal to try again later".
            return problem(APIError(404, "Not Found", detail: "The report for \(date.iso) is not available yet"), request)
        }
        let all = ledger.lines(merchant: merchant, topic: topic, now: now, lag: configuration.settlementLag,
                               feeBasisPoints: configuration.feeBasisPoints).filter { $0.ledgerDate == date.iso }
        let offset = request.parameters["?cursor"].flatMap { Int($0) } ?? 0
        let size = max(1, configuration.reportPageSize)
        let page = Array(all.dropFirst(max(0, offset)).prefix(size))
        let more = offset + page.count < all.count
        let closed = SimulatedLedger.isClosed(date, market: market, now: now, lag: configuration.settlementLag)
        return .json(200, LedgerReportPage(cursor: more ? String(offset + page.count) : nil, hasMore: more,
                                           tryLater: closed ? false : true, items: page))
    }

    /// The control API's settlement faults: captures missing from the ledger or settled with
    /// another amount, and captures the shop never made (recorded now, in the sales unit's ledger).
    func setSettlementFaults(_ asked: Simulator.SettlementFaultsRequest) -> SimResponse {
        let now = clock.now()
        var faults = SimulatedLedger.Faults(missing: asked.missing, changed: asked.changed)
        for unknown in asked.unknown ?? [] {
            guard let merchant = configuration.merchants.first(where: { $0.msn == (unknown.msn ?? configuration.merchants.first?.msn) }) else {
                return .json(404, ["error": "no sales unit \(unknown.msn ?? "")"])
            }
            let time = unknown.at.flatMap(Timestamps.parseRFC3339) ?? now
            faults.unknown.append(SimulatedLedger.Entry(msn: merchant.msn, pspReference: makePSPReference(), time: time, entryType: .capture,
                                                        reference: unknown.reference, currency: merchant.currency, amount: unknown.amount))
        }
        ledger.faults = faults
        return .json(200, ["missing": asked.missing ?? [], "changed": (asked.changed ?? []).map(\.reference),
                           "unknown": (asked.unknown ?? []).map(\.reference)])
    }

    // MARK: Access token

    private func accessToken(_ request: SimRequest, now: Date) -> SimResponse {
        guard request.method == "POST" else { return problem(APIError(405, "Method Not Allowed"), request) }
        guard let id = request.header("client_id"), let secret = request.header("client_secret"),
            let key = request.header("Ocp-Apim-Subscription-Key")
        else {
            return problem(APIError(400, "Bad Request", detail: "client_id, client_secret and Ocp-Apim-Subscription-Key headers are required"), request)
        }
        guard key == configuration.subscriptionKey else {
            return problem(APIError(401, "Unauthorized", detail: "Access denied due to invalid subscription key"), request)
        }
        guard id == configuration.clientID, secret == configuration.clientSecret else {
            return problem(APIError(401, "Unauthorized", detail: "Invalid client_id or client_secret"), request)
        }
        let token = makeToken()
        let lifetime = configuration.tokenLifetime
        tokens[token] = now.addingTimeInterval(lifetime)
        let notBefore = Int(now.timeIntervalSince1970)
        return .json(200, AccessTokenResponse(
            token_type: "Bearer", expires_in: String(Int(lifetime)), ext_expires_in: "0",
            expires_on: String(notBefore + Int(lifetime)), not_before: String(notBefore),
            resource: "00000002-0000-0000-c000-000000000000", access_token: token),
            contentType: "application/json;charset=UTF-8")
    }

    private func makeToken() -> String {
        let header = Base64.encode(Array(#"{"typ":"JWT","alg":"RS256","x5t":"kasse-simulator"}"#.utf8))
        let payload = Base64.encode(Array("{\"sim\":\"\(randomHex(32))\"}".utf8))
        let signature = Base64.encode((0..<256).map { _ in UInt8.random(in: 0...255, using: &random) })
        return [header, payload, signature].map { $0.replacingOccurrences(of: "=", with: "") }.joined(separator: ".")
    }

    private func authenticate(_ request: SimRequest, now: Date, requireMSN: Bool) -> Result<SimulatedMerchant, APIError> {
        guard let authorization = request.header("Authorization") else {
            return .failure(APIError(401, "Unauthorized", detail: "Access token is missing"))
        }
        guard authorization.hasPrefix("Bearer ") else {
            return .failure(APIError(401, "Unauthorized", detail: "The Authorization header must be 'Bearer <token>'"))
        }
        let token = String(authorization.dropFirst("Bearer ".count))
        guard let expiry = tokens[token] else {
            return .failure(APIError(401, "Unauthorized", detail: "Access token is invalid"))
        }
        guard expiry > now else {
            return .failure(APIError(401, "Unauthorized", detail: "Access token has expired"))
        }
        guard let key = request.header("Ocp-Apim-Subscription-Key") else {
            return .failure(APIError(401, "Unauthorized", detail: "Access denied due to missing subscription key"))
        }
        guard key == configuration.subscriptionKey else {
            return .failure(APIError(401, "Unauthorized", detail: "Access denied due to invalid subscription key"))
        }
        guard let msn = request.header("Merchant-Serial-Number") else {
            return .failure(.invalidField("Merchant-Serial-Number", "The Merchant-Serial-Number header is required"))
        }
        guard let merchant = configuration.merchants.first(where: { $0.msn == msn }) else {
            return .failure(APIError(403, "Forbidden", detail: "The API keys do not give access to merchant serial number \(msn)"))
        }
        for name in ["Vipps-System-Name", "Vipps-System-Version", "Vipps-System-Plugin-Name", "Vipps-System-Plugin-Version"] {
            if let value = request.header(name), value.count > 30 {
                return .failure(.invalidField(name, "The field \(name) must be a string with a maximum length of 30."))
            }
        }
        return .success(merchant)
    }

    // MARK: Userinfo (profile sharing)

    /// `GET /vipps-userinfo-api/userinfo/{sub}`: what the customer agreed to share on a payment
    /// created with `profile.scope`, once it is AUTHORIZED. Takes the merchant's access token
    /// alone, as the live endpoint does (Vipps's collection sends no subscription key).
    private func userinfo(_ request: SimRequest, now: Date) -> SimResponse {
        guard let authorization = request.header("Authorization"), authorization.hasPrefix("Bearer "),
              let expiry = tokens[String(authorization.dropFirst("Bearer ".count))], expiry > now
        else {
            return problem(APIError(401, "Unauthorized", detail: "A valid access token is required"), request)
        }
        let sub = request.parameters["sub"] ?? ""
        guard let payment = payments.values.first(where: { $0.sub == sub && !sub.isEmpty }) else {
            return problem(APIError(404, "Not Found", detail: "No user information for that sub"), request)
        }
        let scopes = Set((payment.profileScope ?? "").split(separator: " ").map(String.init))
        let customer = configuration.customers.first { candidate in
            candidate.msisdn == payment.customer?.phoneNumber || (candidate.personalQr != nil && candidate.personalQr == payment.customer?.personalQr)
        }
        var claims: [String: String] = ["sub": sub]
        let name = customer?.name ?? payment.customerName ?? "Test Kunde"
        if scopes.contains("name") {
            claims["name"] = name
            let parts = name.split(separator: " ")
            claims["given_name"] = parts.dropLast().joined(separator: " ")
            claims["family_name"] = parts.last.map(String.init) ?? ""
        }
        if scopes.contains("phoneNumber"), let msisdn = customer?.msisdn ?? payment.customer?.phoneNumber {
            claims["phone_number"] = msisdn
        }
        if scopes.contains("email") {
            claims["email"] = name.lowercased().filter { $0.isLetter || $0 == " " }.replacingOccurrences(of: " ", with: ".") + "@example.com"
            claims["email_verified"] = "true"
        }
        if scopes.contains("birthDate") { claims["birthdate"] = "1980-01-31" }
        if scopes.contains("nin") { claims["nin"] = "31018012345" }
        var response = SimResponse.json(200, claims)
        if scopes.contains("address") {
            // The address is an object; add it to the flat claims.
            var text = String(decoding: response.body, as: UTF8.self)
            text.removeLast()
            text += #","address":{"address_type":"home","country":"NO","formatted":"Robert Levins gate 5\n0154 Oslo","postal_code":"0154","region":"Oslo","street_address":"Robert Levins gate 5"}}"#
            response.body = Array(text.utf8)
        }
        return response
    }

    // MARK: Rate limits

    private func rateLimit(_ operation: Operation, _ request: SimRequest, merchant: SimulatedMerchant, now: Date) -> APIError? {
        let limit: Int
        switch operation {
        case .create, .capture, .cancel, .refund: limit = 5
        case .get, .events: limit = 120
        default: return nil
        }
        // A create whose body names no reference is rejected by validation; it counts against no one.
        guard let reference = operation == .create ? peekReference(request.body) : request.parameters["reference"] else {
            return nil
        }
        let key = "\(operation.rawValue)|\(merchant.msn)|\(reference)"
        let windowStart = now.addingTimeInterval(-60)
        var window = (rateWindows[key] ?? []).filter { $0 > windowStart }
        if window.count >= limit, let oldest = window.first {
            let retryAfter = max(1, Int(ceil(oldest.addingTimeInterval(60).timeIntervalSince(now) / max(clock.scale, 0.0001))))
            rateWindows[key] = window
            return APIError(429, "Too Many Requests",
                            detail: "Rate limit is exceeded: \(limit) \(operation.rawValue) requests per minute per reference",
                            retryAfter: retryAfter)
        }
        window.append(now)
        rateWindows[key] = window
        return nil
    }

    private func peekReference(_ body: [UInt8]) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return nil }
        return object["reference"] as? String
    }

    // MARK: Idempotency

    private func withIdempotency(
        _ operation: Operation, _ request: SimRequest, merchant: SimulatedMerchant, scope: String, conflictCode: Int,
        _ body: (SimRequest) -> SimResponse
    ) -> SimResponse {
        guard let key = request.header("Idempotency-Key"), !key.isEmpty else {
            return problem(.invalidField("Idempotency-Key", "The Idempotency-Key header is required"), request)
        }
        guard key.count <= 50 else {
            return problem(.invalidField("Idempotency-Key", "The Idempotency-Key header must be at most 50 characters"), request)
        }
        let reference = request.parameters["reference"] ?? ""
        let storeKey = "\(merchant.msn)|\(scope)|\(reference)|\(key)"
        let fingerprint = canonicalFingerprint(request.body)
        if let stored = idempotency[storeKey] {
            if stored.fingerprint == fingerprint {
                logger.debug("idempotent replay of \(scope) for key \(key)")
                return stored.response
            }
            let title = conflictCode == 4010 ? "Capture idempotency conflict"
                : conflictCode == 4150 ? "Refund idempotency conflict" : "Idempotency error"
            return problem(.coded(conflictCode, title, status: 409,
                                  detail: "The Idempotency-Key '\(key)' was already used with a different request"), request)
        }
        let response = body(request)
        let isTransient = response.status == 429 || response.status == 423 || response.status >= 500
            || transientCodes.contains(errorCode(of: response) ?? 0)
        if !isTransient {
            idempotency[storeKey] = StoredResponse(fingerprint: fingerprint, response: response)
        }
        return response
    }

    private let transientCodes: Set<Int> = Set([VippsErrorCode.cannotCancelProcessing, .orderProcessing, .captureFailedTryLater].map(\.rawValue))

    private func errorCode(of response: SimResponse) -> Int? {
        guard response.status >= 400,
            let problem = try? JSONDecoder().decode(Problem.self, from: Data(response.body))
        else { return nil }
        return problem.errorCode
    }

    /// The same JSON with keys in any order or other spacing is the same request.
    /// The body with its keys sorted and its spacing gone, so the same request written
    /// differently counts as the same. (Not JSONSerialization's `.sortedKeys`: that sorts
    /// with the locale, through ICU, megabytes of memory in a till running the demo.)
    private func canonicalFingerprint(_ body: [UInt8]) -> String {
        if body.isEmpty { return "" }
        guard let value = try? JSONDecoder().decode(CanonicalJSON.self, from: Data(body)) else {
            return String(decoding: body, as: UTF8.self)
        }
        return value.text
    }

    // MARK: Create

    private func createPayment(_ request: SimRequest, merchant: SimulatedMerchant, now: Date) -> SimResponse {
        let body: CreatePaymentRequest
        // Vipps's own examples (the Postman collections, the in-store guide) send `reference`
        // and `customer.phoneNumber` as JSON numbers, and the live API takes them.
        let lenient = CanonicalJSON.numbersAsStrings(request.body, at: [["reference"], ["customer", "phoneNumber"]])
        switch decode(CreatePaymentRequest.self, lenient) {
        case .failure(let error): return problem(error, request)
        case .success(let decoded): body = decoded
        }
        switch validateCreate(body, merchant: merchant, now: now) {
        case .failure(let error): return problem(error, request)
        case .success(let (customer, expiresAt)):
            let id = paymentKey(merchant.msn, body.reference)
            if payments[id] != nil {
                return problem(.coded(4150, "Reference exists", status: 409,
                                      detail: "A payment with reference \(body.reference) already exists"), request)
            }
            var plan = CustomerPlan(behaviour: .manual, actsAt: nil, processingFrom: nil)
            if let customer {
                plan.behaviour = customer.behaviour
                if customer.behaviour == .approve || customer.behaviour == .abort {
                    let acts = now.addingTimeInterval(customer.afterSeconds)
                    plan.actsAt = acts
                    plan.processingFrom = acts.addingTimeInterval(-min(1, customer.afterSeconds))
                }
            }
            var redirectUrl: String?
            switch body.userFlow {
            case .PUSH_MESSAGE: redirectUrl = nil
            case .WEB_REDIRECT: redirectUrl = "\(baseURL)/simulator/v1/landing/\(body.reference)?token=\(randomHex(16))"
            case .NATIVE_REDIRECT: redirectUrl = "vipps://simulator?token=\(randomHex(16))"
            case .QR:
                // The QR code leads to the landing page (what a phone opens); the answer is that
                // address itself (TEXT/TARGETURL) or an image of its QR code (SVG by default, PNG).
                let token = randomHex(16)
                let target = "\(baseURL)/simulator/v1/landing/\(body.reference)?token=\(token)"
                switch body.qrFormat?.format ?? "IMAGE/SVG+XML" {
                case "TEXT/TARGETURL": redirectUrl = target
                case "IMAGE/PNG": redirectUrl = "\(baseURL)/simulator/v1/qr/\(body.reference)?token=\(token)&format=png&size=\(body.qrFormat?.size ?? 1024)"
                default: redirectUrl = "\(baseURL)/simulator/v1/qr/\(body.reference)?token=\(token)&format=svg"
                }
            }
            let psp = makePSPReference()
            var payment = SimulatedPayment(
                msn: merchant.msn, reference: body.reference, pspReference: psp, amount: body.amount, state: .CREATED,
                aggregate: .zero(body.amount.currency), paymentMethod: body.paymentMethod.type, userFlow: body.userFlow,
                customer: body.customer, customerName: customer?.name,
                customerInteraction: body.customerInteraction ?? .CUSTOMER_NOT_PRESENT,
                paymentDescription: body.paymentDescription, receipt: body.receipt, metadata: body.metadata,
                redirectUrl: redirectUrl, createdAt: now, expiresAt: expiresAt, plan: plan)
            payment.profileScope = body.profile?.scope.flatMap { $0.isEmpty ? nil : $0 }
            let event = payment.record(.CREATED, amount: body.amount, key: request.header("Idempotency-Key"), at: now, psp: psp)
            payments[id] = payment
            pending.insert(id)
            if let receipt = body.receipt {
                receipts[id] = receipt
                let problems = SaleReceipt.problems(in: receipt, paymentAmount: body.amount.value)
                if !problems.isEmpty {
                    receiptWarnings[id] = problems
                    logger.warning("receipt of \(body.reference) does not add up: \(problems.joined(separator: "; "))")
                }
            }
            webhooks.enqueue(event: event, msn: merchant.msn, at: now)
            logger.info("payment \(body.reference) created: \(body.amount.value) \(body.amount.currency.rawValue), \(body.userFlow.rawValue)")
            return .json(201, CreatePaymentResponse(redirectUrl: redirectUrl, reference: body.reference))
        }
    }

    private func validateCreate(_ body: CreatePaymentRequest, merchant: SimulatedMerchant, now: Date)
        -> Result<(SimulatedCustomer?, Date), APIError>
    {
        guard Self.isValidReference(body.reference) else {
            return .failure(.invalidField("reference", "The field Reference must match the regular expression '^[a-zA-Z0-9-]{8,64}$'."))
        }
        guard body.amount.value >= 0, body.amount.value <= 65_000_000 else {
            return .failure(.coded(4040, "Invalid amount", detail: "amount.value must be between 0 and 65000000 minor units"))
        }
        let minimum = body.amount.currency == .NOK ? 100 : 1
        guard body.amount.value >= minimum else {
            return .failure(.coded(6010, "Amount too small", detail: "The smallest amount is \(minimum) minor units in \(body.amount.currency.rawValue)"))
        }
        guard body.amount.currency == merchant.currency else {
            return .failure(.coded(5040, "Invalid currency for merchant",
                                   detail: "Sales unit \(merchant.msn) takes \(merchant.currency.rawValue), not \(body.amount.currency.rawValue)"))
        }
        // Card payments are how a web shop takes a card on Vipps MobilePay's landing page: only
        // with WEB_REDIRECT, as the ePayment document says.
        if body.paymentMethod.type == .CARD, body.userFlow != .WEB_REDIRECT {
            return .failure(.coded(4160, "Invalid payment method type", detail: "CARD is only possible with WEB_REDIRECT"))
        }
        if let description = body.paymentDescription, description.count < 3 || description.count > 100 {
            return .failure(.invalidField("paymentDescription", "The field PaymentDescription must be a string with a minimum length of 3 and a maximum length of 100."))
        }
        if body.userFlow == .WEB_REDIRECT {
            guard let url = body.returnUrl, Self.isValidReturnURL(url) else {
                return .failure(.coded(4090, "Invalid URL", detail: "WEB_REDIRECT needs a returnUrl with https:// or a custom scheme"))
            }
        } else if let url = body.returnUrl, !Self.isValidReturnURL(url) {
            return .failure(.coded(4090, "Invalid URL", detail: "returnUrl must use https:// or a custom scheme"))
        }
        if body.qrFormat != nil && body.userFlow != .QR {
            return .failure(.invalidField("qrFormat", "qrFormat is only applicable when userFlow is QR"))
        }
        if let format = body.qrFormat {
            guard ["TEXT/TARGETURL", "IMAGE/SVG+XML", "IMAGE/PNG"].contains(format.format) else {
                return .failure(.invalidField("qrFormat.format", "format must be TEXT/TARGETURL, IMAGE/SVG+XML or IMAGE/PNG"))
            }
            if let size = format.size, !(100...2000).contains(size) {
                return .failure(.invalidField("qrFormat.size", "size must be between 100 and 2000"))
            }
        }
        if let metadata = body.metadata {
            if metadata.count > 5 { return .failure(.coded(4100, "Metadata capacity exceeded", detail: "At most 5 metadata entries")) }
            if metadata.keys.contains(where: { $0.count > 100 }) {
                return .failure(.coded(4120, "Metadata key length exceeded", detail: "Metadata keys are at most 100 characters"))
            }
            if metadata.values.contains(where: { $0.count > 500 }) {
                return .failure(.coded(4130, "Metadata value length exceeded", detail: "Metadata values are at most 500 characters"))
            }
        }
        if let receipt = body.receipt, let error = Self.validateReceipt(receipt, field: "receipt") { return .failure(error) }

        var matched: SimulatedCustomer?
        if let customer = body.customer {
            let given = [customer.phoneNumber, customer.personalQr, customer.customerToken].compactMap { $0 }
            guard given.count == 1 else {
                return .failure(.invalidField("customer", "Specify exactly one of phoneNumber, personalQr and customerToken"))
            }
            if let phone = customer.phoneNumber {
                guard phone.count >= 10, phone.count <= 15, phone.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                    return .failure(.coded(4070, "Invalid phone number",
                                           detail: "phoneNumber must be an MSISDN: 10–15 digits with country code, no + or 00"))
                }
                matched = configuration.customers.first { $0.msisdn == phone }
            } else if let qr = customer.personalQr {
                guard qr.count >= 5, qr.count <= 255, (try? PersonalQRCode(scanned: qr)) != nil, qr == qr.trimmingCharacters(in: .whitespacesAndNewlines)
                else {
                    return .failure(.coded(4060, "Invalid PersonalQr", detail: "personalQr must be the complete content of a personal QR code"))
                }
                matched = configuration.customers.first { $0.personalQr == qr }
            } else {
                return .failure(.coded(4050, "Invalid CustomerToken", detail: "The customer token is unknown or expired"))
            }
            guard matched != nil else {
                return .failure(.coded(7010, "Customer not found",
                                       detail: "The customer cannot pay this sales unit right now"))
            }
        }
        if body.userFlow == .PUSH_MESSAGE {
            guard body.customer != nil else {
                return .failure(.coded(4140, "Missing required parameter", detail: "PUSH_MESSAGE needs a customer"))
            }
            guard merchant.allowsPushMessage else {
                return .failure(.coded(5080, "PUSH_MESSAGE not allowed",
                                       detail: "The sales unit needs approval to skip the landing page"))
            }
        }
        var expiresAt = now.addingTimeInterval(600)
        if let text = body.expiresAt {
            guard body.userFlow == .PUSH_MESSAGE || body.userFlow == .QR else {
                return .failure(.invalidField("expiresAt", "expiresAt can only be combined with PUSH_MESSAGE or QR"))
            }
            guard let date = Timestamps.parseRFC3339(text) else {
                return .failure(.invalidField("expiresAt", "expiresAt must be an RFC 3339 date-time"))
            }
            guard body.receipt != nil else {
                return .failure(.coded(6130, "Long living payments require a receipt"))
            }
            guard date.timeIntervalSince(now) > 600 else {
                return .failure(.coded(6120, "Expiration date too soon", detail: "expiresAt must be more than 10 minutes ahead"))
            }
            guard date.timeIntervalSince(now) < 60 * 86400 else {
                return .failure(.coded(6110, "Expiration date too late", detail: "expiresAt must be less than 60 days ahead"))
            }
            expiresAt = date
        }
        return .success((matched, expiresAt))
    }

    static func isValidReference(_ reference: String) -> Bool {
        let bytes = reference.utf8
        guard bytes.count >= 8, bytes.count <= 64 else { return false }
        return bytes.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 }
    }

    static func isValidReturnURL(_ url: String) -> Bool {
        guard let colon = url.firstIndex(of: ":"), colon > url.startIndex else { return false }
        let scheme = url[..<colon].lowercased()
        guard scheme.first?.isLetter == true, scheme.allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) }) else {
            return false
        }
        if scheme == "http" { return false }
        if scheme == "https" { return URL(string: url)?.host?.isEmpty == false }
        return url.count > colon.utf16Offset(in: url) + 1
    }

    /// The structural rules of the receipt schema. Whether the lines add up is checked
    /// separately and only warned about, as the live API no longer validates sums.
    static func validateReceipt(_ receipt: Receipt, field: String) -> APIError? {
        guard !receipt.orderLines.isEmpty else { return .invalidField("\(field).orderLines", "At least one order line is required") }
        for (index, line) in receipt.orderLines.enumerated() {
            let name = "\(field).orderLines[\(index)]"
            if line.taxRate == nil && line.taxPercentage == nil {
                return .invalidField(name, "Either taxRate or taxPercentage must be set")
            }
            if let rate = line.taxRate, !(0...10000).contains(rate) { return .invalidField("\(name).taxRate", "taxRate must be 0–10000") }
            if let percent = line.taxPercentage, !(0...100).contains(percent) {
                return .invalidField("\(name).taxPercentage", "taxPercentage must be 0–100")
            }
            if line.totalAmount < 0 || line.totalAmountExcludingTax < 0 || line.totalTaxAmount < 0 {
                return .invalidField(name, "Order line amounts cannot be negative; use isReturn")
            }
            if let discount = line.discount, discount < 0 { return .invalidField("\(name).discount", "discount cannot be negative") }
            if let unit = line.unitInfo {
                if !SaleReceipt.isValidQuantity(unit.quantity) {
                    return .invalidField("\(name).unitInfo.quantity", "quantity must match ^\\d+([\\.]\\d{1,8})?$ and be at most 10 characters")
                }
                if unit.unitPrice < 0 { return .invalidField("\(name).unitInfo.unitPrice", "unitPrice cannot be negative") }
            }
        }
        if let tip = receipt.bottomLine.tipAmount, tip < 0 { return .invalidField("\(field).bottomLine.tipAmount", "tipAmount cannot be negative") }
        return nil
    }

    // MARK: Get, events

    private func getPayment(_ request: SimRequest, merchant: SimulatedMerchant) -> SimResponse {
        switch find(request, merchant: merchant) {
        case .failure(let error): return problem(error, request)
        case .success(let payment): return .json(200, payment.getResponse)
        }
    }

    private func getEvents(_ request: SimRequest, merchant: SimulatedMerchant) -> SimResponse {
        switch find(request, merchant: merchant) {
        case .failure(let error): return problem(error, request)
        case .success(let payment): return .json(200, payment.events)
        }
    }

    private func find(_ request: SimRequest, merchant: SimulatedMerchant) -> Result<SimulatedPayment, APIError> {
        let reference = request.parameters["reference"] ?? ""
        guard let payment = payments[paymentKey(merchant.msn, reference)] else {
            return .failure(.coded(.referenceNotFound, "Reference not found", status: 404, detail: "No payment with reference \(reference)"))
        }
        return .success(payment)
    }

    // MARK: Capture, refund, cancel

    private enum Modification { case capture, refund, cancel }

    private func modify(_ kind: Modification, _ request: SimRequest, merchant: SimulatedMerchant, now: Date) -> SimResponse {
        let reference = request.parameters["reference"] ?? ""
        let id = paymentKey(merchant.msn, reference)
        guard var payment = payments[id] else {
            return problem(.coded(.referenceNotFound, "Reference not found", status: 404, detail: "No payment with reference \(reference)"), request)
        }
        let key = request.header("Idempotency-Key") ?? ""
        let psp = makePSPReference()
        let result: Result<PaymentEvent, APIError>
        switch kind {
        case .capture, .refund:
            let body: ModificationRequest
            switch decode(ModificationRequest.self, request.body) {
            case .failure(let error): return problem(error, request)
            case .success(let decoded): body = decoded
            }
            result = kind == .capture
                ? payment.capture(body.modificationAmount, key: key, at: now, pspReference: psp)
                : payment.refund(body.modificationAmount, key: key, at: now, pspReference: psp)
        case .cancel:
            var transactionOnly = false
            if !request.body.isEmpty {
                switch decode(CancelModificationRequest.self, request.body) {
                case .failure(let error): return problem(error, request)
                case .success(let decoded): transactionOnly = decoded.cancelTransactionOnly ?? false
                }
            }
            result = payment.cancel(transactionOnly: transactionOnly, key: key, at: now, pspReference: psp)
        }
        switch result {
        case .failure(let error):
            payments[id] = payment  // a refusal changes nothing but the control API's count of failures to come
            return problem(error, request)
        case .success(let event):
            payments[id] = payment
            if payment.state != .CREATED { pending.remove(id) }
            if kind != .cancel {
                ledger.record(SimulatedLedger.Entry(
                    msn: merchant.msn, pspReference: psp, time: now, entryType: kind == .capture ? .capture : .refund,
                    reference: reference, currency: payment.amount.currency, amount: kind == .capture ? event.amount.value : -event.amount.value))
            }
            webhooks.enqueue(event: event, msn: merchant.msn, at: now)
            logger.info("payment \(reference): \(event.name.rawValue) \(event.amount.value)")
            return .json(200, payment.modificationResponse(pspReference: psp))
        }
    }

    private func forceApprove(_ request: SimRequest, merchant: SimulatedMerchant, now: Date) -> SimResponse {
        let lenient = CanonicalJSON.numbersAsStrings(request.body, at: [["customer", "phoneNumber"]])
        if !request.body.isEmpty, case .failure(let error) = decode(ForceApproveRequest.self, lenient) {
            return problem(error, request)
        }
        let reference = request.parameters["reference"] ?? ""
        let id = paymentKey(merchant.msn, reference)
        guard var payment = payments[id] else {
            return problem(.coded(.referenceNotFound, "Reference not found", status: 404, detail: "No payment with reference \(reference)"), request)
        }
        guard let event = payment.authorize(at: now, pspReference: makePSPReference(), guarantee: guarantee(payment)) else {
            return problem(.coded(10020, "Approve not allowed", detail: "The payment is \(payment.state.rawValue)"), request)
        }
        payments[id] = payment
        pending.remove(id)
        webhooks.enqueue(event: event, msn: merchant.msn, at: now)
        return .empty(200)
    }

    // MARK: Webhooks API

    static let knownEvents: Set<String> = Set(PaymentEventName.allCases.map(\.webhookEventType)).union([
        "recurring.agreement-activated.v1", "recurring.agreement-rejected.v1", "recurring.agreement-stopped.v1",
        "recurring.agreement-expired.v1", "recurring.charge-reserved.v1", "recurring.charge-captured.v1",
        "recurring.charge-canceled.v1", "recurring.charge-failed.v1", "user.checked-in.v1",
    ])

    private func registerWebhook(_ request: SimRequest, merchant: SimulatedMerchant) -> SimResponse {
        let body: WebhookRegistrationRequest
        switch decode(WebhookRegistrationRequest.self, request.body) {
        case .failure(let error): return problem(error, request)
        case .success(let decoded): body = decoded
        }
        guard let url = URL(string: body.url), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            return problem(.invalidField("url", "The url must be an absolute URL"), request)
        }
        let loopback = host == "127.0.0.1" || host == "localhost" || host == "::1" || host.hasPrefix("127.")
        guard scheme == "https" || (scheme == "http" && loopback) else {
            return problem(.invalidField("url", "The URL must use HTTPS (the simulator also accepts http:// on loopback)"), request)
        }
        guard !body.events.isEmpty else { return problem(.invalidField("events", "At least one event is required"), request) }
        if let unknown = body.events.first(where: { !Self.knownEvents.contains($0) }) {
            return problem(.invalidField("events", "Unknown event '\(unknown)'"), request)
        }
        for event in body.events where webhooks.count(msn: merchant.msn, event: event) >= 25 {
            return problem(.invalidField("events", "At most 25 webhooks can be registered for \(event)"), request)
        }
        let id = makeUUID()
        let secret = Base64.encode((0..<48).map { _ in UInt8.random(in: 0...255, using: &random) })
        webhooks.register(RegisteredWebhook(id: id, msn: merchant.msn, url: body.url, events: body.events, secret: secret))
        logger.info("webhook \(id) registered for \(body.events.joined(separator: ","))")
        return .json(201, WebhookRegistrationResponse(id: id, secret: secret))
    }

    private func listWebhooks(merchant: SimulatedMerchant) -> SimResponse {
        .json(200, WebhookList(webhooks: webhooks.list(msn: merchant.msn).map { Webhook(id: $0.id, url: $0.url, events: $0.events) }))
    }

    private func deleteWebhook(_ request: SimRequest, merchant: SimulatedMerchant) -> SimResponse {
        let id = request.parameters["id"] ?? ""
        guard webhooks.delete(id: id, msn: merchant.msn) else {
            return problem(APIError(404, "Not Found", detail: "No webhook with id \(id)"), request)
        }
        return .empty(204)
    }

    // MARK: Order Management

    private enum OrderPath {
        case success(String)
        case failure(SimResponse)
    }

    private func orderPath(_ request: SimRequest) -> OrderPath {
        let type = (request.parameters["paymentType"] ?? "").uppercased()
        let orderId = request.parameters["orderId"] ?? ""
        guard type == "ECOM" || type == "RECURRING" else {
            return .failure(orderError(400, "Bad Request", "paymentType must be ECOM or RECURRING", request))
        }
        guard !orderId.isEmpty, orderId.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            return .failure(orderError(400, "Bad Request", "orderId must match ^[0-9A-Za-z-_\\.]+$", request))
        }
        return .success(orderId)
    }

    private func postReceipt(_ request: SimRequest, merchant: SimulatedMerchant) -> SimResponse {
        let orderId: String
        switch orderPath(request) {
        case .failure(let response): return response
        case .success(let id): orderId = id
        }
        let receipt: Receipt
        switch decode(Receipt.self, request.body) {
        case .failure(let error): return orderError(400, "Bad Request", error.field?.reason ?? error.detail ?? error.title, request)
        case .success(let decoded): receipt = decoded
        }
        if let error = Self.validateReceipt(receipt, field: "receipt") {
            return orderError(400, "Bad Request", error.field?.reason ?? error.title, request)
        }
        let id = paymentKey(merchant.msn, orderId)
        if receipts[id] != nil {
            return orderError(409, "Conflict", "A receipt for order \(orderId) already exists and cannot be changed", request)
        }
        receipts[id] = receipt
        if let payment = payments[id] {
            let problems = SaleReceipt.problems(in: receipt, paymentAmount: payment.amount.value)
            if !problems.isEmpty { receiptWarnings[id] = problems }
        }
        return .json(201, makeUUID())
    }

    private func getOrder(_ request: SimRequest, merchant: SimulatedMerchant) -> SimResponse {
        let orderId: String
        switch orderPath(request) {
        case .failure(let response): return response
        case .success(let id): orderId = id
        }
        guard let receipt = receipts[paymentKey(merchant.msn, orderId)] else {
            return orderError(404, "Not Found", "No order details for \(orderId)", request)
        }
        return .json(200, OrderResponse(category: nil, receipt: receipt))
    }

    private func orderError(_ status: Int, _ title: String, _ detail: String, _ request: SimRequest) -> SimResponse {
        struct ErrorResponse: Encodable {
            var type: String
            var title: String
            var detail: String
            var instance: String
        }
        return .json(status, ErrorResponse(type: "https://httpstatuses.io/\(status)", title: title, detail: detail, instance: request.path))
    }

    // MARK: QR

    private func exchangeQR(_ request: SimRequest) -> SimResponse {
        struct QRError: Encodable {
            var title: String
            var status: Int
            var detail: String
            var extraDetails: [Problem.ExtraDetail]
        }
        func fail(_ detail: String) -> SimResponse {
            .json(400, QRError(title: "Bad Request", status: 400, detail: detail,
                               extraDetails: [.init(name: "qrCode", reason: "The complete data contained in the QR code is required.")]))
        }
        let body: QRExchangeRequest
        switch decode(QRExchangeRequest.self, request.body) {
        case .failure: return fail("The request body must be {\"qrCode\": \"…\"}")
        case .success(let decoded): body = decoded
        }
        if let data = body.requestedData, data.contains(where: { $0 != "MSISDN" }) { return fail("Only MSISDN can be requested") }
        guard let customer = configuration.customers.first(where: { $0.personalQr == body.qrCode }) else {
            return fail("The QR code is not a known personal QR code")
        }
        let tokenised = !(customer.personalQr ?? "").contains(customer.msisdn)
        return .json(200, QRExchangeResponse(
            msisdn: customer.msisdn, version: tokenised ? "2.0" : "1.0",
            timestamp: tokenised ? Int(clock.now().timeIntervalSince1970) : nil))
    }

    // MARK: Time passing

    /// Lets customers act and payments expire whose time has come.
    /// Payments a simulated customer or the clock may still move on, or webhooks to deliver.
    func hasPendingWork() -> Bool {
        !pending.isEmpty || webhooks.hasQueued
    }

    func settle(at now: Date) {
        for id in pending {
            guard var payment = payments[id] else { pending.remove(id); continue }
            guard payment.state == .CREATED else { pending.remove(id); continue }
            var event: PaymentEvent?
            if let acts = payment.plan.actsAt, acts <= now, acts < payment.expiresAt {
                event = payment.plan.behaviour == .approve
                    ? payment.authorize(at: acts, pspReference: makePSPReference(), guarantee: guarantee(payment))
                    : payment.abort(at: acts, pspReference: makePSPReference())
            } else if payment.expiresAt <= now {
                event = payment.expire(at: payment.expiresAt, pspReference: makePSPReference())
            }
            if let event {
                payments[id] = payment
                pending.remove(id)
                webhooks.enqueue(event: event, msn: payment.msn, at: now)
            }
        }
    }

    // MARK: Control

    enum ControlAction: String { case approve, abort, expire, processing }

    func control(_ action: ControlAction, reference: String, msn: String?) -> SimResponse {
        let now = clock.now()
        settle(at: now)
        guard let id = controlKey(reference: reference, msn: msn), var payment = payments[id] else {
            return .json(404, ["error": "no payment with reference \(reference)"])
        }
        var event: PaymentEvent?
        switch action {
        case .approve: event = payment.authorize(at: now, pspReference: makePSPReference(), guarantee: guarantee(payment))
        case .abort: event = payment.abort(at: now, pspReference: makePSPReference())
        case .expire: event = payment.expire(at: now, pspReference: makePSPReference())
        case .processing:
            guard payment.state == .CREATED else {
                return .json(409, ["error": "payment \(reference) is \(payment.state.rawValue), not CREATED"])
            }
            payment.forcedProcessing = true
            payments[id] = payment
            return .json(200, record(of: payment))
        }
        guard let event else {
            return .json(409, ["error": "payment \(reference) is \(payment.state.rawValue), not CREATED"])
        }
        payments[id] = payment
        pending.remove(id)
        webhooks.enqueue(event: event, msn: payment.msn, at: now)
        return .json(200, record(of: payment))
    }

    /// The payment a control call names: by reference, and by sales unit when several have it.
    private func controlKey(reference: String, msn: String?) -> String? {
        payments.keys.first { key in payments[key]?.reference == reference && (msn == nil || payments[key]?.msn == msn) }
    }

    /// How long a capture is guaranteed for a payment of its sales unit's market.
    private func guarantee(_ payment: SimulatedPayment) -> TimeInterval {
        configuration.captureGuarantee[payment.amount.currency] ?? 7 * 86_400
    }

    /// The control API's capture failures: the next captures of a payment answer `code` (6260
    /// funds unavailable; 6280 try again later, `times` times or until the guarantee is over),
    /// and `guaranteedForSeconds` shortens (or lengthens) its capture guarantee.
    func setCaptureFailure(reference: String, msn: String?, plan: CaptureFailurePlan?, guaranteedFor: TimeInterval?) -> SimResponse {
        let now = clock.now()
        settle(at: now)
        guard let id = controlKey(reference: reference, msn: msn), var payment = payments[id] else {
            return .json(404, ["error": "no payment with reference \(reference)"])
        }
        if let plan { payment.captureFailure = plan }
        if let guaranteedFor {
            payment.guaranteeOverride = guaranteedFor
            if payment.state == .AUTHORIZED { payment.captureGuaranteedUntil = now.addingTimeInterval(guaranteedFor) }
        }
        payments[id] = payment
        return .json(200, record(of: payment))
    }

    func paymentRecord(reference: String) -> SimResponse {
        settle(at: clock.now())
        guard let payment = payments.values.first(where: { $0.reference == reference }) else {
            return .json(404, ["error": "no payment with reference \(reference)"])
        }
        return .json(200, record(of: payment))
    }

    /// What the landing page of a payment names: the app as its sales unit's market calls it on
    /// the simulator's date (MobilePay, then Vipps, in Denmark and Finland: `AppBrand`), and the
    /// host Vipps MobilePay's own landing page has there.
    func landing(reference: String) -> (app: String, host: String)? {
        guard let payment = payments.values.first(where: { $0.reference == reference }) else { return nil }
        let market: Market = switch payment.amount.currency {
        case .DKK: .denmark
        case .EUR: .finland
        default: .norway
        }
        let day = ShopTimeZone.of(market).localTime(atUTC: Int64(clock.now().timeIntervalSince1970)).date
        return (AppBrand.inUse(in: market, on: day)?.rawValue ?? "Vipps", AppBrand.landingHost(in: market, on: day))
    }

    /// The image a QR payment's `redirectUrl` names: the QR code of its landing page, as SVG
    /// or as a PNG `size` pixels square. Only with the token the payment was made with.
    func qrImage(reference: String, token: String, format: String, size: Int) -> SimResponse {
        guard let payment = payments.values.first(where: { $0.reference == reference && $0.userFlow == .QR }),
              let redirect = payment.redirectUrl, redirect.contains("token=\(token)&") || redirect.hasSuffix("token=\(token)"), !token.isEmpty
        else { return .json(404, ["error": "no QR code \(reference)"]) }
        let target = "\(baseURL)/simulator/v1/landing/\(reference)?token=\(token)"
        guard let code = try? QRCode(target) else { return .json(500, ["error": "the landing address does not fit in a QR code"]) }
        if format == "png" {
            return SimResponse(status: 200, contentType: "image/png", body: QRImages.png(code, size: min(max(size, 100), 2000)))
        }
        return SimResponse(status: 200, contentType: "image/svg+xml", body: Array(QRImages.svg(code).utf8))
    }

    func allPayments() -> SimResponse {
        settle(at: clock.now())
        return .json(200, payments.values.sorted { $0.createdAt < $1.createdAt }.map(record(of:)))
    }

    func setFaults(_ rules: [FaultRule]) { faults = rules }
    func currentFaults() -> [FaultRule] { faults }

    private func record(of payment: SimulatedPayment) -> PaymentRecord {
        let id = paymentKey(payment.msn, payment.reference)
        return PaymentRecord(
            msn: payment.msn, reference: payment.reference, state: payment.state, amount: payment.amount,
            aggregate: payment.aggregate, userFlow: payment.userFlow, customerInteraction: payment.customerInteraction,
            customer: payment.customer, customerName: payment.customerName, paymentDescription: payment.paymentDescription,
            receipt: receipts[id], receiptWarnings: receiptWarnings[id] ?? [], events: payment.events,
            createdAt: Timestamps.rfc3339(payment.createdAt), expiresAt: Timestamps.rfc3339(payment.expiresAt),
            customerIsApproving: payment.isProcessing(at: clock.now()),
            captureGuaranteedUntil: payment.captureGuaranteedUntil.map(Timestamps.rfc3339), captureFailure: payment.captureFailure)
    }

    // MARK: Faults

    private enum FaultDecision {
        case fail(SimResponse)
        case proceed(latencyMs: Int, drop: Bool)
    }

    private func applyFaults(for operation: Operation) -> FaultDecision {
        var latency = 0
        var drop = false
        for index in faults.indices where operation.faultRoutes.contains(faults[index].route) {
            latency = max(latency, faults[index].latencyMs ?? 0)
            if let count = faults[index].serverErrors, count > 0 {
                faults[index].serverErrors = count - 1
                return .fail(injectedServerError())
            }
            if let count = faults[index].tooManyRequests, count > 0 {
                faults[index].tooManyRequests = count - 1
                return .fail(injectedTooMany())
            }
            if let rate = faults[index].serverErrorRate, draw() < rate { return .fail(injectedServerError()) }
            if let rate = faults[index].tooManyRequestsRate, draw() < rate { return .fail(injectedTooMany()) }
            if let count = faults[index].dropAfterCommit, count > 0 {
                faults[index].dropAfterCommit = count - 1
                drop = true
            } else if let rate = faults[index].dropRate, draw() < rate {
                drop = true
            }
        }
        return .proceed(latencyMs: latency, drop: drop)
    }

    private func injectedServerError() -> SimResponse {
        var response = SimResponse.json(503, Problem(title: "Service Unavailable", status: 503,
                                                     detail: "Injected fault: the service is unavailable", traceId: traceID()),
                                        contentType: "application/problem+json")
        response.headers.append(("Retry-After", "1"))
        return response
    }

    private func injectedTooMany() -> SimResponse {
        var response = SimResponse.json(429, Problem(title: "Too Many Requests", status: 429,
                                                     detail: "Injected fault: rate limit is exceeded", traceId: traceID()),
                                        contentType: "application/problem+json")
        response.headers.append(("Retry-After", "1"))
        return response
    }

    private func draw() -> Double { Double(random.next() % 1_000_000) / 1_000_000 }

    // MARK: Helpers

    private func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8]) -> Result<T, APIError> {
        guard !body.isEmpty else { return .failure(.invalidField("body", "A JSON request body is required")) }
        do {
            return .success(try JSONDecoder().decode(T.self, from: Data(body)))
        } catch let DecodingError.keyNotFound(key, context) {
            let path = (context.codingPath + [key]).map(\.stringValue).joined(separator: ".")
            return .failure(.invalidField(path, "The \(path) field is required."))
        } catch let DecodingError.typeMismatch(_, context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return .failure(.invalidField(path.isEmpty ? "body" : path, "The value has the wrong type."))
        } catch let DecodingError.valueNotFound(_, context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return .failure(.invalidField(path, "The \(path) field is required."))
        } catch let DecodingError.dataCorrupted(context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return .failure(.invalidField(path.isEmpty ? "body" : path, path.isEmpty ? "The body is not valid JSON." : "The value is not valid."))
        } catch {
            return .failure(.invalidField("body", "The body could not be read."))
        }
    }

    private func problem(_ error: APIError, _ request: SimRequest) -> SimResponse {
        var extra: [Problem.ExtraDetail]?
        if let code = error.code { extra = [.init(name: "ErrorCode", reason: String(code))] }
        if let field = error.field { extra = (extra ?? []) + [.init(name: field.name, reason: field.reason)] }
        let body = Problem(title: error.title, status: error.status, detail: error.detail, instance: request.path,
                           traceId: traceID(), extraDetails: extra)
        var response = SimResponse.json(error.status, body, contentType: "application/problem+json")
        if let retryAfter = error.retryAfter { response.headers.append(("Retry-After", String(retryAfter))) }
        return response
    }

    private func paymentKey(_ msn: String, _ reference: String) -> String { "\(msn)|\(reference)" }

    private func traceID() -> String { "00-\(randomHex(32))-\(randomHex(16))-01" }

    private func randomHex(_ count: Int) -> String {
        var out = ""
        while out.count < count { out += String(random.next(), radix: 16) }
        return String(out.prefix(count))
    }

    private func makePSPReference() -> String { String(1_000_000_000 + random.next() % 8_999_999_999) }

    private func makeUUID() -> String {
        let hex = randomHex(32)
        let chars = Array(hex)
        func part(_ range: Range<Int>) -> String { String(chars[range]) }
        return "\(part(0..<8))-\(part(8..<12))-4\(part(13..<16))-a\(part(17..<20))-\(part(20..<32))"
    }

    private func log(_ operation: Operation, _ request: SimRequest, _ response: SimResponse) {
        guard let trafficLog else { return }
        let entry: [String: Any] = [
            "operation": operation.specOperation,
            "method": request.method,
            "path": request.path,
            "status": response.status,
            "contentType": response.contentType ?? "",
            "responseBody": String(decoding: response.body, as: UTF8.self),
            "requestBody": String(decoding: request.body, as: UTF8.self),
        ]
        if var data = try? JSONSerialization.data(withJSONObject: entry, options: [.sortedKeys]) {
            data.append(0x0A)
            trafficLog.write(data)
        }
    }
}

/// What the control API shows of a payment: everything the simulator knows.
struct PaymentRecord: Encodable, Sendable {
    var msn: String
    var reference: String
    var state: PaymentState
    var amount: Amount
    var aggregate: Aggregate
    var userFlow: UserFlow
    var customerInteraction: CustomerInteraction
    var customer: Customer?
    var customerName: String?
    var paymentDescription: String?
    var receipt: Receipt?
    var receiptWarnings: [String]
    var events: [PaymentEvent]
    var createdAt: String
    var expiresAt: String
    var customerIsApproving: Bool
    var captureGuaranteedUntil: String?
    var captureFailure: CaptureFailurePlan?
}

/// A JSON value written back in one canonical form (keys in code-point order, no spaces).
indirect enum CanonicalJSON: Decodable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([CanonicalJSON])
    case object([(String, CanonicalJSON)])

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        if let container = try? decoder.container(keyedBy: Key.self) {
            self = .object(try container.allKeys.map { ($0.stringValue, try container.decode(CanonicalJSON.self, forKey: $0)) }
                .sorted { $0.0.unicodeScalars.lexicographicallyPrecedes($1.0.unicodeScalars) })
        } else if var container = try? decoder.unkeyedContainer() {
            var items: [CanonicalJSON] = []
            while !container.isAtEnd { items.append(try container.decode(CanonicalJSON.self)) }
            self = .array(items)
        } else {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let value = try? container.decode(Bool.self) {
                self = .bool(value)
            } else if let value = try? container.decode(Int64.self) {
                self = .integer(value)
            } else if let value = try? container.decode(Double.self) {
                self = .number(value)
            } else {
                self = .string(try container.decode(String.self))
            }
        }
    }

    /// The body with the numbers at these key paths written as strings (other values as
    /// they are); the body itself when it is not a JSON object.
    static func numbersAsStrings(_ body: [UInt8], at paths: [[String]]) -> [UInt8] {
        guard !body.isEmpty, var value = try? JSONDecoder().decode(CanonicalJSON.self, from: Data(body)),
              case .object = value else { return body }
        var changed = false
        for path in paths { changed = value.stringify(path[...]) || changed }
        return changed ? Array(value.text.utf8) : body
    }

    private mutating func stringify(_ path: ArraySlice<String>) -> Bool {
        guard let key = path.first, case .object(var members) = self,
              let index = members.firstIndex(where: { $0.0 == key }) else { return false }
        if path.count == 1 {
            switch members[index].1 {
            case .integer(let number): members[index].1 = .string(String(number))
            default: return false
            }
        } else if !members[index].1.stringify(path.dropFirst()) {
            return false
        }
        self = .object(members)
        return true
    }

    var text: String {
        switch self {
        case .null: "null"
        case .bool(let value): value ? "true" : "false"
        case .integer(let value): String(value)
        case .number(let value): String(value)
        case .string(let value): Self.quoted(value)
        case .array(let items): "[" + items.map(\.text).joined(separator: ",") + "]"
        case .object(let members): "{" + members.map { Self.quoted($0.0) + ":" + $0.1.text }.joined(separator: ",") + "}"
        }
    }

    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += "\\u" + String(scalar.value, radix: 16).leftPadded(4)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
