import CLibUSB
import KasseScanning

/// What `kasse scanner list` reports about one device.
public struct USBDeviceInfo: Sendable, Codable, Equatable {
    public var device: ScannerDevice
    public var id: String
    public var manufacturer: String?
    public var product: String?
    /// The HID interface Kasse would read, or nil when the device has none.
    public var hidInterface: Int?
    public var mode: String?
    /// nil when the device could not be opened to ask.
    public var kernelDriverBound: Bool?
    public var canOpen: Bool
    /// Why Kasse cannot use it, and what to do about it.
    public var problem: String?
}

/// The HID interface and interrupt-IN endpoint chosen from a device's descriptors.
struct HIDEndpoint {
    var interface: Int32
    var endpoint: UInt8
    var maxPacketSize: Int32
    var isBootKeyboard: Bool
}

enum Descriptors {
    /// `1-1.2`: the bus, then the chain of ports.
    static func portPath(_ device: OpaquePointer) -> String {
        var ports = [UInt8](repeating: 0, count: 8)
        let count = libusb_get_port_numbers(device, &ports, Int32(ports.count))
        let bus = libusb_get_bus_number(device)
        guard count > 0 else { return "\(bus)-0" }
        return "\(bus)-" + ports.prefix(Int(count)).map(String.init).joined(separator: ".")
    }

    static func identity(_ device: OpaquePointer) -> ScannerDevice? {
        var descriptor = libusb_device_descriptor()
        guard libusb_get_device_descriptor(device, &descriptor) == 0 else { return nil }
        return ScannerDevice(vendorID: descriptor.idVendor, productID: descriptor.idProduct, portPath: portPath(device))
    }

    /// The first HID interface with an interrupt-IN endpoint; a boot keyboard is preferred.
    static func hidEndpoint(_ device: OpaquePointer) -> HIDEndpoint? {
        var config: UnsafeMutablePointer<libusb_config_descriptor>?
        if libusb_get_active_config_descriptor(device, &config) != 0 {
            guard libusb_get_config_descriptor(device, 0, &config) == 0 else { return nil }
        }
        guard let config else { return nil }
        defer { libusb_free_config_descriptor(config) }
        var candidates: [HIDEndpoint] = []
        for interfaceIndex in 0..<Int(config.pointee.bNumInterfaces) {
            let interface = config.pointee.interface[interfaceIndex]
            for altIndex in 0..<Int(interface.num_altsetting) {
                let setting = interface.altsetting[altIndex]
                guard setting.bInterfaceClass == UInt8(LIBUSB_CLASS_HID.rawValue) else { continue }
                for endpointIndex in 0..<Int(setting.bNumEndpoints) {
                    let endpoint = setting.endpoint[endpointIndex]
                    let isIn = endpoint.bEndpointAddress & 0x80 != 0
                    let isInterrupt = endpoint.bmAttributes & 0x03 == UInt8(LIBUSB_TRANSFER_TYPE_INTERRUPT.rawValue)
                    guard isIn && isInterrupt else { continue }
                    candidates.append(HIDEndpoint(
                        interface: Int32(setting.bInterfaceNumber), endpoint: endpoint.bEndpointAddress,
                        maxPacketSize: Int32(endpoint.wMaxPacketSize),
                        isBootKeyboard: setting.bInterfaceSubClass == 1 && setting.bInterfaceProtocol == 1))
                }
            }
        }
        return candidates.first { $0.isBootKeyboard } ?? candidates.first
    }

    static func string(_ handle: OpaquePointer, index: UInt8) -> String? {
        guard index != 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 256)
        let length = libusb_get_string_descriptor_ascii(handle, index, &buffer, Int32(buffer.count))
        guard length > 0 else { return nil }
        return String(decoding: buffer.prefix(Int(length)), as: UTF8.self)
    }

    /// Reads the HID report descriptor and tells whether it declares the Bar Code Scanner
    /// usage page (0x8C): a scanner in HID POS mode.
    static func isHIDPOS(_ handle: OpaquePointer, interface: Int32) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 1024)
        let length = libusb_control_transfer(handle, 0x81, 0x06, 0x2200, UInt16(interface), &buffer, UInt16(buffer.count), 500)
        guard length > 2 else { return false }
        let bytes = Array(buffer.prefix(Int(length)))
        for index in 0..<(bytes.count - 1) {
            // Usage Page item, 1 or 2 data bytes: 0x05 0x8C, or 0x06 0x8C 0x00.
            if bytes[index] == 0x05 && bytes[index + 1] == 0x8C { return true }
            if bytes[index] == 0x06 && index + 2 < bytes.count && bytes[index + 1] == 0x8C && bytes[index + 2] == 0x00 { return true }
        }
        return false
    }
}
