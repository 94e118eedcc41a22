/// The printer's side of ESC/POS: reads a byte stream as a printer would and keeps what it
/// printed, document by document (a cut ends one). The printer emulator is built on it, and
/// tests read receipts through it: the text, its styles, barcodes, images and cuts, and the
/// status requests it answered. Bytes may come in any pieces.
public struct ESCPOSReader: Sendable {
    public struct Line: Sendable, Hashable {
        public enum Content: Sendable, Hashable {
            case text(String)
            case barcode(String)
            case qrCode(String)
            case image(Bitmap)
        }

        public var content: Content
        public var bold = false
        public var large = false
        public var centred = false

        public init(content: Content, bold: Bool = false, large: Bool = false, centred: Bool = false) {
            self.content = content
            self.bold = bold
            self.large = large
            self.centred = centred
        }

        public var text: String {
            switch content {
            case .text(let text): text
            case .barcode(let data): "[barcode \(data)]"
            case .qrCode(let data): "[QR code \(data)]"
            case .image(let bitmap): "[image \(bitmap.width)x\(bitmap.height)]"
            }
        }
    }

    public struct Document: Sendable, Hashable {
        public var lines: [Line] = []
        /// Whether a cut ended it (the last document of a stream may not be cut yet).
        public var cut = false
        /// The code page text was printed in (nil: none was selected).
        public var codePage: CodePage?
        /// Commands it did not know, by their first bytes.
        public var unknownCommands: [String] = []

        public init() {}

        /// As it looks on paper `columns` wide: centred lines centred, large lines marked.
        public func rendered(columns: Int = 48) -> [String] {
            lines.map { line in
                let text = line.text
                guard line.centred, text.count < columns else { return text }
                return String(repeating: " ", count: (columns - text.count) / 2) + text
            }
        }

        /// The plain text of its lines, one string.
        public var plainText: String { lines.map(\.text).joined(separator: "\n") }

        public var barcodes: [String] {
            lines.compactMap { if case .barcode(let data) = $0.content { data } else { nil } }
        }

        public var images: [Bitmap] {
            lines.compactMap { if case .image(let bitmap) = $0.content { bitmap } else { nil } }
        }
    }

    /// The documents cut off so far.
    public private(set) var documents: [Document] = []
    /// What is on the paper since the last cut.
    public private(set) var current = Document()
    /// How many status requests (DLE EOT) it answered.
    public private(set) var statusRequests = 0
    /// What the printer answers status requests with.
    public var status: PrinterStatus

    private var pending: [UInt8] = []
    private var lineBytes: [UInt8] = []
    private var codePage: CodePage?
    private var bold = false
    private var large = false
    private var centred = false
    private var lineBold = false
    private var lineLarge = false

    public init(status: PrinterStatus = .ready) {
        self.status = status
    }

    /// Ends what is on the paper without a cut, as a printer that lost power mid-job leaves it.
    public mutating func tearOff() {
        if !lineBytes.isEmpty { endLine() }
        guard !current.lines.isEmpty else { return }
        documents.append(current)
        current = Document()
        current.codePage = codePage
        pending = []
    }

    /// Everything printed, cut or not.
    public var allDocuments: [Document] {
        current.lines.isEmpty && lineBytes.isEmpty ? documents : documents + [current]
    }

    /// Reads `bytes`; returns what the printer sends back (answers to status requests).
    public mutating func read(_ bytes: [UInt8]) -> [UInt8] {
        pending += bytes
        var replies: [UInt8] = []
        var index = 0
        while index < pending.count {
            guard let used = command(at: index, replies: &replies) else { break }  // incomplete: wait for more
            index += used
        }
        pending.removeFirst(index)
        return replies
    }

    /// Interprets the command at `start`: the bytes it used, or nil when it is not complete.
    private mutating func command(at start: Int, replies: inout [UInt8]) -> Int? {
        let bytes = pending
        let available = bytes.count - start
        func byte(_ offset: Int) -> UInt8? { offset < available ? bytes[start + offset] : nil }
        let first = bytes[start]
        switch first {
        case 0x0A:
            endLine()
            return 1
        case 0x0D:
            return 1
        case 0x10:  // DLE
            guard let second = byte(1) else { return nil }
            if second == 0x04 {
                guard let n = byte(2) else { return nil }
                statusRequests += 1
                let answers = status.answers
                switch n {
                case 1: replies.append(answers[0])
                case 2: replies.append(answers[1])
                case 4: replies.append(answers[2])
                default: replies.append(0x12)
                }
                return 3
            }
            current.unknownCommands.append("DLE \(second)")
            return 2
        case 0x1B:  // ESC
            guard let second = byte(1) else { return nil }
            switch second {
            case 0x40:  // ESC @
                bold = false; large = false; centred = false
                return 2
            case 0x74:  // ESC t n
                guard let n = byte(2) else { return nil }
                codePage = CodePage(escPosNumber: n)
                if codePage == nil { current.unknownCommands.append("ESC t \(n)") }
                return 3
            case 0x61:  // ESC a n
                guard let n = byte(2) else { return nil }
                centred = n == 1 || n == 0x31
                return 3
            case 0x45:  // ESC E n
                guard let n = byte(2) else { return nil }
                bold = n & 1 == 1
                if bold { lineBold = true }
                return 3
            case 0x21:  // ESC ! n
                guard let n = byte(2) else { return nil }
                bold = n & 0x08 != 0
                large = n & 0x10 != 0
                return 3
            case 0x64:  // ESC d n: feed n lines
                guard let n = byte(2) else { return nil }
                if !lineBytes.isEmpty { endLine() }
                for _ in 0..<n { current.lines.append(Line(content: .text(""))) }
                return 3
            case 0x2D, 0x32, 0x33, 0x4D, 0x47, 0x20, 0x52:  // underline, spacing, font, double-strike, char spacing, country
                if second == 0x32 { return 2 }
                guard byte(2) != nil else { return nil }
                return 3
            default:
                current.unknownCommands.append("ESC \(second)")
                return 2
            }
        case 0x1D:  // GS
            guard let second = byte(1) else { return nil }
            switch second {
            case 0x21:  // GS ! n: character size
                guard let n = byte(2) else { return nil }
                large = n & 0x0F != 0 || n & 0xF0 != 0
                return 3
            case 0x68, 0x77, 0x48, 0x66, 0x42, 0x4C, 0x57:  // barcode height, width, text position, font; reverse; margins
                if second == 0x4C || second == 0x57 { return byte(3) == nil ? nil : 4 }
                return byte(2) == nil ? nil : 3
            case 0x6B:  // GS k m: a barcode
                guard let m = byte(2) else { return nil }
                if m <= 6 {
                    var end = 3
                    while let value = byte(end), value != 0 { end += 1 }
                    guard byte(end) != nil else { return nil }
                    barcode(Array(bytes[(start + 3)..<(start + end)]), code128: false)
                    return end + 1
                }
                guard let n = byte(3) else { return nil }
                guard available >= 4 + Int(n) else { return nil }
                barcode(Array(bytes[(start + 4)..<(start + 4 + Int(n))]), code128: m == 73)
                return 4 + Int(n)
            case 0x76:  // GS v 0 m xL xH yL yH data: a raster image
                guard available >= 8 else { return nil }
                let perRow = Int(bytes[start + 4]) | Int(bytes[start + 5]) << 8
                let height = Int(bytes[start + 6]) | Int(bytes[start + 7]) << 8
                guard available >= 8 + perRow * height else { return nil }
                if !lineBytes.isEmpty { endLine() }
                if let bitmap = Bitmap(width: perRow * 8, height: height, rows: Array(bytes[(start + 8)..<(start + 8 + perRow * height)])) {
                    current.lines.append(Line(content: .image(bitmap), centred: centred))
                }
                return 8 + perRow * height
            case 0x28:  // GS ( k pL pH …: two-dimensional codes (the QR code's data is kept)
                guard let function = byte(2), let low = byte(3), let high = byte(4) else { return nil }
                let length = Int(low) | Int(high) << 8
                guard available >= 5 + length else { return nil }
                let body = Array(bytes[(start + 5)..<(start + 5 + length)])
                if function == 0x6B, body.count >= 3, body[0] == 49, body[1] == 80 {
                    qrData = String(decoding: body[3...], as: UTF8.self)
                } else if function == 0x6B, body.count >= 2, body[0] == 49, body[1] == 81, let data = qrData {
                    if !lineBytes.isEmpty { endLine() }
                    current.lines.append(Line(content: .qrCode(data), centred: centred))
                    qrData = nil
                }
                return 5 + length
            case 0x56:  // GS V m [n]: cut
                guard let m = byte(2) else { return nil }
                let used = m >= 65 ? 4 : 3
                guard available >= used else { return nil }
                if !lineBytes.isEmpty { endLine() }
                current.cut = true
                documents.append(current)
                current = Document()
                current.codePage = codePage
                return used
            default:
                current.unknownCommands.append("GS \(second)")
                return 2
            }
        default:
            if first < 0x20 {
                if first != 0x09 { current.unknownCommands.append("\(first)") }
                return 1
            }
            if lineBytes.isEmpty {
                lineBold = bold
                lineLarge = large
            } else {
                lineBold = lineBold || bold
                lineLarge = lineLarge || large
            }
            lineBytes.append(first)
            if current.codePage == nil, first >= 0x80 { current.codePage = codePage }
            return 1
        }
    }

    private var qrData: String?

    private mutating func endLine() {
        let text = String(lineBytes.map { byte in
            if byte < 0x80 { return Character(Unicode.Scalar(byte)) }
            return codePage?.character(for: byte) ?? "\u{FFFD}"
        })
        current.lines.append(Line(content: .text(text), bold: lineBold, large: lineLarge, centred: centred))
        if current.codePage == nil { current.codePage = codePage }
        lineBytes = []
        lineBold = bold
        lineLarge = large
    }

    private mutating func barcode(_ data: [UInt8], code128: Bool) {
        if !lineBytes.isEmpty { endLine() }
        var payload = data
        if code128 {
            // Code set selections ("{A", "{B", "{C") are not data; "{{" is a "{".
            var plain: [UInt8] = []
            var index = 0
            while index < payload.count {
                if payload[index] == UInt8(ascii: "{"), index + 1 < payload.count {
                    if payload[index + 1] == UInt8(ascii: "{") { plain.append(payload[index]) }
                    index += 2
                    continue
                }
                plain.append(payload[index])
                index += 1
            }
            payload = plain
        }
        current.lines.append(Line(content: .barcode(String(decoding: payload, as: UTF8.self)), centred: centred))
    }
}
