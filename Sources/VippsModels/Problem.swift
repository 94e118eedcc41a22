/// An `application/problem+json` error body (RFC 7807) as the live API sends it, with the
/// numeric error code in `extraDetails` (`{"name": "ErrorCode", "reason": "6080"}`).
public struct Problem: Codable, Sendable, Hashable, Error {
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String?
    public var instance: String?
    public var traceId: String
    public var extraDetails: [ExtraDetail]?

    public struct ExtraDetail: Codable, Sendable, Hashable {
        public var name: String
        public var reason: String
        public init(name: String, reason: String) {
            self.name = name
            self.reason = reason
        }
    }

    public init(
        type: String? = nil, title: String, status: Int, detail: String? = nil, instance: String? = nil,
        traceId: String, extraDetails: [ExtraDetail]? = nil
    ) {
        self.type = type ?? "https://httpstatuses.io/\(status)"
        self.title = title
        self.status = status
        self.detail = detail
        self.instance = instance
        self.traceId = traceId
        self.extraDetails = extraDetails
    }

    /// The numeric error code, when the body carries one.
    public var errorCode: Int? {
        extraDetails?.first { $0.name == "ErrorCode" }.flatMap { Int($0.reason) }
    }

    /// The Order Management API's error body uses a different shape; this tolerates both.
    enum CodingKeys: String, CodingKey {
        case type, title, status, detail, instance, traceId, extraDetails
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let status = try container.decodeIfPresent(Int.self, forKey: .status) ?? 0
        self.type = try container.decodeIfPresent(String.self, forKey: .type) ?? "https://httpstatuses.io/\(status)"
        self.title = try container.decodeIfPresent(String.self, forKey: .title) ?? ""
        self.status = status
        self.detail = try container.decodeIfPresent(String.self, forKey: .detail)
        self.instance = try container.decodeIfPresent(String.self, forKey: .instance)
        self.traceId = try container.decodeIfPresent(String.self, forKey: .traceId) ?? ""
        self.extraDetails = try container.decodeIfPresent([ExtraDetail].self, forKey: .extraDetails)
    }
}
