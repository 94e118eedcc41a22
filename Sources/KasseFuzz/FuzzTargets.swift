import Foundation
import KasseConfig
import KasseCore
import KassePrinting
import KasseScanning
import KasseTill
import VippsModels
import VippsWebhooks
import KasseJournal

/// Every parser that takes bytes from outside the till, as a fuzz target: each must return or
/// throw for any input, never trap, hang or grow without bound.
///
/// Built with libFuzzer (`scripts/fuzz`, `-sanitize=fuzzer -DFUZZING`) the binary is a fuzzer
/// for the target named by `KASSE_FUZZ_TARGET`; built normally it replays files through a
/// target (`kasse-fuzz TARGET FILE…`), which is how crashes found become regression tests.
public enum FuzzTargets {
    public static let names = ["catalog", "customer", "hid-keyboard", "hid-pos", "config", "journal-entry", "webhook", "typed-input", "escpos"]

    public static func run(_ name: String, _ data: [UInt8]) {
        switch name {
        case "catalog": catalog(data)
        case "customer": customer(data)
        case "hid-keyboard": hidKeyboard(data)
        case "hid-pos": hidPOS(data)
        case "config": config(data)
        case "journal-entry": journalEntry(data)
        case "webhook": webhook(data)
        case "typed-input": typedInput(data)
        case "escpos": escpos(data)
        default: fatalError("unknown fuzz target \(name); known: \(names.joined(separator: ", "))")
        }
    }

    static func text(_ data: [UInt8]) -> String { String(decoding: data, as: UTF8.self) }

    /// Catalog CSV, for each market, and a lookup and a search in what loaded.
    static func catalog(_ data: [UInt8]) {
        let market = Market.allCases[Int(data.first ?? 0) % Market.allCases.count]
        let result = data.withUnsafeBufferPointer { CatalogCSV.parse(bytes: $0, market: market) }
        _ = result.problems.count
        if result.catalog.count > 0 {
            _ = result.catalog.lookup(code: text(Array(data.prefix(20))))
            _ = result.catalog.search(name: text(Array(data.suffix(8))))
        }
    }

    /// Personal QR codes, phone numbers typed in every market, and scan classification.
    static func customer(_ data: [UInt8]) {
        let input = text(data)
        _ = ScanClassification.classify(input)
        _ = try? PersonalQRCode(scanned: input)
        for market in Market.allCases {
            if let number = try? MSISDN(typed: input, market: market) { _ = number.masked }
        }
        _ = try? MSISDN(validated: input)
        _ = GTIN.looksLikeGTIN(input)
        _ = try? GTIN(input)
    }

    /// Boot-keyboard reports (8 bytes each) in every layout, assembled into scans.
    static func hidKeyboard(_ data: [UInt8]) {
        for layout in KeyboardLayout.allCases {
            var decoder = HIDKeyboardDecoder(layout: layout)
            var assembler = ScanAssembler(maximumLength: 256)
            var now = ContinuousClock.Instant.now
            var index = 0
            while index < data.count {
                let length = min(8, data.count - index, Int(data[index] % 9) + 1)
                let report = Array(data[index..<(index + length)])
                index += length
                now += .milliseconds(Int(report.last ?? 0))
                for scan in assembler.feed(decoder.decode(report), at: now) { _ = ScanClassification.classify(scan) }
                _ = assembler.flushIfIdle(at: now)
            }
        }
    }

    /// HID POS reports (64 bytes each, or shorter), long codes across several.
    static func hidPOS(_ data: [UInt8]) {
        var decoder = HIDPOSDecoder()
        var index = 0
        while index < data.count {
            let length = min(64, data.count - index, Int(data[index]) % 65 + 1)
            if let scan = decoder.decode(Array(data[index..<(index + length)])) { _ = ScanClassification.classify(scan) }
            index += length
        }
    }

    /// The configuration file: TOML (or an earlier Kasse's form) and the unknown-key check.
    static func config(_ data: [UInt8]) {
        guard let file = try? ConfigReader.parse(text(data)) else { return }
        _ = ConfigReader.unknownKeys(in: file)
        for (_, tables) in file.tables { for table in tables { _ = table.values.count } }
    }

    /// A journal entry as stored (format 1 and 2), decoded and written back.
    static func journalEntry(_ data: [UInt8]) {
        guard let event = try? JSONDecoder().decode(JournalEvent.self, from: Data(data)) else { return }
        _ = event.kind
        _ = event.sale
        _ = try? JSONEncoder().encode(event)
    }

    /// A webhook request: headers (lines `name: value`) and a body after an empty line.
    static func webhook(_ data: [UInt8]) {
        let input = text(data)
        let parts = input.split(separator: "\n\n", maxSplits: 1, omittingEmptySubsequences: false)
        var headers: [String: String] = [:]
        for line in (parts.first ?? "").split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[String(line[..<colon])] = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
        }
        let body = Array((parts.count > 1 ? parts[1] : "").utf8)
        // The published test vector's secret, URL and time, so a seed gets through to the signature.
        let verifier = WebhookVerifier(
            secret: "A0+AeKBRG2KRGvnNwJpQlb6IJFk48CKXCIcrLoHncVJKDILsQSxS6NWCccwWm6r6FhGKhiHTBsG2wo/xU6FY/A==",
            registeredURL: "https://webhook.site/e2cee29b-012e-4f1d-8ef4-e95fd74a7a63",
            now: { Date(timeIntervalSince1970: 1_680_165_632) })
        _ = try? verifier.verify(method: "POST", headers: headers, body: body)
        _ = InternetTime.parseHTTPDate(input)
    }

    /// What a cashier types: prices, weights, pieces, days, references.
    static func typedInput(_ data: [UInt8]) {
        let input = text(data)
        for currency in [Currency.NOK, .DKK, .EUR] { _ = try? Money.parse(input, currency: currency) }
        _ = try? Quantity.parseKilograms(input)
        _ = try? Quantity.parsePieces(input)
        _ = CivilDate.parse(input, today: CivilDate(year: 2026, month: 11, day: 30))
        _ = PaymentReference.isValid(input)
        _ = try? DecimalInput.parse(input, fractionDigits: 2, maximum: 100)
        _ = PaymentReference.businessDay(of: input)
        _ = try? IdempotencyKey(validating: input)
        // till.time_zone: a POSIX rule, evaluated at moments within a century of now.
        if let zone = try? ShopTimeZone(rule: input) {
            let spread = Int64(data.first ?? 0) * 37_000_000
            for seconds in [Int64(1_795_000_000) - spread, 1_795_000_000, 1_795_000_000 + spread] {
                _ = zone.date(atUTC: seconds)
            }
        }
        _ = try? ShopTimeZone(name: "fuzz", tzif: data)
    }

    /// What a printer (the emulator) reads, in two pieces split where the first byte says; a
    /// logo file; a console font; a status answer.
    static func escpos(_ data: [UInt8]) {
        var reader = ESCPOSReader()
        let split = data.isEmpty ? 0 : Int(data[0]) % (data.count + 1)
        _ = reader.read(Array(data[..<split]))
        _ = reader.read(Array(data[split...]))
        for document in reader.allDocuments { _ = document.rendered(columns: 32) }
        _ = Bitmap(pbm: data)
        _ = ConsoleFont(psf: data)
        _ = PrinterStatus(answers: Array(data.prefix(3)))
    }
}

#if FUZZING
nonisolated(unsafe) var fuzzTarget = ""

/// libFuzzer's driver (SwiftPM names an executable's entry point after its module, so the
/// driver is started from there rather than from libFuzzer's own `main`).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

@_cdecl("kasse_fuzz_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    fuzzTarget = ProcessInfo.processInfo.environment["KASSE_FUZZ_TARGET"] ?? ""
    guard FuzzTargets.names.contains(fuzzTarget) else {
        FileHandle.standardError.write(Data("set KASSE_FUZZ_TARGET to one of \(FuzzTargets.names.joined(separator: ", "))\n".utf8))
        return 2
    }
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { start, length in
        let data = start.map { Array(UnsafeBufferPointer(start: $0, count: length)) } ?? []
        FuzzTargets.run(fuzzTarget, data)
        return 0
    }
}
#else
/// `kasse-fuzz TARGET FILE…`: runs files through a target (crash reproducers, seed corpora).
@main struct FuzzReplay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let target = arguments.first, FuzzTargets.names.contains(target) else {
            print("usage: kasse-fuzz TARGET FILE…  (targets: \(FuzzTargets.names.joined(separator: ", ")))")
            exit(2)
        }
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else { print("cannot read \(path)"); exit(1) }
            FuzzTargets.run(target, Array(data))
        }
        print("\(arguments.count - 1) input(s) through \(target): no crash")
    }
}
#endif
