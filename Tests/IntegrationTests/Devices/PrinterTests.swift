import Foundation
@testable import IntegrationSupport
import KasseJournal
import KasseJournalSQLite
import KassePrinter
import KassePrinting
import Synchronization
import Testing
import KasseTesting

/// What the print queue reported, for a test to wait on (bounded, generous deadlines: the
/// queue's thread may wait for a busy core).
final class PrintEvents: Sendable {
    private let events = Mutex<[PrintQueue.Event]>([])

    func record(_ event: PrintQueue.Event) { events.withLock { $0.append(event) } }
    var all: [PrintQueue.Event] { events.withLock { $0 } }

    var printed: [PrintQueue.Job] {
        all.compactMap { if case .printed(let job, _) = $0 { job } else { nil } }
    }

    var failures: [PrinterError] {
        all.compactMap { if case .notPrinted(_, let error) = $0 { error } else { nil } }
    }

    @discardableResult
    func waitFor(_ what: String, timeout: Duration = .seconds(60), sourceLocation: SourceLocation = #_sourceLocation,
                 _ condition: ([PrintQueue.Event]) -> Bool) async -> Bool {
        if await eventually(timeout: timeout, every: .milliseconds(20), { condition(all) ? true : nil }) != nil { return true }
        Issue.record("never saw \(what); events: \(all)", sourceLocation: sourceLocation)
        return false
    }
}


/// A receipt as the till makes it, for the printer.
let sampleReceipt = PrintDocument.stored(
    ["Salgskvittering", "----", "Brød og smør æøå ÆØÅ äö        49,90", "TOTALT NOK                     49,90"],
    title: "Salgskvittering", logo: Bitmap(width: 8, height: 1, rows: [0xAA]), barcode: "000042")

/// The print queue against the project's printer emulator over real loopback TCP and a named
/// pipe: what arrives is read back as a printer reads it, and faults are the emulator's.
@Suite struct PrintQueueTests {
    func queue(_ settings: PrinterSettings, _ events: PrintEvents) -> PrintQueue {
        // Retries by itself every 200 ms, and at once when the test says (retry()): a connection
        // reset on a busy machine is tried again like any failure.
        let queue = PrintQueue(settings: settings, retryInterval: .milliseconds(200), statusInterval: .seconds(3600)) { events.record($0) }
        queue.start()
        return queue
    }

    @Test func aReceiptPrintsOverTheNetworkAndReadsBack() async throws {
        let emulator = PrinterEmulator()
        try emulator.listen(port: 0)
        defer { emulator.stop() }
        let events = PrintEvents()
        let queue = queue(PrinterSettings(target: .network(host: "127.0.0.1", port: emulator.port), codePage: .pc865), events)
        defer { queue.stop() }
        queue.enqueue(PrintQueue.Job(id: 1, name: "receipt 42", bytes: ESCPOS.encode(sampleReceipt, codePage: .pc865)))
        let documents = await waitForDocuments(emulator, 1)
        await events.waitFor("printed") { _ in events.printed.count == 1 }
        let receipt = try #require(documents.first)
        #expect(receipt.cut)
        #expect(receipt.lines.map(\.text).contains("Brød og smør æøå ÆØÅ äö        49,90"))
        #expect(receipt.barcodes == ["000042"])
        #expect(receipt.images.count == 1)
        #expect(receipt.lines.first { $0.text == "Salgskvittering" }?.large == true)
        // Asked before the job and after it (confirmation): six status requests.
        #expect(emulator.statusRequests == 6)
        #expect(events.all.contains(.printed(PrintQueue.Job(id: 1, name: "receipt 42", bytes: ESCPOS.encode(sampleReceipt, codePage: .pc865)), confirmed: true)))
    }

    @Test func anUnreachablePrinterKeepsTheJobAndPrintsItOnceWhenItIsBack() async throws {
        // A free port, then nobody listening on it.
        let probe = PrinterEmulator()
        try probe.listen(port: 0)
        let port = probe.port
        probe.stop()
        let events = PrintEvents()
        let queue = queue(PrinterSettings(target: .network(host: "127.0.0.1", port: port), timeout: .seconds(5)), events)
        defer { queue.stop() }
        queue.enqueue(PrintQueue.Job(id: 7, name: "receipt 7", bytes: ESCPOS.encode(sampleReceipt)))
        await events.waitFor("the job refused") { _ in !events.failures.isEmpty }
        guard case .unreachable = events.failures.first else {
            Issue.record("expected unreachable, got \(events.failures)")
            return
        }
        #expect(queue.waiting.map(\.id) == [7])
        let emulator = PrinterEmulator()
        try emulator.listen(port: port)
        defer { emulator.stop() }
        queue.retry()
        await events.waitFor("printed once back") { _ in events.printed.count == 1 }
        #expect(await waitForDocuments(emulator, 1).count == 1)
        // Another retry, with nothing waiting, prints nothing more.
        queue.retry()
        queue.enqueue(PrintQueue.Job(id: 8, name: "receipt 8", bytes: ESCPOS.encode(PrintDocument(blocks: [.text("next")]))))
        await events.waitFor("the next job") { _ in events.printed.count == 2 }
        let documents = await waitForDocuments(emulator, 2)
        #expect(documents.count == 2)
        #expect(documents.filter { $0.barcodes == ["000042"] }.count == 1)
        #expect(queue.waiting.isEmpty)
    }

    @Test func paperOutHoldsTheJobUntilPaperIsBack() async throws {
        let emulator = PrinterEmulator(behaviour: .paperOut)
        try emulator.listen(port: 0)
        defer { emulator.stop() }
        let events = PrintEvents()
        let queue = queue(PrinterSettings(target: .network(host: "127.0.0.1", port: emulator.port)), events)
        defer { queue.stop() }
        queue.enqueue(PrintQueue.Job(id: 1, name: "receipt 1", bytes: ESCPOS.encode(sampleReceipt)))
        await events.waitFor("paper out") { _ in events.failures.contains(.notReady(PrinterStatus(offline: true, paperOut: true))) }
        #expect(events.failures.contains(.notReady(PrinterStatus(offline: true, paperOut: true))))
        #expect(events.all.contains(.status(.success(PrinterStatus(offline: true, paperOut: true)))))
        #expect(emulator.documents.isEmpty)
        #expect(events.failures.contains { $0.description == "printer: paper out" })
        // Tried again, still out of paper: not said again.
        let asked = emulator.statusRequests
        queue.retry()
        _ = await eventually(timeout: .seconds(60), every: .milliseconds(20)) { emulator.statusRequests >= asked + 3 ? true : nil }
        #expect(emulator.statusRequests >= asked + 3)
        emulator.behaviour = .ready
        queue.retry()
        await events.waitFor("printed") { _ in events.printed.count == 1 }
        // The events come in order: the later tries', had they been said, would be before this.
        // A busy machine may make one try time out in between; that is another cause, said once,
        // after which paper out is news again. The same cause twice in a row is never said.
        let failures = events.failures
        #expect(!zip(failures, failures.dropFirst()).contains { $0 == $1 }, "\(failures)")
        #expect(failures.filter { $0 == .notReady(PrinterStatus(offline: true, paperOut: true)) }.count
                    <= 1 + failures.filter { $0 != .notReady(PrinterStatus(offline: true, paperOut: true)) }.count, "\(failures)")
        #expect(await waitForDocuments(emulator, 1).count == 1)
        #expect(events.all.contains(.status(.success(.ready))))
    }

    @Test func aPrinterThatNeverAnswersTimesOutAndTheJobWaits() async throws {
        let emulator = PrinterEmulator(behaviour: .silent)
        try emulator.listen(port: 0)
        defer { emulator.stop() }
        let events = PrintEvents()
        let queue = queue(PrinterSettings(target: .network(host: "127.0.0.1", port: emulator.port), timeout: .milliseconds(300)), events)
        defer { queue.stop() }
        // Enqueueing never waits for the printer.
        queue.enqueue(PrintQueue.Job(id: 1, name: "receipt 1", bytes: ESCPOS.encode(sampleReceipt)))
        #expect(queue.waiting.count <= 1)
        // A connection reset by a busy machine is another failure; the queue is told to try
        // again until the printer's silence itself is what it reports.
        await events.waitFor("not answering") { _ in
            if events.failures.contains(.notAnswering) { return true }
            if !events.failures.isEmpty { queue.retry() }
            return false
        }
        #expect(emulator.documents.isEmpty)
        emulator.behaviour = .ready
        queue.retry()
        await events.waitFor("printed") { _ in events.printed.count == 1 }
        let documents = await waitForDocuments(emulator, 1)
        #expect(documents.count == 1)
        #expect(documents[0].barcodes == ["000042"])
    }

    @Test func aUSBPrinterDeviceUnpluggedThenPluggedIn() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-lp-\(UUID().uuidString)").path
        #expect(mkfifo(path, 0o600) == 0)
        defer { unlink(path) }
        let events = PrintEvents()
        let queue = queue(PrinterSettings(target: .device(path: path)), events)
        defer { queue.stop() }
        queue.enqueue(PrintQueue.Job(id: 1, name: "receipt 1", bytes: ESCPOS.encode(sampleReceipt)))
        // Nobody reads the device: as unplugged.
        await events.waitFor("unplugged") { _ in !events.failures.isEmpty }
        guard case .unreachable(let why) = events.failures.first else {
            Issue.record("expected unreachable: \(events.failures)")
            return
        }
        #expect(why.contains(path))
        let emulator = PrinterEmulator()
        try emulator.readDevice(at: path)
        defer { emulator.stop() }
        // The emulator opens the pipe on its own thread: retry until the device takes the job.
        _ = await eventually(timeout: .seconds(60), every: .milliseconds(50)) { () -> Bool? in
            if !events.printed.isEmpty { return true }
            queue.retry()
            return nil
        }
        let documents = await waitForDocuments(emulator, 1)
        #expect(documents.count == 1)
        #expect(documents.first?.lines.contains { $0.text.hasPrefix("Brød og smør æøå ÆØÅ äö") } == true)
        #expect(events.printed.count == 1)
    }

    @Test func aFileTargetCollectsTheBytes() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-print-\(UUID().uuidString).escpos").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let events = PrintEvents()
        let queue = queue(PrinterSettings(target: .file(path: path)), events)
        defer { queue.stop() }
        queue.enqueue(PrintQueue.Job(id: 1, name: "a", bytes: ESCPOS.encode(sampleReceipt)))
        queue.enqueue(PrintQueue.Job(id: 2, name: "b", bytes: ESCPOS.encode(sampleReceipt)))
        await events.waitFor("two printed") { _ in events.printed.count == 2 }
        var reader = ESCPOSReader()
        _ = reader.read(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        #expect(reader.documents.count == 2)
        #expect(reader.documents.allSatisfy { $0.barcodes == ["000042"] })
    }
}

/// `kasse printer …` and `kasse journal print`, the real binary against the emulator.
@Suite struct PrinterCommandTests {
    @Test func aTestPageAndTheStatus() async throws {
        let emulator = PrinterEmulator()
        try emulator.listen(port: 0)
        defer { emulator.stop() }
        let page = try await KasseBinary.run(["printer", "test", "--network", "127.0.0.1:\(emulator.port)", "--paper-mm", "58"])
        #expect(page.status == 0, "\(page.errors)")
        #expect(page.output.contains("the printer confirmed it"))
        let printed = try #require(await waitForDocuments(emulator, 1).first)
        let lines = printed.lines.map(\.text)
        #expect(lines.contains("Kasse testside"))
        #expect(lines.contains("Norsk/dansk: æøå ÆØÅ"))
        #expect(lines.contains("Suomi/svenska: äö ÄÖ å Å"))
        #expect(lines.contains("Euro: € (pc858 and wpc1252 only)"))
        #expect(lines.contains("01234567890123456789012345678901"))  // 58 mm: 32 columns
        #expect(printed.barcodes == ["TEST-1234"])
        #expect(printed.images.first.map { ($0.width, $0.height) } ?? (0, 0) == (192, 48))

        let status = try await KasseBinary.run(["printer", "status", "--network", "127.0.0.1:\(emulator.port)"])
        #expect(status.status == 0)
        #expect(status.output.contains("network printer 127.0.0.1:\(emulator.port): ready"))
        emulator.behaviour = .paperOut
        let out = try await KasseBinary.run(["printer", "status", "--network", "127.0.0.1:\(emulator.port)"])
        #expect(out.status == 2)
        #expect(out.output.contains("paper out"))
        let refused = try await KasseBinary.run(["printer", "test", "--network", "127.0.0.1:\(emulator.port)"])
        #expect(refused.status != 0)
        #expect(refused.errors.contains("The test page did not print: printer: paper out."))
        #expect(emulator.documents.count == 1)
    }

    /// The journal of a day, on paper: every entry, wrapped to the paper's width.
    @Test func theJournalOfADayIsPrinted() async throws {
        let path = JournalFixture.temporaryPath()
        let journal = try Journal(path: path, till: "1", cashier: "1001")
        try await journal.append([.tillStarted(mode: "DEMO", store: "S1", till: "1"),
                                  .operatorAction("a note long enough to need a second line on 58 mm paper, and then some")])
        let env = ["KASSE_CONFIG": "/nonexistent/kasse.toml", "KASSE_JOURNAL": path, "HOME": NSTemporaryDirectory()]
        let text = try await KasseBinary.run(["journal", "print", "--date", "today", "--text"], environment: env)
        #expect(text.status == 0, "\(text.errors)")
        #expect(text.output.contains("till-started: DEMO S1/1"))
        #expect(text.output.contains("2 entries"))
        let emulator = PrinterEmulator()
        try emulator.listen(port: 0)
        defer { emulator.stop() }
        let printed = try await KasseBinary.run(["journal", "print", "--date", "today", "--network", "127.0.0.1:\(emulator.port)"], environment: env)
        #expect(printed.status == 0, "\(printed.errors)")
        let paper = try #require(await waitForDocuments(emulator, 1).first)
        let lines = paper.lines.map(\.text)
        #expect(lines.first?.hasPrefix("Journal ") == true)
        #expect(lines.contains { $0.hasPrefix("#2 ") && $0.contains("operator: a note long enough") })
        #expect(lines.contains("2 entries"))
        #expect(lines.allSatisfy { $0.count <= 48 })
        let none = try await KasseBinary.run(["journal", "print", "--date", "2001-01-01", "--text"], environment: env)
        #expect(none.output.contains("0 entries"))
    }

    @Test func noPrinterOrABadOneIsExplained() async throws {
        let none = try await KasseBinary.run(["printer", "test"], environment: ["KASSE_CONFIG": "/nonexistent/kasse.toml", "HOME": NSTemporaryDirectory()])
        #expect(none.status != 0)
        #expect(none.errors.contains("No printer"))
        let bad = try await KasseBinary.run(["printer", "test", "--network", "127.0.0.1:99999"])
        #expect(bad.errors.contains("--network: must be HOST or HOST:PORT"))
        let gone = try await KasseBinary.run(["printer", "status", "--device", "/nonexistent/lp0"])
        #expect(gone.status == 1)
        #expect(gone.output.contains("printer not reachable (/nonexistent/lp0: No such file or directory)"))
    }

    /// The emulator as a person runs it: each cut document as text and a PNG.
    @Test func theEmulatorWritesTextAndAPicture() async throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-emulated-\(UUID().uuidString)").path
        // The PNG is drawn in the console font of console-setup-linux (scripts/apt-packages.txt).
        #expect(FileManager.default.fileExists(atPath: "/usr/share/consolefonts/Uni2-Fixed16.psf.gz"))
        let running = try KasseBinary.Running(["printer", "emulate", "--port", "0", "--out", out, "--columns", "32"])
        defer { running.process.terminate() }
        let listening = try #require(await running.firstLine(containing: "Printer emulator on"))
        let port = try #require(listening.split(separator: ":").dropFirst().first.flatMap { Int($0.prefix { $0.isNumber }) })
        let page = try await KasseBinary.run(["printer", "test", "--network", "127.0.0.1:\(port)", "--paper-mm", "58"])
        #expect(page.status == 0, "\(page.errors)")
        #expect(await running.firstLine(containing: "printed ") != nil)
        let text = try String(contentsOfFile: out + "/0001.txt", encoding: .utf8)
        #expect(text.contains("Norsk/dansk: æøå ÆØÅ"))
        #expect(text.contains("[barcode TEST-1234]"))
        #expect(text.contains("[image 192x48]"))
        do {
            let png = try Data(contentsOf: URL(fileURLWithPath: out + "/0001.png"))
            #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
            // Checked by an independent PNG reader, which also counts the ink.
            let check = try await runProgram(Repository.python, ["-c", """
                import sys, zlib, struct
                data = open(sys.argv[1], 'rb').read()
                w, h = struct.unpack('>II', data[16:24])
                chunks, i = b'', 8
                while i < len(data):
                    n = struct.unpack('>I', data[i:i+4])[0]; t = data[i+4:i+8]
                    if t == b'IDAT': chunks += data[i+8:i+8+n]
                    i += 12 + n
                raw = zlib.decompress(chunks)
                row = (w + 7) // 8 + 1
                assert len(raw) == row * h, (len(raw), row, h)
                ink = sum(bin(255 - b).count('1') for r in range(h) for b in raw[r*row+1:(r+1)*row])
                print(w, h, ink)
                """, out + "/0001.png"])
            let numbers = check.output.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            #expect(check.status == 0, "\(check.errors)")
            #expect(numbers.count == 3 && numbers[0] == 34 * 8 && numbers[1] > 200 && numbers[2] > 2_000, "\(check.output)")
        }
    }
}

/// A printer unplugged in the middle of a job: the connection breaks after part of it.
@Suite struct PrinterUnpluggedMidJobTests {
    @Test func theWholeJobPrintsAgainOnceThePrinterIsBack() async throws {
        let emulator = PrinterEmulator(behaviour: .unplugMidJob)
        try emulator.listen(port: 0)
        defer { emulator.stop() }
        let events = PrintEvents()
        let queue = PrintQueue(settings: PrinterSettings(target: .network(host: "127.0.0.1", port: emulator.port)),
                               retryInterval: .milliseconds(200), statusInterval: .seconds(3600)) { events.record($0) }
        queue.start()
        defer { queue.stop() }
        queue.enqueue(PrintQueue.Job(id: 1, name: "receipt 42", bytes: ESCPOS.encode(sampleReceipt)))
        await events.waitFor("the job lost") { _ in
            events.failures.contains { if case .lostMidJob = $0 { true } else { false } }
        }
        // Part of it came out, uncut.
        let torn = await waitForDocuments(emulator, 1)
        #expect(torn.first?.cut == false)
        #expect(queue.waiting.map(\.id) == [1])
        emulator.behaviour = .ready
        queue.retry()
        await events.waitFor("printed") { _ in events.printed.count == 1 }
        let documents = await waitForDocuments(emulator, 2)
        #expect(documents.filter(\.cut).count == 1)
        #expect(documents.last?.cut == true)
        #expect(documents.last?.barcodes == ["000042"])
        #expect(documents.last?.lines.contains { $0.text.hasPrefix("Brød og smør æøå ÆØÅ äö") } == true)
    }
}
