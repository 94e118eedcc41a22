import KasseCore
import Crypto
import KasseJournal

/// A till the store server knows: the store and till ids it is configured with, and the
/// SHA-256 of its token (the server holds no token itself).
public struct StoreTill: Sendable, Hashable {
    public var store: String
    public var till: String
    public var tokenHash: String
    /// The public part of the key the till signs its journal batches with; without it the
    /// server takes no journal from this till (a token alone is not enough).
    public var publicKey: LinkPublicKey?

    public init(store: String, till: String, tokenHash: String, publicKey: LinkPublicKey? = nil) {
        self.store = store
        self.till = till
        self.tokenHash = tokenHash.lowercased()
        self.publicKey = publicKey
    }

    /// The till's name at the server and in its payments' references: `OSL1-T3`.
    public var key: String { PaymentReference.tillPrefix(store: store, till: till) }
}

/// Which till a request comes from, and which till a payment's events go to.
public struct StoreTills: Sendable {
    public let tills: [StoreTill]
    private let byKey: [String: StoreTill]

    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case duplicateTill(String)
        case duplicateToken(String, String)
        case badTokenHash(String)

        public var description: String {
            switch self {
            case .duplicateTill(let key): "till \(key) is listed twice"
            case .duplicateToken(let first, let second): "tills \(first) and \(second) have the same token; each till needs its own"
            case .badTokenHash(let key): "till \(key): token_sha256 must be 64 hex digits (made by: kasse server token)"
            }
        }
    }

    public init(_ tills: [StoreTill]) throws(Problem) {
        var byKey: [String: StoreTill] = [:]
        var byHash: [String: String] = [:]
        for till in tills {
            guard till.tokenHash.count == 64, till.tokenHash.allSatisfy({ $0.isHexDigit }) else { throw .badTokenHash(till.key) }
            guard byKey[till.key] == nil else { throw .duplicateTill(till.key) }
            if let other = byHash[till.tokenHash] { throw .duplicateToken(other, till.key) }
            byKey[till.key] = till
            byHash[till.tokenHash] = till.key
        }
        self.tills = tills
        self.byKey = byKey
    }

    /// The till whose token this is (`Authorization: Bearer TOKEN`); nil: nobody's. Every till
    /// is compared, in constant time, so the answer's timing does not tell which part matched.
    public func till(presenting authorization: String?) -> StoreTill? {
        guard let authorization, authorization.hasPrefix("Bearer ") else { return nil }
        let hash = Self.tokenHash(String(authorization.dropFirst("Bearer ".count)))
        var found: StoreTill?
        for till in tills where Self.constantTimeEquals(till.tokenHash, hash) { found = till }
        return found
    }

    /// The till a payment reference belongs to; nil: not one of this server's tills.
    public func till(forReference reference: String) -> StoreTill? {
        PaymentReference.tillPrefix(of: reference).flatMap { byKey[$0] }
    }

    public func till(key: String) -> StoreTill? { byKey[key] }

    /// SHA-256 of a token, hex: what the server's configuration holds.
    public static func tokenHash(_ token: String) -> String {
        JournalChain.hex(SHA256.hash(data: Array(token.utf8)))
    }

    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}
