import KasseConfig
import KasseCore
import Testing

/// `kasse config migrate`'s rewrite of an earlier Kasse's file (bare words) into TOML: line for
/// line, the same settings, and TOMLKit the only reader.
struct ConfigMigrationTests {
    static let old = """
        # Kasse 0.3
        [api]
        url = https://apitest.vipps.no   # the test environment
        msn = 0123456
        client_id = "a \\"quoted\\" id"

        [till]
        market = NO
        till_id = 3
        shop_name = Kiwi Majorstuen
        [printer]
        paper_mm = 80
        timeout_ms = -1
        """

    @Test func eachBareWordIsQuotedOnItsOwnLine() throws {
        let migrated = try ConfigMigration.migrate(Self.old)
        #expect(migrated == """
            # Kasse 0.3
            [api]
            url = "https://apitest.vipps.no" # the test environment
            msn = "0123456"
            client_id = "a \\"quoted\\" id"

            [till]
            market = "NO"
            till_id = 3
            shop_name = "Kiwi Majorstuen"
            [printer]
            paper_mm = 80
            timeout_ms = -1
            """)
        #expect(ConfigMigration.isTOML(migrated) && !ConfigMigration.isTOML(Self.old))
    }

    /// The old file still reads (through the same rewrite), with a hint to run the command; its
    /// settings and their lines are those of the rewritten file.
    @Test func theOldFileReadsAsTheNewOneWithAHint() throws {
        let read = try ConfigReader.parse(Self.old)
        let rewritten = try ConfigReader.parse(try ConfigMigration.migrate(Self.old))
        #expect(read.values == rewritten.values && read.lines == rewritten.lines)
        #expect(read["api.msn"] == "0123456" && read["till.till_id"] == "3" && read["api.client_id"] == "a \"quoted\" id")
        #expect(read.location("till.market") == "line 8 (till.market)")
        #expect(read.hints.count == 1 && read.hints[0].contains("kasse config migrate"), "\(read.hints)")
        #expect(rewritten.hints.isEmpty)
    }

    @Test func whatTheOldReaderRefusedIsRefusedWithItsLine() {
        #expect(throws: ConfigFile.ParseError(line: 3, message: "till.market is set twice (first on line 2)")) {
            try ConfigMigration.migrate("[till]\nmarket = NO\nmarket = DK")
        }
        #expect(throws: ConfigFile.ParseError(line: 1, message: "a section header ends with ]")) { try ConfigMigration.migrate("[till") }
        #expect(throws: ConfigFile.ParseError(line: 2, message: "the quoted value is not closed")) {
            try ConfigMigration.migrate("[till]\nshop_name = \"Kiwi")
        }
    }

    /// A file that is not Kasse's is not taken for an old one.
    @Test func aFileOfOtherSettingsIsJustNotTOML() {
        #expect(throws: ConfigFile.ParseError.self) { try ConfigReader.parse("[database]\nhost = localhost") }
    }
}

/// Every true/false setting is read in one place.
struct ConfigFlagTests {
    @Test func trueAndFalseAsTOMLWritesThemOrAsAnEarlierKasseDid() throws {
        let file = try ConfigReader.parse("[scanners]\nenabled = false\n[company]\nvat_registered = \"yes\"\n[printer]\nlogo = \"maybe\"")
        #expect(try file.flag("scanners.enabled", default: true) == false)
        #expect(try file.flag("company.vat_registered", default: false) == true)
        #expect(try file.flag("till.training", default: true) == true)
        #expect(throws: ConfigFile.InvalidValue(description: "line 6 (printer.logo): must be true or false, not 'maybe'")) {
            try file.flag("printer.logo", default: false)
        }
    }
}
