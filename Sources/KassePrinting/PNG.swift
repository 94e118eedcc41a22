/// A black-and-white PNG (1 bit a pixel, grey), written without compression: enough for a
/// person to look at what a printer printed. Pure.
public enum PNG {
    public static func encode(_ image: Bitmap) -> [UInt8] {
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        func be32(_ value: Int) -> [UInt8] { [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
        func chunk(_ type: String, _ data: [UInt8]) {
            let typed = Array(type.utf8) + data
            out += be32(data.count) + typed + be32(Int(crc32(typed)))
        }
        chunk("IHDR", be32(image.width) + be32(image.height) + [1, 0, 0, 0, 0])
        // Each row starts with filter type 0; PNG's grey 1 is white, so the bits are inverted.
        var raw: [UInt8] = []
        raw.reserveCapacity((image.bytesPerRow + 1) * image.height)
        for row in 0..<image.height {
            raw.append(0)
            for column in 0..<image.bytesPerRow { raw.append(~image.rows[row * image.bytesPerRow + column]) }
        }
        // A zlib stream of stored deflate blocks (at most 65 535 bytes each).
        var zlib: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let length = min(65_535, raw.count - offset)
            let last: UInt8 = offset + length == raw.count ? 1 : 0
            zlib += [last, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8 & 0xFF)]
            zlib += raw[offset..<(offset + length)]
            offset += length
        } while offset < raw.count
        zlib += be32(Int(adler32(raw)))
        chunk("IDAT", zlib)
        chunk("IEND", [])
        return out
    }

    static let crcTable: [UInt32] = (0..<256).map { index -> UInt32 in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 != 0 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return b << 16 | a
    }
}
