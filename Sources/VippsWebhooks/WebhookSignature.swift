import Crypto

/// The HMAC-SHA256 scheme Vipps MobilePay signs webhook requests with.
///
/// ```
/// x-ms-content-sha256 = Base64(SHA256(body))
/// stringToSign        = "POST\n" + pathAndQuery + "\n" + x-ms-date + ";" + host + ";" + contentHash
/// Authorization       = "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature="
///                       + Base64(HMAC-SHA256(key: UTF8(secret), message: UTF8(stringToSign)))
/// ```
/// `pathAndQuery` and `host` (with `:port` when not the default) come from the registered URL.
public enum WebhookSignature {
    public static let signedHeaders = "x-ms-date;host;x-ms-content-sha256"

    public static func contentHash(of body: some Sequence<UInt8>) -> String {
        Base64.encode(Array(SHA256.hash(data: Array(body))))
    }

    public static func stringToSign(pathAndQuery: String, date: String, host: String, contentHash: String) -> String {
        "POST\n\(pathAndQuery)\n\(date);\(host);\(contentHash)"
    }

    public static func signature(secret: String, stringToSign: String) -> String {
        let key = SymmetricKey(data: Array(secret.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key)
        return Base64.encode(Array(mac))
    }

    public static func authorization(secret: String, pathAndQuery: String, date: String, host: String, body: [UInt8])
        -> (contentHash: String, authorization: String)
    {
        let hash = contentHash(of: body)
        let toSign = stringToSign(pathAndQuery: pathAndQuery, date: date, host: host, contentHash: hash)
        return (hash, "HMAC-SHA256 SignedHeaders=\(signedHeaders)&Signature=\(signature(secret: secret, stringToSign: toSign))")
    }

    /// Compares without leaking, through timing, how much of the two strings agree.
    public static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8)
        let b = Array(rhs.utf8)
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}

/// Standard Base64 with padding, without Foundation.
public enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index + 2 < bytes.count {
            let n = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
            index += 3
        }
        let rest = bytes.count - index
        if rest == 1 {
            let n = UInt32(bytes[index]) << 16
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], 61, 61]
        } else if rest == 2 {
            let n = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], 61]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
