import CLibUSB
import KasseScanning

/// One opened scanner: its handle, its claimed interface, its one transfer in flight, and
/// its decoder. Touched only on the USB thread.
final class OpenScanner {
    struct OpenError: Error {
        let message: String
    }

    let device: ScannerDevice
    let mode: String
    private var handle: OpaquePointer?
    private let interface: Int32
    private let endpoint: UInt8
    private var reattachKernelDriver = false
    private var transfer: UnsafeMutablePointer<libusb_transfer>?
    private var buffer: UnsafeMutablePointer<UInt8>
    private let bufferLength: Int32
    private var keyboard: HIDKeyboardDecoder
    private var pos: HIDPOSDecoder?
    private var assembler: ScanAssembler
    private unowned let service: USBScannerService
    private(set) var isFinished = false
    private(set) var endReason = "closed"
    private var closed = false

    init(device usbDevice: OpaquePointer, identity: ScannerDevice, configuration: ScannerServiceConfiguration,
         service: USBScannerService) throws {
        self.device = identity
        self.service = service
        guard let hid = Descriptors.hidEndpoint(usbDevice) else {
            throw OpenError(message: "no HID interface with an interrupt-IN endpoint: set the scanner to USB keyboard (HID) or HID POS mode")
        }
        interface = hid.interface
        endpoint = hid.endpoint
        bufferLength = max(8, min(hid.maxPacketSize, 1024))
        buffer = .allocate(capacity: Int(bufferLength))
        keyboard = HIDKeyboardDecoder(layout: configuration.layout)
        assembler = ScanAssembler(pause: configuration.scanPause, termination: configuration.termination)
        var handle: OpaquePointer?
        let opened = libusb_open(usbDevice, &handle)
        guard opened == 0, let handle else {
            buffer.deallocate()
            if opened == LIBUSB_ERROR_ACCESS.rawValue {
                throw OpenError(message: "permission denied: install udev/70-kasse-scanners.rules and add the till's user to the group 'kasse'")
            }
            throw OpenError(message: "cannot open: \(String(cString: libusb_error_name(opened)))")
        }
        self.handle = handle
        // Detach the kernel's driver only when one is bound, and give it back on close.
        if libusb_kernel_driver_active(handle, interface) == 1 {
            let detached = libusb_detach_kernel_driver(handle, interface)
            guard detached == 0 else {
                libusb_close(handle)
                buffer.deallocate()
                throw OpenError(message: "cannot detach the kernel driver: \(String(cString: libusb_error_name(detached)))")
            }
            reattachKernelDriver = true
        }
        let claimed = libusb_claim_interface(handle, interface)
        guard claimed == 0 else {
            if reattachKernelDriver { libusb_attach_kernel_driver(handle, interface) }
            libusb_close(handle)
            buffer.deallocate()
            let reason = claimed == LIBUSB_ERROR_BUSY.rawValue
                ? "another program holds the scanner (LIBUSB_ERROR_BUSY)" : String(cString: libusb_error_name(claimed))
            throw OpenError(message: "cannot claim the interface: \(reason)")
        }
        if !hid.isBootKeyboard && Descriptors.isHIDPOS(handle, interface: interface) {
            pos = HIDPOSDecoder()
            mode = "hid-pos"
        } else {
            mode = "keyboard (\(configuration.layout.rawValue))"
        }
        guard let transfer = libusb_alloc_transfer(0) else {
            self.finish(reason: "cannot allocate a transfer")
            return
        }
        self.transfer = transfer
        kasse_fill_interrupt_transfer(
            transfer, handle, endpoint, buffer, bufferLength,
            { transfer in
                guard let transfer, let userData = transfer.pointee.user_data else { return }
                Unmanaged<OpenScanner>.fromOpaque(userData).takeUnretainedValue().completed(transfer)
            },
            Unmanaged.passUnretained(self).toOpaque(), 0)
        submit()
    }

    private func submit() {
        guard let transfer, !isFinished else { return }
        let result = libusb_submit_transfer(transfer)
        if result != 0 {
            finish(reason: result == LIBUSB_ERROR_NO_DEVICE.rawValue ? "unplugged" : "read failed: \(String(cString: libusb_error_name(result)))")
        }
    }

    private func completed(_ transfer: UnsafeMutablePointer<libusb_transfer>) {
        switch transfer.pointee.status {
        case LIBUSB_TRANSFER_COMPLETED:
            let report = Array(UnsafeBufferPointer(start: transfer.pointee.buffer, count: Int(transfer.pointee.actual_length)))
            let now = ContinuousClock.now
            let scans: [String]
            if var pos {
                scans = pos.decode(report).map { assembler.feedComplete($0, at: now) } ?? []
                self.pos = pos
            } else {
                scans = assembler.feed(keyboard.decode(report), at: now)
            }
            for scan in scans { service.emit(.scan(device, text: scan)) }
            submit()
        case LIBUSB_TRANSFER_TIMED_OUT:
            submit()
        case LIBUSB_TRANSFER_NO_DEVICE:
            finish(reason: "unplugged")
        case LIBUSB_TRANSFER_CANCELLED:
            finish(reason: endReason == "closed" ? "stopped" : endReason)
        default:
            finish(reason: "unplugged or failed (transfer status \(transfer.pointee.status.rawValue))")
        }
    }

    func flushIfIdle(at now: ContinuousClock.Instant) -> String? {
        assembler.flushIfIdle(at: now)
    }

    /// The device went away: stop reading.
    func markGone(reason: String) {
        endReason = reason
        cancel()
        if transfer == nil { isFinished = true }
    }

    func cancel() {
        guard let transfer, !isFinished else {
            isFinished = true
            return
        }
        if libusb_cancel_transfer(transfer) != 0 { isFinished = true }
    }

    private func finish(reason: String) {
        if !isFinished { endReason = reason }
        isFinished = true
    }

    /// Releases the interface, gives the device back to its kernel driver, closes.
    func close() {
        guard !closed else { return }
        closed = true
        if let handle {
            libusb_release_interface(handle, interface)
            if reattachKernelDriver { libusb_attach_kernel_driver(handle, interface) }
            libusb_close(handle)
        }
        handle = nil
        if let transfer { libusb_free_transfer(transfer) }
        transfer = nil
        buffer.deallocate()
    }
}
