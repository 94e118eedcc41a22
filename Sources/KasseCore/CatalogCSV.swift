/// Reads the catalog format of `assets/catalog.csv`:
///
/// ```
/// sku,gtin,name,unit_price,vat_rate,unit
/// 1001,7038010009457,Lettmelk 1 l,2490,1500,PCS
/// ```
///
/// `unit_price` is VAT-inclusive in minor units (per kilogram for `KG`), `vat_rate` in basis
/// points, `gtin` may be empty. Fields may be quoted (`"Kjeks, salte"`). A line with a mistake
/// is skipped and reported with its line number; the rest of the catalog still loads.
public enum CatalogCSV {
    public static let header = ["sku", "gtin", "name", "unit_price", "vat_rate", "unit"]

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
        var products: [Product] = []
        var problems: [Problem] = []
        var seenSKU = Set<String>()
        var seenGTIN = Set<String>()
        var lineNumber = 0
        var sawHeader = false
        let allowedRates = market.map { Set($0.vatRates) }

        // Bytes, not Characters: grapheme breaking 100 000 lines is what would make loading slow.
        let bytes = Array(text.utf8)
        var lineStart = 0
        while lineStart <= bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count && bytes[lineEnd] != 10 { lineEnd += 1 }
            defer { lineStart = lineEnd + 1 }
            if lineStart == bytes.count { break }
            lineNumber += 1
            var end = lineEnd
            if end > lineStart && bytes[end - 1] == 13 { end -= 1 }
            var start = lineStart
            if lineNumber == 1 && end - start >= 3 && bytes[start] == 0xEF && bytes[start + 1] == 0xBB && bytes[start + 2] == 0xBF {
                start += 3
            }
            let line = bytes[start..<end]
            if line.allSatisfy({ $0 == 32 || $0 == 9 }) || line.first == UInt8(ascii: "#") { continue }
            let fields: [String]
            switch splitFields(line) {
            case .success(let parsed): fields = parsed
            case .failure(let message):
                problems.append(Problem(line: lineNumber, message: message))
                continue
            }
            if !sawHeader {
                sawHeader = true
                let names = fields.map { $0.trimmingSpaces().lowercased() }
                if names == header { continue }
                if names.first == "sku" {
                    problems.append(Problem(
                        line: lineNumber,
                        message: "the header must be \(header.joined(separator: ",")), found \(names.joined(separator: ","))"))
                    return Result(catalog: Catalog(products: []), problems: problems)
                }
                // No header: treat the first line as data.
            }
            guard fields.count == header.count else {
                problems.append(Problem(
                    line: lineNumber,
                    message: "expected \(header.count) fields (\(header.joined(separator: ","))), found \(fields.count)"))
                continue
            }
            let sku = fields[0].trimmingSpaces()
            let gtinText = fields[1].trimmingSpaces()
            let name = fields[2].trimmingSpaces()
            let priceText = fields[3].trimmingSpaces()
            let rateText = fields[4].trimmingSpaces()
            let unitText = fields[5].trimmingSpaces().asciiLowercased() == "kg" ? "KG"
                : fields[5].trimmingSpaces().asciiLowercased() == "pcs" ? "PCS" : fields[5]

            guard !sku.isEmpty else { problems.append(Problem(line: lineNumber, message: "sku is empty")); continue }
            guard sku.count <= 40, !sku.contains(where: { $0.isWhitespace }) else {
                problems.append(Problem(line: lineNumber, message: "sku '\(sku)' must be at most 40 characters without spaces"))
                continue
            }
            guard !name.isEmpty else { problems.append(Problem(line: lineNumber, message: "name is empty")); continue }
            var gtin: GTIN?
            if !gtinText.isEmpty {
                do {
                    gtin = try GTIN(gtinText)
                } catch {
                    problems.append(Problem(line: lineNumber, message: "gtin '\(gtinText)': \(error)"))
                    continue
                }
            }
            guard let price = Int(priceText), price >= 0 else {
                problems.append(Problem(
                    line: lineNumber,
                    message: "unit_price '\(priceText)' must be a whole number of minor units (2990 for 29,90)"))
                continue
            }
            guard let rateValue = Int(rateText), let rate = try? VATRate.validated(rateValue) else {
                problems.append(Problem(
                    line: lineNumber,
                    message: "vat_rate '\(rateText)' must be basis points between 0 and 10000 (1500 for 15 %)"))
                continue
            }
            if let allowedRates, !allowedRates.contains(rate), let market {
                problems.append(Problem(
                    line: lineNumber,
                    message: "vat_rate \(rateValue) is not a VAT rate in \(market.displayName) "
                        + "(\(market.vatRates.map { String($0.basisPoints) }.joined(separator: ", ")))"))
                continue
            }
            guard let unit = SaleUnit(rawValue: unitText) else {
                problems.append(Problem(line: lineNumber, message: "unit '\(fields[5])' must be PCS or KG"))
                continue
            }
            guard seenSKU.insert(sku.asciiLowercased()).inserted else {
                problems.append(Problem(line: lineNumber, message: "sku '\(sku)' appears twice; this line is skipped"))
                continue
            }
            if let gtin {
                guard seenGTIN.insert(gtin.gtin14).inserted else {
                    problems.append(Problem(line: lineNumber, message: "gtin \(gtin) appears twice; this line is skipped"))
                    continue
                }
            }
            products.append(Product(sku: sku, gtin: gtin, name: name, unitPrice: price, vatRate: rate, unit: unit))
        }
        return Result(catalog: Catalog(products: products), problems: problems)
    }

    /// Writes products in the same format (used by the catalog generator).
    public static func line(for product: Product) -> String {
        [product.sku, product.gtin?.original ?? "", quote(product.name), String(product.unitPrice),
         String(product.vatRate.basisPoints), product.unit.rawValue].joined(separator: ",")
    }

    static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return field }
        return "\"" + field.replacingAll("\"", with: "\"\"") + "\""
    }

    private enum SplitResult {
        case success([String])
        case failure(String)
    }

    private static func splitFields(_ line: ArraySlice<UInt8>) -> SplitResult {
        var fields: [String] = []
        fields.reserveCapacity(6)
        var current: [UInt8] = []
        var inQuotes = false
        var fieldStarted = false
        var index = line.startIndex
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ",")
        while index < line.endIndex {
            let byte = line[index]
            if inQuotes {
                if byte == quote {
                    let next = index + 1
                    if next < line.endIndex && line[next] == quote {
                        current.append(quote)
                        index = next
                    } else {
                        inQuotes = false
                    }
                } else {
                    current.append(byte)
                }
            } else if byte == comma {
                fields.append(String(decoding: current, as: UTF8.self))
                current.removeAll(keepingCapacity: true)
                fieldStarted = false
            } else if byte == quote && !fieldStarted && current.allSatisfy({ $0 == 32 }) {
                inQuotes = true
                current.removeAll(keepingCapacity: true)
                fieldStarted = true
            } else {
                current.append(byte)
                fieldStarted = true
            }
            index += 1
        }
        if inQuotes { return .failure("a quoted field is not closed") }
        fields.append(String(decoding: current, as: UTF8.self))
        return .success(fields)
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
