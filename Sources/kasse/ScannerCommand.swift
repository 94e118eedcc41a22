import ArgumentParser
import Foundation
import KasseCore
import KasseScanning
import KasseUSB
import Logging

extension KeyboardLayout: ExpressibleByArgument {}

struct ScannerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scanner", abstract: "Find USB barcode scanners and read them through libusb.",
        subcommands: [List.self, Listen.self, Encode.self])

    struct DeviceOptions: ParsableArguments {
        @Option(name: .customLong("device"), help: "VID:PID[@PORTPATH] to use (repeat; default: Zebra, Honeywell, Datalogic, Newland, Opticon).")
        var devices: [String] = []

        func matches() throws -> [ScannerMatch] {
            guard !devices.isEmpty else { return ScannerMatch.defaults }
            do {
                return try devices.map { try ScannerMatch(parsing: $0) }
            } catch {
                throw ValidationError("\(error)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List scanners: id, port, kernel driver, and whether Kasse can open them.")
        @OptionGroup var options: DeviceOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let devices: [USBDeviceInfo]
            do {
                devices = try await USBScannerService.list(matches: try options.matches())
            } catch let error as USBError {
                throw CLIError("USB is not available: \(error)")
            }
            if json {
                printJSON(devices)
                return
            }
            if devices.isEmpty { emit("No scanners found (looked for \(try options.matches().map(\.description).joined(separator: ", ")))") }
            for info in devices {
                let name = [info.manufacturer, info.product].compactMap { $0 }.joined(separator: " ")
                let driver = info.kernelDriverBound.map { $0 ? "kernel driver bound (Kasse detaches it)" : "no kernel driver" } ?? "driver unknown"
                let status = info.canOpen ? "can open" : "cannot open"
                emit("\(info.id)  \(name.isEmpty ? "?" : name)  \(info.mode ?? "no HID interface")  \(driver)  \(status)"
                     + (info.problem.map { ": \($0)" } ?? ""))
            }
        }
    }

    struct Listen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print one line per scan until interrupted; connection changes go to standard error.")
        @OptionGroup var options: DeviceOptions
        @Option(help: "The keyboard layout the scanner is set to: us, no, da or fi.") var layout: KeyboardLayout = .us
        @Flag(help: "Print each scan as {\"device\", \"kind\", \"text\"}.") var json = false
        @Option(name: .customLong("pause-ms"), help: "The pause that ends a scan from a scanner that sends no Enter (as [scanners] pause_ms; 50–10000).")
        var pauseMilliseconds: Int?

        func validate() throws {
            if let pauseMilliseconds, !(50...10_000).contains(pauseMilliseconds) { throw ValidationError("--pause-ms must be 50 to 10000") }
        }

        func run() async throws {
            let service = USBScannerService(
                configuration: ScannerServiceConfiguration(
                    matches: try options.matches(), layout: layout,
                    scanPause: pauseMilliseconds.map { .milliseconds($0) } ?? ScanAssembler.defaultPause),
                logger: Logger(label: "kasse.usb") { _ in SwiftLogNoOpLogHandler() })
            do {
                try service.start()
            } catch {
                throw CLIError("USB is not available: \(error)")
            }
            let signals = SignalWatcher { service.stop() }
            defer { signals.cancel() }
            warn("listening for scans (\(layout.displayName) layout); Ctrl-C to stop")
            for await event in service.events {
                switch event {
                case .scan(let device, let text):
                    let kind = ScanClassification.classify(text).kind
                    if json {
                        let line = ScanLine(device: device.description, kind: kind.rawValue, text: text)
                        let encoder = JSONEncoder()
                        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                        if let data = try? encoder.encode(line) { emit(String(decoding: data, as: UTF8.self)) }
                    } else {
                        emit("\(device) \(kind.rawValue) \(text)")
                    }
                case .connected(let device, let mode): warn("connected: \(device) \(mode)")
                case .disconnected(let device, let reason): warn("disconnected: \(device) (\(reason))")
                case .unavailable(let device, let reason): warn("unavailable: \(device): \(reason)")
                }
            }
        }
    }

    struct Encode: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the HID reports a scanner sends for a text (hex, one per line), for emulators and tests.",
            shouldDisplay: false)
        @Option(help: "Keyboard layout: us, no, da or fi.") var layout: KeyboardLayout = .us
        @Flag(help: "HID POS reports instead of keyboard reports.") var pos = false
        @Argument(help: "The text.") var text: String

        func run() async throws {
            let reports: [[UInt8]]
            if pos {
                reports = HIDPOSDecoder.reports(for: text)
            } else {
                do {
                    reports = try HIDKeyboardEncoder.reports(for: text, layout: layout)
                } catch {
                    throw CLIError("cannot type that text in the \(layout.displayName) layout")
                }
            }
            for report in reports { emit(report.map { String(format: "%02x", $0) }.joined()) }
        }
    }

    struct ScanLine: Encodable {
        var device: String
        var kind: String
        var text: String
    }
}

/// Turns SIGINT and SIGTERM into a call, outside any signal handler.
/// `@unchecked Sendable`: the sources are set once in init and only cancelled afterwards.
final class SignalWatcher: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]

    init(_ action: @escaping @Sendable () -> Void) {
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { action() }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    func cancel() {
        for source in sources { source.cancel() }
    }
}
