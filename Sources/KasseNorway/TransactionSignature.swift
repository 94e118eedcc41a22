import Crypto
import FoundationEssentials
import KasseCore
import _CryptoExtras

/// What a Norwegian till signs for each transaction, and in what form: the fields joined by `;`
/// (no spaces, no newline), UTF-8:
///
///     <previous signature, or 0 for the first>;<transDate>;<transTime>;<nr>;<transAmntIn>;<transAmntEx>
///
/// with the date `YYYY-MM-DD`, the time `HH:MM:SS` (Norwegian local time), and the amounts with
/// a decimal point, two decimals and a leading `-` when negative, exactly as they are exported
/// in the SAF-T Cash Register file (Skatteetaten's validator rebuilds this text from the file).
public struct SignedTransaction: Sendable, Hashable {
    /// The base64 signature of the register's previous transaction; nil for its first.
    public var previousSignature: String?
    public var date: CivilDate
    public var time: LocalTime
    /// The transaction's `nr`: consecutive per register, at most 35 characters.
    public var number: String
    /// Including and excluding VAT, in minor units (negative for a return).
    public var amountIncludingVAT: Int
    public var amountExcludingVAT: Int

    public init(previousSignature: String?, date: CivilDate, time: LocalTime, number: String,
                amountIncludingVAT: Int, amountExcludingVAT: Int) {
        self.previousSignature = previousSignature
        self.date = date
        self.time = time
        self.number = number
        self.amountIncludingVAT = amountIncludingVAT
        self.amountExcludingVAT = amountExcludingVAT
    }

    /// `1250.00`, `-16.40`: the SAF-T amount form (`^-?[0-9]+[.][0-9]{2}$`).
    public static func amount(_ minorUnits: Int) -> String {
        let magnitude = minorUnits.magnitude
        let cents = magnitude % 100
        return (minorUnits < 0 ? "-" : "") + "\(magnitude / 100)." + (cents < 10 ? "0" : "") + "\(cents)"
    }

    /// The exact text that is signed.
    public var text: String {
        [previousSignature ?? "0", date.iso, time.text, number, Self.amount(amountIncludingVAT), Self.amount(amountExcludingVAT)]
            .joined(separator: ";")
    }
}

public enum SigningKeyError: Error, Equatable, CustomStringConvertible {
    /// Not a PEM RSA key Kasse can use; the reason, never the key.
    case unreadable(String)
    /// The regulations ask for a 1024-bit RSA key.
    case wrongSize(bits: Int)

    public var description: String {
        switch self {
        case .unreadable(let reason): "the signing key cannot be read: \(reason)"
        case .wrongSize(let bits): "the signing key has \(bits) bits; a Norwegian till signs with a 1024-bit RSA key (kasse saft keygen makes one)"
        }
    }
}

/// Signs transactions with RSA-SHA1 (RSASSA-PKCS1-v1_5, SHA-1, 1024-bit key), the scheme
/// Skatteetaten verifies with the public key the supplier hands in. Deterministic: the same
/// text and key always give the same signature.
public struct TransactionSigner: Sendable {
    private let key: _RSA.Signing.PrivateKey
    /// Names the key in the export (`<keyVersion>`); a new key continues the chain under a new version.
    public let keyVersion: String

    public static let keyBits = 1024

    public init(privateKeyPEM: String, keyVersion: String) throws(SigningKeyError) {
        let key: _RSA.Signing.PrivateKey
        do {
            key = try _RSA.Signing.PrivateKey(unsafePEMRepresentation: privateKeyPEM)
        } catch {
            throw .unreadable("not a PEM RSA private key")
        }
        guard key.keySizeInBits == Self.keyBits else { throw .wrongSize(bits: key.keySizeInBits) }
        self.key = key
        self.keyVersion = keyVersion
    }

    /// A new signing key: the private key as PKCS#1 PEM (`BEGIN RSA PRIVATE KEY`, for the till
    /// only) and the public key as SPKI PEM (`BEGIN PUBLIC KEY`, for the product declaration).
    public static func generateKey() throws -> (privatePEM: String, publicPEM: String) {
        let key = try _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: keyBits))
        return (key.pemRepresentation, key.publicKey.pemRepresentation)
    }

    /// The base64 signature (172 characters) of a transaction.
    public func sign(_ transaction: SignedTransaction) throws -> String {
        let digest = Insecure.SHA1.hash(data: Array(transaction.text.utf8))
        return try key.signature(for: digest, padding: .insecurePKCS1v1_5).rawRepresentation.base64EncodedString()
    }

    /// The public key, SPKI PEM.
    public var publicKeyPEM: String { key.publicKey.pemRepresentation }
}

/// Checks signatures with the public key, the way Skatteetaten does: each transaction's text is
/// rebuilt with the previous one's signature.
public struct SignatureVerifier: Sendable {
    private let key: _RSA.Signing.PublicKey

    public init(publicKeyPEM: String) throws(SigningKeyError) {
        do {
            key = try _RSA.Signing.PublicKey(unsafePEMRepresentation: publicKeyPEM)
        } catch {
            throw .unreadable("not a PEM RSA public key")
        }
    }

    public func isValid(_ signature: String, for transaction: SignedTransaction) -> Bool {
        guard let bytes = Data(base64Encoded: signature) else { return false }
        let digest = Insecure.SHA1.hash(data: Array(transaction.text.utf8))
        return key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: bytes), for: digest, padding: .insecurePKCS1v1_5)
    }
}

/// HMAC-SHA1, the other scheme the regulations allow. Kasse signs with RSA (Skatteetaten then
/// never holds a secret); this exists for Skatteetaten's published known answer, which goes
/// through the same text builder.
public enum HMACTransactionSignature {
    public static func sign(_ transaction: SignedTransaction, key: [UInt8]) -> String {
        let code = HMAC<Insecure.SHA1>.authenticationCode(for: Array(transaction.text.utf8), using: SymmetricKey(data: key))
        return Data(code).base64EncodedString()
    }
}
