/// Decodes scanners in HID POS mode (usage page 0x8C, Bar Code Scanner): the report carries
/// the decoded bytes themselves, so no keyboard layout is involved.
///
/// The common 64-byte layout (Newland, Unitech, IDTech): `[0] = report ID 0x02, [1] = data
/// length, [2…57] = data (≤ 56 bytes), [62] = symbology, [63] bit 0 = more reports follow`.
/// Codes longer than 56 bytes span reports, concatenated while bit 0 of the last byte is set.
public struct HIDPOSDecoder: Sendable {
    public static let reportID: UInt8 = 0x02
    public static let maximumDataPerReport = 56
    public var maximumLength: Int
    private var pending: [UInt8] = []

    public init(maximumLength: Int = 4096) {
        self.maximumLength = maximumLength
    }

    /// - Returns: the complete text when this report ends a scan. Malformed reports are
    ///   ignored (and end any half-received scan) rather than guessed at.
    public mutating func decode(_ report: [UInt8]) -> String? {
        guard report.count >= 3, report[0] == Self.reportID else {
            pending = []
            return nil
        }
        let length = Int(report[1])
        guard length <= Self.maximumDataPerReport, 2 + length <= report.count else {
            pending = []
            return nil
        }
        pending.append(contentsOf: report[2..<(2 + length)])
        if pending.count > maximumLength { pending = [] ; return nil }
        let continued = report.count >= 64 && report[63] & 0x01 != 0
        if continued { return nil }
        defer { pending = [] }
        // Scanners send UTF-8 (or ASCII); anything else is not trusted as text.
        guard !pending.isEmpty, let text = String(validating: pending, as: UTF8.self) else { return nil }
        var trimmed = Substring(text)
        while let last = trimmed.last, last == "\r" || last == "\n" || last == "\t" || last == "\0" { trimmed.removeLast() }
        return trimmed.isEmpty ? nil : String(trimmed)
    }

    /// Builds the reports a HID POS scanner sends for a text (for emulators and tests).
    public static func reports(for text: String, symbology: UInt8 = 0) -> [[UInt8]] {
        let bytes = Array(text.utf8)
        var reports: [[UInt8]] = []
        var offset = 0
        repeat {
            let chunk = Array(bytes[offset..<min(bytes.count, offset + maximumDataPerReport)])
            offset += chunk.count
            var report = [UInt8](repeating: 0, count: 64)
            report[0] = reportID
            report[1] = UInt8(chunk.count)
            report.replaceSubrange(2..<(2 + chunk.count), with: chunk)
            report[62] = symbology
            report[63] = offset < bytes.count ? 1 : 0
            reports.append(report)
        } while offset < bytes.count
        return reports
    }
}
