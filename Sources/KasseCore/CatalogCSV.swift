/// Reads the catalog format of `assets/catalog.csv`:
///
/// ```
/// sku,gtin,name,unit_price,vat_rate,unit
/// 1001,7038010009457,Lettmelk 1 l,2490,1500,PCS
/// ```
///
/// `unit_price` is VAT-inclusive in minor units (per kilogram for `KG`), `vat_rate` in basis
/// points, `gtin` may be empty. An optional seventh column, `article_group`, names the
/// product's main group by its SAF-T code (`04006` Food; empty or absent: `04003` Sale of goods). Fields may be quoted (`"Kjeks, salte"`). A line with a mistake
/// is skipped and reported with its line number; the rest of the catalog still loads.
public enum CatalogCSV {
    public static let header = ["sku", "gtin", "name", "unit_price", "vat_rate", "unit"]
    /// The header with the optional article group column.
    public static let headerWithGroup = header + ["article_group"]

    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var message: String

        public var description: String { "line \(line): \(message)" }
    }

    public struct Result: Sendable {
        public var catalog: Catalog
        public var problems: [Problem]
    }

    /// Parses the whole file. `market`, when given, also checks each VAT rate against the
    /// rates in force there.
    public static func parse(_ text: String, market: Market? = nil) -> Result {
        var text = text
        return text.withUTF8 { parse(bytes: $0, market: market) }
    }

    /// Parses the file's bytes (UTF-8, with or without a byte-order mark).
    ///
    /// Bytes, not Characters, and no String per field: grapheme breaking and hundreds of
    /// thousands of small allocations are what would make loading a large catalog slow.
    public static func parse(bytes: UnsafeBufferPointer<UInt8>, market: Market? = nil) -> Result {
        var problems: [Problem] = []
        // About one product per 45 bytes; the builder's columns are trimmed when built.
        var builder = Catalog.Builder(expectedCount: bytes.count / 45, expectedTextBytes: bytes.count)
        var lineNumber = 0
        var sawHeader = false
        var fields = FieldBuffer()
        var lineStart = 0
        while lineStart < bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count && bytes[lineEnd] != 10 { lineEnd += 1 }
            defer { lineStart = lineEnd + 1 }
            lineNumber += 1
            var end = lineEnd
            if end > lineStart && bytes[end - 1] == 13 { end -= 1 }
            var start = lineStart
            if lineNumber == 1 && end - start >= 3 && bytes[start] == 0xEF && bytes[start + 1] == 0xBB && bytes[start + 2] == 0xBF {
                start += 3
            }
            let line = UnsafeBufferPointer(rebasing: bytes[start..<end])
            if line.allSatisfy({ $0 == 32 || $0 == 9 }) || line.first == UInt8(ascii: "#") { continue }
            if let message = fields.split(line) {
                problems.append(Problem(line: lineNumber, message: message))
                continue
            }
            if !sawHeader {
                sawHeader = true
                let names = (0..<fields.count).map { fields.string($0).trimmingSpaces().lowercased() }
                if names == header || names == headerWithGroup { continue }
                if names.first == "sku" {
                    problems.append(Problem(
                        line: lineNumber,
                        message: "the header must be \(header.joined(separator: ",")) (and optionally ,article_group), "
                            + "found \(names.joined(separator: ","))"))
                    return Result(catalog: Catalog(products: []), problems: problems)
                }
                // No header: treat the first line as data.
            }
            if let message = addProduct(fields, to: &builder, market: market) {
                problems.append(Problem(line: lineNumber, message: message))
            }
        }
        return Result(catalog: builder.build(), problems: problems)
    }

    /// Checks one line's fields and adds its product; the problem, if any.
    private static func addProduct(_ fields: FieldBuffer, to builder: inout Catalog.Builder, market: Market?) -> String? {
        guard fields.count == header.count || fields.count == headerWithGroup.count else {
            return "expected \(header.count) fields (\(header.joined(separator: ","))) or \(headerWithGroup.count) with article_group, "
                + "found \(fields.count)"
        }
        return fields.withTrimmedFields { sku, gtinBytes, name, price, rate, unitBytes, groupBytes in
            guard !sku.isEmpty else { return "sku is empty" }
            let skuIsPlain = sku.allSatisfy { $0 > 32 && $0 < 128 }
            if !skuIsPlain {
                let text = String(decoding: sku, as: UTF8.self)
                guard text.count <= 40, !text.contains(where: { $0.isWhitespace }) else {
                    return "sku '\(text)' must be at most 40 characters without spaces"
                }
            } else if sku.count > 40 {
                return "sku '\(String(decoding: sku, as: UTF8.self))' must be at most 40 characters without spaces"
            }
            guard !name.isEmpty else { return "name is empty" }
            var gtin: GTIN?
            if !gtinBytes.isEmpty {
                let text = String(decoding: gtinBytes, as: UTF8.self)
                do {
                    gtin = try GTIN(text)
                } catch {
                    return "gtin '\(text)': \(error)"
                }
            }
            guard let unitPrice = wholeNumber(price) else {
                return "unit_price '\(String(decoding: price, as: UTF8.self))' must be a whole number of minor units (2990 for 29,90)"
            }
            guard let rateValue = wholeNumber(rate), let vatRate = try? VATRate.validated(rateValue) else {
                return "vat_rate '\(String(decoding: rate, as: UTF8.self))' must be basis points between 0 and 10000 (1500 for 15 %)"
            }
            if let market, !market.vatSchedule.isKnown(vatRate) {
                return "vat_rate \(rateValue) is not a VAT rate in \(market.displayName) "
                    + "(\(market.vatRates.map { String($0.basisPoints) }.joined(separator: ", ")))"
            }
            let unit: SaleUnit
            if equalsIgnoringCase(unitBytes, "pcs") {
                unit = .piece
            } else if equalsIgnoringCase(unitBytes, "kg") {
                unit = .kilogram
            } else {
                return "unit '\(String(decoding: unitBytes, as: UTF8.self))' must be PCS or KG"
            }
            var articleGroup = ArticleGroup.saleOfGoods
            if !groupBytes.isEmpty {
                let text = String(decoding: groupBytes, as: UTF8.self)
                guard let group = ArticleGroup(text) else {
                    return "article_group '\(text)' must be a SAF-T article group code such as 04006 (Food) or 04003 (Sale of goods)"
                }
                articleGroup = group
            }
            let outcome: Catalog.Builder.Outcome
            if name.allSatisfy({ $0 < 0x80 }) {
                outcome = builder.add(sku: sku, gtin: gtin, name: name, unitPrice: unitPrice, vatRate: vatRate, unit: unit,
                                      articleGroup: articleGroup)
            } else {
                // Repairs invalid UTF-8 once, so the stored name is what every screen shows.
                var repaired = String(decoding: name, as: UTF8.self)
                outcome = repaired.withUTF8 {
                    builder.add(sku: sku, gtin: gtin, name: $0, unitPrice: unitPrice, vatRate: vatRate, unit: unit, articleGroup: articleGroup)
                }
            }
            switch outcome {
            case .added: return nil
            case .duplicateSKU: return "sku '\(String(decoding: sku, as: UTF8.self))' appears twice; this line is skipped"
            case .duplicateGTIN: return "gtin \(gtin?.original ?? "") appears twice; this line is skipped"
            case .tooLarge:
                return unitPrice > Catalog.Builder.maximumUnitPrice
                    ? "unit_price \(unitPrice) is too large (at most \(Catalog.Builder.maximumUnitPrice) minor units)"
                    : "the name is too long (at most \(Catalog.Builder.maximumNameBytes) bytes)"
            }
        }
    }

    private static func wholeNumber(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 15, bytes.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return bytes.reduce(0) { $0 * 10 + Int($1 - 48) }
    }

    private static func equalsIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ word: StaticString) -> Bool {
        guard bytes.count == word.utf8CodeUnitCount else { return false }
        return word.withUTF8Buffer { word in zip(bytes, word).allSatisfy { ($0 | 0x20) == $1 } }
    }

    /// The fields of one line, unquoted, in one reused buffer.
    private struct FieldBuffer {
        var bytes: [UInt8] = []
        var bounds: [Int] = [0]
        var count: Int { bounds.count - 1 }

        func string(_ index: Int) -> String {
            String(decoding: bytes[bounds[index]..<bounds[index + 1]], as: UTF8.self)
        }

        /// The problem with the line, or nil when its fields are in the buffer.
        mutating func split(_ line: UnsafeBufferPointer<UInt8>) -> String? {
            bytes.removeAll(keepingCapacity: true)
            bounds.removeAll(keepingCapacity: true)
            bounds.append(0)
            let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ",")
            var inQuotes = false
            var fieldStart = 0
            var fieldStarted = false
            var index = 0
            while index < line.count {
                let byte = line[index]
                if inQuotes {
                    if byte == quote {
                        if index + 1 < line.count && line[index + 1] == quote {
                            bytes.append(quote)
                            index += 1
                        } else {
                            inQuotes = false
                        }
                    } else {
                        bytes.append(byte)
                    }
                } else if byte == comma {
                    bounds.append(bytes.count)
                    fieldStart = bytes.count
                    fieldStarted = false
                } else if byte == quote && !fieldStarted && bytes[fieldStart...].allSatisfy({ $0 == 32 }) {
                    inQuotes = true
                    bytes.removeSubrange(fieldStart...)
                    fieldStarted = true
                } else {
                    bytes.append(byte)
                    fieldStarted = true
                }
                index += 1
            }
            if inQuotes { return "a quoted field is not closed" }
            bounds.append(bytes.count)
            return nil
        }

        /// Six fields with surrounding whitespace trimmed.
        func withTrimmedFields<R>(
            _ body: (
                UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>,
                UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>
            ) -> R
        ) -> R {
            bytes.withUnsafeBufferPointer { all in
                func field(_ index: Int) -> UnsafeBufferPointer<UInt8> {
                    var start = bounds[index], end = bounds[index + 1]
                    while start < end, all[start] == 32 || (all[start] >= 9 && all[start] <= 13) { start += 1 }
                    while end > start, all[end - 1] == 32 || (all[end - 1] >= 9 && all[end - 1] <= 13) { end -= 1 }
                    // No-break and other Unicode spaces at the ends are rare: left for the checks to report.
                    return UnsafeBufferPointer(rebasing: all[start..<end])
                }
                let group = count > 6 ? field(6) : UnsafeBufferPointer(start: nil, count: 0)
                return body(field(0), field(1), field(2), field(3), field(4), field(5), group)
            }
        }
    }

    /// Writes products in the same format (used by the catalog generator).
    public static func line(for product: Product) -> String {
        [product.sku, product.gtin?.original ?? "", quote(product.name), String(product.unitPrice),
         String(product.vatRate.basisPoints), product.unit.rawValue, product.articleGroup.id].joined(separator: ",")
    }

    static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return field }
        return "\"" + field.replacingAll("\"", with: "\"\"") + "\""
    }

}

extension Substring {
    func trimmingCharacters(in set: String) -> Substring {
        var result = self
        while let first = result.first, set.contains(first) { result.removeFirst() }
        while let last = result.last, set.contains(last) { result.removeLast() }
        return result
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for character in self {
            if character == target { out += replacement } else { out.append(character) }
        }
        return out
    }
}
