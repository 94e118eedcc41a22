/// A QR code (ISO/IEC 18004, model 2) for a short text such as a payment's URL: byte mode
/// (UTF-8, declared by ECI 26 when the text is not ASCII), versions 1 to 10, error correction
/// level M (15 % of the code may be lost) or L.
///
/// Made the way the standard describes: the text's bytes with mode and length, padded; split
/// into blocks, each with its Reed–Solomon codewords over GF(256); interleaved and placed in
/// the zigzag around the finder, timing and alignment patterns; each of the eight masks
/// scored by the standard's penalty rules and the lowest kept; the format (and from version
/// 7 the version) written in both places. Pure: the terminal drawing is `halfBlockLines`.
public struct QRCode: Sendable, Hashable {
    public enum Level: Sendable, Hashable {
        case low, medium

        /// The two bits the format information carries for the level.
        var formatBits: Int { self == .low ? 1 : 0 }
    }

    public struct TooLong: Error, Sendable, Equatable, CustomStringConvertible {
        public var bytes: Int
        public var most: Int
        public var description: String { "\(bytes) bytes do not fit in a QR code of version 10 (at most \(most))" }
    }

    public let version: Int
    public let level: Level
    /// Modules a side (17 + 4 × version).
    public let size: Int
    /// The mask chosen (0–7).
    public let mask: Int
    private let dark: [Bool]

    /// Whether the module at (`row`, `column`) is dark.
    public func isDark(row: Int, column: Int) -> Bool {
        guard (0..<size).contains(row), (0..<size).contains(column) else { return false }
        return dark[row * size + column]
    }

    // MARK: - The tables (versions 1–10)

    /// Error-correction codewords per block, and the blocks as (count, data codewords each).
    struct Blocks {
        var ecPerBlock: Int
        var groups: [(count: Int, data: Int)]
        var dataCodewords: Int { groups.reduce(0) { $0 + $1.count * $1.data } }
    }

    static func blocks(version: Int, level: Level) -> Blocks {
        switch level {
        case .low:
            let table: [Blocks] = [
                Blocks(ecPerBlock: 7, groups: [(1, 19)]), Blocks(ecPerBlock: 10, groups: [(1, 34)]),
                Blocks(ecPerBlock: 15, groups: [(1, 55)]), Blocks(ecPerBlock: 20, groups: [(1, 80)]),
                Blocks(ecPerBlock: 26, groups: [(1, 108)]), Blocks(ecPerBlock: 18, groups: [(2, 68)]),
                Blocks(ecPerBlock: 20, groups: [(2, 78)]), Blocks(ecPerBlock: 24, groups: [(2, 97)]),
                Blocks(ecPerBlock: 30, groups: [(2, 116)]), Blocks(ecPerBlock: 18, groups: [(2, 68), (2, 69)]),
            ]
            return table[version - 1]
        case .medium:
            let table: [Blocks] = [
                Blocks(ecPerBlock: 10, groups: [(1, 16)]), Blocks(ecPerBlock: 16, groups: [(1, 28)]),
                Blocks(ecPerBlock: 26, groups: [(1, 44)]), Blocks(ecPerBlock: 18, groups: [(2, 32)]),
                Blocks(ecPerBlock: 24, groups: [(2, 43)]), Blocks(ecPerBlock: 16, groups: [(4, 27)]),
                Blocks(ecPerBlock: 18, groups: [(4, 31)]), Blocks(ecPerBlock: 22, groups: [(2, 38), (2, 39)]),
                Blocks(ecPerBlock: 22, groups: [(3, 36), (2, 37)]), Blocks(ecPerBlock: 26, groups: [(4, 43), (1, 44)]),
            ]
            return table[version - 1]
        }
    }

    static func alignmentCentres(version: Int) -> [Int] {
        [[], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34], [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50]][version - 1]
    }

    static let highestVersion = 10

    // MARK: - Encoding

    public init(_ text: String, level: Level = .medium) throws(TooLong) {
        let bytes = Array(text.utf8)
        // Text beyond ASCII says it is UTF-8 (ECI 26): without it decoders guess, and guess wrong.
        let utf8 = bytes.contains { $0 >= 0x80 }
        let eciBits = utf8 ? 12 : 0
        // The smallest version the bytes fit in: mode (4 bits), length (8 bits up to version 9, then 16), data.
        var chosen: Int?
        for version in 1...Self.highestVersion {
            let lengthBits = version <= 9 ? 8 : 16
            if eciBits + 4 + lengthBits + 8 * bytes.count <= 8 * Self.blocks(version: version, level: level).dataCodewords {
                chosen = version
                break
            }
        }
        guard let version = chosen else {
            let blocks = Self.blocks(version: Self.highestVersion, level: level)
            throw TooLong(bytes: bytes.count, most: (8 * blocks.dataCodewords - 20) / 8)
        }
        self.version = version
        self.level = level
        size = 17 + 4 * version
        let blocks = Self.blocks(version: version, level: level)

        // The bit stream: byte mode, the length, the bytes, a terminator, pad bytes.
        var bits = BitBuffer()
        if utf8 {
            bits.append(0b0111, count: 4)
            bits.append(26, count: 8)
        }
        bits.append(0b0100, count: 4)
        bits.append(bytes.count, count: version <= 9 ? 8 : 16)
        for byte in bytes { bits.append(Int(byte), count: 8) }
        let capacity = 8 * blocks.dataCodewords
        bits.append(0, count: min(4, capacity - bits.count))
        bits.append(0, count: (8 - bits.count % 8) % 8)
        var codewords = bits.bytes
        var pad: UInt8 = 0xEC
        while codewords.count < blocks.dataCodewords {
            codewords.append(pad)
            pad = pad == 0xEC ? 0x11 : 0xEC
        }

        // Blocks with their error correction, interleaved.
        let divisor = ReedSolomon.divisor(degree: blocks.ecPerBlock)
        var dataBlocks: [[UInt8]] = []
        var start = 0
        for group in blocks.groups {
            for _ in 0..<group.count {
                dataBlocks.append(Array(codewords[start..<(start + group.data)]))
                start += group.data
            }
        }
        let ecBlocks = dataBlocks.map { ReedSolomon.remainder($0, divisor: divisor) }
        var stream: [UInt8] = []
        for index in 0..<(dataBlocks.map(\.count).max() ?? 0) {
            for block in dataBlocks where index < block.count { stream.append(block[index]) }
        }
        for index in 0..<blocks.ecPerBlock {
            for block in ecBlocks { stream.append(block[index]) }
        }

        // The matrix: function patterns, then the data, then the best mask.
        var matrix = Matrix(size: size)
        matrix.drawFunctionPatterns(version: version, alignment: Self.alignmentCentres(version: version))
        matrix.placeData(stream)
        var best: (mask: Int, penalty: Int, matrix: Matrix)?
        for mask in 0..<8 {
            var candidate = matrix
            candidate.apply(mask: mask)
            candidate.drawFormat(level: level, mask: mask)
            let penalty = candidate.penalty()
            if best == nil || penalty < best!.penalty { best = (mask, penalty, candidate) }
        }
        self.mask = best!.mask
        dark = best!.matrix.dark
    }
}

/// Bits appended most significant first.
struct BitBuffer {
    private(set) var bits: [Bool] = []
    var count: Int { bits.count }

    mutating func append(_ value: Int, count: Int) {
        guard count > 0 else { return }
        for shift in stride(from: count - 1, through: 0, by: -1) { bits.append((value >> shift) & 1 == 1) }
    }

    var bytes: [UInt8] {
        stride(from: 0, to: bits.count, by: 8).map { start in
            var byte: UInt8 = 0
            for offset in 0..<8 where start + offset < bits.count && bits[start + offset] { byte |= 0x80 >> offset }
            return byte
        }
    }
}

/// Reed–Solomon error correction over GF(256) with the QR code's polynomial x⁸+x⁴+x³+x²+1.
enum ReedSolomon {
    static func multiply(_ x: UInt8, _ y: UInt8) -> UInt8 {
        var z = 0
        for bit in stride(from: 7, through: 0, by: -1) {
            z = (z << 1) ^ ((z >> 7) * 0x11D)
            z ^= ((Int(y) >> bit) & 1) * Int(x)
        }
        return UInt8(z)
    }

    /// The generator polynomial's coefficients (highest first, the leading 1 left out).
    static func divisor(degree: Int) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: degree)
        result[degree - 1] = 1
        var root: UInt8 = 1
        for _ in 0..<degree {
            for index in 0..<degree {
                result[index] = multiply(result[index], root)
                if index + 1 < degree { result[index] ^= result[index + 1] }
            }
            root = multiply(root, 0x02)
        }
        return result
    }

    static func remainder(_ data: [UInt8], divisor: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: divisor.count)
        for byte in data {
            let factor = byte ^ result.removeFirst()
            result.append(0)
            for index in result.indices { result[index] ^= multiply(divisor[index], factor) }
        }
        return result
    }
}

/// The module grid while it is made: which modules are dark, which belong to function patterns.
struct Matrix {
    let size: Int
    var dark: [Bool]
    var function: [Bool]

    init(size: Int) {
        self.size = size
        dark = Array(repeating: false, count: size * size)
        function = Array(repeating: false, count: size * size)
    }

    subscript(row: Int, column: Int) -> Bool {
        get { dark[row * size + column] }
        set { dark[row * size + column] = newValue }
    }

    mutating func setFunction(row: Int, column: Int, _ isDark: Bool) {
        dark[row * size + column] = isDark
        function[row * size + column] = true
    }

    mutating func drawFunctionPatterns(version: Int, alignment: [Int]) {
        for index in 0..<size {
            setFunction(row: 6, column: index, index % 2 == 0)
            setFunction(row: index, column: 6, index % 2 == 0)
        }
        for (row, column) in [(3, 3), (3, size - 4), (size - 4, 3)] {
            for dy in -4...4 {
                for dx in -4...4 {
                    let y = row + dy, x = column + dx
                    guard (0..<size).contains(y), (0..<size).contains(x) else { continue }
                    let distance = max(abs(dx), abs(dy))
                    setFunction(row: y, column: x, distance != 2 && distance != 4)
                }
            }
        }
        let last = alignment.count - 1
        for (i, row) in alignment.enumerated() {
            for (j, column) in alignment.enumerated() {
                // Not over the three finders.
                if (i == 0 && j == 0) || (i == 0 && j == last) || (i == last && j == 0) { continue }
                for dy in -2...2 {
                    for dx in -2...2 { setFunction(row: row + dy, column: column + dx, max(abs(dx), abs(dy)) != 1) }
                }
            }
        }
        // Reserved for the format (written with each mask) and the version.
        drawFormat(level: .medium, mask: 0)
        if version >= 7 {
            var remainder = version
            for _ in 0..<12 { remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25) }
            let bits = version << 12 | remainder
            for index in 0..<18 {
                let bit = (bits >> index) & 1 == 1
                let a = size - 11 + index % 3, b = index / 3
                setFunction(row: b, column: a, bit)
                setFunction(row: a, column: b, bit)
            }
        }
    }

    /// The 15 format bits (level and mask, with their BCH code, masked) in both places, and the dark module.
    mutating func drawFormat(level: QRCode.Level, mask: Int) {
        let data = level.formatBits << 3 | mask
        var remainder = data
        for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
        let bits = (data << 10 | remainder) ^ 0x5412
        func bit(_ index: Int) -> Bool { (bits >> index) & 1 == 1 }
        for index in 0...5 { setFunction(row: index, column: 8, bit(index)) }
        setFunction(row: 7, column: 8, bit(6))
        setFunction(row: 8, column: 8, bit(7))
        setFunction(row: 8, column: 7, bit(8))
        for index in 9..<15 { setFunction(row: 8, column: 14 - index, bit(index)) }
        for index in 0..<8 { setFunction(row: 8, column: size - 1 - index, bit(index)) }
        for index in 8..<15 { setFunction(row: size - 15 + index, column: 8, bit(index)) }
        setFunction(row: size - 8, column: 8, true)
    }

    /// The codewords' bits in the zigzag: two columns at a time from the right, up then down,
    /// around every function module; what is left over stays light.
    mutating func placeData(_ codewords: [UInt8]) {
        var index = 0
        let total = codewords.count * 8
        var right = size - 1
        while right >= 1 {
            if right == 6 { right = 5 }
            let upward = (right + 1) & 2 == 0
            for step in 0..<size {
                let row = upward ? size - 1 - step : step
                for offset in 0..<2 {
                    let column = right - offset
                    guard !function[row * size + column] else { continue }
                    if index < total {
                        self[row, column] = (codewords[index >> 3] >> (7 - UInt8(index & 7))) & 1 == 1
                        index += 1
                    }
                }
            }
            right -= 2
        }
    }

    mutating func apply(mask: Int) {
        for row in 0..<size {
            for column in 0..<size where !function[row * size + column] {
                let flip: Bool
                switch mask {
                case 0: flip = (row + column) % 2 == 0
                case 1: flip = row % 2 == 0
                case 2: flip = column % 3 == 0
                case 3: flip = (row + column) % 3 == 0
                case 4: flip = (row / 2 + column / 3) % 2 == 0
                case 5: flip = (row * column) % 2 + (row * column) % 3 == 0
                case 6: flip = ((row * column) % 2 + (row * column) % 3) % 2 == 0
                default: flip = ((row + column) % 2 + (row * column) % 3) % 2 == 0
                }
                if flip { self[row, column].toggle() }
            }
        }
    }

    /// The standard's four penalty rules: runs, 2×2 blocks, finder-like patterns, balance.
    func penalty() -> Int {
        var total = 0
        func lines(_ byRow: Bool) -> [[Bool]] {
            (0..<size).map { a in (0..<size).map { b in byRow ? self[a, b] : self[b, a] } }
        }
        let finderLike: [[Bool]] = [
            [true, false, true, true, true, false, true, false, false, false, false],
            [false, false, false, false, true, false, true, true, true, false, true],
        ]
        for line in lines(true) + lines(false) {
            var run = 1
            for index in 1..<line.count {
                if line[index] == line[index - 1] {
                    run += 1
                } else {
                    if run >= 5 { total += 3 + run - 5 }
                    run = 1
                }
            }
            if run >= 5 { total += 3 + run - 5 }
            if line.count >= 11 {
                for start in 0...(line.count - 11) where finderLike.contains(where: { Array(line[start..<(start + 11)]) == $0 }) {
                    total += 40
                }
            }
        }
        for row in 0..<(size - 1) {
            for column in 0..<(size - 1) {
                let colour = self[row, column]
                if self[row, column + 1] == colour && self[row + 1, column] == colour && self[row + 1, column + 1] == colour { total += 3 }
            }
        }
        let darkCount = dark.filter { $0 }.count
        let percent = darkCount * 100 / (size * size)
        total += 10 * (abs(percent - 50) / 5)
        return total
    }
}
