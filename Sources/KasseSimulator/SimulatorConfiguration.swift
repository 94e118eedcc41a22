import Foundation
import KasseCore
import VippsModels

/// How a simulated customer answers a payment request on their phone.
public enum CustomerBehaviour: String, Codable, Sendable, Hashable, CaseIterable {
    /// Approves after `afterSeconds`.
    case approve
    /// Rejects after `afterSeconds`.
    case abort
    /// Never answers: the payment expires.
    case ignore
    /// Waits for a control call (`approve`, `abort`, `expire`).
    case manual
}

/// A Vipps MobilePay user the simulator knows.
public struct SimulatedCustomer: Codable, Sendable, Hashable {
    public var msisdn: String
    public var personalQr: String?
    public var name: String
    public var behaviour: CustomerBehaviour
    /// Simulated seconds after the payment request before the customer acts.
    public var afterSeconds: Double

    public init(msisdn: String, personalQr: String?, name: String, behaviour: CustomerBehaviour, afterSeconds: Double) {
        self.msisdn = msisdn
        self.personalQr = personalQr
        self.name = name
        self.behaviour = behaviour
        self.afterSeconds = afterSeconds
    }

    enum CodingKeys: String, CodingKey { case msisdn, personalQr, name, behaviour, afterSeconds }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        msisdn = try container.decode(String.self, forKey: .msisdn)
        personalQr = try container.decodeIfPresent(String.self, forKey: .personalQr)
        name = try container.decodeIfPresent(String.self, forKey: .name) ?? "Customer"
        behaviour = try container.decodeIfPresent(CustomerBehaviour.self, forKey: .behaviour) ?? .approve
        afterSeconds = try container.decodeIfPresent(Double.self, forKey: .afterSeconds) ?? 3
    }
}

/// A sales unit: a merchant serial number and the currency it takes.
public struct SimulatedMerchant: Sendable, Hashable {
    public var msn: String
    public var currency: CurrencyCode
    /// Whether the sales unit may skip the landing page (`PUSH_MESSAGE`); without it, 5080.
    public var allowsPushMessage: Bool

    public init(msn: String, currency: CurrencyCode, allowsPushMessage: Bool = true) {
        self.msn = msn
        self.currency = currency
        self.allowsPushMessage = allowsPushMessage
    }

    /// Parses `123456`, `123456:DKK` or `123456:NOK:nopush`.
    public init(parsing text: String) throws(SimulatorConfigurationError) {
        let parts = text.split(separator: ":").map(String.init)
        guard let msn = parts.first, msn.count >= 4, msn.count <= 6, msn.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw .invalid("merchant serial number '\(text)' must be 4–6 digits, optionally followed by :NOK, :DKK or :EUR")
        }
        var currency = CurrencyCode.NOK
        if parts.count > 1 {
            guard let parsed = CurrencyCode(rawValue: parts[1].uppercased()) else {
                throw .invalid("currency '\(parts[1])' in '\(text)' must be NOK, DKK or EUR")
            }
            currency = parsed
        }
        self.init(msn: msn, currency: currency, allowsPushMessage: !(parts.count > 2 && parts[2] == "nopush"))
    }
}

public enum SimulatorConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(String)
    public var description: String {
        switch self {
        case .invalid(let message): message
        }
    }
}

/// Faults to inject into one route, for reliability tests. Counts are consumed one request
/// at a time; rates are drawn from the simulator's seeded generator, so a run with the same
/// seed and the same requests fails the same way.
public struct FaultRule: Codable, Sendable, Hashable {
    /// `create`, `get`, `events`, `capture`, `cancel`, `refund`, `approve`, `accesstoken`,
    /// `webhooks`, `receipts`, `order`, `qr`, or `*` for every API route.
    public var route: String
    public var latencyMs: Int?
    /// The next N requests get 503 before anything happens.
    public var serverErrors: Int?
    /// The next N requests get 429 with Retry-After before anything happens.
    public var tooManyRequests: Int?
    /// The next N requests are carried out, then the connection is dropped before the answer.
    public var dropAfterCommit: Int?
    /// Probability (0–1) of a 503 for each request.
    public var serverErrorRate: Double?
    /// Probability (0–1) of a dropped answer after the operation was carried out.
    public var dropRate: Double?
    /// Probability (0–1) of a 429.
    public var tooManyRequestsRate: Double?

    public init(
        route: String, latencyMs: Int? = nil, serverErrors: Int? = nil, tooManyRequests: Int? = nil,
        dropAfterCommit: Int? = nil, serverErrorRate: Double? = nil, dropRate: Double? = nil,
        tooManyRequestsRate: Double? = nil
    ) {
        self.route = route
        self.latencyMs = latencyMs
        self.serverErrors = serverErrors
        self.tooManyRequests = tooManyRequests
        self.dropAfterCommit = dropAfterCommit
        self.serverErrorRate = serverErrorRate
        self.dropRate = dropRate
        self.tooManyRequestsRate = tooManyRequestsRate
    }

    /// Parses the command-line form `capture:drop=1,latency=200,5xx=0.3,429=2`.
    /// Whole numbers are counts, fractions below 1 are rates.
    public init(parsing text: String) throws(SimulatorConfigurationError) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty else {
            throw .invalid("fault '\(text)' must look like ROUTE:KIND=VALUE[,…], e.g. capture:drop=1")
        }
        self.init(route: parts[0])
        for setting in parts[1].split(separator: ",") {
            let pair = setting.split(separator: "=").map(String.init)
            guard pair.count == 2, let value = Double(pair[1]), value >= 0 else {
                throw .invalid("fault setting '\(setting)' must be KIND=NUMBER")
            }
            let isRate = value < 1 && value > 0
            switch pair[0] {
            case "latency": latencyMs = Int(value)
            case "5xx", "error": if isRate { serverErrorRate = value } else { serverErrors = Int(value) }
            case "429": if isRate { tooManyRequestsRate = value } else { tooManyRequests = Int(value) }
            case "drop": if isRate { dropRate = value } else { dropAfterCommit = Int(value) }
            default: throw .invalid("unknown fault kind '\(pair[0])': use latency, 5xx, 429 or drop")
            }
        }
    }
}

public struct SimulatorConfiguration: Sendable {
    public var host: String
    /// 0 picks a free port.
    public var port: Int
    public var clientID: String
    public var clientSecret: String
    public var subscriptionKey: String
    public var merchants: [SimulatedMerchant]
    public var customers: [SimulatedCustomer]
    public var seed: UInt64
    /// Simulated seconds per real second (1 = real time).
    public var timeScale: Double
    /// Access tokens live this long (simulated); the test environment's 1 hour by default.
    public var tokenLifetime: TimeInterval
    public var faults: [FaultRule]
    /// Appends each API exchange as one JSON line, for the conformance check.
    public var trafficLog: String?
    /// How long after authorization a capture is guaranteed (`captureGuaranteedUntil`), by the
    /// sales unit's currency, i.e. its market. Vipps MobilePay gives the time per payment and
    /// publishes no fixed period; the simulator's assumption is 7 days in each market.
    public var captureGuarantee: [CurrencyCode: TimeInterval] = SimulatorConfiguration.defaultCaptureGuarantee

    /// Settlement (the Report API): the fee on each capture in basis points (100 = 1 %), how
    /// long after a capture or refund its ledger entry appears (and after a ledger date ends
    /// before the date is closed), and how many entries a report page holds.
    public var feeBasisPoints = 100
    public var settlementLag: TimeInterval = 0
    public var reportPageSize = 100

    public static let defaultCaptureGuarantee: [CurrencyCode: TimeInterval] = [.NOK: 7 * 86_400, .DKK: 7 * 86_400, .EUR: 7 * 86_400]

    /// The demo credentials, documented in the README. Not secret: they only open the simulator.
    public static let demoClientID = "6c1f1b9e-9b52-4ac3-9c9e-0000ca55e001"
    public static let demoClientSecret = "kasse-demo-client-secret"
    public static let demoSubscriptionKey = "kasse-demo-subscription-key"
    public static let demoMSN = "123456"

    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        clientID: String = SimulatorConfiguration.demoClientID,
        clientSecret: String = SimulatorConfiguration.demoClientSecret,
        subscriptionKey: String = SimulatorConfiguration.demoSubscriptionKey,
        merchants: [SimulatedMerchant] = SimulatorConfiguration.demoMerchants,
        customers: [SimulatedCustomer] = [],
        seed: UInt64 = 1,
        timeScale: Double = 1,
        tokenLifetime: TimeInterval = 3600,
        faults: [FaultRule] = [],
        trafficLog: String? = nil
    ) {
        self.host = host
        self.port = port
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.subscriptionKey = subscriptionKey
        self.merchants = merchants
        self.customers = customers
        self.seed = seed
        self.timeScale = timeScale
        self.tokenLifetime = tokenLifetime
        self.faults = faults
        self.trafficLog = trafficLog
    }

    /// A Norwegian, a Danish and a Finnish sales unit.
    public static let demoMerchants = [
        SimulatedMerchant(msn: "123456", currency: .NOK),
        SimulatedMerchant(msn: "223456", currency: .DKK),
        SimulatedMerchant(msn: "323456", currency: .EUR),
    ]

    /// Reads a customers file: a JSON array of customers.
    public static func loadCustomers(path: String) throws(SimulatorConfigurationError) -> [SimulatedCustomer] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .invalid("cannot read customers file \(path): \(error.localizedDescription)")
        }
        let customers: [SimulatedCustomer]
        do {
            customers = try JSONDecoder().decode([SimulatedCustomer].self, from: data)
        } catch let DecodingError.dataCorrupted(context) {
            throw .invalid("customers file \(path) is not valid JSON: \(context.debugDescription)")
        } catch let DecodingError.keyNotFound(key, context) {
            throw .invalid("customers file \(path): customer \(context.codingPath.first?.intValue.map { "#\($0 + 1)" } ?? "") lacks \"\(key.stringValue)\"")
        } catch let DecodingError.typeMismatch(_, context) {
            throw .invalid("customers file \(path): wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))")
        } catch let DecodingError.valueNotFound(_, context) {
            throw .invalid("customers file \(path): missing value at \(context.codingPath.map(\.stringValue).joined(separator: "."))")
        } catch {
            throw .invalid("customers file \(path): \(error)")
        }
        for (index, customer) in customers.enumerated() {
            guard customer.msisdn.count >= 10, customer.msisdn.count <= 15, customer.msisdn.allSatisfy({ $0.isASCII && $0.isNumber })
            else {
                throw .invalid("customers file \(path): customer #\(index + 1) msisdn must be 10–15 digits")
            }
            guard customer.afterSeconds >= 0 else {
                throw .invalid("customers file \(path): customer #\(index + 1) afterSeconds must not be negative")
            }
        }
        return customers
    }
}
