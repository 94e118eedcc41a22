import Foundation

/// Remembers the last sale number used on this till, so that references
/// (`STORE-TILL-DATE-SALE-ATTEMPT`) are never reused after a restart: a reused reference
/// would be refused by Vipps MobilePay (4150). The number is written, and synced to disk,
/// before the payment request that uses it is sent. (The journal will take this over.)
public struct SaleCounter: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// The sale number to start with: one past the last one used.
    public func next() -> Int {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
            let last = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), last >= 0
        else { return 1 }
        return last + 1
    }

    /// Records that `number` is in use. Returns false when it could not be stored.
    public func markUsed(_ number: Int) -> Bool {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data("\(number)\n".utf8)),
            let handle = FileHandle(forWritingAtPath: temporary)
        else { return false }
        try? handle.synchronize()
        try? handle.close()
        return rename(temporary, path) == 0
    }
}
