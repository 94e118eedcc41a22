/// A document for a receipt printer, independent of the printer's language: what is printed,
/// in order. The till's documents (receipts, copies, returns, X/Z reports, a day's journal)
/// are text of the paper's width; this adds what paper has and a screen has not.
public struct PrintDocument: Sendable, Hashable {
    public enum Alignment: Sendable, Hashable { case left, centre }

    public enum Block: Sendable, Hashable {
        /// A line of text; `large` prints it double height (titles).
        case text(String, bold: Bool = false, large: Bool = false, alignment: Alignment = .left)
        /// A CODE128 barcode with its text below (the receipt number: scanned at F3).
        case barcode(String)
        /// A black-and-white raster image (the shop's logo).
        case image(Bitmap)
        /// Empty lines.
        case feed(Int)
    }

    public var blocks: [Block]

    public init(blocks: [Block]) {
        self.blocks = blocks
    }

    /// A stored document (a receipt, a report) as printed: the lines above the first rule are
    /// its heading, printed bold and the title (the line that is not a `***` banner) large;
    /// then the rest as stored, the barcode of `barcode` if given, and a little paper to tear
    /// or cut at.
    public static func stored(_ lines: [String], title: String? = nil, logo: Bitmap? = nil, barcode: String? = nil) -> PrintDocument {
        var blocks: [Block] = []
        if let logo { blocks.append(.image(logo)) }
        let firstRule = lines.firstIndex { !$0.isEmpty && $0.allSatisfy { $0 == "-" || $0 == "=" } } ?? 0
        for (index, line) in lines.enumerated() {
            if index < firstRule {
                let text = line.trimmingSpaces
                blocks.append(.text(text, bold: true, large: text == title, alignment: .centre))
            } else {
                blocks.append(.text(line))
            }
        }
        if let barcode, !barcode.isEmpty {
            blocks.append(.feed(1))
            blocks.append(.barcode(barcode))
        }
        return PrintDocument(blocks: blocks)
    }
}

extension String {
    var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
