/// The shop's products, indexed for lookup by GTIN, by SKU and by name.
///
/// Stored in columns rather than as an array of `Product` values, so that a catalog of
/// 100 000 products costs under 10 MB and loads in a few tens of milliseconds: the SKU and
/// name of every product sit end to end in one byte buffer (followed by the search-folded
/// name only when the name is not plain ASCII; plain names are lowercased while searching),
/// GTINs are 64-bit numbers, and the two indexes are open-addressing tables of 32-bit row
/// numbers. `Product` values are made on demand for the few rows a screen shows.
public struct Catalog: Sendable {
    /// Per product: SKU, name, and the folded name when it is not the lowercased name.
    fileprivate let text: [UInt8]
    /// Per product where its bytes start in `text`, plus one final end.
    fileprivate let starts: [UInt32]
    fileprivate let skuLengths: [UInt8]
    fileprivate let nameLengths: [UInt16]
    /// GTIN-14 as a number; `gtinDigits` is 0 when the product has none.
    fileprivate let gtins: [UInt64]
    /// How many digits the GTIN was written with (8, 12, 13 or 14).
    fileprivate let gtinDigits: [UInt8]
    fileprivate let prices: [Int32]
    fileprivate let rates: [UInt16]
    fileprivate let weighed: [Bool]
    private let skuIndex: RowTable
    private let gtinIndex: RowTable

    public init(products: some Sequence<Product>) {
        var builder = Builder()
        for product in products { _ = builder.add(product) }
        self = builder.build()
    }

    fileprivate init(builder: Builder) {
        text = builder.text.compacted()
        var starts = builder.starts
        starts.append(UInt32(builder.text.count))
        self.starts = starts.compacted()
        skuLengths = builder.skuLengths.compacted()
        nameLengths = builder.nameLengths.compacted()
        gtins = builder.gtins.compacted()
        gtinDigits = builder.gtinDigits.compacted()
        prices = builder.prices.compacted()
        rates = builder.rates.compacted()
        weighed = builder.weighed.compacted()
        skuIndex = builder.skuIndex
        gtinIndex = builder.gtinIndex
    }

    public var count: Int { prices.count }

    /// Every product, in catalog order, made as it is read.
    public var products: Products { Products(catalog: self) }

    public struct Products: RandomAccessCollection, Sendable {
        let catalog: Catalog
        public var startIndex: Int { 0 }
        public var endIndex: Int { catalog.count }
        public subscript(position: Int) -> Product { catalog.product(at: position) }
    }

    fileprivate func skuRange(_ row: Int) -> Range<Int> {
        let start = Int(starts[row])
        return start..<(start + Int(skuLengths[row]))
    }

    fileprivate func nameRange(_ row: Int) -> Range<Int> {
        let start = Int(starts[row]) + Int(skuLengths[row])
        return start..<(start + Int(nameLengths[row]))
    }

    public func product(at row: Int) -> Product {
        let gtin: GTIN? = gtinDigits[row] == 0 ? nil : GTIN(validatedValue: gtins[row], digits: Int(gtinDigits[row]))
        return Product(
            sku: String(decoding: text[skuRange(row)], as: UTF8.self), gtin: gtin,
            name: String(decoding: text[nameRange(row)], as: UTF8.self), unitPrice: Int(prices[row]),
            vatRate: VATRate(Int(rates[row])), unit: weighed[row] ? .kilogram : .piece)
    }

    public func product(gtin: GTIN) -> Product? {
        let value = gtin.value
        let row = gtinIndex.find(hash: RowTable.hash(value)) { gtinDigits[$0] != 0 && gtins[$0] == value }
        return row.map(product(at:))
    }

    /// SKUs are matched without regard to ASCII case.
    public func product(sku: String) -> Product? {
        var sku = sku.trimmingSpaces()
        return sku.withUTF8 { key in
            let row = skuIndex.find(hash: RowTable.hash(skuKey: key)) { row in
                text.withUnsafeBufferPointer { buffer in
                    RowTable.sameSKU(UnsafeBufferPointer(rebasing: buffer[skuRange(row)]), key)
                }
            }
            return row.map(product(at:))
        }
    }

    /// Looks up what a cashier typed or a scanner read: a GTIN or a SKU.
    ///
    /// A SKU that happens to be all digits wins over a GTIN reading of the same text. Text
    /// with the shape of a GTIN whose check digit is wrong, and that is no SKU, is reported
    /// as a bad check digit, so the cashier knows to rescan rather than look for the product.
    public func lookup(code: String) -> Result<Product, LookupError> {
        let code = code.trimmingSpaces()
        guard !code.isEmpty else { return .failure(.empty) }
        if let product = product(sku: code) { return .success(product) }
        if GTIN.looksLikeGTIN(code) {
            do {
                let gtin = try GTIN(code)
                if let product = product(gtin: gtin) { return .success(product) }
                return .failure(.unknownGTIN(gtin))
            } catch {
                return .failure(.invalidGTIN(error))
            }
        }
        return .failure(.unknownCode(code))
    }

    /// Products whose name contains every word of the query, case- and accent-insensitively.
    ///
    /// Names that start with the query come first, then names with a word starting with the
    /// first query word, then the rest, each group in catalog order.
    public func search(name query: String, limit: Int = 50) -> [Product] {
        let words = TextFolding.fold(query).split(separator: 32).map(Array.init)
        guard !words.isEmpty, limit > 0 else { return [] }
        var prefix: [Int] = []
        var wordStart: [Int] = []
        var other: [Int] = []
        text.withUnsafeBufferPointer { text in
            starts.withUnsafeBufferPointer { starts in
                for row in 0..<count {
                    // The folded name when one is stored, else the plain name lowercased on the fly.
                    let nameStart = Int(starts[row]) + Int(skuLengths[row])
                    let nameEnd = nameStart + Int(nameLengths[row])
                    let nextStart = Int(starts[row + 1])
                    let lowering = nextStart == nameEnd
                    let name = UnsafeBufferPointer(rebasing: text[(lowering ? nameStart : nameEnd)..<nextStart])
                    var all = true
                    var firstPosition = -1
                    for (wordIndex, word) in words.enumerated() {
                        let position = word.withUnsafeBufferPointer { Catalog.find($0, in: name, lowering: lowering) }
                        if position < 0 { all = false; break }
                        if wordIndex == 0 { firstPosition = position }
                    }
                    guard all else { continue }
                    if firstPosition == 0 {
                        prefix.append(row)
                        if prefix.count >= limit { break }
                    } else if words[0].withUnsafeBufferPointer({ Catalog.startsWord($0, in: name, lowering: lowering) }) {
                        if wordStart.count < limit { wordStart.append(row) }
                    } else if other.count < limit {
                        other.append(row)
                    }
                }
            }
        }
        return (prefix + wordStart + other).prefix(limit).map(product(at:))
    }

    @inline(__always)
    private static func byte(_ hay: UnsafeBufferPointer<UInt8>, _ index: Int, lowering: Bool) -> UInt8 {
        let byte = hay[index]
        return lowering && byte >= 65 && byte <= 90 ? byte + 32 : byte
    }

    /// Where a folded needle first occurs; `lowering` lowercases ASCII letters of the haystack.
    static func find(_ needle: UnsafeBufferPointer<UInt8>, in hay: UnsafeBufferPointer<UInt8>, lowering: Bool) -> Int {
        let n = needle.count
        let h = hay.count
        guard n <= h else { return -1 }
        if n == 0 { return 0 }
        let firstByte = needle[0]
        var i = 0
        let last = h - n
        while i <= last {
            if byte(hay, i, lowering: lowering) == firstByte {
                var j = 1
                while j < n && byte(hay, i + j, lowering: lowering) == needle[j] { j += 1 }
                if j == n { return i }
            }
            i += 1
        }
        return -1
    }

    static func startsWord(_ needle: UnsafeBufferPointer<UInt8>, in hay: UnsafeBufferPointer<UInt8>, lowering: Bool) -> Bool {
        var start = 0
        while start < hay.count {
            if hay.count - start >= needle.count,
               (0..<needle.count).allSatisfy({ byte(hay, start + $0, lowering: lowering) == needle[$0] }) {
                return true
            }
            var next = start
            while next < hay.count, hay[next] != 32, hay[next] != 45, hay[next] != 47 { next += 1 }
            if next == hay.count { return false }
            start = next + 1
        }
        return false
    }

    /// Collects products row by row; refuses a second product with the same SKU or GTIN.
    public struct Builder: Sendable {
        fileprivate var text: [UInt8] = []
        fileprivate var starts: [UInt32] = []
        fileprivate var skuLengths: [UInt8] = []
        fileprivate var nameLengths: [UInt16] = []
        fileprivate var gtins: [UInt64] = []
        fileprivate var gtinDigits: [UInt8] = []
        fileprivate var prices: [Int32] = []
        fileprivate var rates: [UInt16] = []
        fileprivate var weighed: [Bool] = []
        fileprivate var skuIndex = RowTable()
        fileprivate var gtinIndex = RowTable()

        public enum Outcome: Sendable, Equatable {
            case added
            case duplicateSKU
            case duplicateGTIN
            /// A SKU over 255 or a name over 65 535 bytes, or a price over 2^31 − 1 minor units.
            case tooLarge
        }

        public static let maximumSKUBytes = Int(UInt8.max)
        public static let maximumNameBytes = Int(UInt16.max)
        public static let maximumUnitPrice = Int(Int32.max)

        public init(expectedCount: Int = 0, expectedTextBytes: Int = 0) {
            text.reserveCapacity(expectedTextBytes)
            starts.reserveCapacity(expectedCount + 1)
            skuLengths.reserveCapacity(expectedCount)
            nameLengths.reserveCapacity(expectedCount)
            gtins.reserveCapacity(expectedCount)
            gtinDigits.reserveCapacity(expectedCount)
            prices.reserveCapacity(expectedCount)
            rates.reserveCapacity(expectedCount)
            weighed.reserveCapacity(expectedCount)
            skuIndex = RowTable(expectedCount: expectedCount)
            gtinIndex = RowTable(expectedCount: expectedCount)
        }

        public var count: Int { prices.count }

        public mutating func add(_ product: Product) -> Outcome {
            var sku = product.sku, name = product.name
            return sku.withUTF8 { sku in
                name.withUTF8 { name in
                    add(sku: sku, gtin: product.gtin, name: name, unitPrice: product.unitPrice,
                        vatRate: product.vatRate, unit: product.unit)
                }
            }
        }

        /// `name` must be valid UTF-8 (the CSV reader repairs it first).
        public mutating func add(
            sku: UnsafeBufferPointer<UInt8>, gtin: GTIN?, name: UnsafeBufferPointer<UInt8>, unitPrice: Int,
            vatRate: VATRate, unit: SaleUnit
        ) -> Outcome {
            let row = count
            guard sku.count <= Self.maximumSKUBytes, name.count <= Self.maximumNameBytes, unitPrice <= Self.maximumUnitPrice,
                  unitPrice >= 0
            else { return .tooLarge }
            let skuHash = RowTable.hash(skuKey: sku)
            let existingSKU = text.withUnsafeBufferPointer { buffer in
                skuIndex.find(hash: skuHash) { other in
                    let start = Int(starts[other])
                    return RowTable.sameSKU(UnsafeBufferPointer(rebasing: buffer[start..<(start + Int(skuLengths[other]))]), sku)
                }
            }
            if existingSKU != nil { return .duplicateSKU }
            var gtinHash = 0
            if let gtin {
                let value = gtin.value
                gtinHash = RowTable.hash(value)
                if gtinIndex.find(hash: gtinHash, where: { gtinDigits[$0] != 0 && gtins[$0] == value }) != nil {
                    return .duplicateGTIN
                }
            }
            starts.append(UInt32(text.count))
            text.append(contentsOf: sku)
            text.append(contentsOf: name)
            skuLengths.append(UInt8(sku.count))
            nameLengths.append(UInt16(name.count))
            if !name.allSatisfy({ $0 < 0x80 }) { TextFolding.fold(utf8: name, into: &text) }
            gtins.append(gtin?.value ?? 0)
            gtinDigits.append(UInt8(gtin?.original.utf8.count ?? 0))
            prices.append(Int32(unitPrice))
            rates.append(UInt16(clamping: vatRate.basisPoints))
            weighed.append(unit == .kilogram)
            let allText = text, allStarts = starts, allSKULengths = skuLengths, allGTINs = gtins
            skuIndex.insert(row: row, hash: skuHash) { other in
                allText.withUnsafeBufferPointer { buffer in
                    let start = Int(allStarts[other])
                    return RowTable.hash(skuKey: UnsafeBufferPointer(rebasing: buffer[start..<(start + Int(allSKULengths[other]))]))
                }
            }
            if gtin != nil { gtinIndex.insert(row: row, hash: gtinHash) { RowTable.hash(allGTINs[$0]) } }
            return .added
        }

        public func build() -> Catalog { Catalog(builder: self) }
    }
}

/// An open-addressing hash table of row numbers (linear probing, at most 80 % full); the
/// caller keeps the keys, says whether a row matches, and gives a row's hash when it grows.
struct RowTable: Sendable {
    private var slots: [Int32]
    private var used = 0

    init(expectedCount: Int = 0) {
        var capacity = 16
        while 4 * capacity < 5 * expectedCount { capacity *= 2 }
        slots = Array(repeating: -1, count: capacity)
    }

    func find(hash: Int, where matches: (Int) -> Bool) -> Int? {
        let mask = slots.count - 1
        var slot = hash & mask
        while true {
            let row = slots[slot]
            if row < 0 { return nil }
            if matches(Int(row)) { return Int(row) }
            slot = (slot + 1) & mask
        }
    }

    mutating func insert(row: Int, hash: Int, hashOf: (Int) -> Int) {
        if 5 * (used + 1) > 4 * slots.count {
            let rows = slots.filter { $0 >= 0 }
            slots = Array(repeating: -1, count: slots.count * 2)
            for old in rows { place(row: Int(old), hash: hashOf(Int(old))) }
        }
        place(row: row, hash: hash)
        used += 1
    }

    private mutating func place(row: Int, hash: Int) {
        let mask = slots.count - 1
        var slot = hash & mask
        while slots[slot] >= 0 { slot = (slot + 1) & mask }
        slots[slot] = Int32(row)
    }

    static func hash(_ value: UInt64) -> Int {
        Int(truncatingIfNeeded: (value &* 0x9E37_79B9_7F4A_7C15) >> 20)
    }

    /// FNV-1a over the ASCII-lowercased bytes.
    static func hash(skuKey bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte >= 65 && byte <= 90 ? byte + 32 : byte)) &* 0x100_0000_01b3
        }
        return Int(truncatingIfNeeded: hash ^ (hash >> 29))
    }

    static func sameSKU(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        for index in 0..<a.count {
            let x = a[index], y = b[index]
            if x == y { continue }
            // Equal but for the case bit, and a letter.
            let lower = x | 0x20
            guard lower == y | 0x20, lower >= 97, lower <= 122 else { return false }
        }
        return true
    }
}

extension Array {
    /// The same elements in a buffer of exactly their size, so a grown array gives back its slack.
    func compacted() -> [Element] {
        guard capacity > count + count / 64 + 16 else { return self }
        return [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            _ = buffer.initialize(from: self)
            initialized = count
        }
    }
}

public enum LookupError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case invalidGTIN(GTINError)
    case unknownGTIN(GTIN)
    case unknownCode(String)

    public var description: String {
        switch self {
        case .empty: "Type or scan a barcode, a product number or a name"
        case .invalidGTIN(let error): error.description
        case .unknownGTIN(let gtin): "No product has barcode \(gtin.original)"
        case .unknownCode(let code): "No product has the number \(code)"
        }
    }
}

extension String {
    /// Lowercases ASCII letters quickly; anything else goes through the full Unicode rules.
    func asciiLowercased() -> String {
        guard utf8.allSatisfy({ $0 < 128 }) else { return lowercased() }
        guard utf8.contains(where: { $0 >= 65 && $0 <= 90 }) else { return self }
        return String(decoding: utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self)
    }
}
