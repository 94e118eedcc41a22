import KasseLanguage

/// How a cell looks. The terminal maps these to colours, or to bold/reverse without colour.
public enum CellStyle: UInt8, Sendable, Hashable {
    case normal, inverse, bold, dim, good, warning, bad
}

public struct TerminalSize: Sendable, Hashable {
    public var columns: Int
    public var rows: Int
    public init(columns: Int, rows: Int) {
        self.columns = columns
        self.rows = rows
    }
}

/// A screen as a grid of characters with styles: what the till shows, free of any terminal.
public struct Canvas: Sendable, Equatable {
    public let size: TerminalSize
    public private(set) var cells: [Character]
    public private(set) var styles: [CellStyle]
    /// Text that did not fit where it was put (its end was cut off): for tests that check
    /// every language fits.
    public private(set) var clipped: [String] = []

    public init(size: TerminalSize) {
        self.size = size
        cells = Array(repeating: " ", count: max(0, size.columns * size.rows))
        styles = Array(repeating: .normal, count: max(0, size.columns * size.rows))
    }

    /// Writes text at a position, clipped to the row and to `width` if given.
    public mutating func put(_ text: String, row: Int, column: Int, style: CellStyle = .normal, width: Int? = nil) {
        guard row >= 0, row < size.rows else { return }
        var x = column
        let limit = min(size.columns, width.map { column + $0 } ?? size.columns)
        for (offset, character) in text.enumerated() {
            guard x < limit else {
                if text.dropFirst(offset).contains(where: { $0 != " " }) { clipped.append(text) }
                break
            }
            if x >= 0 {
                cells[row * size.columns + x] = character.isNewline ? " " : character
                styles[row * size.columns + x] = style
            }
            x += 1
        }
    }

    /// Fills a whole row with a style (for bars).
    public mutating func fill(row: Int, style: CellStyle) {
        guard row >= 0, row < size.rows else { return }
        for x in 0..<size.columns { styles[row * size.columns + x] = style }
    }

    public func row(_ index: Int) -> String {
        String(cells[(index * size.columns)..<((index + 1) * size.columns)])
    }

    public func style(row: Int, column: Int) -> CellStyle { styles[row * size.columns + column] }

    /// The screen as text, one line per row, trailing spaces kept: for snapshots.
    public var text: String {
        (0..<size.rows).map { row($0) }.joined(separator: "\n")
    }
}

extension String {
    /// Left-aligned, cut with … or padded to exactly `width` characters.
    func fitted(_ width: Int) -> String {
        guard width > 0 else { return "" }
        if count <= width { return self + String(repeating: " ", count: width - count) }
        return String(prefix(max(0, width - 1))) + "…"
    }

    /// Right-aligned in `width` characters.
    func right(_ width: Int) -> String {
        guard width > 0 else { return "" }
        if count >= width { return String(suffix(width)) }
        return String(repeating: " ", count: width - count) + self
    }
}
