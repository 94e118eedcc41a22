import Crypto
import Foundation
import KasseTill

/// How the till and its customer display prove to each other that they share the display
/// secret, without the secret (or anything it could be worked out from offline more easily
/// than by guessing it) ever crossing the network, and how every view the till sends is bound
/// to that proof:
///
/// 1. The display connects with a fresh random nonce `nD` (header `Kasse-Display-Nonce`).
/// 2. The till answers with its own fresh nonce `nT` and `HMAC(K, "till" ‖ nD ‖ nT)`.
///    Only a holder of the secret can make it, and only for this `nD`: a fake till cannot.
/// 3. The display checks it, then sends `HMAC(K, "display" ‖ nD ‖ nT)`; the till checks that
///    within its establish timeout, or closes the connection (no view is sent before).
/// 4. Every view is sent as `{seq, view, mac}` with `mac = HMAC(S, seq ‖ view)` under the
///    session key `S = HMAC(K, "session" ‖ nD ‖ nT)`; the display drops the link on a wrong
///    MAC or a sequence number that does not go up. A relay in the middle can delay or drop
///    views, but cannot change one or make one up.
///
/// `K` is SHA-256 of the secret. Each message has its own label, so no answer can be replayed
/// as another; nonces are 32 random bytes, so no answer is ever asked for twice.
public enum DisplayHandshake {
    public static let nonceHeader = "Kasse-Display-Nonce"

    /// A key as bytes (swift-crypto's `SymmetricKey` is not `Sendable`).
    public struct Key: Sendable, Equatable {
        let bytes: [UInt8]
        var symmetric: SymmetricKey { SymmetricKey(data: bytes) }
    }

    public static func key(secret: String) -> Key {
        Key(bytes: Array(SHA256.hash(data: Data(secret.utf8))))
    }

    public static func nonce() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// A nonce as sent: 64 lowercase hex digits.
    public static func isNonce(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    static func mac(_ key: Key, _ label: String, _ parts: [String]) -> String {
        let message = ([label] + parts).joined(separator: "\n")
        return HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: key.symmetric).map { String(format: "%02x", $0) }.joined()
    }

    public static func tillProof(_ key: Key, display: String, till: String) -> String {
        mac(key, "kasse-display/1 till", [display, till])
    }

    public static func displayProof(_ key: Key, display: String, till: String) -> String {
        mac(key, "kasse-display/1 display", [display, till])
    }

    public static func sessionKey(_ key: Key, display: String, till: String) -> Key {
        Key(bytes: Array(Data(hex: mac(key, "kasse-display/1 session", [display, till]))))
    }

    /// Compares two MACs (hex) in constant time.
    public static func same(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8), right = Array(b.utf8)
        guard left.count == right.count else { return false }
        return zip(left, right).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// The till's first message: its nonce and proof.
    public struct Hello: Codable, Sendable, Equatable {
        public var nonce: String
        public var proof: String

        public init(nonce: String, proof: String) {
            self.nonce = nonce
            self.proof = proof
        }
    }

    /// The display's answer.
    public struct Answer: Codable, Sendable, Equatable {
        public var proof: String

        public init(proof: String) { self.proof = proof }
    }

    /// One customer view, sealed with the session key.
    public struct Sealed: Codable, Sendable, Equatable {
        public var seq: Int
        /// The view's JSON, as the MAC covers it.
        public var view: String
        public var mac: String

        public init(seq: Int, view: CustomerView, key: Key) throws {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            self.seq = seq
            self.view = String(decoding: try encoder.encode(view), as: UTF8.self)
            self.mac = DisplayHandshake.mac(key, "kasse-display/1 view", ["\(seq)", self.view])
        }

        /// The view when the MAC is right and `seq` is after `last`; nil otherwise.
        public func open(key: Key, after last: Int) -> CustomerView? {
            guard seq > last, DisplayHandshake.same(mac, DisplayHandshake.mac(key, "kasse-display/1 view", ["\(seq)", view])) else { return nil }
            return try? JSONDecoder().decode(CustomerView.self, from: Data(view.utf8))
        }
    }
}

extension Data {
    init(hex: String) {
        var bytes: [UInt8] = []
        var iterator = hex.utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            func value(_ c: UInt8) -> UInt8 { c >= 0x61 ? c - 0x61 + 10 : c >= 0x41 ? c - 0x41 + 10 : c - 0x30 }
            bytes.append(value(high) << 4 | value(low))
        }
        self.init(bytes)
    }
}
