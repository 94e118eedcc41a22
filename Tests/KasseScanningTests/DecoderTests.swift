import Foundation
import KasseCore
import KasseScanning
import Testing

func decode(_ reports: [[UInt8]], layout: KeyboardLayout) -> [String] {
    var decoder = HIDKeyboardDecoder(layout: layout)
    var assembler = ScanAssembler()
    let now = ContinuousClock.now
    return reports.flatMap { assembler.feed(decoder.decode($0), at: now) }
}

struct KeyboardDecoderTests {
    static let printableASCII = (0x20...0x7E).map { Character(Unicode.Scalar(UInt8($0))) }

    @Test(arguments: KeyboardLayout.allCases)
    func everyPrintableASCIICharacterRoundTrips(layout: KeyboardLayout) throws {
        for character in Self.printableASCII {
            let reports = try HIDKeyboardEncoder.reports(for: String(character), layout: layout)
            #expect(decode(reports, layout: layout) == [String(character)], "\(layout): \(character)")
        }
        let all = String(Self.printableASCII)
        #expect(decode(try HIDKeyboardEncoder.reports(for: all, layout: layout), layout: layout) == [all])
    }

    /// Where the characters of a QR code sit on each layout, written out by hand.
    @Test(arguments: [
        (KeyboardLayout.us, Character(":"), UInt8(0x33), true, false), (.us, "/", 0x38, false, false), (.us, "?", 0x38, true, false),
        (.us, "=", 0x2E, false, false), (.us, "@", 0x1F, true, false),
        (.no, ":", 0x37, true, false), (.no, "/", 0x24, true, false), (.no, "?", 0x2D, true, false), (.no, "=", 0x27, true, false),
        (.no, "@", 0x1F, false, true), (.no, "\\", 0x2E, false, false), (.no, "|", 0x35, false, false), (.no, "-", 0x38, false, false),
        (.no, "ø", 0x33, false, false), (.no, "æ", 0x34, false, false), (.no, "å", 0x2F, false, false),
        (.da, "\\", 0x64, false, true), (.da, "|", 0x2E, false, true), (.da, "æ", 0x33, false, false), (.da, "ø", 0x34, false, false),
        (.fi, "\\", 0x2D, false, true), (.fi, "|", 0x64, false, true), (.fi, "ö", 0x33, false, false), (.fi, "ä", 0x34, false, false),
        (.fi, ":", 0x37, true, false), (.fi, "/", 0x24, true, false),
    ])
    func keysOfEachLayout(layout: KeyboardLayout, character: Character, usage: UInt8, shift: Bool, altGr: Bool) {
        let modifiers: UInt8 = (shift ? 0x02 : 0) | (altGr ? 0x40 : 0)
        var decoder = HIDKeyboardDecoder(layout: layout)
        #expect(decoder.decode([modifiers, 0, usage, 0, 0, 0, 0, 0]) == [.character(character)])
    }

    @Test func deadKeysFollowedBySpaceGiveTheAccentItself() {
        var decoder = HIDKeyboardDecoder(layout: .no)
        let space: [UInt8] = [0, 0, 0x2C, 0, 0, 0, 0, 0]
        let release: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0]
        #expect(decoder.decode([0x40, 0, 0x30, 0, 0, 0, 0, 0]) == [])  // AltGr+¨ key: dead ~
        _ = decoder.decode(release)
        #expect(decoder.decode(space) == [.character("~")])
        _ = decoder.decode(release)
        #expect(decoder.decode([0x02, 0, 0x30, 0, 0, 0, 0, 0]) == [])  // dead ^
        _ = decoder.decode(release)
        #expect(decoder.decode([0, 0, 0x08, 0, 0, 0, 0, 0]) == [.character("ê")])
    }

    @Test func repeatedCharactersNeedARelease() {
        let zero: [UInt8] = [0, 0, 0x27, 0, 0, 0, 0, 0]
        let release: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0]
        let enter: [UInt8] = [0, 0, 0x28, 0, 0, 0, 0, 0]
        #expect(decode([zero, release, zero, release, enter, release], layout: .us) == ["00"])
        // A held key is one character, however many reports repeat it.
        #expect(decode([zero, zero, zero, release, enter], layout: .us) == ["0"])
        // Some scanners go straight to the next key without a release.
        #expect(decode([[0, 0, 0x04, 0, 0, 0, 0, 0], [0, 0, 0x05, 0, 0, 0, 0, 0], enter], layout: .us) == ["ab"])
        // Two keys in one report.
        #expect(decode([[0, 0, 0x04, 0x05, 0, 0, 0, 0], release, enter], layout: .us) == ["ab"])
    }

    @Test func theWrongLayoutCorruptsExactlyTheCharactersOfAQRCode() throws {
        let url = "https://qr.vipps.no/28/2/01/031/4791234567?v=1"
        let norwegian = try HIDKeyboardEncoder.reports(for: url, layout: .no)
        #expect(decode(norwegian, layout: .no) == [url])
        let misread = decode(norwegian, layout: .us).first ?? ""
        #expect(misread != url)
        #expect(misread.hasPrefix("https"))
        #expect(!misread.contains("://"))
    }

    @Test func terminatorsAndReportIDs() {
        let tab: [UInt8] = [0, 0, 0x2B, 0, 0, 0, 0, 0]
        let keypadEnter: [UInt8] = [0, 0, 0x58, 0, 0, 0, 0, 0]
        let a: [UInt8] = [0, 0, 0x04, 0, 0, 0, 0, 0]
        let release: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0]
        #expect(decode([a, release, tab, release, a, release, keypadEnter], layout: .us) == ["a", "a"])
        // Report protocol: a report ID byte in front.
        #expect(decode([[1] + a, [1] + release, [1, 0, 0, 0x28, 0, 0, 0, 0, 0]], layout: .us) == ["a"])
        // Ctrl-combinations are not text.
        #expect(decode([[0x01, 0, 0x04, 0, 0, 0, 0, 0], release, a, release, [0, 0, 0x28, 0, 0, 0, 0, 0]], layout: .us) == ["a"])
    }

    @Test func garbageNeverCrashesAndInventsNothing() {
        var random = SeededRandom(seed: 99)
        var decoder = HIDKeyboardDecoder(layout: .no)
        for _ in 0..<20_000 {
            let length = Int(random.next() % 70)
            let report = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let events = decoder.decode(report)
            if length != 8 && length != 9 { #expect(events.isEmpty) }
        }
        var clean = HIDKeyboardDecoder(layout: .us)
        // ErrorRollOver, usages beyond the keyboard, modifier usages in key slots.
        #expect(clean.decode([0, 0, 1, 1, 1, 1, 1, 1]) == [])
        #expect(clean.decode([0, 0, 0x65, 0x90, 0xE0, 0xE7, 0xFF, 0x73]) == [])
        #expect(clean.decode([]) == [])
        #expect(clean.decode([0, 0, 0x04]) == [])
    }
}

struct AssemblerTests {
    static let qr = "https://qr.vipps.no/28/2/01/031/4791234567?v=1"

    /// Feeds a scanner's reports one by one, 2 ms apart, with `stall` after report `stallAt`,
    /// asking the assembler to flush every 50 ms of the stall as the USB thread does.
    static func scans(of reports: [[UInt8]], layout: KeyboardLayout, stall: Duration, stallAt: Int,
                      assembler: inout ScanAssembler, decoder: inout HIDKeyboardDecoder,
                      start: ContinuousClock.Instant) -> (scans: [String], end: ContinuousClock.Instant) {
        var now = start
        var scans: [String] = []
        for (index, report) in reports.enumerated() {
            scans += assembler.feed(decoder.decode(report), at: now)
            now += .milliseconds(2)
            if index == stallAt {
                let end = now + stall
                while now < end {
                    now += .milliseconds(50)
                    if let flushed = assembler.flushIfIdle(at: now) { scans.append(flushed) }
                }
            }
        }
        for _ in 0..<100 {
            now += .milliseconds(50)
            if let flushed = assembler.flushIfIdle(at: now) { scans.append(flushed) }
        }
        return (scans, now)
    }

    @Test(arguments: [Duration.milliseconds(300), .seconds(1), .seconds(3)])
    func aStallInTheMiddleOfAQRCodeNeverSplitsItFromAScannerThatSendsEnter(stall: Duration) throws {
        let layout = KeyboardLayout.no
        let reports = try HIDKeyboardEncoder.reports(for: Self.qr, layout: layout)  // ends with Enter
        // Learned: the scanner's first scan ended with Enter, so the next is never cut by a pause.
        var assembler = ScanAssembler()
        var decoder = HIDKeyboardDecoder(layout: layout)
        var (scans, end) = Self.scans(of: reports, layout: layout, stall: .zero, stallAt: 0,
                                      assembler: &assembler, decoder: &decoder, start: .now)
        #expect(scans == [Self.qr])
        (scans, end) = Self.scans(of: reports, layout: layout, stall: stall, stallAt: reports.count / 2,
                                  assembler: &assembler, decoder: &decoder, start: end)
        #expect(scans == [Self.qr], "learned, stall \(stall)")
        // Configured to always send a terminator: even the first scan survives the stall.
        var configured = ScanAssembler(termination: .terminator)
        var fresh = HIDKeyboardDecoder(layout: layout)
        (scans, _) = Self.scans(of: reports, layout: layout, stall: stall, stallAt: 7,
                                assembler: &configured, decoder: &fresh, start: end)
        #expect(scans == [Self.qr], "configured, stall \(stall)")
    }

    @Test func aScannerWithoutSuffixCompletesItsScansByThePause() throws {
        let layout = KeyboardLayout.us
        let reports = try HIDKeyboardEncoder.reports(for: "7040000000016", layout: layout, terminator: nil)
        var assembler = ScanAssembler()
        var decoder = HIDKeyboardDecoder(layout: layout)
        var (scans, end) = Self.scans(of: reports, layout: layout, stall: .zero, stallAt: 0,
                                      assembler: &assembler, decoder: &decoder, start: .now)
        #expect(scans == ["7040000000016"])
        // A short stall (below the pause) does not cut it either.
        (scans, end) = Self.scans(of: reports, layout: layout, stall: .milliseconds(300), stallAt: 5,
                                  assembler: &assembler, decoder: &decoder, start: end)
        #expect(scans == ["7040000000016"])
        var byPause = ScanAssembler(pause: .milliseconds(200), termination: .pause)
        #expect(byPause.feed([.character("4"), .character("2")], at: end).isEmpty)
        #expect(byPause.flushIfIdle(at: end + .milliseconds(150)) == nil)
        #expect(byPause.flushIfIdle(at: end + .milliseconds(250)) == "42")
        #expect(byPause.isEmpty)
        // A late character after a pause starts a new scan and flushes the old one.
        _ = byPause.feed([.character("x")], at: end + .seconds(1))
        #expect(byPause.feed([.character("y"), .terminator], at: end + .seconds(2)) == ["x", "y"])
        // A terminator still ends a scan of a scanner configured as suffix-less.
        #expect(byPause.termination == .pause)
    }

    @Test func aLearningScannerIsTimedOutOnlyUntilItSendsATerminator() {
        var assembler = ScanAssembler(pause: .milliseconds(200))
        let start = ContinuousClock.now
        _ = assembler.feed([.character("1")], at: start)
        #expect(assembler.flushIfIdle(at: start + .milliseconds(300)) == "1")
        #expect(assembler.feed([.character("2"), .terminator], at: start + .seconds(1)) == ["2"])
        #expect(assembler.termination == .terminator)
        _ = assembler.feed([.character("3")], at: start + .seconds(2))
        #expect(assembler.flushIfIdle(at: start + .seconds(60)) == nil)
        #expect(assembler.feed([.terminator], at: start + .seconds(61)) == ["3"])
    }

    @Test func runawayInputIsBounded() {
        var assembler = ScanAssembler(maximumLength: 10)
        let now = ContinuousClock.now
        let events = Array(repeating: HIDKeyboardDecoder.Event.character("a"), count: 5000) + [.terminator]
        #expect(assembler.feed(events, at: now) == [String(repeating: "a", count: 10)])
        #expect(assembler.feed([.terminator], at: now).isEmpty)
    }
}

struct HIDPOSTests {
    @Test func decodedTextArrivesWhole() {
        var decoder = HIDPOSDecoder()
        for text in ["7040000000016", "https://qr.vipps.no/28/2/01/031/4791234567?v=1", "https://qr.mobilepay.dk/p/" + String(repeating: "z", count: 150)] {
            let reports = HIDPOSDecoder.reports(for: text)
            #expect(reports.count == (text.utf8.count + 55) / 56)
            var result: String?
            for (index, report) in reports.enumerated() {
                result = decoder.decode(report)
                if index < reports.count - 1 { #expect(result == nil) }
            }
            #expect(result == text)
        }
    }

    @Test func malformedReportsAreIgnored() {
        var decoder = HIDPOSDecoder()
        #expect(decoder.decode([]) == nil)
        #expect(decoder.decode([0x01, 3, 65, 66, 67]) == nil)
        #expect(decoder.decode([0x02, 60] + Array(repeating: 65, count: 62)) == nil)
        #expect(decoder.decode([0x02, 10, 65]) == nil)
        var invalid = [UInt8](repeating: 0, count: 64)
        invalid[0] = 2
        invalid[1] = 2
        invalid[2] = 0xFF
        invalid[3] = 0xFE
        #expect(decoder.decode(invalid) == nil)
        // A broken sequence does not leak into the next scan.
        var first = HIDPOSDecoder.reports(for: String(repeating: "x", count: 60))[0]
        first[63] = 1
        _ = decoder.decode(first)
        _ = decoder.decode([0x09])
        #expect(decoder.decode(HIDPOSDecoder.reports(for: "123")[0]) == "123")
        var random = SeededRandom(seed: 5)
        for _ in 0..<5000 {
            let report = (0..<Int(random.next() % 80)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            _ = decoder.decode(report)
        }
    }
}

struct ScannerMatchTests {
    @Test func parsesWhatTheCommandLineTakes() throws {
        #expect(try ScannerMatch(parsing: "05e0:1200@1-1.2") == ScannerMatch(vendorID: 0x05e0, productID: 0x1200, portPath: "1-1.2"))
        #expect(try ScannerMatch(parsing: "0c2e") == ScannerMatch(vendorID: 0x0c2e))
        #expect(try ScannerMatch(parsing: "05E0:1200").description == "05e0:1200")
        for bad in ["", "xyz", "05e0:", "05e0:1200@", "05e0:1200@abc", "123456:1", "05e0:1200:1"] {
            #expect(throws: ScannerMatchError.self) { try ScannerMatch(parsing: bad) }
        }
        let match = try ScannerMatch(parsing: "05e0:1200@1-1")
        #expect(match.matches(vendorID: 0x05e0, productID: 0x1200, portPath: "1-1"))
        #expect(!match.matches(vendorID: 0x05e0, productID: 0x1200, portPath: "1-2"))
        #expect(ScannerDevice(vendorID: 0x5e0, productID: 0x1200, portPath: "1-1").description == "05e0:1200@1-1")
    }
}

/// The captures of the research notes (made by an independent generator) decode exactly.
struct ResearchFixtureTests {
    static var fixtures: URL? {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/research/usb-scanner-fixtures")
        return FileManager.default.fileExists(atPath: directory.path) ? directory : nil
    }

    static func reports(_ name: String) throws -> [[UInt8]] {
        let text = try String(contentsOf: try #require(fixtures).appendingPathComponent(name), encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.first == "USBDEVFS_REAPURBNDELAY", fields.count == 10, fields[4] == "0" else { return nil }
            let hex = Array(fields[9])
            return stride(from: 0, to: hex.count, by: 2).compactMap { UInt8(String(hex[$0...$0 + 1]), radix: 16) }
        }
    }

    @Test func usAndNorwegianCapturesDecode() throws {
        let url = "https://qr.vipps.no/28/2/01/031/4791234567?v=1"
        #expect(decode(try Self.reports("scanner.ioctl"), layout: .us) == [url])
        #expect(decode(try Self.reports("scanner-no.ioctl"), layout: .no) == [url])
        #expect(decode(try Self.reports("scanner-no.ioctl"), layout: .us) != [url])
    }
}

struct KeyboardWedgeTests {
    @Test func aFastBurstEndingInEnterIsAScan() {
        var detector = KeyboardWedgeDetector()
        var now = ContinuousClock.now
        for character in "7040000000016" {
            #expect(detector.key(character, at: now) == .typed)
            now += .milliseconds(4)
        }
        #expect(detector.key("\n", at: now) == .scan("7040000000016"))
    }

    @Test func aPersonTypingIsNotAScan() {
        var detector = KeyboardWedgeDetector()
        var now = ContinuousClock.now
        for character in "91234567" {
            _ = detector.key(character, at: now)
            now += .milliseconds(140)
        }
        #expect(detector.key("\n", at: now) == .typed)
        // Short fast bursts (a double key press) are typing too.
        _ = detector.key("1", at: now)
        _ = detector.key("2", at: now + .milliseconds(5))
        #expect(detector.key("\n", at: now + .milliseconds(10)) == .typed)
    }

    @Test func aPauseBeforeEnterMeansTheCashierPressedIt() {
        var detector = KeyboardWedgeDetector()
        var now = ContinuousClock.now
        for character in "ABCDEFG" {
            _ = detector.key(character, at: now)
            now += .milliseconds(3)
        }
        #expect(detector.key("\n", at: now + .seconds(5)) == .typed)
    }

    @Test(arguments: [Duration.milliseconds(300), .seconds(1), .seconds(3)])
    func aStalledBurstIsStillOneScan(stall: Duration) {
        var detector = KeyboardWedgeDetector()
        var now = ContinuousClock.now
        let qr = "https://qr.vipps.no/28/2/01/031/4791234567?v=1"
        for (index, character) in qr.enumerated() {
            #expect(detector.key(character, at: now) == .typed)
            now += index == 20 ? stall : .milliseconds(3)
        }
        #expect(detector.key("\n", at: now) == .scan(qr))
    }

    @Test func aPersonTypingBeforeTheScanIsNotPartOfIt() {
        var detector = KeyboardWedgeDetector()
        var now = ContinuousClock.now
        for character in "12" {
            _ = detector.key(character, at: now)
            now += .milliseconds(200)
        }
        for character in "7040000000016" {
            _ = detector.key(character, at: now)
            now += .milliseconds(3)
        }
        #expect(detector.key("\n", at: now) == .scan("7040000000016"))
    }
}
