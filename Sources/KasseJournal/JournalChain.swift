import Crypto

/// The journal's hash chain: one formula, used by the till when it writes an entry, by
/// `kasse journal verify`, and by the store server when a till's entries arrive.
public enum JournalChain {
    /// The previous hash of a journal's first entry.
    public static let genesisHash = String(repeating: "0", count: 64)

    /// SHA-256 over every field and the previous entry's hash, hex.
    public static func hash(sequence: Int, at: String, till: String, cashier: String, kind: String, payload: String,
                            previousHash: String) -> String {
        let text = "\(sequence)\n\(at)\n\(till)\n\(cashier)\n\(kind)\n\(payload)\n\(previousHash)"
        return hex(SHA256.hash(data: Array(text.utf8)))
    }

    /// Lower-case hex of a digest.
    public static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        for byte in digest {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
