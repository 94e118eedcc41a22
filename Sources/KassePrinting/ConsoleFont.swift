/// A bitmap font in the Linux console's PC Screen Font format (PSF 1 or 2, with its Unicode
/// table), which the printer emulator draws paper with. Pure: the caller reads the file.
public struct ConsoleFont: Sendable {
    public let width: Int
    public let height: Int
    private let glyphs: [[UInt8]]
    private let glyphOf: [Character: Int]

    public init?(psf data: [UInt8]) {
        func le32(_ offset: Int) -> Int {
            Int(data[offset]) | Int(data[offset + 1]) << 8 | Int(data[offset + 2]) << 16 | Int(data[offset + 3]) << 24
        }
        var glyphCount: Int, bytesPerGlyph: Int, start: Int, width: Int, height: Int, hasTable: Bool, version2: Bool
        if data.count > 4, data[0] == 0x36, data[1] == 0x04 {
            glyphCount = data[2] & 0x01 != 0 ? 512 : 256
            hasTable = data[2] & 0x06 != 0
            bytesPerGlyph = Int(data[3])
            height = bytesPerGlyph
            width = 8
            start = 4
            version2 = false
        } else if data.count > 32, data[0] == 0x72, data[1] == 0xB5, data[2] == 0x4A, data[3] == 0x86 {
            start = le32(8)
            hasTable = le32(12) & 1 != 0
            glyphCount = le32(16)
            bytesPerGlyph = le32(20)
            height = le32(24)
            width = le32(28)
            version2 = true
        } else {
            return nil
        }
        guard width > 0, width <= 64, height > 0, height <= 64, glyphCount > 0, glyphCount <= 65_536,
              bytesPerGlyph == (width + 7) / 8 * height, data.count >= start + glyphCount * bytesPerGlyph else { return nil }
        var glyphs: [[UInt8]] = []
        for index in 0..<glyphCount {
            let offset = start + index * bytesPerGlyph
            glyphs.append(Array(data[offset..<(offset + bytesPerGlyph)]))
        }
        var map: [Character: Int] = [:]
        var offset = start + glyphCount * bytesPerGlyph
        if hasTable {
            for glyph in 0..<glyphCount {
                // Each glyph's characters, then a terminator; sequences (after 0xFE / 0xFFFE) are skipped.
                var inSequence = false
                while offset < data.count {
                    if version2 {
                        let lead = data[offset]
                        if lead == 0xFF { offset += 1; break }
                        if lead == 0xFE { inSequence = true; offset += 1; continue }
                        var length = 1
                        if lead >= 0xF0 { length = 4 } else if lead >= 0xE0 { length = 3 } else if lead >= 0xC0 { length = 2 }
                        guard offset + length <= data.count else { return nil }
                        let text = String(decoding: data[offset..<(offset + length)], as: UTF8.self)
                        if !inSequence, let character = text.first, map[character] == nil { map[character] = glyph }
                        offset += length
                    } else {
                        guard offset + 1 < data.count else { return nil }
                        let value = Int(data[offset]) | Int(data[offset + 1]) << 8
                        offset += 2
                        if value == 0xFFFF { break }
                        if value == 0xFFFE { inSequence = true; continue }
                        if !inSequence, let scalar = Unicode.Scalar(value), map[Character(scalar)] == nil { map[Character(scalar)] = glyph }
                    }
                }
            }
        } else {
            for glyph in 0..<min(glyphCount, 256) {
                if let scalar = Unicode.Scalar(glyph) { map[Character(scalar)] = glyph }
            }
        }
        self.width = width
        self.height = height
        self.glyphs = glyphs
        self.glyphOf = map
    }

    /// Whether the dot at (`x`, `y`) of `character` is ink; a character the font lacks is drawn as `?`.
    public func ink(_ character: Character, x: Int, y: Int) -> Bool {
        guard let glyph = glyphOf[character] ?? glyphOf["?"], x >= 0, x < width, y >= 0, y < height else { return false }
        let perRow = (width + 7) / 8
        return glyphs[glyph][y * perRow + x / 8] & (0x80 >> UInt8(x % 8)) != 0
    }

    public func has(_ character: Character) -> Bool { glyphOf[character] != nil }
}
