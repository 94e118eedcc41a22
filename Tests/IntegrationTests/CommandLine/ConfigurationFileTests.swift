import Foundation
@testable import IntegrationSupport
import KassePrinting
import KasseConfig
import KasseCore
import KasseLanguage
import KasseNorway
import KasseStore
import KasseStoreLink
import KasseTill
import KasseTillApp
import Testing
import VippsClient
import KasseJournal

/// The configuration file, read with a real TOML library into typed settings.
@Suite struct ConfigurationFileTests {
    /// The full example of docs/configuration.md.
    static let example = """
        # Kasse, till 3 at Kiwi Majorstuen
        [api]
        url = "https://apitest.vipps.no"
        client_id = "fb492b5e-7907-4d83-ba20-c7fb60ca35de"
        client_secret = "secret"
        subscription_key = "key"
        msn = "123456"

        [till]
        shop_name = "Kiwi Majorstuen"
        store_id = "OSLO1"
        till_id = "3"
        market = "NO"
        catalog = "/srv/kasse/catalog.csv"
        cashier_id = "anna"

        [journal]
        path = "/srv/kasse/journal.sqlite"

        [scanners]
        enabled = true
        layout = "no"
        suffix = "auto"        # auto (learned), enter, none
        pause_ms = 800

        [[scanners.device]]
        match = "05e0:1200@1-1"
        role = "cashier"

        [[scanners.device]]
        match = "05e0:1200@1-2"
        role = "kiosk"

        [company]
        organisation_number = "974 760 673"
        name = "Kiwi Majorstuen AS"
        address = "Majorstuveien 1"
        postal_code = "0367"
        city = "Oslo"
        vat_registered = true

        [[staff]]
        id = "anna"
        name = "Anna Berg"
        role = "cashier"
        pin = "scrypt$15$8$1$23qxpW557xZ4PhI78oMQAw==$Q8G28UxWS3HdnMaP9VKk7al33z6wPU0yRbjwihoUXr8="

        [[staff]]
        id = "9001"
        name = "Ola Nordmann"
        role = "manager"
        pin = "scrypt$15$8$1$+PodKn7O3sf2l9OC9/tnsg==$g0Sw8GyVa3SiryfsUWnn22yr597ocs7WIKi11vPUWKU="

        [printer]
        network = "192.0.2.10:9100"
        paper_mm = 58
        receipt = "always"

        # The store server (kasse server): its address, this till's token and link key, the
        # server's catalog key and the certificate that proves the server is the shop's.
        [server]
        url = "https://kasse-server.example"
        token = "made-by-kasse-server-token"
        key = "\(LinkKeys.path(till: "OSL1-1"))"
        catalog_public_key = "\(LinkKeys.catalog.publicKey)"
        ca = "\(TestCertificates.ca)"
        """

    static func load(_ text: String, environment: [String: String] = ["HOME": "/home/kasse"]) throws -> (TillConfiguration, [String]) {
        let file = try ConfigReader.parse(text)
        var warnings = file.hints + ConfigReader.unknownKeys(in: file)
        let vipps = try? VippsConfiguration.load(file: file, environment: [:], warnings: &warnings)
        _ = vipps
        return (try TillConfiguration.load(file: file, mode: .test, environment: environment), warnings + [])
    }

    /// The business day is the market's local day unless `till.time_zone` names another zone
    /// (from the machine's zoneinfo) or a POSIX rule; a misspelt zone names its line.
    @Test func theTimeZoneComesFromTheMarketOrTheFile() throws {
        #expect(try Self.load("[till]\nmarket = \"FI\"").0.settings.timeZone == ShopTimeZone.of(.finland))
        let named = try Self.load("[till]\nmarket = \"NO\"\ntime_zone = \"Europe/Helsinki\"").0.settings.timeZone
        #expect(named.name == "Europe/Helsinki" && named.offset(atUTC: 1_782_864_000) == 10_800)
        let rule = try Self.load("[till]\ntime_zone = \"UTC0\"").0.settings.timeZone
        #expect(rule.offset(atUTC: 1_782_864_000) == 0)
        do {
            _ = try Self.load("[till]\nshop_name = \"Kiwi\"\ntime_zone = \"Europe/Olso\"")
            Issue.record("a misspelt zone was accepted")
        } catch let error as ConfigurationError {
            #expect("\(error)".contains("line 3") && "\(error)".contains("Europe/Olso") && "\(error)".contains("Europe/Oslo"), "\(error)")
        }
        for sneaky in ["../../etc/passwd", "/etc/localtime"] {
            #expect(throws: ConfigurationError.self) { try Self.load("[till]\ntime_zone = \"\(sneaky)\"") }
        }
    }

    /// `[company]`: all of it or none, a Norwegian organisation number with its check digit; a
    /// till in Norway outside DEMO says exactly what to add before it sells.
    @Test func theCompanyAndTheSigningKey() throws {
        let (till, _) = try Self.load(Self.example)
        #expect(till.company == CompanyIdentity(name: "Kiwi Majorstuen AS", organisationNumber: "974760673", address: "Majorstuveien 1",
                                                postalCode: "0367", city: "Oslo", vatRegistered: true))
        do {
            _ = try Self.load("[till]\nmarket = \"NO\"\n[company]\norganisation_number = \"974760674\"\nname = \"X\"\naddress = \"A\"\npostal_code = \"1\"\ncity = \"C\"")
            Issue.record("a wrong check digit was accepted")
        } catch let error as ConfigurationError {
            #expect("\(error)".contains("line 4") && "\(error)".contains("check digit"), "\(error)")
        }
        do {
            _ = try Self.load("[company]\nname = \"Butikken AS\"")
            Issue.record("half a company was accepted")
        } catch let error as ConfigurationError {
            #expect("\(error)".contains("line 2") && "\(error)".contains("organisation_number"), "\(error)")
        }
        // TEST mode in Norway without company or key: the lines to add, nothing else.
        let bare = try TillConfiguration.load(file: try ConfigReader.parse("[till]\nmarket = \"NO\""), mode: .test, environment: ["HOME": "/h"])
        let missing = try #require(bare.missingForNorway(configPath: "/etc/kasse.toml", readKey: { _ in nil }))
        #expect(missing.contains("Add to /etc/kasse.toml") && missing.contains("[company]") && missing.contains("organisation_number")
                && missing.contains("signing_key = ") && missing.contains("kasse saft keygen")
                && missing.contains("[[staff]]") && missing.contains("role = \"manager\"") && missing.contains("kasse staff pin"))
        // A staff list without a manager: nobody could close the day.
        var cashiersOnly = till
        cashiersOnly.signingKeyPath = "/k"
        cashiersOnly.staff = StaffList(till.staff.entries.filter { $0.member.role == .cashier })
        #expect(cashiersOnly.missingForNorway(configPath: "x", readKey: { _ in try? TransactionSigner.generateKey().privatePEM })?
            .contains("role = \"manager\"") == true)
        // With both, a key that cannot be read is named (its content never is).
        var keyed = till
        keyed.signingKeyPath = "/srv/kasse/key.pem"
        let unreadable = try #require(keyed.missingForNorway(configPath: "/etc/kasse.toml", readKey: { _ in "-----BEGIN RSA PRIVATE KEY-----\nc2VjcmV0\n" }))
        #expect(unreadable.contains("/srv/kasse/key.pem") && !unreadable.contains("[company]") && !unreadable.contains("c2VjcmV0"))
        let pair = try TransactionSigner.generateKey()
        #expect(keyed.missingForNorway(configPath: "/etc/kasse.toml", readKey: { _ in pair.privatePEM }) == nil)
        // DEMO has a demo company and needs no key; Denmark and Finland are not bound by the Norwegian rules.
        let demo = try TillConfiguration.load(file: try ConfigReader.parse("[till]\nmarket = \"NO\""), mode: .demo, environment: ["HOME": "/h"])
        #expect(demo.company == .demo && demo.missingForNorway(configPath: "x", readKey: { _ in nil }) == nil)
        let danish = try TillConfiguration.load(file: try ConfigReader.parse("[till]\nmarket = \"DK\""), mode: .test, environment: ["HOME": "/h"])
        #expect(danish.missingForNorway(configPath: "x", readKey: { _ in nil }) == nil)
    }

    /// The real binary refuses to start a Norwegian till in TEST mode without them, and says what to add.
    @Test func theTillRefusesToStartWithoutCompanyAndKey() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-norway-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let config = directory + "/kasse.toml"
        try """
            [api]
            url = "https://apitest.vipps.no"
            client_id = "fb492b5e-7907-4d83-ba20-c7fb60ca35de"
            client_secret = "a-secret-value"
            subscription_key = "a-subscription-key"
            msn = "123456"
            [till]
            market = "NO"
            [journal]
            path = "\(directory)/journal.sqlite"
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try await runProgram(KasseBinary.path, ["till", "--config", config], environment: ["HOME": directory])
        #expect(result.status != 0)
        #expect(result.errors.contains("organisation_number") && result.errors.contains("kasse saft keygen"), "\(result.errors)")
        #expect(!result.errors.contains("a-secret-value"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/journal.sqlite"))
    }

    @Test func theStaffListNeedsHashedPINsAndSaysWhatIsWrong() throws {
        let (till, _) = try Self.load(Self.example)
        #expect(till.staff.entries.map(\.member) == [StaffMember(id: "anna", name: "Anna Berg", role: .cashier),
                                                      StaffMember(id: "9001", name: "Ola Nordmann", role: .manager)])
        #expect(StaffPIN.verify("1234", against: try #require(till.staff.entry(id: "anna")).pinHash))
        let hash = try #require(till.staff.entry(id: "anna")).pinHash
        let cases: [(String, String)] = [
            ("[[staff]]\nid = \"7\"\nname = \"Per\"\npin = \"1234\"", "line 4 (staff[1].pin): must be a hash made by `kasse staff pin`"),
            ("[[staff]]\nid = \"7\"\nname = \"Per\"", "needs pin = \"scrypt$…\"; make it with: kasse staff pin"),
            ("[[staff]]\nid = \"7\"\nname = \"Per\"\nrole = \"boss\"\npin = \"\(hash)\"", "line 4 (staff[1].role): must be cashier or manager, not 'boss'"),
            ("[[staff]]\nid = \"a b\"\nname = \"Per\"\npin = \"\(hash)\"", "1 to 20 letters or digits"),
            ("[[staff]]\nid = \"7\"\npin = \"\(hash)\"", "employee 7 needs name"),
            ("[[staff]]\nid = \"7\"\nname = \"A\"\npin = \"\(hash)\"\n[[staff]]\nid = \"7\"\nname = \"B\"\npin = \"\(hash)\"",
             "employee 7 is listed twice"),
        ]
        for (text, message) in cases {
            do {
                _ = try Self.load(text)
                Issue.record("accepted: \(text)")
            } catch let error as ConfigurationError {
                #expect("\(error)".contains(message), "\(error)")
                // The clear-text PIN itself is never repeated back.
                #expect(!"\(error)".contains("\"1234\""))
            }
        }
    }

    @Test func theFullExampleReadsIntoTypedSettings() throws {
        let (till, warnings) = try Self.load(Self.example)
        #expect(warnings.isEmpty, "\(warnings)")
        #expect(till.settings.shopName == "Kiwi Majorstuen" && till.settings.storeID == "OSLO1" && till.settings.tillID == "3")
        #expect(till.settings.market == .norway && till.layout == .no && till.scannersEnabled)
        #expect(till.roles.map(\.1) == [.cashier, .kiosk])
        #expect(till.roles.map { $0.0.portPath } == ["1-1", "1-2"])
        #expect(till.scanPause == .milliseconds(800) && till.scanTermination == .learn)
        #expect(till.journalPath == "/srv/kasse/journal.sqlite" && till.cashierID == "anna")
        let file = try ConfigReader.parse(Self.example)
        #expect(file.tables["staff"]?.first?["id"] == "anna")
        #expect(file.tables["scanners.device"]?[1].line == 30)
        #expect(file.tables["scanners.device"]?[1].lines["role"] == 32)
        #expect(file.lines["till.market"] == 13)
        #expect(file["api.msn"] == "123456")
        #expect(till.printer == PrinterSettings(target: .network(host: "192.0.2.10", port: 9100), columns: 32))
        #expect(till.settings.receipts == .always)
        #expect(till.server?.url == "https://kasse-server.example")
    }

    /// `[server]`: the store server's address and the till's token; mistakes name their line,
    /// and the token never appears in a message.
    @Test func storeServerSettingsAndTheirMistakes() throws {
        let (none, _) = try Self.load("[till]\nmarket = \"DK\"")
        #expect(none.server == nil)
        let key = "key = \"\(LinkKeys.path(till: "OSL1-1"))\"\ncatalog_public_key = \"\(LinkKeys.catalog.publicKey)\""
        let (linked, _) = try Self.load("[till]\nstore_id = \"OSL1\"\n[server]\nurl = \"http://127.0.0.1:8790/\"\ntoken = \"TOKEN-SECRET-1\"\n\(key)")
        #expect(linked.server?.url == "http://127.0.0.1:8790")
        #expect(linked.server?.token == "TOKEN-SECRET-1")
        #expect(linked.server?.till == "OSL1-1" && linked.server?.tls == nil && linked.server?.isInsecure == false)
        let (pinned, _) = try Self.load("[server]\nurl = \"https://store:8790\"\ntoken = \"TOKEN-SECRET-1\"\nca = \"\(TestCertificates.ca)\"\n\(key)")
        #expect(pinned.server?.tls != nil)
        let (insecure, _) = try Self.load("[server]\nurl = \"http://store:8790\"\ntoken = \"TOKEN-SECRET-1\"\ninsecure = true\n\(key)")
        #expect(insecure.server?.isInsecure == true)
        let readable = LinkKeys.folder + "/readable.key"
        try Data(LinkSigningKey.generate().fileText.utf8).write(to: URL(fileURLWithPath: readable))
        chmod(readable, 0o644)
        let cases: [(String, String)] = [
            ("[server]\nurl = \"store:8790\"\ntoken = \"TOKEN-SECRET-1\"", "line 2 (server.url): must be the store server's address, https://HOST:PORT"),
            ("[server]\nurl = \"http://127.0.0.1:8790\"", "line 2 (server.url): is set, but no token is"),
            ("[server]\ntoken = \"TOKEN-SECRET-1\"", "line 2 (server.token): is set, but server.url is not"),
            ("[server]\nurl = \"http://store:8790\"\ntoken = \"TOKEN-SECRET-1\"\n\(key)", "is plain http:// to another machine"),
            ("[server]\nurl = \"https://store:8790\"\ntoken = \"TOKEN-SECRET-1\"\n\(key)", "is https://, but no ca is"),
            ("[server]\nurl = \"https://store:8790\"\ntoken = \"TOKEN-SECRET-1\"\nca = \"/nowhere.pem\"\n\(key)", "server.ca"),
            ("[server]\nurl = \"http://127.0.0.1:8790\"\ntoken = \"TOKEN-SECRET-1\"\ncatalog_public_key = \"\(LinkKeys.catalog.publicKey)\"", "no key is"),
            ("[server]\nurl = \"http://127.0.0.1:8790\"\ntoken = \"TOKEN-SECRET-1\"\nkey = \"\(readable)\"\ncatalog_public_key = \"\(LinkKeys.catalog.publicKey)\"",
             "can be read by other users; run: chmod 600"),
            ("[server]\nurl = \"http://127.0.0.1:8790\"\ntoken = \"TOKEN-SECRET-1\"\nkey = \"\(LinkKeys.path(till: "OSL1-1"))\"", "no catalog_public_key is"),
            ("[server]\nurl = \"http://127.0.0.1:8790\"\ntoken = \"TOKEN-SECRET-1\"\nkey = \"\(LinkKeys.path(till: "OSL1-1"))\"\ncatalog_public_key = \"abc\"",
             "line 5 (server.catalog_public_key)"),
        ]
        for (text, message) in cases {
            do {
                _ = try Self.load(text)
                Issue.record("accepted: \(text)")
            } catch let error as ConfigurationError {
                #expect("\(error)".contains(message), "\(error)")
                #expect(!"\(error)".contains("TOKEN-SECRET-1"))
            }
        }
        let (_, warnings) = try Self.load("[server]\nurl = \"http://127.0.0.1:8790\"\ntoken = \"t\"\n\(key)\ntokens = \"x\"")
        #expect(warnings.contains { $0.contains("server.tokens is not a setting Kasse knows") })
    }

    /// `[display]`: where customer displays connect and the secret they present; mistakes name
    /// their line, and the secret never appears in a message.
    @Test func customerDisplaySettingsAndTheirMistakes() throws {
        let (none, _) = try Self.load("[till]\nmarket = \"DK\"")
        #expect(none.display == nil)
        let (shown, _) = try Self.load("[display]\nlisten = \"0.0.0.0:8791\"\nsecret = \"DISPLAY-SECRET-0123456789\"")
        #expect(shown.display == TillConfiguration.DisplaySettings(host: "0.0.0.0", port: 8791, secret: "DISPLAY-SECRET-0123456789"))
        // A port alone listens on this machine only.
        let (local, _) = try Self.load("[display]\nlisten = \"8791\"\nsecret = \"DISPLAY-SECRET-0123456789\"")
        #expect(local.display == TillConfiguration.DisplaySettings(host: "127.0.0.1", port: 8791, secret: "DISPLAY-SECRET-0123456789"))
        let cases: [(String, String)] = [
            ("[display]\nlisten = \"till:\"\nsecret = \"DISPLAY-SECRET-0123456789\"", "line 2 (display.listen): must be HOST:PORT"),
            ("[display]\nlisten = \"0.0.0.0:8791\"", "line 2 (display.listen): is set, but no secret of 16 characters or more is"),
            ("[display]\nlisten = \"0.0.0.0:8791\"\nsecret = \"DISPLAY-SECRET\"", "no secret of 16 characters or more"),
            ("[display]\nsecret = \"DISPLAY-SECRET-0123456789\"", "line 2 (display.secret): is set, but display.listen is not"),
        ]
        for (text, message) in cases {
            do {
                _ = try Self.load(text)
                Issue.record("accepted: \(text)")
            } catch let error as ConfigurationError {
                #expect("\(error)".contains(message), "\(error)")
                #expect(!"\(error)".contains("DISPLAY-SECRET"))
            }
        }
    }

    /// `[printer]` mistakes name their line; without a printer, printing settings are refused.
    @Test func printerSettingsAndTheirMistakes() throws {
        let (plain, _) = try Self.load("[till]\nmarket = \"DK\"")
        #expect(plain.printer == nil && plain.settings.receipts == .noPrinter)
        let (asked, _) = try Self.load("[printer]\ndevice = \"/dev/usb/lp0\"")
        #expect(asked.printer?.target == .device(path: "/dev/usb/lp0") && asked.settings.receipts == .ask)
        let cases: [(String, String)] = [
            ("[printer]\nnetwork = \"10.0.0.5:70000\"", "line 2 (printer.network): must be HOST or HOST:PORT"),
            ("[printer]\nfile = \"/tmp/x\"\nreceipt = \"sometimes\"", "line 3 (printer.receipt): must be ask, always or never"),
            ("[printer]\nreceipt = \"always\"", "printer.receipt): is set, but no printer is"),
            ("[printer]\nnetwork = \"a\"\ndevice = \"/dev/usb/lp0\"", "name one printer: network, device or file"),
            ("[printer]\nfile = \"/tmp/x\"\ncode_page = \"cp437\"", "must be pc858, pc865, wpc1252"),
        ]
        for (text, message) in cases {
            do {
                _ = try Self.load(text)
                Issue.record("accepted: \(text)")
            } catch let error as ConfigurationError {
                #expect("\(error)".contains(message), "\(error)")
            }
        }
        let (_, warnings) = try Self.load("[printer]\nfile = \"/tmp/x\"\npaper = 80")
        #expect(warnings.contains { $0.contains("printer.paper is not a setting Kasse knows") })
    }

    @Test func ordinaryTOMLMeansWhatTOMLMeans() throws {
        let file = try ConfigReader.parse("""
            till.shop_name = 'Butikk "Æ"'   # literal string, dotted key
            [scanners]
            enabled = false
            pause_ms = 1_200
            [api]
            msn = 123456
            """)
        #expect(file["till.shop_name"] == #"Butikk "Æ""#)
        #expect(file["scanners.enabled"] == "false" && file["scanners.pause_ms"] == "1200" && file["api.msn"] == "123456")
        #expect(file.lines["scanners.pause_ms"] == 4)
    }

    @Test func theOldDevicesStringStillReadsWithAHintToMove() throws {
        let (till, _) = try Self.load("""
            [scanners]
            devices = "05e0:1200@1-1=cashier, 05e0:1200@1-2=kiosk"
            """)
        #expect(till.roles.map(\.1) == [.cashier, .kiosk])
        #expect(till.notes.count == 1)
        #expect(till.notes.first?.contains("line 2 (scanners.devices)") == true)
        #expect(till.notes.first?.contains("[[scanners.device]]\nmatch = \"05e0:1200@1-2\"\nrole = \"kiosk\"") == true, "\(till.notes)")
    }

    @Test func aFileFromAnEarlierKasseWithBareWordsStillReads() throws {
        let file = try ConfigReader.parse("""
            [till]
            market = FI
            shop_name = Kauppa
            [api]
            url = https://apitest.vipps.no
            """)
        #expect(file["till.market"] == "FI" && file["api.url"] == "https://apitest.vipps.no")
        #expect(file.hints.count == 1 && file.hints[0].contains("not valid TOML (line 2"), "\(file.hints)")
    }

    /// The screens speak the market's language unless `till.language` names another; receipts
    /// and reports in Norway stay Norwegian.
    @Test func theLanguageIsTheMarketsUnlessNamed() throws {
        #expect(try Self.load("[till]\nmarket = \"FI\"").0.settings.language == .finnish)
        #expect(try Self.load("[till]\nmarket = \"DK\"").0.settings.language == .danish)
        let english = try Self.load("[till]\nmarket = \"FI\"\nlanguage = \"en\"").0.settings
        #expect(english.language == .english && english.documentLanguage == .english)
        let norway = try Self.load("[till]\nmarket = \"NO\"\nlanguage = \"fi\"").0.settings
        #expect(norway.language == .finnish && norway.documentLanguage == .norwegian)
    }

    /// `kasse till --language` names a language Kasse speaks, or the till does not start.
    @Test func anUnknownLanguageOnTheCommandLineIsRefused() async throws {
        let result = try await KasseBinary.run(["till", "--language", "sv"], environment: ["HOME": FileManager.default.temporaryDirectory.path])
        #expect(result.status != 0)
        #expect(result.errors.contains("--language must be one of nb (norsk bokmål), da (dansk), fi (suomi), en (English), not 'sv'"), "\(result.errors)")
    }

    @Test(arguments: [
        ("[till]\nmarket = \"SE\"", "line 2 (till.market): must be NO, DK or FI, not 'SE'"),
        ("[till]\nlanguage = \"sv\"", "line 2 (till.language): must be one of nb (norsk bokmål), da (dansk), fi (suomi), en (English), not 'sv'"),
        ("[[staff]]\nid = \"1\"\nname = \"A\"\npin = \"scrypt$15$8$1$23qxpW557xZ4PhI78oMQAw==$Q8G28UxWS3HdnMaP9VKk7al33z6wPU0yRbjwihoUXr8=\"\nlanguage = \"klingon\"",
         "(staff[1].language): must be one of nb"),
        ("[scanners]\nlayout = \"de\"", "line 2 (scanners.layout): must be us, no, da or fi"),
        ("[scanners]\nenabled = \"maybe\"", "line 2 (scanners.enabled): must be true or false"),
        ("[scanners]\npause_ms = 5", "line 2 (scanners.pause_ms): must be a whole number of milliseconds"),
        ("[scanners]\nsuffix = \"crlf\"", "line 2 (scanners.suffix): must be auto, enter or none"),
        ("[[scanners.device]]\nmatch = \"05e0\"\n\n[[scanners.device]]\nmatch = \"05e0:1200\"\nrole = \"boss\"",
         "line 6 (scanners.device[2].role): must be cashier or kiosk, not 'boss'"),
        ("[[scanners.device]]\nrole = \"kiosk\"", "line 1 (scanners.device[1].match): each [[scanners.device]] needs match"),
        ("[[scanners.device]]\nmatch = \"zz:top\"", "line 2 (scanners.device[1].match)"),
    ])
    func everyMistakeIsReportedWithItsLineAndKey(text: String, message: String) throws {
        do {
            _ = try Self.load(text)
            Issue.record("accepted: \(text)")
        } catch let error as ConfigurationError {
            #expect(error.description.contains(message), "\(error.description)")
        }
    }

    @Test func aSyntaxErrorNamesItsLine() {
        do {
            _ = try ConfigReader.parse("[till]\nshop_name = \"Kiwi\"\n[scanners]\nenabled = tru\n[[scanners.device]]\nmatch = [\n")
            Issue.record("accepted")
        } catch {
            #expect(error.line == 4, "\(error)")
        }
    }

    @Test func anUnknownKeyIsNamedWithWhatItProbablyMeant() throws {
        let file = try ConfigReader.parse("[till]\nshop_nmae = \"Kiwi\"\n[scaners]\nenabled = true\n[[scanners.device]]\nmatch = \"05e0\"\nrloe = \"kiosk\"\n")
        let notes = ConfigReader.unknownKeys(in: file)
        #expect(notes.contains("line 2: till.shop_nmae is not a setting Kasse knows; it is ignored (did you mean till.shop_name?)"), "\(notes)")
        #expect(notes.contains { $0.hasPrefix("line 4: [scaners] is not a section") }, "\(notes)")
        #expect(notes.contains { $0.hasPrefix("line 7: scanners.device.rloe") && $0.contains("did you mean scanners.device.role?") }, "\(notes)")
    }

    @Test func anAPIMistakeInTheFileNamesItsLine() throws {
        let file = try ConfigReader.parse("[api]\nurl = \"test\"\nclient_id = \"a\"\nclient_secret = \"b\"\nsubscription_key = \"c\"\nmsn = \"12\"\n")
        var warnings: [String] = []
        #expect(throws: ConfigurationError.invalid("line 6 (api.msn): must be 4–6 digits, not '12'")) {
            try VippsConfiguration.load(file: file, environment: [:], warnings: &warnings)
        }
    }
}

/// Files that made the TOML library (toml++) abort the program, found by fuzzing: each now
/// gets a message with its line.
@Suite struct ConfigurationFuzzFindingsTests {
    @Test(arguments: [
        ("[\u{FFFD}", 1, "a table header needs a name"),
        ("[till]\nshop_name = \"x\"\nä = 1\n", 3, "outside quotes"),
        ("[\n", 1, "a table header needs a name"),
        ("[till]\nshop_name = \"x\"\n[[ \n", 3, "a table header needs a name"),
        ("h=[}", 1, "a value is missing before '}'"),
        ("a = [\n  1,\n  }\n", 3, "a value is missing before '}'"),
        ("i=8-------sk 4}", 1, "a date's time needs two-digit hours"),
        ("[till]\nopened = 2026-11-30 8 # morning\n", 2, "a date's time needs two-digit hours"),
    ])
    func aFileThatAbortedTheTOMLLibraryGetsAMessage(text: String, line: Int, message: String) {
        do {
            _ = try ConfigReader.parse(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.line == line && error.message.contains(message), "\(error)")
        }
    }

    @Test func whatThePrecheckAllowsStillParses() throws {
        let file = try ConfigReader.parse("""
            a = [ [1, 2], [3] ]
            b = [
              { x = 1 },
              {},
            ]
            c = "[ ] } ä"  # a comment with [ and ä
            d = '''
            ] } ø
            '''
            [ "quoted header" ]
            e = 1
            f = 2026-11-30 08:00:00
            g = [2026-11-30, 1979-05-27T07:32:00Z]
            """)
        #expect(file.lists["c"] == nil && file["c"] == "[ ] } ä" && file["quoted header.e"] == "1")
        #expect(file.tables["b"]?.count == 2 && file.lists["a"] == [])
        #expect(file["d"] == "] } ø\n")
    }
}

/// `kasse catalog check` on a Finnish catalog with a rate no longer in force.
@Suite struct CatalogCheckCommandTests {
    @Test func aRateNoLongerInForceLoadsAndIsPointedOut() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-fi-\(UUID().uuidString).csv").path
        try "sku,gtin,name,unit_price,vat_rate,unit\n1,,Kahvi,690,1400,PCS\n2,,Leipä,350,1350,PCS\n3,,X,100,1500,PCS\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await KasseBinary.run(["catalog", "check", "--file", path, "--market", "FI"])
        #expect(result.status == 1, "line 4 (15 %) is no Finnish rate")
        #expect(result.errors.contains("vat_rate 1500 is not a VAT rate in Finland (2550, 1350, 1000, 0)"), "\(result.errors)")
        #expect(result.output.contains("note: 1 product(s) at 14 %, which is no longer in force; they sell at 13,5 % (vat_rate 1350)"),
                "\(result.output)")
        #expect(result.output.contains("2 products (0 sold by weight), 1 problem(s)"))
    }
}

/// `kasse config migrate` on a file an earlier Kasse wrote: rewritten in place, as private as it
/// was, the old one kept; the till's warning names the command until it is run, and not after.
@Suite struct ConfigMigrateCommandTests {
    @Test func anOldFileIsRewrittenInTOMLAndTheOldOneKept() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-migrate-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/kasse.toml"
        let old = "[till]\nmarket = NO\nshop_name = Kiwi Majorstuen\ntill_id = 3\n[api]\nclient_secret = not-a-real-secret\n"
        _ = FileManager.default.createFile(atPath: path, contents: Data(old.utf8), attributes: [.posixPermissions: 0o600])
        // As root (as CI runs), the file belongs to the till's own user, as /etc/kasse/kasse.toml would.
        let owner: UInt32? = geteuid() == 0 ? 65_534 : nil
        if let owner { #expect(chown(path, owner, owner) == 0) }

        var warnings: [String] = []
        let before = try ConfigFiles.read(at: path, warnings: &warnings)
        #expect(warnings.contains { $0.contains("kasse config migrate") }, "\(warnings)")

        let printed = try await KasseBinary.run(["config", "migrate", path, "--print"])
        #expect(printed.status == 0 && printed.output.contains("market = \"NO\""), "\(printed)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == old, "--print writes nothing")

        let result = try await KasseBinary.run(["config", "migrate", path])
        #expect(result.status == 0, "\(result)")
        #expect(result.output.contains("3 lines changed") && result.output.contains(path + ".before-migrate"), "\(result.output)")
        #expect(!result.output.contains("not-a-real-secret") && !result.errors.contains("not-a-real-secret"))
        #expect(try String(contentsOfFile: path + ".before-migrate", encoding: .utf8) == old)
        for file in [path, path + ".before-migrate"] {
            let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file) has mode \(String(mode ?? 0, radix: 8))")
            if let owner {
                var info = stat()
                #expect(stat(file, &info) == 0 && info.st_uid == owner && info.st_gid == owner, "\(file) changed owner")
            }
        }
        warnings = []
        let after = try ConfigFiles.read(at: path, warnings: &warnings)
        #expect(after.values == before.values && warnings.isEmpty, "\(warnings)")

        let again = try await KasseBinary.run(["config", "migrate", path])
        #expect(again.status == 0 && again.output.contains("already TOML"), "\(again)")

        try "[till]\nmarket = NO\nmarket = DK\n".write(toFile: path, atomically: true, encoding: .utf8)
        let broken = try await KasseBinary.run(["config", "migrate", path])
        #expect(broken.status != 0 && broken.errors.contains("line 3") && broken.errors.contains("nothing was changed"), "\(broken)")
    }
}
