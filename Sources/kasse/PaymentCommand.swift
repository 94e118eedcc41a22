import ArgumentParser
import Crypto
import Foundation
import KasseCore
import VippsClient
import VippsModels

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Fetch an access token and show when it expires (never the token).")
    @OptionGroup var api: APIOptions

    func run() async throws {
        let client = try api.makeClient()
        let expiry = try await callAPI { try await client.accessTokenExpiry() }
        let stamp = InternetTime.rfc3339(expiry.timeIntervalSince1970)
        if api.json {
            printJSON(["expiresAt": stamp, "baseURL": client.configuration.baseURL])
        } else {
            emit("Access token OK for \(client.configuration.summary); Kasse renews it after \(stamp)")
        }
    }
}

struct PaymentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payment", abstract: "Create, follow, capture, cancel and refund ePayment payments.",
        subcommands: [Create.self, Get.self, Events.self, Wait.self, Capture.self, Cancel.self, Refund.self, Approve.self])

    enum Flow: String, ExpressibleByArgument, CaseIterable {
        case push, redirect, qr
        var userFlow: UserFlow {
            switch self {
            case .push: .PUSH_MESSAGE
            case .redirect: .WEB_REDIRECT
            case .qr: .QR
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a payment (by default a push message to the customer's phone).")
        @OptionGroup var api: APIOptions
        @Option(help: "Amount in minor units (øre, cents): 1000 is 10,00.") var amount: Int
        @Option(help: "NOK, DKK or EUR.") var currency = "NOK"
        @Option(help: "The customer's mobile number (8 digits get the currency's country code).") var phone: String?
        @Option(help: "The complete content of the customer's personal QR code.") var qr: String?
        @Option(help: "push (PUSH_MESSAGE), redirect (WEB_REDIRECT) or qr (QR).") var flow: Flow = .push
        @Option(help: "The payment reference (default: a new one).") var reference: String?
        @Option(help: "What the customer sees in the app (3–100 characters).") var description: String?
        @Option(help: "A JSON receipt (orderLines, bottomLine) to attach.") var receipt: String?
        @Flag(help: "The customer is in the shop (CUSTOMER_PRESENT).") var customerPresent = false
        @Option(help: "Where the app returns after WEB_REDIRECT (https:// or an app scheme).") var returnUrl: String?
        @Option(help: "RFC 3339 expiry for long-living payments (needs --receipt).") var expiresAt: String?
        @Option(help: "Idempotency key (default: derived from the reference, so a re-run is safe).", transform: parseIdempotencyKey) var idempotencyKey: IdempotencyKey?

        func validate() throws {
            if phone != nil && qr != nil { throw ValidationError("give either --phone or --qr, not both") }
            if flow == .push && phone == nil && qr == nil { throw ValidationError("a push payment needs --phone or --qr") }
            if flow == .redirect && returnUrl == nil { throw ValidationError("--flow redirect needs --return-url") }
            guard CurrencyCode(rawValue: currency.uppercased()) != nil else { throw ValidationError("--currency must be NOK, DKK or EUR") }
            guard amount > 0 else { throw ValidationError("--amount must be a positive number of minor units") }
        }

        func run() async throws {
            let client = try api.makeClient()
            let currency = CurrencyCode(rawValue: currency.uppercased()) ?? .NOK
            let market: Market = currency == .DKK ? .denmark : currency == .EUR ? .finland : .norway
            var customer: Customer?
            do {
                if let phone { customer = Customer(phoneNumber: try MSISDN(typed: phone, market: market).digits) }
                if let qr { customer = Customer(personalQr: try PersonalQRCode(scanned: qr).content) }
            } catch {
                throw CLIError(error.description)
            }
            let reference = try reference.map { value -> String in
                guard value.count >= 8, value.count <= 64, value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
                    throw CLIError("--reference must be 8–64 letters, digits and dashes")
                }
                return value
            } ?? "kasse-\(Int(Date().timeIntervalSince1970))-\(UInt32.random(in: 0...UInt32.max))"
            var receiptBody: Receipt?
            if let receipt {
                let parsed = try readJSONFile(receipt, as: Receipt.self, what: "receipt")
                for problem in SaleReceipt.problems(in: parsed, paymentAmount: amount) { warn("warning: receipt: \(problem)") }
                receiptBody = parsed
            }
            if let description, !PaymentDescription.isValid(description) {
                throw CLIError("--description must be 3–100 characters")
            }
            let request = CreatePaymentRequest(
                amount: Amount(currency: currency, value: amount), customer: customer,
                customerInteraction: customerPresent ? .CUSTOMER_PRESENT : .CUSTOMER_NOT_PRESENT, reference: reference,
                userFlow: flow.userFlow, returnUrl: returnUrl, expiresAt: expiresAt,
                qrFormat: flow == .qr ? QRFormat(format: "TEXT/TARGETURL") : nil,
                paymentDescription: description, receipt: receiptBody)
            let key = idempotencyKey ?? IdempotencyKey(.create, reference: reference)
            let response = try await callAPI { try await client.createPayment(request, idempotencyKey: key) }
            if api.json {
                printJSON(response)
            } else if let url = response.redirectUrl {
                emit("Created payment \(response.reference): \(url)")
            } else {
                let who = customer?.phoneNumber.flatMap { try? MSISDN(validated: $0).masked } ?? "the scanned QR code's owner"
                emit("Created payment \(response.reference): payment request sent to \(who)")
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a payment's state and amounts.")
        @OptionGroup var api: APIOptions
        @Argument(help: "The payment reference.") var reference: String

        func run() async throws {
            let client = try api.makeClient()
            let payment = try await callAPI { try await client.getPayment(reference) }
            if api.json { printJSON(payment) } else { emit(summary(payment)) }
        }
    }

    struct Events: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a payment's event log.")
        @OptionGroup var api: APIOptions
        @Argument(help: "The payment reference.") var reference: String

        func run() async throws {
            let client = try api.makeClient()
            let events = try await callAPI { try await client.events(reference) }
            if api.json {
                printJSON(events)
            } else {
                for event in events {
                    emit("\(event.timestamp)  \(event.name.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(event.amount.value) \(event.amount.currency.rawValue)\(event.success ? "" : " (failed)")")
                }
            }
        }
    }

    struct Wait: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Follow a payment until it is authorized, aborted, expired or terminated (exit 0 only when authorized).")
        @OptionGroup var api: APIOptions
        @Argument(help: "The payment reference.") var reference: String
        @Option(help: "Give up after this many seconds.") var timeout: Double = 660

        func run() async throws {
            let client = try api.makeClient()
            let poller = PaymentPoller(client: client)
            let deadline = Date().addingTimeInterval(timeout)
            let final: PaymentPoller.Update? = try await callAPI {
                try await withThrowingTaskGroup(of: PaymentPoller.Update?.self) { group in
                    group.addTask {
                        var last: PaymentPoller.Update?
                        for try await update in poller.updates(for: reference, skipFirstDelay: true) {
                            last = update
                            if api.json {
                                printJSON(["state": update.state.rawValue])
                            } else {
                                emit("\(reference): \(update.state.rawValue)")
                            }
                        }
                        return last
                    }
                    group.addTask {
                        try await Task.sleep(for: .seconds(max(0, deadline.timeIntervalSinceNow)))
                        return nil
                    }
                    let first = try await group.next() ?? nil
                    group.cancelAll()
                    return first
                }
            }
            guard let final else { throw CLIError("\(reference): still not final after \(Int(timeout)) s") }
            if final.state != .AUTHORIZED { throw CLIError("\(reference): payment ended \(final.state.rawValue)") }
        }
    }

    struct Capture: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Capture all or part of an authorized payment.")
        @OptionGroup var api: APIOptions
        @Argument(help: "The payment reference.") var reference: String
        @Option(help: "Minor units to capture (default: everything still reserved).") var amount: Int?
        @Option(help: "Idempotency key: reuse it to retry this same capture safely.", transform: parseIdempotencyKey) var idempotencyKey: IdempotencyKey?

        func run() async throws {
            let client = try api.makeClient()
            let payment = try await callAPI { try await client.getPayment(reference) }
            let value = amount ?? payment.aggregate.capturable
            guard value > 0 else { throw CLIError("\(reference): nothing to capture (\(summary(payment)))") }
            let key = idempotencyKey ?? newIdempotencyKey("capture")
            let result = try await withKeyHint(key) {
                try await client.capture(reference, amount: Amount(currency: payment.amount.currency, value: value), idempotencyKey: key)
            }
            if api.json { printJSON(result) } else { emit("Captured \(value): \(summary(result))") }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel a payment, or release what is not captured.")
        @OptionGroup var api: APIOptions
        @Argument(help: "The payment reference.") var reference: String
        @Flag(help: "Only cancel if not yet authorized (cancelTransactionOnly).") var transactionOnly = false
        @Option(help: "Idempotency key: reuse it to retry this same cancel safely.", transform: parseIdempotencyKey) var idempotencyKey: IdempotencyKey?

        func run() async throws {
            let client = try api.makeClient()
            let key = idempotencyKey ?? newIdempotencyKey("cancel")
            let result = try await withKeyHint(key) {
                try await client.cancel(reference, transactionOnly: transactionOnly, idempotencyKey: key)
            }
            if api.json { printJSON(result) } else { emit("Cancelled: \(summary(result))") }
        }
    }

    struct Refund: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Refund part or all of what was captured.")
        @OptionGroup var api: APIOptions
        @Argument(help: "The payment reference.") var reference: String
        @Option(help: "Minor units to refund.") var amount: Int
        @Option(help: "Idempotency key: reuse it to retry this same refund safely.", transform: parseIdempotencyKey) var idempotencyKey: IdempotencyKey?

        func validate() throws {
            guard amount > 0 else { throw ValidationError("--amount must be a positive number of minor units") }
        }

        func run() async throws {
            let client = try api.makeClient()
            let payment = try await callAPI { try await client.getPayment(reference) }
            let key = idempotencyKey ?? newIdempotencyKey("refund")
            let result = try await withKeyHint(key) {
                try await client.refund(reference, amount: Amount(currency: payment.amount.currency, value: amount), idempotencyKey: key)
            }
            if api.json { printJSON(result) } else { emit("Refunded \(amount): \(summary(result))") }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve a payment in the test environment (force approve).")
        @OptionGroup var api: APIOptions
        @Argument(help: "The payment reference.") var reference: String

        func run() async throws {
            let client = try api.makeClient()
            try await callAPI { try await client.forceApprove(reference) }
            emit("\(reference): approved")
        }
    }
}

/// An error of a write names the key, so the same operation can be retried safely.
func withKeyHint<T>(_ key: IdempotencyKey, _ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as VippsError {
        if error.isRetryable {
            throw CLIError("\(error) (retry with --idempotency-key \(key) so it is not done twice)")
        }
        throw CLIError(error.description)
    }
}

/// A key given on the command line, checked the way the API will (1–50 characters).
func parseIdempotencyKey(_ text: String) throws -> IdempotencyKey {
    do {
        return try IdempotencyKey(validating: text)
    } catch {
        throw ValidationError(error.description)
    }
}

func summary(_ payment: GetPaymentResponse) -> String {
    summary(state: payment.state, reference: payment.reference, amount: payment.amount, aggregate: payment.aggregate)
}

func summary(_ payment: ModificationResponse) -> String {
    summary(state: payment.state, reference: payment.reference, amount: payment.amount, aggregate: payment.aggregate)
}

func summary(state: PaymentState, reference: String, amount: Amount, aggregate: Aggregate) -> String {
    "\(reference) \(state.rawValue) amount \(amount.value) \(amount.currency.rawValue); authorized \(aggregate.authorizedAmount.value), "
        + "captured \(aggregate.capturedAmount.value), cancelled \(aggregate.cancelledAmount.value), refunded \(aggregate.refundedAmount.value)"
}
