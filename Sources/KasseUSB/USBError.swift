import CLibUSB

/// A libusb return code, converted in one place.
public struct USBError: Error, Sendable, CustomStringConvertible, Equatable {
    public let code: Int32
    public let operation: String

    public var description: String {
        "\(operation): \(String(cString: libusb_error_name(code)))"
    }

    public var isAccessDenied: Bool { code == LIBUSB_ERROR_ACCESS.rawValue }
    public var isNoDevice: Bool { code == LIBUSB_ERROR_NO_DEVICE.rawValue }
    public var isBusy: Bool { code == LIBUSB_ERROR_BUSY.rawValue }

    /// Throws for a negative libusb result; returns the value otherwise.
    @discardableResult
    static func check(_ result: Int32, _ operation: String) throws(USBError) -> Int32 {
        guard result >= 0 else { throw USBError(code: result, operation: operation) }
        return result
    }
}
