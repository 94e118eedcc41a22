/// Where the receipt printer is and how it prints: `[printer]` in the configuration.
public struct PrinterSettings: Sendable, Hashable {
    public enum Target: Sendable, Hashable, CustomStringConvertible {
        /// A network printer taking raw ESC/POS on a TCP port (9100).
        case network(host: String, port: Int)
        /// A USB printer through the kernel's printer device (`/dev/usb/lp0`).
        case device(path: String)
        /// A file the raw bytes are added to (for development).
        case file(path: String)

        public var description: String {
            switch self {
            case .network(let host, let port): "network printer \(host):\(port)"
            case .device(let path): "USB printer \(path)"
            case .file(let path): "file \(path)"
            }
        }
    }

    public var target: Target
    /// Characters a line in the printer's normal font: 48 on 80 mm paper, 32 on 58 mm.
    public var columns: Int
    public var codePage: CodePage
    /// How long a job (or a status request) may take before it counts as failed.
    public var timeout: Duration

    public init(target: Target, columns: Int = 48, codePage: CodePage = .pc858, timeout: Duration = .seconds(5)) {
        self.target = target
        self.columns = columns
        self.codePage = codePage
        self.timeout = timeout
    }

    /// Reads `[printer]`: exactly one of `network` ("host:port", port 9100 if left out),
    /// `device` or `file`; `paper_mm` (58 or 80) or `columns`; `code_page`; `timeout_ms`.
    /// No target: nil (no printer). Each mistake names its key.
    public static func parse(_ value: (String) -> String?) throws(Invalid) -> PrinterSettings? {
        let targets = ["network", "device", "file"].compactMap { key in value(key).map { (key, $0) } }
        guard !targets.isEmpty else {
            for key in ["paper_mm", "columns", "code_page", "timeout_ms"] where value(key) != nil {
                throw Invalid(key: key, message: "is set, but no printer is: add network = \"HOST:9100\", device = \"/dev/usb/lp0\" or file = \"PATH\"")
            }
            return nil
        }
        guard targets.count == 1 else {
            throw Invalid(key: targets[1].0, message: "name one printer: network, device or file, not \(targets.map(\.0).joined(separator: " and "))")
        }
        let (key, text) = targets[0]
        let target: Target
        switch key {
        case "network":
            var host = text, port = 9100
            if let colon = text.lastIndex(of: ":"), !text.hasSuffix("]") {
                host = String(text[..<colon])
                guard let number = Int(text[text.index(after: colon)...]), (1...65_535).contains(number) else {
                    throw Invalid(key: key, message: "must be HOST or HOST:PORT with a port from 1 to 65535, not '\(text)'")
                }
                port = number
            }
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty, !host.contains(" ") else { throw Invalid(key: key, message: "must name the printer's address, like \"192.168.1.50:9100\"") }
            target = .network(host: host, port: port)
        case "device":
            guard text.hasPrefix("/") else { throw Invalid(key: key, message: "must be the printer device's full path, like \"/dev/usb/lp0\", not '\(text)'") }
            target = .device(path: text)
        default:
            guard !text.isEmpty else { throw Invalid(key: key, message: "must be a file's path") }
            target = .file(path: text)
        }
        var columns = 48
        if let paper = value("paper_mm") {
            switch paper {
            case "80": columns = 48
            case "58": columns = 32
            default: throw Invalid(key: "paper_mm", message: "must be 58 or 80, not '\(paper)'")
            }
        }
        if let text = value("columns") {
            guard let number = Int(text), (24...80).contains(number) else {
                throw Invalid(key: "columns", message: "must be a whole number from 24 to 80 (48 on 80 mm paper, 32 on 58 mm), not '\(text)'")
            }
            columns = number
        }
        var codePage = CodePage.pc858
        if let text = value("code_page") {
            guard let page = CodePage(rawValue: text.lowercased()) else {
                throw Invalid(key: "code_page", message: "must be \(CodePage.allCases.map(\.rawValue).joined(separator: ", ")), not '\(text)'")
            }
            codePage = page
        }
        var timeout = Duration.seconds(5)
        if let text = value("timeout_ms") {
            guard let number = Int(text), (200...60_000).contains(number) else {
                throw Invalid(key: "timeout_ms", message: "must be a whole number of milliseconds from 200 to 60000, not '\(text)'")
            }
            timeout = .milliseconds(number)
        }
        return PrinterSettings(target: target, columns: columns, codePage: codePage, timeout: timeout)
    }

    public struct Invalid: Error, Sendable, Hashable {
        public var key: String
        public var message: String
    }
}
