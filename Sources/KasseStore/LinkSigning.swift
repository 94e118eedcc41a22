import Crypto
import FoundationEssentials

/// The keys that prove, on the till–server link, who wrote what: each till signs its journal
/// batches with a key of its own (its public part in the server's `[[till]]` table), and the
/// server signs the catalogs it hands out (its public part in every till's `[server]`). A
/// stolen bearer token alone can then neither add a journal entry nor change a price.
///
/// Ed25519 (swift-crypto). A key file holds the 32-byte private key in base64 on one line;
/// a public key is written in base64 where the other side's configuration names it.
public struct LinkSigningKey: Sendable {
    let raw: [UInt8]

    /// From the text of a key file (base64 of the 32-byte private key).
    public init(base64 text: String) throws(LinkKeyError) {
        let trimmed = Self.trimmed(text)
        guard let data = Data(base64Encoded: trimmed), data.count == 32,
              (try? Curve25519.Signing.PrivateKey(rawRepresentation: data)) != nil
        else { throw .notAKey("a link key file holds one line: the base64 of a 32-byte Ed25519 private key (made by kasse server keygen)") }
        raw = Array(data)
    }

    public static func generate() -> LinkSigningKey {
        try! LinkSigningKey(base64: Data(Curve25519.Signing.PrivateKey().rawRepresentation).base64EncodedString())
    }

    /// The text without the spaces and line breaks around it.
    static func trimmed(_ text: String) -> String {
        String(text.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }

    /// What a key file holds.
    public var fileText: String { Data(raw).base64EncodedString() + "\n" }

    var key: Curve25519.Signing.PrivateKey { try! Curve25519.Signing.PrivateKey(rawRepresentation: raw) }

    public var publicKey: LinkPublicKey { LinkPublicKey(raw: Array(key.publicKey.rawRepresentation)) }

    /// The signature of `message`, base64.
    public func sign(_ message: [UInt8]) -> String {
        Data((try? key.signature(for: message)) ?? Data()).base64EncodedString()
    }
}

/// The public part of a link key, as a configuration names it (base64 of 32 bytes).
public struct LinkPublicKey: Sendable, Hashable, CustomStringConvertible {
    let raw: [UInt8]

    init(raw: [UInt8]) { self.raw = raw }

    public init(base64 text: String) throws(LinkKeyError) {
        guard let data = Data(base64Encoded: LinkSigningKey.trimmed(text)), data.count == 32,
              (try? Curve25519.Signing.PublicKey(rawRepresentation: data)) != nil
        else { throw .notAKey("a public key is the base64 of 32 bytes, as kasse server keygen prints it") }
        raw = Array(data)
    }

    public var description: String { Data(raw).base64EncodedString() }

    /// Whether `signature` (base64) is this key's over `message`.
    public func verifies(_ signature: String?, for message: [UInt8]) -> Bool {
        guard let signature, signature.utf8.count <= 200, let bytes = Data(base64Encoded: signature),
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
        else { return false }
        return key.isValidSignature(bytes, for: message)
    }
}

public enum LinkKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    case notAKey(String)
    public var description: String {
        switch self {
        case .notAKey(let text): text
        }
    }
}

/// What each signature covers, each with a label of its own so none can stand for another.
public enum LinkSignature {
    /// The header of a journal batch's signature (`POST /till/journal`).
    public static let journalHeader = "Kasse-Journal-Signature"
    /// The header of a catalog's signature (`GET /till/catalog`).
    public static let catalogHeader = "Kasse-Catalog-Signature"

    /// A journal batch: the till's name at the server (`OSL1-T1`: store and till) and the body
    /// exactly as sent, so a batch signed for one till is worth nothing for another.
    public static func journal(till: String, body: [UInt8]) -> [UInt8] {
        Array("kasse-journal-batch/1\n\(till)\n".utf8) + body
    }

    /// A catalog version and its CSV exactly as sent.
    public static func catalog(version: Int64, csv: [UInt8]) -> [UInt8] {
        Array("kasse-catalog/1\n\(version)\n".utf8) + csv
    }
}
