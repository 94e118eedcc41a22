import Foundation
import VippsModels

/// A request as the simulator's core sees it, free of any HTTP framework.
struct SimRequest: Sendable {
    var method: String
    var path: String
    var headers: [String: String]
    var body: [UInt8]
    /// Path parameters picked out by the router.
    var parameters: [String: String] = [:]

    func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// What the simulator answers.
struct SimResponse: Sendable {
    var status: Int
    var contentType: String?
    var headers: [(String, String)] = []
    var body: [UInt8] = []
    /// The operation was carried out but the answer is lost: the connection is dropped.
    var dropConnection = false

    static func json<T: Encodable>(_ status: Int, _ value: T, contentType: String = "application/json") -> SimResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(value)).map { Array($0) } ?? Array("{}".utf8)
        return SimResponse(status: status, contentType: contentType, body: body)
    }

    static func empty(_ status: Int) -> SimResponse { SimResponse(status: status, contentType: nil) }
}

/// The API operations, used for rate limits, fault rules and the traffic log.
enum Operation: String, Sendable, CaseIterable {
    case accessToken = "accesstoken"
    case create, get, events, capture, cancel, refund, approve
    case registerWebhook = "webhooks-register"
    case listWebhooks = "webhooks-list"
    case deleteWebhook = "webhooks-delete"
    case postReceipt = "receipts"
    case getOrder = "order"
    case qrExchange = "qr"
    case userinfo
    case ledgers
    case ledgerReport = "ledger-report"

    /// The fault rule routes that match this operation.
    var faultRoutes: Set<String> {
        switch self {
        case .registerWebhook, .listWebhooks, .deleteWebhook: ["*", "webhooks", rawValue]
        default: ["*", rawValue]
        }
    }

    /// `file#operationId` in the official OpenAPI documents, for the conformance check.
    var specOperation: String {
        switch self {
        case .accessToken: "access-token-api.yaml#fetchAuthorizationTokenUsingPost"
        case .create: "epayment-api.yaml#createPayment"
        case .get: "epayment-api.yaml#getPayment"
        case .events: "epayment-api.yaml#getPaymentEventLog"
        case .capture: "epayment-api.yaml#capturePayment"
        case .cancel: "epayment-api.yaml#cancelPayment"
        case .refund: "epayment-api.yaml#refundPayment"
        case .approve: "epayment-api.yaml#forceApprove"
        case .registerWebhook: "webhooks-api.yaml#POST /v1/webhooks"
        case .listWebhooks: "webhooks-api.yaml#GET /v1/webhooks"
        case .deleteWebhook: "webhooks-api.yaml#DELETE /v1/webhooks/{id}"
        case .postReceipt: "order-management-api.yaml#post-receipt-v2"
        case .getOrder: "order-management-api.yaml#get-order-v2"
        case .qrExchange: "qr-api.yaml#exchangeQr"
        // Not among the offline documents: checked by the validator's own small schema.
        case .userinfo: "userinfo#GET /vipps-userinfo-api/userinfo/{sub}"
        case .ledgers: "report-api.yaml#getLedgers"
        case .ledgerReport: "report-api.yaml#GET /report/v2/ledgers/{ledgerId}/{topic}/dates/{ledgerDate}"
        }
    }
}
