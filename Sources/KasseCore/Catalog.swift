/// The shop's products, indexed for lookup by GTIN, by SKU and by name.
///
/// Built once at start; lookups never allocate more than their result.
public struct Catalog: Sendable {
    public let products: [Product]
    private let byGTIN: [String: Int]
    private let bySKU: [String: Int]
    private let foldedNames: [[UInt8]]

    public init(products: [Product]) {
        self.products = products
        var byGTIN: [String: Int] = [:]
        var bySKU: [String: Int] = [:]
        byGTIN.reserveCapacity(products.count)
        bySKU.reserveCapacity(products.count)
        for (index, product) in products.enumerated() {
            if let gtin = product.gtin, byGTIN[gtin.gtin14] == nil { byGTIN[gtin.gtin14] = index }
            let key = product.sku.asciiLowercased()
            if bySKU[key] == nil { bySKU[key] = index }
        }
        self.byGTIN = byGTIN
        self.bySKU = bySKU
        self.foldedNames = products.map { TextFolding.fold($0.name) }
    }

    public var count: Int { products.count }

    public func product(gtin: GTIN) -> Product? {
        byGTIN[gtin.gtin14].map { products[$0] }
    }

    /// SKUs are matched without regard to case.
    public func product(sku: String) -> Product? {
        bySKU[sku.trimmingSpaces().asciiLowercased()].map { products[$0] }
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
        let first = words[0]
        for (index, name) in foldedNames.enumerated() {
            var all = true
            var firstPosition = -1
            for (wordIndex, word) in words.enumerated() {
                let position = Catalog.find(word, in: name)
                if position < 0 { all = false; break }
                if wordIndex == 0 { firstPosition = position }
            }
            guard all else { continue }
            if firstPosition == 0 {
                prefix.append(index)
                if prefix.count >= limit { break }
            } else if Catalog.startsWord(first, in: name) {
                if wordStart.count < limit { wordStart.append(index) }
            } else if other.count < limit {
                other.append(index)
            }
        }
        return (prefix + wordStart + other).prefix(limit).map { products[$0] }
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int {
        let n = needle.count
        let h = haystack.count
        guard n <= h else { return -1 }
        if n == 0 { return 0 }
        return needle.withUnsafeBufferPointer { needleBuffer in
            haystack.withUnsafeBufferPointer { hay in
                let firstByte = needleBuffer[0]
                var i = 0
                let last = h - n
                while i <= last {
                    if hay[i] == firstByte {
                        var j = 1
                        while j < n && hay[i + j] == needleBuffer[j] { j += 1 }
                        if j == n { return i }
                    }
                    i += 1
                }
                return -1
            }
        }
    }

    static func startsWord(_ needle: [UInt8], in haystack: [UInt8]) -> Bool {
        var start = 0
        while start < haystack.count {
            let rest = haystack[start...]
            if rest.starts(with: needle) { return true }
            guard let space = rest.firstIndex(where: { $0 == 32 || $0 == 45 || $0 == 47 }) else { return false }
            start = space + 1
        }
        return false
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
