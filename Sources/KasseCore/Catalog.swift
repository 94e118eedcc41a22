/// The shop's products, indexed for lookup by GTIN, by SKU and by name.
///
/// Stored in columns rather than as an array of `Product` values, so that a catalog of
/// 100 000 products costs a few megabytes and loads in a few tens of milliseconds:
///
/// - names are lists of word numbers into one dictionary of distinct words (a shop's
///   100 000 names use far fewer distinct words), each word kept once as written and once
///   folded for search; a name's words are LEB128 numbers after its SKU in one byte buffer;
/// - GTINs are 64-bit numbers (with the digit count in the top bits), prices 32-bit;
/// - the SKU and GTIN indexes are open-addressing tables of 32-bit row numbers.
///
/// `Product` values are made on demand for the few rows a screen shows. Whitespace inside a
/// name is kept as single spaces.
public struct Catalog: Sendable {
    /// Per product: its SKU, then the numbers of its name's words.
    fileprivate let text: [UInt8]
    /// Per product where its bytes start in `text`, plus one final end.
    fileprivate let starts: [UInt32]
    fileprivate let skuLengths: [UInt8]
    fileprivate let words: WordTable
    /// GTIN-14 value in the low 56 bits, digits as written (8, 12, 13, 14) in the top 8; 0: none.
    fileprivate let gtins: [UInt64]
    fileprivate let prices: [Int32]
    fileprivate let rates: [UInt16]
    fileprivate let weighed: [Bool]
    /// Article group codes (4006 for `04006`).
    fileprivate let groups: [UInt16]
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
        words = builder.words.finished()
        gtins = builder.gtins.compacted()
        prices = builder.prices.compacted()
        rates = builder.rates.compacted()
        weighed = builder.weighed.compacted()
        groups = builder.groups.compacted()
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

    fileprivate static let digitShift: UInt64 = 56
    fileprivate static let valueMask: UInt64 = (1 << 56) - 1

    public func product(at row: Int) -> Product {
        let packed = gtins[row]
        let digits = Int(packed >> Self.digitShift)
        let gtin: GTIN? = digits == 0 ? nil : GTIN(validatedValue: packed & Self.valueMask, digits: digits)
        var name: [UInt8] = []
        var index = skuRange(row).upperBound
        let end = Int(starts[row + 1])
        while index < end {
            let word = Self.readNumber(text, &index)
            if !name.isEmpty { name.append(32) }
            name.append(contentsOf: words.original(word))
        }
        return Product(
            sku: String(decoding: text[skuRange(row)], as: UTF8.self), gtin: gtin,
            name: String(decoding: name, as: UTF8.self), unitPrice: Int(prices[row]),
            vatRate: VATRate(Int(rates[row])), unit: weighed[row] ? .kilogram : .piece,
            articleGroup: ArticleGroup(code: Int(groups[row])) ?? .saleOfGoods)
    }

    @inline(__always)
    fileprivate static func readNumber(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> Int {
        var value = 0
        var shift = 0
        while true {
            let byte = bytes[index]
            index += 1
            value |= Int(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }

    fileprivate static func readNumber(_ bytes: [UInt8], _ index: inout Int) -> Int {
        bytes.withUnsafeBufferPointer { readNumber($0, &index) }
    }

    public func product(gtin: GTIN) -> Product? {
        let value = gtin.value
        let row = gtinIndex.find(hash: RowTable.hash(value)) { gtins[$0] != 0 && gtins[$0] & Self.valueMask == value }
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
    ///
    /// A query word has no spaces, so it can only match inside one word of a name: each query
    /// word is matched once against the dictionary, then names are checked by word number.
    public func search(name query: String, limit: Int = 50) -> [Product] {
        let queryWords = TextFolding.fold(query).split(separator: 32).map(Array.init)
        guard !queryWords.isEmpty, limit > 0 else { return [] }
        // Per query word, per dictionary word: bit 0 contains, bit 1 starts with, bit 2 a part
        // (after '-' or '/') starts with.
        let matches = queryWords.map { words.matches($0) }
        var prefix: [Int] = []
        var wordStart: [Int] = []
        var other: [Int] = []
        var found = [Bool](repeating: false, count: queryWords.count)
        text.withUnsafeBufferPointer { text in
            starts.withUnsafeBufferPointer { starts in
                for row in 0..<count {
                    var index = Int(starts[row]) + Int(skuLengths[row])
                    let end = Int(starts[row + 1])
                    for i in found.indices { found[i] = false }
                    var firstIsPrefix = false
                    var startsAWord = false
                    var first = true
                    while index < end {
                        let word = Self.readNumber(text, &index)
                        for (i, match) in matches.enumerated() where match[word] & 1 != 0 {
                            found[i] = true
                        }
                        let flags = matches[0][word]
                        if first && flags & 2 != 0 { firstIsPrefix = true }
                        if flags & 4 != 0 { startsAWord = true }
                        first = false
                    }
                    guard !found.contains(false) else { continue }
                    if firstIsPrefix {
                        prefix.append(row)
                        if prefix.count >= limit { break }
                    } else if startsAWord {
                        if wordStart.count < limit { wordStart.append(row) }
                    } else if other.count < limit {
                        other.append(row)
                    }
                }
            }
        }
        return (prefix + wordStart + other).prefix(limit).map(product(at:))
    }

    /// Collects products row by row; refuses a second product with the same SKU or GTIN.
    public struct Builder: Sendable {
        fileprivate var text: [UInt8] = []
        fileprivate var starts: [UInt32] = []
        fileprivate var skuLengths: [UInt8] = []
        fileprivate var words = WordTable.Builder()
        fileprivate var gtins: [UInt64] = []
        fileprivate var prices: [Int32] = []
        fileprivate var rates: [UInt16] = []
        fileprivate var weighed: [Bool] = []
        fileprivate var groups: [UInt16] = []
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
            text.reserveCapacity(expectedTextBytes / 4)
            starts.reserveCapacity(expectedCount + 1)
            skuLengths.reserveCapacity(expectedCount)
            gtins.reserveCapacity(expectedCount)
            prices.reserveCapacity(expectedCount)
            rates.reserveCapacity(expectedCount)
            weighed.reserveCapacity(expectedCount)
            groups.reserveCapacity(expectedCount)
            skuIndex = RowTable(expectedCount: expectedCount)
            gtinIndex = RowTable(expectedCount: expectedCount)
        }

        public var count: Int { prices.count }

        public mutating func add(_ product: Product) -> Outcome {
            var sku = product.sku, name = product.name
            return sku.withUTF8 { sku in
                name.withUTF8 { name in
                    add(sku: sku, gtin: product.gtin, name: name, unitPrice: product.unitPrice,
                        vatRate: product.vatRate, unit: product.unit, articleGroup: product.articleGroup)
                }
            }
        }

        /// `name` must be valid UTF-8 (the CSV reader repairs it first).
        public mutating func add(
            sku: UnsafeBufferPointer<UInt8>, gtin: GTIN?, name: UnsafeBufferPointer<UInt8>, unitPrice: Int,
            vatRate: VATRate, unit: SaleUnit, articleGroup: ArticleGroup = .saleOfGoods
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
                if gtinIndex.find(hash: gtinHash, where: { gtins[$0] != 0 && gtins[$0] & Catalog.valueMask == value }) != nil {
                    return .duplicateGTIN
                }
            }
            starts.append(UInt32(text.count))
            text.append(contentsOf: sku)
            skuLengths.append(UInt8(sku.count))
            var wordStart = -1
            for index in 0...name.count {
                let isSpace = index == name.count || name[index] == 32 || name[index] == 9
                if isSpace {
                    if wordStart >= 0 {
                        let number = words.intern(UnsafeBufferPointer(rebasing: name[wordStart..<index]))
                        Catalog.appendNumber(number, to: &text)
                        wordStart = -1
                    }
                } else if wordStart < 0 {
                    wordStart = index
                }
            }
            gtins.append(gtin.map { $0.value | UInt64($0.original.utf8.count) << Catalog.digitShift } ?? 0)
            prices.append(Int32(unitPrice))
            rates.append(UInt16(clamping: vatRate.basisPoints))
            weighed.append(unit == .kilogram)
            groups.append(UInt16(articleGroup.code))
            let allText = text, allStarts = starts, allSKULengths = skuLengths, allGTINs = gtins
            skuIndex.insert(row: row, hash: skuHash) { other in
                allText.withUnsafeBufferPointer { buffer in
                    let start = Int(allStarts[other])
                    return RowTable.hash(skuKey: UnsafeBufferPointer(rebasing: buffer[start..<(start + Int(allSKULengths[other]))]))
                }
            }
            if gtin != nil { gtinIndex.insert(row: row, hash: gtinHash) { RowTable.hash(allGTINs[$0] & Catalog.valueMask) } }
            return .added
        }

        public func build() -> Catalog { Catalog(builder: self) }
    }

    fileprivate static func appendNumber(_ value: Int, to bytes: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }
}

/// The distinct words of all names, each as written and folded for search.
struct WordTable: Sendable {
    fileprivate var original: [UInt8] = []
    fileprivate var originalStarts: [UInt32] = [0]
    fileprivate var folded: [UInt8] = []
    fileprivate var foldedStarts: [UInt32] = [0]

    var count: Int { originalStarts.count - 1 }

    func original(_ word: Int) -> ArraySlice<UInt8> {
        original[Int(originalStarts[word])..<Int(originalStarts[word + 1])]
    }

    /// Per word: bit 0 the folded query word occurs in it, bit 1 it starts with it, bit 2 it
    /// or a part of it after '-' or '/' starts with it.
    func matches(_ needle: [UInt8]) -> [UInt8] {
        var flags = [UInt8](repeating: 0, count: count)
        needle.withUnsafeBufferPointer { needle in
            folded.withUnsafeBufferPointer { folded in
                for word in 0..<count {
                    let hay = UnsafeBufferPointer(rebasing: folded[Int(foldedStarts[word])..<Int(foldedStarts[word + 1])])
                    let position = Self.find(needle, in: hay)
                    guard position >= 0 else { continue }
                    var value: UInt8 = 1
                    if position == 0 { value |= 6 } else if Self.startsPart(needle, in: hay) { value |= 4 }
                    flags[word] = value
                }
            }
        }
        return flags
    }

    static func find(_ needle: UnsafeBufferPointer<UInt8>, in hay: UnsafeBufferPointer<UInt8>) -> Int {
        let n = needle.count, h = hay.count
        guard n <= h else { return -1 }
        if n == 0 { return 0 }
        var i = 0
        while i <= h - n {
            if hay[i] == needle[0] {
                var j = 1
                while j < n && hay[i + j] == needle[j] { j += 1 }
                if j == n { return i }
            }
            i += 1
        }
        return -1
    }

    static func startsPart(_ needle: UnsafeBufferPointer<UInt8>, in hay: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        while index < hay.count {
            if hay[index] == 45 || hay[index] == 47 {
                let start = index + 1
                if hay.count - start >= needle.count, (0..<needle.count).allSatisfy({ hay[start + $0] == needle[$0] }) { return true }
            }
            index += 1
        }
        return false
    }

    struct Builder: Sendable {
        var table = WordTable()
        /// Word numbers by the hash of their bytes (the builder only; dropped when built).
        var index = RowTable()

        static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            return Int(truncatingIfNeeded: hash ^ (hash >> 29))
        }

        mutating func intern(_ word: UnsafeBufferPointer<UInt8>) -> Int {
            let hash = Self.hash(word)
            let table = self.table
            let existing = table.original.withUnsafeBufferPointer { original in
                index.find(hash: hash) { number in
                    let start = Int(table.originalStarts[number]), end = Int(table.originalStarts[number + 1])
                    return end - start == word.count && (0..<word.count).allSatisfy { original[start + $0] == word[$0] }
                }
            }
            if let existing { return existing }
            let number = table.count
            self.table.original.append(contentsOf: word)
            self.table.originalStarts.append(UInt32(self.table.original.count))
            TextFolding.fold(utf8: word, into: &self.table.folded)
            self.table.foldedStarts.append(UInt32(self.table.folded.count))
            let words = self.table
            index.insert(row: number, hash: hash) { other in
                words.original.withUnsafeBufferPointer { original in
                    Self.hash(UnsafeBufferPointer(rebasing: original[Int(words.originalStarts[other])..<Int(words.originalStarts[other + 1])]))
                }
            }
            return number
        }

        func finished() -> WordTable {
            var table = self.table
            table.original = table.original.compacted()
            table.folded = table.folded.compacted()
            table.originalStarts = table.originalStarts.compacted()
            table.foldedStarts = table.foldedStarts.compacted()
            return table
        }
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
