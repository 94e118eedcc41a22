/// Which scanner: vendor and product id, and optionally the USB port it is plugged into,
/// written `05e0:1200` or `05e0:1200@1-1.2`.
public struct ScannerMatch: Sendable, Hashable, CustomStringConvertible {
    public var vendorID: UInt16
    /// nil matches any product of the vendor.
    public var productID: UInt16?
    /// `1-1.2`: bus 1, port 1, then port 2 of the hub there. nil matches any port.
    public var portPath: String?

    public init(vendorID: UInt16, productID: UInt16? = nil, portPath: String? = nil) {
        self.vendorID = vendorID
        self.productID = productID
        self.portPath = portPath
    }

    public var description: String {
        let product = productID.map { ":" + hex4($0) } ?? ""
        return hex4(vendorID) + product + (portPath.map { "@\($0)" } ?? "")
    }

    /// Parses `VID`, `VID:PID` or `VID:PID@PORTPATH` (hexadecimal ids).
    public init(parsing text: String) throws(ScannerMatchError) {
        let parts = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, !first.isEmpty else { throw .invalid(text) }
        let ids = first.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...2).contains(ids.count), ids[0].count <= 4, let vendor = UInt16(ids[0], radix: 16) else {
            throw .invalid(text)
        }
        var product: UInt16?
        if ids.count == 2 {
            guard ids[1].count <= 4, let parsed = UInt16(ids[1], radix: 16) else { throw .invalid(text) }
            product = parsed
        }
        var port: String?
        if parts.count == 2 {
            let path = parts[1]
            let valid = path.split(separator: "-", maxSplits: 1).count == 2
                && path.allSatisfy { $0.isASCII && ($0.isNumber || $0 == "-" || $0 == ".") }
            guard valid else { throw .invalid(text) }
            port = path
        }
        self.init(vendorID: vendor, productID: product, portPath: port)
    }

    public func matches(vendorID: UInt16, productID: UInt16, portPath: String) -> Bool {
        vendorID == self.vendorID && (self.productID == nil || self.productID == productID)
            && (self.portPath == nil || self.portPath == portPath)
    }

    /// Zebra/Symbol, Honeywell, Datalogic, Newland, Opticon.
    public static let defaults: [ScannerMatch] = [0x05e0, 0x0c2e, 0x05f9, 0x1eab, 0x065a].map { ScannerMatch(vendorID: $0) }
}

public enum ScannerMatchError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(String)
    public var description: String {
        switch self {
        case .invalid(let text): "'\(text)' is not VID:PID[@PORTPATH] with hexadecimal ids, e.g. 05e0:1200@1-1.2"
        }
    }
}

/// A connected scanner as Kasse names it: `05e0:1200@1-1`.
public struct ScannerDevice: Sendable, Hashable, CustomStringConvertible, Codable {
    public var vendorID: UInt16
    public var productID: UInt16
    public var portPath: String

    public init(vendorID: UInt16, productID: UInt16, portPath: String) {
        self.vendorID = vendorID
        self.productID = productID
        self.portPath = portPath
    }

    public var description: String { "\(hex4(vendorID)):\(hex4(productID))@\(portPath)" }
}

func hex4(_ value: UInt16) -> String {
    let text = String(value, radix: 16)
    return String(repeating: "0", count: max(0, 4 - text.count)) + text
}
