/// A black-and-white image, one bit a dot (true is black), row after row.
public struct Bitmap: Sendable, Hashable {
    public let width: Int
    public let height: Int
    /// `height` rows of `bytesPerRow` bytes, the leftmost dot in the highest bit.
    public let rows: [UInt8]

    public var bytesPerRow: Int { (width + 7) / 8 }

    public init?(width: Int, height: Int, rows: [UInt8]) {
        guard width > 0, height > 0, rows.count == (width + 7) / 8 * height else { return nil }
        self.width = width
        self.height = height
        self.rows = rows
    }

    public func isBlack(x: Int, y: Int) -> Bool {
        guard x >= 0, x < width, y >= 0, y < height else { return false }
        return rows[y * bytesPerRow + x / 8] & (0x80 >> UInt8(x % 8)) != 0
    }

    /// A netpbm bitmap (`P1` text or `P4` binary), the format the shop's logo is kept in.
    public init?(pbm data: [UInt8]) {
        var index = 0
        func skipSpaceAndComments() {
            while index < data.count {
                if data[index] == UInt8(ascii: "#") {
                    while index < data.count, data[index] != 0x0A { index += 1 }
                } else if [0x20, 0x09, 0x0A, 0x0D].contains(data[index]) {
                    index += 1
                } else {
                    return
                }
            }
        }
        func number() -> Int? {
            skipSpaceAndComments()
            var value = 0, digits = 0
            while index < data.count, data[index] >= 0x30, data[index] <= 0x39, digits < 6 {
                value = value * 10 + Int(data[index] - 0x30)
                index += 1
                digits += 1
            }
            return digits == 0 ? nil : value
        }
        guard data.count > 2, data[0] == UInt8(ascii: "P"), data[1] == UInt8(ascii: "1") || data[1] == UInt8(ascii: "4") else { return nil }
        let binary = data[1] == UInt8(ascii: "4")
        index = 2
        guard let width = number(), let height = number(), width > 0, height > 0, width <= 4096, height <= 4096 else { return nil }
        let perRow = (width + 7) / 8
        var rows = [UInt8](repeating: 0, count: perRow * height)
        if binary {
            index += 1  // the one whitespace after the height
            guard data.count - index >= perRow * height else { return nil }
            for offset in 0..<(perRow * height) { rows[offset] = data[index + offset] }
            // The padding bits of each row are not part of the image.
            if width % 8 != 0 {
                let mask = UInt8(0xFF << UInt8(8 - width % 8) & 0xFF)
                for row in 0..<height { rows[row * perRow + perRow - 1] &= mask }
            }
        } else {
            for y in 0..<height {
                for x in 0..<width {
                    skipSpaceAndComments()
                    guard index < data.count, data[index] == UInt8(ascii: "0") || data[index] == UInt8(ascii: "1") else { return nil }
                    if data[index] == UInt8(ascii: "1") { rows[y * perRow + x / 8] |= 0x80 >> UInt8(x % 8) }
                    index += 1
                }
            }
        }
        self.init(width: width, height: height, rows: rows)
    }
}
