import ArgumentParser
import Foundation
import KasseFiles
import KasseCore
import KassePrinter
import KassePrinting
import KasseTillApp

/// The printer `[printer]` names, or the one given on the command line.
struct PrinterOptions: ParsableArguments {
    @Option(help: "Configuration file (default: $KASSE_CONFIG or ~/.config/kasse/kasse.toml, if it exists).") var config: String?
    @Option(help: "A network printer, HOST[:PORT] (instead of the configured one).") var network: String?
    @Option(help: "A USB printer device, like /dev/usb/lp0 (instead of the configured one).") var device: String?
    @Option(help: "A file for the raw ESC/POS bytes (instead of the configured printer).") var file: String?
    @Option(help: "Paper width: 58 or 80 (mm).") var paperMM: String?
    @Option(help: "Code page: pc858, pc865 or wpc1252.") var codePage: String?

    func settings() throws -> (PrinterSettings, TillConfiguration?) {
        let configured: TillConfiguration?
        do {
            configured = try TillLauncher.configuration(configPath: config)
        } catch {
            throw CLIError(error.description)
        }
        let given = try Self.printer(configured?.printer, network: network, device: device, file: file, paperMM: paperMM, codePage: codePage)
        guard let printer = given else {
            throw CLIError("No printer: add a [printer] section to the configuration (network = \"HOST:9100\", device = \"/dev/usb/lp0\" or file = \"PATH\"), or give --network, --device or --file.")
        }
        return (printer, configured)
    }

    /// The configured printer with what the command line says instead (nil: none at all).
    static func printer(_ configured: PrinterSettings?, network: String?, device: String?, file: String?, paperMM: String? = nil,
                        codePage: String? = nil) throws -> PrinterSettings? {
        let given = ["network": network, "device": device, "file": file].compactMapValues { $0 }
        guard !given.isEmpty || paperMM != nil || codePage != nil else { return configured }
        var values = given
        if given.isEmpty, let configured {
            switch configured.target {
            case .network(let host, let port): values["network"] = "\(host):\(port)"
            case .device(let path): values["device"] = path
            case .file(let path): values["file"] = path
            }
        }
        values["paper_mm"] = paperMM
        values["code_page"] = codePage
        do {
            return try PrinterSettings.parse { values[$0] }
        } catch {
            throw CLIError("--\(error.key.replacingOccurrences(of: "_", with: "-")): \(error.message)")
        }
    }

    /// The shop's logo: `printer.logo`, else the one in assets/ (nil: none that reads).
    static func logo(_ configured: TillConfiguration?) -> Bitmap? {
        (configured?.logoPath ?? Assets.path("logo.pbm")).flatMap(ReceiptPrinter.logo(at:))
    }
}

struct PrinterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "printer", abstract: "The receipt printer: a test page, its status, and an emulator to print to.",
        subcommands: [Test.self, Status.self, Emulate.self])

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a test page: the letters of every Nordic language, columns, a barcode, the logo.")
        @OptionGroup var options: PrinterOptions

        func run() async throws {
            let (printer, configured) = try options.settings()
            let logo = PrinterOptions.logo(configured)
            let bytes = ESCPOS.encode(Self.page(printer, logo: logo), codePage: printer.codePage, columns: printer.columns)
            switch PrinterLink.print(bytes, printer) {
            case .success(let result):
                emit("Test page sent to the \(printer.target)" + (result.confirmed ? "; the printer confirmed it." : "; the printer did not confirm it (check it printed)."))
                if let status = result.status { emit("Printer: \(status)") }
            case .failure(let error):
                throw CLIError("The test page did not print: \(error).")
            }
        }

        static func page(_ printer: PrinterSettings, logo: Bitmap?) -> PrintDocument {
            let width = printer.columns
            func row(_ left: String, _ right: String) -> String {
                left + String(repeating: " ", count: max(1, width - left.count - right.count)) + right
            }
            var blocks: [PrintDocument.Block] = []
            if let logo { blocks.append(.image(logo)) }
            blocks += [
                .text("Kasse testside", bold: true, large: true, alignment: .centre),
                .text(String(repeating: "-", count: width)),
                .text("Norsk/dansk: æøå ÆØÅ"),
                .text("Suomi/svenska: äö ÄÖ å Å"),
                .text("Euro: € (pc858 and wpc1252 only)"),
                .text(row("Kolonner: \(width)", "\(printer.codePage.rawValue)")),
                .text(String((0..<width).map { Character(String($0 % 10)) })),
                .text(row("Bold", "12,50"), bold: true),
                .text(String(repeating: "-", count: width)),
                .feed(1),
                .barcode("TEST-1234"),
            ]
            return PrintDocument(blocks: blocks)
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "What the printer says about itself: paper, cover, off-line.")
        @OptionGroup var options: PrinterOptions

        func run() async throws {
            let (printer, _) = try options.settings()
            switch PrinterLink.status(printer) {
            case .success(let status?):
                emit("\(printer.target): \(status)")
                if !status.canPrint { throw ExitCode(2) }
            case .success(nil):
                emit("\(printer.target): reachable; this connection cannot report paper or cover status")
            case .failure(let error):
                emit("\(printer.target): \(error)")
                throw ExitCode(1)
            }
        }
    }

    struct Emulate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A receipt printer of our own: takes ESC/POS on a TCP port (and/or a named pipe for a USB device) and writes each cut document as text, PNG and the raw bytes.")
        @Option(help: "Address to listen on.") var host = "127.0.0.1"
        @Option(help: "TCP port (0: any free port; the one chosen is printed).") var port = 9100
        @Option(help: "Also read a named pipe standing in for a USB printer device (created if missing).") var device: String?
        @Option(help: "Folder the printed documents go to (NNNN.txt, NNNN.png, NNNN.escpos).") var out: String
        @Option(help: "Characters a line on the paper (48 for 80 mm, 32 for 58 mm).") var columns = 48
        @Option(help: "A PC Screen Font (.psf or .psf.gz) to draw the PNG with.") var font = "/usr/share/consolefonts/Uni2-Fixed16.psf.gz"
        @Option(help: "How it behaves: ready, paper-out, paper-low, cover-open, silent (takes connections, never answers) or unplug-mid-job (drops the connection part way into a job).") var behaviour = "ready"

        func run() async throws {
            guard let behaviour = PrinterEmulator.Behaviour(rawValue: behaviour) else {
                throw CLIError("--behaviour must be \(PrinterEmulator.Behaviour.allCases.map(\.rawValue).joined(separator: ", ")), not '\(self.behaviour)'")
            }
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let fontFile = try Self.readFont(font)
            let folder = out, columns = self.columns
            let counter = Counter()
            let emulator = PrinterEmulator(behaviour: behaviour) { document in
                let number = counter.next()
                let name = folder + "/" + String(format: "%04d", number)
                let text = document.rendered(columns: columns).joined(separator: "\n") + "\n"
                _ = FileManager.default.createFile(atPath: name + ".txt", contents: Data(text.utf8))
                if let fontFile {
                    _ = FileManager.default.createFile(atPath: name + ".png",
                                                   contents: Data(PNG.encode(PaperImage.render(document, columns: columns, font: fontFile))))
                }
                emit("printed \(name).txt (\(document.lines.count) lines" + (document.barcodes.isEmpty ? "" : ", barcode \(document.barcodes.joined(separator: " "))") + ")")
            }
            do {
                try emulator.listen(host: host, port: port)
                if let device { try emulator.readDevice(at: device) }
            } catch {
                throw CLIError("\(error)")
            }
            emit("Printer emulator on \(host):\(emulator.port)\(device.map { " and \($0)" } ?? ""), \(behaviour.rawValue); documents go to \(out)")
            if fontFile == nil { emit("(no font at \(font): documents are written as text only; install console-setup-linux for the PNG)") }
            // Runs until interrupted.
            while true { try await Task.sleep(for: .seconds(3600)) }
        }

        static func readFont(_ path: String) throws -> ConsoleFont? {
            guard FileManager.default.fileExists(atPath: path) else { return nil }
            var data: Data?
            if path.hasSuffix(".gz") {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/bin/gzip")
                process.arguments = ["-dc", path]
                let pipe = Pipe()
                process.standardOutput = pipe
                try process.run()
                data = PipeReader.readAll(pipe.fileHandleForReading)
                process.waitUntilExit()
            } else {
                data = FileManager.default.contents(atPath: path)
            }
            guard let data, let font = ConsoleFont(psf: Array(data)) else { throw CLIError("\(path) is not a PC Screen Font") }
            return font
        }
    }
}

/// Numbers the emulator's documents, from any thread.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int { lock.withLock { value += 1; return value } }
}

/// The journal as printed: each entry on as many lines of the paper as it needs, the lines
/// after the first indented.
enum JournalPrintLayout {
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var rest = Substring(text)
        var first = true
        while !rest.isEmpty {
            let room = first ? width : width - 2
            var line = rest.prefix(room)
            if line.count < rest.count, let space = line.lastIndex(of: " "), line.distance(from: line.startIndex, to: space) > room / 2 {
                line = rest[rest.startIndex..<space]
            }
            lines.append((first ? "" : "  ") + line)
            rest = rest[line.endIndex...].drop { $0 == " " }
            first = false
        }
        return lines.isEmpty ? [""] : lines
    }
}
