import Testing
@testable import KassePrinting

@Suite struct CodePageTests {
    @Test func everyTableHasAllOfItsUpperHalf() {
        for page in CodePage.allCases {
            for byte in UInt8(0x80)...UInt8(0xFF) {
                let character = page.character(for: byte)
                if character != "\u{FFFD}" { #expect(page.byte(for: character) != nil, "\(page) \(byte)") }
            }
        }
    }

    /// The bytes as the code pages define them (checked against the published tables), so a
    /// wrong letter in a table is caught here, not on a customer's receipt.
    @Test func nordicLettersHaveTheirPublishedBytes() {
        let pc865: [Character: UInt8] = ["æ": 0x91, "Æ": 0x92, "ø": 0x9B, "Ø": 0x9D, "å": 0x86, "Å": 0x8F, "ä": 0x84, "Ä": 0x8E, "ö": 0x94, "Ö": 0x99]
        for (character, byte) in pc865 {
            #expect(CodePage.pc865.byte(for: character) == byte)
            #expect(CodePage.pc858.byte(for: character) == byte)  // the two agree on these
        }
        #expect(CodePage.pc858.byte(for: "€") == 0xD5)
        #expect(CodePage.pc865.byte(for: "€") == nil)
        #expect(CodePage.wpc1252.byte(for: "ø") == 0xF8)
        #expect(CodePage.wpc1252.byte(for: "€") == 0x80)
        #expect(CodePage.pc858.encode("Blåbær ÆØÅ äö") == Array("Bl".utf8) + [0x86, 0x62, 0x91, 0x72, 0x20, 0x92, 0x9D, 0x8F, 0x20, 0x84, 0x94])
    }

    /// A character the table lacks prints as its stand-in (€ as EUR on PC865), and only one
    /// with no stand-in as `?`.
    @Test func whatATableCannotPrintBecomesItsStandInOrAQuestionMark() {
        #expect(CodePage.pc865.encode("5 €") == Array("5 EUR".utf8))
        #expect(CodePage.pc858.encode("日") == Array("?".utf8))
    }
}

@Suite struct ESCPOSRoundTripTests {
    let logo = Bitmap(width: 16, height: 2, rows: [0xFF, 0x00, 0x0F, 0xF0])!

    var document: PrintDocument {
        PrintDocument(blocks: [
            .image(logo),
            .text("Salgskvittering", bold: true, large: true, alignment: .centre),
            .text("Brød og smør", bold: true),
            .text("Blåbær ÆØÅ äö                   12,50"),
            .feed(1),
            .barcode("000042"),
        ])
    }

    @Test func whatIsEncodedReadsBackLineByLineWithItsStyles() {
        var reader = ESCPOSReader()
        _ = reader.read(ESCPOS.encode(document))
        #expect(reader.documents.count == 1)
        let printed = reader.documents[0]
        #expect(printed.cut)
        #expect(printed.codePage == .pc858)
        #expect(printed.unknownCommands.isEmpty)
        #expect(printed.lines.map(\.text) == ["[image 16x2]", "Salgskvittering", "Brød og smør", "Blåbær ÆØÅ äö                   12,50", "", "[barcode 000042]"])
        #expect(printed.lines[1].large && printed.lines[1].bold && printed.lines[1].centred)
        #expect(printed.lines[2].bold && !printed.lines[2].large && !printed.lines[2].centred)
        #expect(!printed.lines[3].bold)
        #expect(printed.images == [logo])
        #expect(printed.barcodes == ["000042"])
    }

    @Test(arguments: CodePage.allCases)
    func nordicLettersSurviveEveryCodePage(_ page: CodePage) {
        var reader = ESCPOSReader()
        _ = reader.read(ESCPOS.encode(PrintDocument(blocks: [.text("æøå ÆØÅ äö ÄÖ")]), codePage: page))
        #expect(reader.documents.first?.lines.first?.text == "æøå ÆØÅ äö ÄÖ")
        #expect(reader.documents.first?.codePage == page)
    }

    @Test func bytesInAnyPiecesReadTheSame() {
        let bytes = ESCPOS.encode(document) + ESCPOS.encode(PrintDocument(blocks: [.text("two")]))
        var whole = ESCPOSReader()
        _ = whole.read(bytes)
        var piecewise = ESCPOSReader()
        for byte in bytes { _ = piecewise.read([byte]) }
        #expect(piecewise.documents == whole.documents)
        #expect(whole.documents.count == 2)
    }

    @Test func linesLongerThanThePaperAreCutNotWrapped() {
        var reader = ESCPOSReader()
        _ = reader.read(ESCPOS.encode(PrintDocument(blocks: [.text(String(repeating: "x", count: 60))]), columns: 32))
        #expect(reader.documents[0].lines[0].text.count == 32)
    }

    @Test func aBraceInBarcodeDataIsEscapedAndReadBack() {
        var reader = ESCPOSReader()
        _ = reader.read(ESCPOS.encode(PrintDocument(blocks: [.barcode("A{1")])))
        #expect(reader.documents[0].barcodes == ["A{1"])
    }

    @Test func textWithoutACodePageShowsReplacementForHighBytes() {
        var reader = ESCPOSReader()
        _ = reader.read([0x1B, 0x40, 0x41, 0x9B, 0x0A])
        #expect(reader.allDocuments.first?.lines.first?.text == "A\u{FFFD}")
    }

    @Test func renderedCentresCentredLines() {
        var reader = ESCPOSReader()
        _ = reader.read(ESCPOS.encode(PrintDocument(blocks: [.text("ab", alignment: .centre), .text("cd")]), columns: 10))
        #expect(reader.documents[0].rendered(columns: 10) == ["    ab", "cd"])
    }

    @Test func garbageNeverTrapsAndUnknownCommandsAreNamed() {
        var reader = ESCPOSReader()
        var random = UInt64(7)
        var bytes: [UInt8] = []
        for _ in 0..<20_000 {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            bytes.append(UInt8(truncatingIfNeeded: random >> 33))
        }
        _ = reader.read(bytes)
        #expect(!reader.allDocuments.flatMap(\.unknownCommands).isEmpty)
        var fresh = ESCPOSReader()
        _ = fresh.read([0x1B, 0x7F, 0x41, 0x0A])
        #expect(fresh.allDocuments.first?.unknownCommands == ["ESC 127"])
        #expect(fresh.allDocuments.first?.lines.map(\.text) == ["A"])
    }
}

@Suite struct PrinterStatusTests {
    @Test func statusAnswersRoundTrip() {
        let states = [PrinterStatus.ready, PrinterStatus(offline: true, paperOut: true), PrinterStatus(paperNearEnd: true),
                      PrinterStatus(offline: true, coverOpen: true), PrinterStatus(offline: true, error: true)]
        for state in states { #expect(PrinterStatus(answers: state.answers) == state) }
    }

    /// Bytes as an Epson TM printer sends them: 0x16 (n=1, ready), 0x12 (n=2, no cause), 0x72
    /// (n=4, paper end sensed) is a printer out of paper.
    @Test func epsonAnswersForPaperOut() {
        let status = PrinterStatus(answers: [0x1E, 0x32, 0x72])
        #expect(status?.paperOut == true)
        #expect(status?.offline == true)
        #expect(status?.canPrint == false)
        #expect(status?.description == "paper out")
        #expect(PrinterStatus(answers: [0x16, 0x12, 0x12])?.canPrint == true)
    }

    @Test func answersThatAreNotStatusBytesAreRefused() {
        #expect(PrinterStatus(answers: [0x00, 0x12, 0x12]) == nil)
        #expect(PrinterStatus(answers: [0x12, 0x12]) == nil)
    }

    @Test func theReaderAnswersStatusRequests() {
        var reader = ESCPOSReader(status: PrinterStatus(offline: true, paperOut: true))
        let replies = reader.read(PrinterStatus.requests.flatMap { $0 })
        #expect(PrinterStatus(answers: replies)?.paperOut == true)
        #expect(reader.statusRequests == 3)
    }
}

@Suite struct BitmapAndPNGTests {
    @Test func plainAndBinaryBitmapsReadTheSame() {
        let plain = Bitmap(pbm: Array("P1\n# a comment\n10 2\n1 0 0 0 0 0 0 0 0 1\n0110000000\n".utf8))
        let binary = Bitmap(pbm: Array("P4\n10 2\n".utf8) + [0x80, 0x7F, 0x60, 0x3F])  // padding bits set: ignored
        #expect(plain != nil)
        #expect(plain == binary)
        #expect(plain?.isBlack(x: 0, y: 0) == true)
        #expect(plain?.isBlack(x: 9, y: 0) == true)
        #expect(plain?.isBlack(x: 1, y: 0) == false)
        #expect(plain?.isBlack(x: 2, y: 1) == true)
    }

    @Test func brokenBitmapsAreRefused() {
        #expect(Bitmap(pbm: Array("P1\n2 2\n1 0 1".utf8)) == nil)
        #expect(Bitmap(pbm: Array("P4\n8 2\n".utf8) + [0xFF]) == nil)
        #expect(Bitmap(pbm: Array("P3\n1 1\n255\n0 0 0".utf8)) == nil)
        #expect(Bitmap(pbm: Array("P1\n99999999 1\n".utf8)) == nil)
    }

    @Test func crcIsTheStandardOne() {
        #expect(PNG.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(PNG.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
    }

    @Test func aPNGHasItsSignatureHeaderAndEnd() {
        let image = Bitmap(width: 9, height: 3, rows: [0xFF, 0x80, 0, 0, 0x01, 0x00])!
        let png = PNG.encode(image)
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(Array(png[12..<16]) == Array("IHDR".utf8))
        #expect(Array(png[16..<24]) == [0, 0, 0, 9, 0, 0, 0, 3])
        #expect(Array(png.suffix(12)) == [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82])
    }
}

@Suite struct ConsoleFontTests {
    /// A PSF 1 font of 256 8×2 glyphs whose table maps "ø" to glyph 1.
    static var font: [UInt8] {
        var data: [UInt8] = [0x36, 0x04, 0x02, 2]
        for glyph in 0..<256 { data += glyph == 1 ? [0x81, 0x18] : glyph == 63 ? [0xFF, 0xFF] : [0, 0] }
        for glyph in 0..<256 {
            if glyph == 1 { data += [0xF8, 0x00] }
            if glyph == 63 { data += [0x3F, 0x00] }
            data += [0xFF, 0xFF]
        }
        return data
    }

    @Test func glyphsAreFoundThroughTheUnicodeTable() throws {
        let font = try #require(ConsoleFont(psf: Self.font))
        #expect(font.width == 8 && font.height == 2)
        #expect(font.ink("ø", x: 0, y: 0) && font.ink("ø", x: 7, y: 0) && !font.ink("ø", x: 1, y: 0))
        #expect(font.ink("ø", x: 3, y: 1))
        #expect(font.has("ø") && !font.has("å"))
        #expect(font.ink("å", x: 1, y: 0))  // drawn as "?"
    }

    @Test func notAFontIsRefused() {
        #expect(ConsoleFont(psf: [1, 2, 3, 4, 5]) == nil)
        #expect(ConsoleFont(psf: Array(Self.font.prefix(100))) == nil)
    }

    @Test func paperIsDrawnWithTheFont() throws {
        let font = try #require(ConsoleFont(psf: Self.font))
        var reader = ESCPOSReader()
        _ = reader.read(ESCPOS.encode(PrintDocument(blocks: [.text("ø", large: true)]), columns: 4))
        let paper = PaperImage.render(reader.documents[0], columns: 4, font: font)
        #expect(paper.width == 6 * 8)
        // A margin of one glyph's height, then the glyph twice as high, at one glyph's width in.
        #expect(paper.isBlack(x: 8, y: 2) && paper.isBlack(x: 8, y: 3) && paper.isBlack(x: 15, y: 3) && !paper.isBlack(x: 9, y: 2))
        #expect(!paper.isBlack(x: 8, y: 1))
    }
}

@Suite struct PrinterSettingsTests {
    func parse(_ values: [String: String]) throws(PrinterSettings.Invalid) -> PrinterSettings? {
        try PrinterSettings.parse { values[$0] }
    }

    @Test func targetsAndDefaults() throws {
        #expect(try parse([:]) == nil)
        #expect(try parse(["network": "192.168.1.50"])?.target == .network(host: "192.168.1.50", port: 9100))
        #expect(try parse(["network": "printer.local:9101"])?.target == .network(host: "printer.local", port: 9101))
        #expect(try parse(["network": "[::1]:9100"])?.target == .network(host: "::1", port: 9100))
        let usb = try parse(["device": "/dev/usb/lp0", "paper_mm": "58", "code_page": "PC865", "timeout_ms": "1500"])
        #expect(usb == PrinterSettings(target: .device(path: "/dev/usb/lp0"), columns: 32, codePage: .pc865, timeout: .milliseconds(1500)))
        #expect(try parse(["file": "/tmp/r.bin"])?.columns == 48)
    }

    @Test func mistakesNameTheirKey() {
        func key(_ values: [String: String]) -> String? {
            do { _ = try parse(values); return nil } catch { return error.key }
        }
        #expect(key(["network": "a", "device": "/dev/usb/lp0"]) == "device")
        #expect(key(["network": "host:99999"]) == "network")
        #expect(key(["device": "lp0"]) == "device")
        #expect(key(["file": "x", "paper_mm": "60"]) == "paper_mm")
        #expect(key(["file": "x", "code_page": "cp437"]) == "code_page")
        #expect(key(["file": "x", "columns": "200"]) == "columns")
        #expect(key(["file": "x", "timeout_ms": "5"]) == "timeout_ms")
        #expect(key(["paper_mm": "80"]) == "paper_mm")
    }
}
