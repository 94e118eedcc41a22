import CLibUSB
import Foundation
import KasseScanning
import Logging
import Synchronization

/// What happens at the scanners.
public enum ScannerEvent: Sendable, Equatable {
    case connected(ScannerDevice, mode: String)
    case disconnected(ScannerDevice, reason: String)
    /// Found but not usable (permissions, no HID interface, claimed by another program).
    case unavailable(ScannerDevice, reason: String)
    case scan(ScannerDevice, text: String)
}

public struct ScannerServiceConfiguration: Sendable {
    public var matches: [ScannerMatch]
    public var layout: KeyboardLayout
    /// The pause that ends a scan from a scanner that sends no Enter or Tab (see `ScanAssembler`).
    public var scanPause: Duration
    /// How scans end: learned per scanner (default), always by a terminator, or by the pause.
    public var termination: ScanAssembler.Termination
    /// How often to look for scanners when libusb has no hotplug support.
    public var pollInterval: Duration

    public init(matches: [ScannerMatch] = ScannerMatch.defaults, layout: KeyboardLayout = .us,
                scanPause: Duration = ScanAssembler.defaultPause, termination: ScanAssembler.Termination = .learn,
                pollInterval: Duration = .seconds(1)) {
        self.matches = matches
        self.layout = layout
        self.scanPause = scanPause
        self.termination = termination
        self.pollInterval = pollInterval
    }
}

/// Reads USB barcode scanners through libusb.
///
/// One dedicated thread owns the libusb context and every handle: it opens scanners as they
/// arrive (hotplug, or polling where libusb has none), keeps one interrupt transfer in
/// flight per scanner, decodes reports and hands whole scans to `events`, a bounded stream
/// (the newest 64 are kept if nobody reads). No libusb call ever runs on the Swift
/// concurrency pool, and nothing here blocks the UI.
///
/// `@unchecked Sendable`: the mutable state below is touched only on the USB thread, except
/// `stopRequested`, which is a `Mutex`.
public final class USBScannerService: @unchecked Sendable {
    public let events: AsyncStream<ScannerEvent>
    private let continuation: AsyncStream<ScannerEvent>.Continuation
    private let configuration: ScannerServiceConfiguration
    private let logger: Logger
    private let stopRequested = Mutex(false)
    private let started = Mutex(false)
    private let done = DispatchSemaphore(value: 0)

    // USB thread only.
    private var context: OpaquePointer?
    private var open: [ScannerDevice: OpenScanner] = [:]
    private var arrived: [OpaquePointer] = []
    private var left: [ScannerDevice] = []
    private var hotplugHandle: libusb_hotplug_callback_handle = 0
    private var usesHotplug = false
    private var refused: Set<ScannerDevice> = []

    public init(configuration: ScannerServiceConfiguration, logger: Logger = Logger(label: "kasse.usb")) {
        self.configuration = configuration
        self.logger = logger
        (events, continuation) = AsyncStream.makeStream(of: ScannerEvent.self, bufferingPolicy: .bufferingNewest(64))
    }

    /// Starts the USB thread. Fails only when libusb itself cannot start.
    public func start() throws(USBError) {
        var context: OpaquePointer?
        try USBError.check(libusb_init(&context), "libusb_init")
        self.context = context
        let thread = Thread { [self] in run() }
        thread.name = "kasse-usb"
        started.withLock { $0 = true }
        thread.start()
    }

    /// Stops reading, gives each scanner back to the kernel driver it had, and waits for the
    /// USB thread to end.
    public func stop() {
        let wasRunning = stopRequested.withLock { stopped -> Bool in
            defer { stopped = true }
            return !stopped
        }
        guard wasRunning, started.withLock({ $0 }) else { return }
        if let context { libusb_interrupt_event_handler(context) }
        done.wait()
        continuation.finish()
    }

    private var isStopping: Bool { stopRequested.withLock { $0 } }

    func emit(_ event: ScannerEvent) {
        continuation.yield(event)
    }

    // MARK: The USB thread

    private func run() {
        guard let context else { return }
        usesHotplug = libusb_has_capability(UInt32(LIBUSB_CAP_HAS_HOTPLUG.rawValue)) != 0
        if usesHotplug {
            let result = libusb_hotplug_register_callback(
                context, kasse_hotplug_events(),
                Int32(LIBUSB_HOTPLUG_ENUMERATE.rawValue), LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY,
                { _, device, event, userData in
                    guard let userData, let device else { return 0 }
                    let service = Unmanaged<USBScannerService>.fromOpaque(userData).takeUnretainedValue()
                    service.hotplug(device: device, arrived: event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED)
                    return 0
                },
                Unmanaged.passUnretained(self).toOpaque(), &hotplugHandle)
            if result != 0 {
                logger.warning("libusb hotplug unavailable (\(result)); polling for scanners")
                usesHotplug = false
            }
        }
        var nextPoll = ContinuousClock.now
        while !isStopping {
            if !usesHotplug && ContinuousClock.now >= nextPoll {
                poll()
                nextPoll = ContinuousClock.now + configuration.pollInterval
            }
            openArrived()
            closeLeft()
            // Hotplug and transfers wake this at once; the timeout only ends a scan that had no
            // Enter (inter-character timeout), so with no scanner open it can be long.
            var timeout = timeval(tv_sec: 0, tv_usec: open.isEmpty && usesHotplug ? 250_000 : 50_000)
            let result = libusb_handle_events_timeout_completed(context, &timeout, nil)
            if result < 0 && result != LIBUSB_ERROR_INTERRUPTED.rawValue {
                logger.error("libusb_handle_events: \(String(cString: libusb_error_name(result)))")
            }
            let now = ContinuousClock.now
            for scanner in open.values {
                if let text = scanner.flushIfIdle(at: now) { emit(.scan(scanner.device, text: text)) }
            }
            reapClosed()
        }
        shutdown()
        done.signal()
    }

    private func hotplug(device: OpaquePointer, arrived isArrival: Bool) {
        if isArrival {
            libusb_ref_device(device)
            arrived.append(device)
        } else if let identity = Descriptors.identity(device) {
            left.append(identity)
        }
    }

    private func poll() {
        guard let context else { return }
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let count = libusb_get_device_list(context, &list)
        guard count >= 0, let list else { return }
        defer { libusb_free_device_list(list, 1) }
        var present = Set<ScannerDevice>()
        for index in 0..<count {
            guard let device = list[index], let identity = Descriptors.identity(device) else { continue }
            present.insert(identity)
            if open[identity] == nil && matches(identity) && !refused.contains(identity) {
                libusb_ref_device(device)
                arrived.append(device)
            }
        }
        for identity in open.keys where !present.contains(identity) { left.append(identity) }
        refused.formIntersection(present)
    }

    private func matches(_ identity: ScannerDevice) -> Bool {
        configuration.matches.contains { $0.matches(vendorID: identity.vendorID, productID: identity.productID, portPath: identity.portPath) }
    }

    private func openArrived() {
        let devices = arrived
        arrived = []
        for device in devices {
            defer { libusb_unref_device(device) }
            guard let identity = Descriptors.identity(device), matches(identity), open[identity] == nil else { continue }
            do {
                let scanner = try OpenScanner(device: device, identity: identity, configuration: configuration, service: self)
                open[identity] = scanner
                refused.remove(identity)
                logger.info("scanner \(identity) connected (\(scanner.mode))")
                emit(.connected(identity, mode: scanner.mode))
            } catch let error as OpenScanner.OpenError {
                refused.insert(identity)
                logger.warning("scanner \(identity) unavailable: \(error.message)")
                emit(.unavailable(identity, reason: error.message))
            } catch {
                refused.insert(identity)
                emit(.unavailable(identity, reason: "\(error)"))
            }
        }
    }

    private func closeLeft() {
        let gone = left
        left = []
        for identity in gone {
            refused.remove(identity)
            guard let scanner = open[identity] else { continue }
            scanner.markGone(reason: "unplugged")
        }
    }

    /// Scanners whose transfer ended (unplugged, errors) are closed and announced.
    private func reapClosed() {
        for (identity, scanner) in open where scanner.isFinished {
            open[identity] = nil
            scanner.close()
            if !isStopping {
                logger.info("scanner \(identity) disconnected: \(scanner.endReason)")
                emit(.disconnected(identity, reason: scanner.endReason))
            }
            if !usesHotplug { refused.remove(identity) }
        }
    }

    private func shutdown() {
        guard let context else { return }
        for scanner in open.values { scanner.cancel() }
        // Let cancellations complete, boundedly.
        let deadline = ContinuousClock.now + .seconds(2)
        while open.values.contains(where: { !$0.isFinished }) && ContinuousClock.now < deadline {
            var timeout = timeval(tv_sec: 0, tv_usec: 20_000)
            libusb_handle_events_timeout_completed(context, &timeout, nil)
        }
        for scanner in open.values { scanner.close() }
        open = [:]
        if usesHotplug { libusb_hotplug_deregister_callback(context, hotplugHandle) }
        for device in arrived { libusb_unref_device(device) }
        arrived = []
        libusb_exit(context)
        self.context = nil
    }

    // MARK: Listing

    /// Every USB device that matches, with whether Kasse can read it. Runs libusb on a
    /// thread of its own.
    public static func list(matches: [ScannerMatch]) async throws -> [USBDeviceInfo] {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                do {
                    continuation.resume(returning: try listNow(matches: matches))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    static func listNow(matches: [ScannerMatch]) throws -> [USBDeviceInfo] {
        var context: OpaquePointer?
        try USBError.check(libusb_init(&context), "libusb_init")
        defer { libusb_exit(context) }
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let count = try USBError.check(Int32(truncatingIfNeeded: libusb_get_device_list(context, &list)), "libusb_get_device_list")
        guard let list else { return [] }
        defer { libusb_free_device_list(list, 1) }
        var result: [USBDeviceInfo] = []
        for index in 0..<Int(count) {
            guard let device = list[index], let identity = Descriptors.identity(device) else { continue }
            guard matches.contains(where: { $0.matches(vendorID: identity.vendorID, productID: identity.productID, portPath: identity.portPath) })
            else { continue }
            let endpoint = Descriptors.hidEndpoint(device)
            var info = USBDeviceInfo(
                device: identity, id: "\(identity)", manufacturer: nil, product: nil, hidInterface: endpoint.map { Int($0.interface) },
                mode: endpoint.map { $0.isBootKeyboard ? "keyboard" : "hid" }, kernelDriverBound: nil, canOpen: false, problem: nil)
            var handle: OpaquePointer?
            let opened = libusb_open(device, &handle)
            if opened == 0, let handle {
                info.canOpen = true
                var descriptor = libusb_device_descriptor()
                if libusb_get_device_descriptor(device, &descriptor) == 0 {
                    info.manufacturer = Descriptors.string(handle, index: descriptor.iManufacturer)
                    info.product = Descriptors.string(handle, index: descriptor.iProduct)
                }
                if let endpoint {
                    let active = libusb_kernel_driver_active(handle, endpoint.interface)
                    info.kernelDriverBound = active == 1 ? true : active == 0 ? false : nil
                    if !endpoint.isBootKeyboard && Descriptors.isHIDPOS(handle, interface: endpoint.interface) { info.mode = "hid-pos" }
                } else {
                    info.problem = "no HID interface with an interrupt-IN endpoint: set the scanner to USB keyboard (HID) or HID POS mode"
                }
                libusb_close(handle)
            } else if opened == LIBUSB_ERROR_ACCESS.rawValue {
                info.problem = "permission denied: install udev/70-kasse-scanners.rules and add the till's user to the group 'kasse' (see docs/usb-barcode-scanners.md)"
            } else {
                info.problem = "cannot open: \(String(cString: libusb_error_name(opened)))"
            }
            result.append(info)
        }
        return result
    }
}
