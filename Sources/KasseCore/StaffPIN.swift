import Crypto
import FoundationEssentials
import _CryptoExtras

/// A staff PIN as the configuration keeps it: never the PIN, only a salted slow hash,
///
///     scrypt$<log2 N>$<r>$<p>$<salt, base64>$<32-byte key, base64>
///
/// (swift-crypto's scrypt). A PIN has few digits, so a stolen configuration can still be
/// guessed at; scrypt with N = 2^15 makes each guess cost tens of milliseconds and 32 MB, and
/// the salt makes each member's hash a separate search. The till's lock-out after wrong PINs
/// covers guessing at the keyboard.
public enum StaffPIN {
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public static let defaultLogN = 15
    static let r = 8, p = 1, keyBytes = 32

    /// A new hash of `pin` with a random salt.
    public static func hash(_ pin: String, logN: Int = defaultLogN) throws(Invalid) -> String {
        guard StaffList.isValidPIN(pin) else { throw Invalid(description: "a PIN is 4 to 8 digits") }
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let key = try derive(pin, salt: salt, logN: logN, r: r, p: p)
        return "scrypt$\(logN)$\(r)$\(p)$\(Data(salt).base64EncodedString())$\(Data(key).base64EncodedString())"
    }

    /// Whether `pin` is the one `stored` was made from. A malformed `stored` never matches.
    public static func verify(_ pin: String, against stored: String) -> Bool {
        guard let parsed = try? parse(stored), let key = try? derive(pin, salt: parsed.salt, logN: parsed.logN, r: parsed.r, p: parsed.p),
              key.count == parsed.key.count
        else { return false }
        // Every byte compared, whatever differs first.
        return zip(key, parsed.key).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// Checks the form of a stored hash (for the configuration reader), without the PIN.
    public static func check(_ stored: String) throws(Invalid) {
        _ = try parse(stored)
    }

    static func parse(_ stored: String) throws(Invalid) -> (logN: Int, r: Int, p: Int, salt: [UInt8], key: [UInt8]) {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false).map(String.init)
        let form = "must be a hash made by `kasse staff pin` (scrypt$15$8$1$…$…), never the PIN itself"
        guard parts.count == 6, parts[0] == "scrypt", let logN = Int(parts[1]), let r = Int(parts[2]), let p = Int(parts[3]),
              (10...20).contains(logN), (1...32).contains(r), (1...16).contains(p),
              let salt = Data(base64Encoded: parts[4]), salt.count >= 8,
              let key = Data(base64Encoded: parts[5]), key.count == keyBytes
        else { throw Invalid(description: form) }
        return (logN, r, p, Array(salt), Array(key))
    }

    static func derive(_ pin: String, salt: [UInt8], logN: Int, r: Int, p: Int) throws(Invalid) -> [UInt8] {
        do {
            let key = try KDF.Scrypt.deriveKey(
                from: Array(pin.utf8), salt: salt, outputByteCount: keyBytes, rounds: 1 << logN, blockSize: r, parallelism: p,
                maxMemory: 256 << 20)
            return key.withUnsafeBytes { Array($0) }
        } catch {
            throw Invalid(description: "scrypt failed: \(error)")
        }
    }
}
