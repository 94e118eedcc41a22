import Foundation
import KasseFiles
import KasseCore
import KasseDisplayLink
import KasseJournal
import KasseJournalSQLite
import KasseLanguage
import KasseNorway
import KassePrinting
import KasseScanning
import KasseSimulator
import KasseStore
import KasseStoreLink
import KasseTerminal
import KasseTill
import KasseUSB
import Logging
import ServiceLifecycle
import UnixSignals
import VippsClient
import VippsModels
import KasseConfig

/// What the till reads from its configuration file.
public struct TillConfiguration: Sendable {
    public var settings: TillSettings
    public var catalogPath: String?
    public var scannersEnabled: Bool
    public var layout: KeyboardLayout
    public var roles: [(ScannerMatch, ScannerRole)]
    /// The pause that ends a scan from a scanner without a suffix, and how scans end.
    public var scanPause: Duration
    public var scanTermination: ScanAssembler.Termination
    public var logPath: String
    /// The journal's SQLite file: `journal.path`, or `KASSE_JOURNAL`, or per user
    /// `~/.local/share/kasse/journal.sqlite` (`demo-journal.sqlite` in DEMO mode, kept apart).
    public var journalPath: String
    /// Who is at the till, written with every journal entry (`till.cashier_id`, `KASSE_CASHIER`).
    public var cashierID: String
    /// Who an entry names when nobody is logged in: the configured cashier on a till without a
    /// staff list; nobody (empty) on one with it.
    public var defaultCashier: String { staff.entries.isEmpty ? cashierID : "" }
    /// Things in the file a person should change although they still work.
    public var notes: [String]
    /// `[company]`: who runs the shop (DEMO: a demo company when the file names none).
    public var company: CompanyIdentity?
    /// `till.signing_key`: the private key that signs every transaction (Norway), and its version.
    public var signingKeyPath: String?
    public var signingKeyVersion: String = "1"
    /// `[[staff]]`: who may log in (id, name, role, PIN hash). Empty: no log-in (outside
    /// Norway); DEMO without a list gets `StaffList.demo`'s two members.
    public var staff: StaffList = StaffList([])
    /// `[printer]`: the receipt printer (nil: none).
    public var printer: PrinterSettings?
    /// `printer.logo`: the shop's logo file (netpbm), printed at the top of receipts; nil: the
    /// logo from `assets/`.
    public var logoPath: String?
    /// `[server] url, token`: the store server (nil: none; the till then works on its own).
    public var server: StoreLinkConfiguration?
    /// `[display] listen, secret`: where customer displays connect (nil: no display).
    public var display: DisplaySettings?

    public struct DisplaySettings: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var secret: String

        public init(host: String, port: Int, secret: String) {
            self.host = host
            self.port = port
            self.secret = secret
        }
    }

    /// `[till] shop_name, store_id, till_id, cashier_id, market, catalog, log`; `[journal] path`;
    /// `[scanners] enabled, layout, suffix, pause_ms` and `[[scanners.device]] match, role` (the
    /// old `devices = "05e0:1200@1-1=cashier, …"` string still reads, with a hint in `notes`).
    /// Every mistake names its line and key.
    public static func load(file: ConfigFile?, mode: RunMode, environment: [String: String]) throws(ConfigurationError) -> TillConfiguration {
        let file = file ?? ConfigFile()
        let values = file.values
        var notes: [String] = []
        func invalid(_ key: String, _ message: String) -> ConfigurationError { .invalid("\(file.location(key)): \(message)") }
        let marketCode = values["till.market"] ?? "NO"
        guard let market = Market(code: marketCode) else { throw invalid("till.market", "must be NO, DK or FI, not '\(marketCode)'") }
        let scanners = try ScannerConfiguration.read(file)
        notes += scanners.notes
        var timeZone = ShopTimeZone.of(market)
        if let text = values["till.time_zone"] {
            do {
                timeZone = try Self.timeZone(text, zoneinfo: environment["TZDIR"] ?? "/usr/share/zoneinfo")
            } catch {
                throw invalid("till.time_zone", error.description)
            }
        }
        let company = try Self.company(file, market: market, mode: mode)
        var language = Language.of(market)
        if let code = values["till.language"] {
            guard let named = Language.named(code) else { throw invalid("till.language", Self.unknownLanguage(code)) }
            language = named
        }
        let staff = try Self.staff(file)
        let printer: PrinterSettings?
        do {
            printer = try PrinterSettings.parse { values["printer.\($0)"] }
        } catch {
            throw invalid("printer.\(error.key)", error.message)
        }
        var receipts = ReceiptPrinting.noPrinter
        if printer != nil {
            receipts = .ask
            if let text = values["printer.receipt"] {
                guard let policy = ReceiptPrinting(rawValue: text.lowercased()), policy != .noPrinter else {
                    throw invalid("printer.receipt", "must be ask, always or never, not '\(text)'")
                }
                receipts = policy
            }
        } else if values["printer.receipt"] != nil || values["printer.logo"] != nil {
            throw invalid(values["printer.receipt"] != nil ? "printer.receipt" : "printer.logo",
                          "is set, but no printer is: add network = \"HOST:9100\", device = \"/dev/usb/lp0\" or file = \"PATH\"")
        }
        let server = try StoreLinkConfiguration.read(file, environment: environment)
        let display = try DisplaySettings.read(file, environment: environment)
        let home = environment["HOME"] ?? NSHomeDirectory()
        let dataHome = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (home + "/.local/share")
        let journalPath = environment["KASSE_JOURNAL"] ?? values["journal.path"]
            ?? (dataHome + "/kasse/" + (mode == .demo ? "demo-journal.sqlite" : "journal.sqlite"))
        let cashierID = environment["KASSE_CASHIER"] ?? values["till.cashier_id"] ?? "1"
        let stateHome = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.local/state")
        var settings = TillSettings(
            mode: mode, shopName: values["till.shop_name"] ?? (mode == .demo ? "Kasse Demo" : "Kasse"),
            storeID: values["till.store_id"] ?? "STORE1", tillID: values["till.till_id"] ?? "1", market: market,
            timeZone: timeZone, company: company, language: language)
        settings.receipts = receipts
        return TillConfiguration(
            settings: settings,
            catalogPath: values["till.catalog"], scannersEnabled: scanners.enabled, layout: scanners.layout, roles: scanners.roles,
            scanPause: scanners.pause, scanTermination: scanners.termination,
            logPath: environment["KASSE_LOG"] ?? values["till.log"] ?? (stateHome + "/kasse/kasse.log"),
            journalPath: journalPath, cashierID: cashierID, notes: notes, company: company,
            signingKeyPath: values["till.signing_key"], signingKeyVersion: values["till.signing_key_version"] ?? "1",
            staff: staff, printer: printer, logoPath: values["printer.logo"], server: server, display: display)
    }

    /// `[[staff]]` tables: `id`, `name`, `role` (cashier or manager) and `pin`, a hash made by
    /// `kasse staff pin` (a PIN written in the clear is refused, with how to hash it).
    static func staff(_ file: ConfigFile) throws(ConfigurationError) -> StaffList {
        var entries: [StaffList.Entry] = []
        for (index, table) in (file.tables["staff"] ?? []).enumerated() {
            func at(_ key: String) -> String { table.location("staff", key, index: index) }
            guard let id = table["id"], StaffList.isValidID(id) else {
                throw .invalid("\(at("id")): each [[staff]] needs id = \"…\", 1 to 20 letters or digits (the employee number)")
            }
            guard !entries.contains(where: { $0.member.id == id }) else { throw .invalid("\(at("id")): employee \(id) is listed twice") }
            guard let name = table["name"], !name.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw .invalid("\(at("name")): employee \(id) needs name = \"…\" (shown on screen, receipts and reports)")
            }
            let roleText = table["role"] ?? "cashier"
            guard let role = StaffRole(rawValue: roleText.lowercased()) else {
                throw .invalid("\(at("role")): must be cashier or manager, not '\(roleText)'")
            }
            guard let pin = table["pin"] else {
                throw .invalid("\(at("pin")): employee \(id) needs pin = \"scrypt$…\"; make it with: kasse staff pin")
            }
            do {
                try StaffPIN.check(pin)
            } catch {
                throw .invalid("\(at("pin")): \(error.description)")
            }
            var language: String?
            if let code = table["language"] {
                guard let named = Language.named(code) else { throw .invalid("\(at("language")): \(unknownLanguage(code))") }
                language = named.code
            }
            entries.append(StaffList.Entry(member: StaffMember(id: id, name: name, role: role, language: language), pinHash: pin))
        }
        return StaffList(entries)
    }

    /// `[company]`: every field, or none; a Norwegian organisation number with a valid check digit.
    static func company(_ file: ConfigFile, market: Market, mode: RunMode) throws(ConfigurationError) -> CompanyIdentity? {
        do {
            return try CompanyIdentity.configured(in: file, norwegian: market == .norway) ?? (mode == .demo ? .demo : nil)
        } catch {
            throw .invalid(error.description)
        }
    }

    /// What a till in Norway outside DEMO lacks before it may sell (kassasystemforskrifta: the
    /// company on every receipt, a signature on every transaction), as the lines to add to the
    /// file; nil when nothing. `readKey` reads the key file (nil when it cannot be read).
    public func missingForNorway(configPath: String, readKey: (String) -> String?) -> String? {
        guard settings.market == .norway, settings.mode != .demo else { return nil }
        var lines: [String] = []
        if company == nil {
            lines += [
                "[company]",
                "organisation_number = \"999999999\"   # nine digits, with their check digit",
                "name = \"Butikken AS\"",
                "address = \"Storgata 1\"",
                "postal_code = \"0155\"",
                "city = \"Oslo\"",
                "vat_registered = true",
            ]
        }
        if staff.isEmpty || !staff.entries.contains(where: { $0.member.role == .manager }) {
            if !lines.isEmpty { lines.append("") }
            lines += [
                "[[staff]]   # one table per employee; a manager closes the day and turns training on",
                "id = \"9001\"",
                "name = \"Ola Nordmann\"",
                "role = \"manager\"",
                "pin = \"scrypt$…\"   # made by: kasse staff pin",
            ]
        }
        var problem: String?
        if let path = signingKeyPath {
            if let pem = readKey(path) {
                do {
                    _ = try TransactionSigner(privateKeyPEM: pem, keyVersion: signingKeyVersion)
                } catch {
                    problem = "\(path): \(error.description)"
                }
            } else {
                problem = "the signing key \(path) cannot be read (kasse saft keygen --out DIR makes one)"
            }
        } else {
            if !lines.isEmpty { lines.append("") }
            lines += ["[till]", "signing_key = \"/srv/kasse/kasse-signing-key-v1.pem\"   # made by: kasse saft keygen --out /srv/kasse"]
        }
        if lines.isEmpty, problem == nil { return nil }
        var text = "a till in Norway must name its company, log its staff in and sign every transaction (kassasystemforskrifta)."
        if !lines.isEmpty { text += " Add to \(configPath):\n\n" + lines.joined(separator: "\n") }
        if let problem { text += (lines.isEmpty ? " " : "\n\n") + problem }
        return text
    }
}

extension TillConfiguration {
    /// What is wrong with a language Kasse does not speak.
    static func unknownLanguage(_ code: String) -> String {
        "must be one of " + Language.all.map { "\($0.code) (\($0.name))" }.joined(separator: ", ") + ", not '\(code)'"
    }

    /// `Europe/Oslo` (from the machine's zoneinfo files) or a POSIX rule (`CET-1CEST,M3.5.0,M10.5.0/3`).
    static func timeZone(_ text: String, zoneinfo: String) throws(ShopTimeZone.Invalid) -> ShopTimeZone {
        if text.contains(",") || text.contains(where: \.isNumber) && !text.contains("/") {
            return try ShopTimeZone(rule: text)
        }
        let allowed = text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "/_+-".contains($0)) }
        guard allowed, !text.contains(".."), !text.hasPrefix("/"),
              let data = FileManager.default.contents(atPath: zoneinfo + "/" + text)
        else { throw .unknownZone(text) }
        return try ShopTimeZone(name: text, tzif: Array(data))
    }
}

public enum TillLauncher {
    public struct LaunchError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The till's settings as the till itself would read them (file, then `KASSE_*`), for the
    /// journal and report commands: DEMO when no API is configured.
    public static func configuration(configPath: String?) throws(LaunchError) -> TillConfiguration {
        let environment = ProcessInfo.processInfo.environment
        var warnings: [String] = []
        let path = configPath ?? ConfigFiles.defaultPath(environment: environment)
        do {
            var file: ConfigFile?
            if configPath != nil || FileManager.default.fileExists(atPath: path) {
                file = try ConfigFiles.read(at: path, warnings: &warnings)
            }
            let apiConfigured = Self.apiConfigured(file: file, environment: environment)
            var mode = RunMode.demo
            if apiConfigured {
                let vipps = try VippsConfiguration.load(file: file, environment: environment, warnings: &warnings)
                mode = vipps.environment == .production ? .production : vipps.environment == .test ? .test : .demo
            }
            return try TillConfiguration.load(file: file, mode: mode, environment: environment)
        } catch {
            throw LaunchError(description: "configuration: \(error.description)")
        }
    }

    /// DEMO means DEMO: without a configuration file the till runs on its own simulator, and
    /// `KASSE_API_URL` and the other `KASSE_*` API variables (which override a file's `[api]`)
    /// are ignored, and said to be; with a file, `[api]` or those variables configure the API.
    static func apiConfigured(file: ConfigFile?, environment: [String: String]) -> Bool {
        guard let file else { return false }
        return file["api.url"] != nil || file["api.client_id"] != nil || environment["KASSE_API_URL"].map { !$0.isEmpty } == true
    }

    /// The `KASSE_*` API variables set in `environment`, sorted.
    static func apiVariables(in environment: [String: String]) -> [String] {
        ConfigFiles.apiEnvironmentKeys.keys.filter { environment[$0].map { !$0.isEmpty } == true }.sorted()
    }

    /// Starts the till. With no configuration file (whatever the environment says), or a file
    /// without API settings, it runs in DEMO mode against the simulator started in this process.
    /// `languageOverride`: the screens' language for this run (`--language`), over `till.language`.
    public static func run(configPath: String?, catalogOverride: String?, languageOverride: String? = nil,
                           assets: (String) -> String?) async throws {
        var language: Language?
        if let code = languageOverride {
            guard let named = Language.named(code) else { throw LaunchError(description: "--language " + TillConfiguration.unknownLanguage(code)) }
            language = named
        }
        let environment = ProcessInfo.processInfo.environment
        var warnings: [String] = []
        let path = configPath ?? ConfigFiles.defaultPath(environment: environment)
        var file: ConfigFile?
        do {
            if configPath != nil || FileManager.default.fileExists(atPath: path) {
                file = try ConfigFiles.read(at: path, warnings: &warnings)
            }
        } catch {
            throw LaunchError(description: "configuration: \(error.description)")
        }
        // The catalog loads while the rest starts (the demo simulator, the terminal).
        // Without a catalog of its own, the till sells the sample catalog of its market.
        let marketForCatalog = Market(code: file?["till.market"] ?? "NO") ?? .norway
        let sample = switch marketForCatalog {
        case .norway: "catalog.csv"
        case .denmark: "catalog-dk.csv"
        case .finland: "catalog-fi.csv"
        }
        let catalogFile = catalogOverride ?? file?["till.catalog"] ?? assets(sample)
        let catalogTask = Task.detached { () -> Result<CatalogCSV.Result, LaunchError> in
            guard let catalogFile else {
                return .failure(LaunchError(description: "no catalog: set till.catalog in the configuration or pass --catalog FILE"))
            }
            do {
                let data = try Data(contentsOf: URL(fileURLWithPath: catalogFile))
                return .success(data.withUnsafeBytes { CatalogCSV.parse(bytes: $0.bindMemory(to: UInt8.self), market: marketForCatalog) })
            } catch {
                return .failure(LaunchError(description: "cannot read the catalog \(catalogFile): \(error.localizedDescription)"))
            }
        }
        let apiConfigured = Self.apiConfigured(file: file, environment: environment)
        let ignoredVariables = file == nil ? Self.apiVariables(in: environment) : []
        if !ignoredVariables.isEmpty {
            warnings.append("no configuration file (\(path)): DEMO on its own simulator; \(ignoredVariables.joined(separator: ", ")) ignored")
        }
        var simulator: RunningSimulator?
        let vipps: VippsConfiguration
        let mode: RunMode
        var tillConfiguration: TillConfiguration
        do {
            if apiConfigured {
                vipps = try VippsConfiguration.load(file: file, environment: environment, warnings: &warnings)
                mode = vipps.environment == .production ? .production : vipps.environment == .test ? .test : .demo
                tillConfiguration = try TillConfiguration.load(file: file, mode: mode, environment: environment)
            } else {
                mode = .demo
                tillConfiguration = try TillConfiguration.load(file: file, mode: .demo, environment: environment)
                let embedded = try await embeddedSimulator(tillConfiguration, assets: assets)
                simulator = embedded.simulator
                vipps = embedded.configuration
            }
        } catch let error as ConfigurationError {
            throw LaunchError(description: "configuration: \(error.description)")
        } catch let error as SimulatorConfigurationError {
            throw LaunchError(description: "demo simulator: \(error.description)")
        }
        // Whatever ends the launch from here on, the simulators this process started stop with it.
        let launched = LaunchedSimulators()
        if let simulator { await launched.add(simulator) }
        do {
            if let language { tillConfiguration.settings.language = language }
            // Norway: the company and the signing key, before anything else is touched.
            if let missing = tillConfiguration.missingForNorway(configPath: path, readKey: { try? String(contentsOfFile: $0, encoding: .utf8) }) {
                throw LaunchError(description: "configuration: \(missing)")
            }
            // Staff: DEMO without a list logs in as its demo cashier or manager (hashed here, as a
            // configuration would hold them).
            var staff = tillConfiguration.staff
            if staff.isEmpty, mode == .demo {
                staff = StaffList(demoStaff.compactMap { demo in
                    (try? StaffPIN.hash(demo.pin, logN: 12)).map { StaffList.Entry(member: demo.member, pinHash: $0) }
                })
            }
            // Training mode pays on a simulator in this process, never on the configured API.
            var trainingConfiguration: VippsConfiguration?
            if !staff.isEmpty {
                if simulator != nil {
                    trainingConfiguration = vipps  // DEMO's own embedded simulator
                } else {
                    do {
                        let embedded = try await embeddedSimulator(tillConfiguration, assets: assets)
                        await launched.add(embedded.simulator)
                        trainingConfiguration = embedded.configuration
                    } catch {
                        // The till still sells; training mode then refuses to pay.
                        warnings.append("training mode's simulator did not start: \(error)")
                    }
                }
            }
            // The journal first: without it no sale may start. With a staff list, an entry made
            // while nobody is logged in names nobody.
            let journal: Journal
            do {
                journal = try Journal(
                    path: tillConfiguration.journalPath, till: tillConfiguration.settings.tillID,
                    cashier: staff.isEmpty ? tillConfiguration.cashierID : "", create: mode == .demo)
            } catch {
                throw LaunchError(description: error.description)
            }
            let logger = Logger(label: "kasse.till", factory: FileLogHandler.factory(path: tillConfiguration.logPath))
            for warning in warnings + tillConfiguration.notes { logger.warning("\(warning)") }

            var parsed: CatalogCSV.Result
            switch await catalogTask.value {
            case .success(let result): parsed = result
            case .failure(let error): throw error
            }
            for problem in parsed.problems { logger.warning("catalog \(catalogFile ?? "") \(problem)") }
            // With a store server, the till sells the server's catalog: the copy it kept last time
            // (so it sells while the server is down), until the server says it has a newer one.
            let serverCatalog = ServerCatalogCopy(journalPath: tillConfiguration.journalPath)
            if tillConfiguration.server != nil, catalogOverride == nil, let copy = serverCatalog.read(market: tillConfiguration.settings.market) {
                parsed = copy.result
                logger.info("catalog: the store server's version \(copy.version), kept at \(serverCatalog.path)")
            }
            #if os(Linux)
            // Parsing a large catalog leaves megabytes of freed buffers; give them back to the system.
            _ = kasseMallocTrim(0)
            #endif

            let client = VippsClient(configuration: vipps, logger: logger)
            var scanners: USBScannerService?
            var startupBanner: Banner?
            if !parsed.problems.isEmpty {
                startupBanner = Banner(.warning, .catalogLinesSkipped, ["count": .number(parsed.problems.count), "path": .text(tillConfiguration.logPath)])
            }
            if tillConfiguration.scannersEnabled {
                let matches = tillConfiguration.roles.isEmpty ? ScannerMatch.defaults : tillConfiguration.roles.map(\.0)
                let service = USBScannerService(
                    configuration: ScannerServiceConfiguration(
                        matches: matches, layout: tillConfiguration.layout, scanPause: tillConfiguration.scanPause,
                        termination: tillConfiguration.scanTermination), logger: logger)
                do {
                    try service.start()
                    scanners = service
                } catch {
                    logger.warning("USB scanners unavailable: \(error)")
                    startupBanner = Banner(.warning, .scannersUnavailable, ["error": .text("\(error)")])
                }
            }
            let now = ContinuousClock.now
            let unsettled: [UnsettledPayment]
            let saleNumber: Int
            do {
                unsettled = try await journal.unsettledPayments()
                saleNumber = try await journal.nextSaleNumber()
                var started: [JournalEvent] = [.tillStarted(
                    mode: mode.rawValue, store: tillConfiguration.settings.storeID, till: tillConfiguration.settings.tillID)]
                // An anchor older than the journal is not tampering, but it is worth a line in the
                // journal and a word to the cashier; this entry writes it anew. (A missing or
                // unreadable one stops the till before this: a manager acknowledges it first.)
                switch journal.anchorAtOpen {
                case .older:
                    started.append(.operatorAction("journal anchor at start: \(journal.anchorAtOpen)"))
                    logger.warning("journal anchor: \(journal.anchorAtOpen)")
                    startupBanner = startupBanner ?? Banner(.warning, .anchorRewritten)
                default:
                    break
                }
                try await journal.recordStart(started)
                // A business day with sales and no Z report: say so at start.
                let open = try await journal.sinceLastZ().entries.map(\.1)
                if let reminder = ZReportReminder.message(sinceLastZ: open, today: today(in: tillConfiguration.settings.timeZone)) {
                    startupBanner = startupBanner ?? Banner(.warning, reminder)
                }
            } catch {
                throw LaunchError(description: error.description)
            }
            var state = TillState(settings: tillConfiguration.settings, saleNumber: saleNumber, now: now, today: today(in: tillConfiguration.settings.timeZone))
            if !staff.isEmpty {
                state.mode = .loggingIn(LogInForm())
                state.startNotice = startupBanner
            }
            if !ignoredVariables.isEmpty {
                startupBanner = startupBanner ?? Banner(.warning, .demoIgnoresEnvironment, ["variables": .text(ignoredVariables.joined(separator: ", "))])
                if !staff.isEmpty { state.startNotice = startupBanner }
            }
            state.banner = startupBanner ?? Banner(.info, mode == .demo
                ? (staff.isEmpty ? .demoWelcome : .demoWelcomeLogIn)
                : staff.isEmpty ? .ready : .logInPrompt)
            // Wrong PINs before a restart still count: the lock-out goes on where it was.
            if !staff.isEmpty, let lockOut = try? await journal.logInLockOut() {
                state.wrongPINs = lockOut.refusalsInARow
                let wait = lockOut.secondsLeft(now: Date().timeIntervalSince1970)
                if wait > 0 {
                    state.lockedUntil = state.now + .seconds(wait)
                    state.banner = Banner(.error, .logInLocked, ["seconds": .number(wait)])
                }
            }
            let chain: TransactionChain?
            do {
                chain = try await signingChain(tillConfiguration, mode: mode, journal: journal)
            } catch {
                throw error
            }
            // Customer displays, when configured: listening before the screen is taken, so a port
            // in use is said plainly.
            var displayServer: CustomerViewServer?
            if let display = tillConfiguration.display {
                do {
                    displayServer = try await CustomerViewServer.start(host: display.host, port: display.port, secret: display.secret, logger: logger)
                    logger.info("customer displays: listening on \(display.host):\(displayServer?.port ?? display.port)")
                } catch {
                    throw LaunchError(description: "display.listen: customer displays cannot connect on \(display.host):\(display.port) (\(error)); is another till running?")
                }
            }
            // SIGTERM (systemd stopping the till) and SIGHUP (its terminal gone) end the till in order,
            // as F10 and yes do: caught here, before ncurses would install its own handlers.
            signal(SIGTERM, SIG_IGN)
            signal(SIGHUP, SIG_IGN)
            let terminal = CursesTerminal()
            terminal.start()
            var till = Till(catalog: parsed.catalog)
            till.staff = staff
            let trainingClient = trainingConfiguration.map { VippsClient(configuration: $0, logger: logger) }
            // The logo: the configured file, else the one in assets/; one that cannot be read is
            // left out (and said in the log), never a reason not to sell.
            var logo: Bitmap?
            if tillConfiguration.printer != nil, let path = tillConfiguration.logoPath ?? assets("logo.pbm") {
                logo = ReceiptPrinter.logo(at: path)
                if logo == nil { logger.warning("printer.logo: \(path) is not a netpbm bitmap (P1 or P4); receipts print without the logo") }
            }
            var timing = TillRuntime.PollTiming()
            if let text = environment["KASSE_FIRST_POLL_MS"], let milliseconds = Int(text), milliseconds >= 0 {
                // For tests that must see a payment settle through the store server alone.
                timing.firstDelay = .milliseconds(milliseconds)
            }
            // The store server, when configured: its events end a payment's wait at once, the
            // journal is copied to it, and its catalogs are followed (unless --catalog names one).
            // Neither is needed to sell.
            var parts = TillParts(till: till, state: state, client: client, terminal: terminal, journal: journal, logger: logger)
            parts.trainingClient = trainingClient
            parts.scanners = scanners
            parts.roles = tillConfiguration.roles
            parts.chain = chain
            parts.printer = tillConfiguration.printer
            parts.logo = logo
            parts.storeLink = tillConfiguration.server.map { ($0, journal) }
            parts.serverCatalog = catalogOverride == nil ? serverCatalog : nil
            if let displayServer { parts.customerView = { view in displayServer.publish(view) } }
            parts.pollTiming = timing
            parts.recovering = unsettled
            await parts.assemble().run(endingOn: [.sigterm, .sighup])
            // The displays see the till close.
            displayServer?.publish(.closed(shopName: tillConfiguration.settings.shopName, language: tillConfiguration.settings.language.code))
            await displayServer?.stop()
            terminal.stop()
            scanners?.stop()
        } catch {
            await launched.stop()
            throw error
        }
        await launched.stop()
    }

    /// The simulators a launch started (DEMO's, training mode's): stopped together, however it ends.
    actor LaunchedSimulators {
        private var running: [RunningSimulator] = []
        func add(_ simulator: RunningSimulator) { running.append(simulator) }
        func stop() async {
            for simulator in running { await simulator.stop() }
            running = []
        }
    }

    /// A simulator in this process, with the demo customers (91234567 approves after 3 s): DEMO
    /// mode's API, and training mode's wherever the till runs.
    static func embeddedSimulator(_ tillConfiguration: TillConfiguration, assets: (String) -> String?) async throws
        -> (simulator: RunningSimulator, configuration: VippsConfiguration)
    {
        let market = tillConfiguration.settings.market
        let logger = Logger(label: "kasse.simulator", factory: FileLogHandler.factory(path: tillConfiguration.logPath))
        var configuration = SimulatorConfiguration(port: 0)
        if let customers = assets("simulator-customers.json") {
            configuration.customers = try SimulatorConfiguration.loadCustomers(path: customers)
        }
        let simulator = try await Simulator.start(configuration, logger: logger)
        let msn = market == .denmark ? "223456" : market == .finland ? "323456" : SimulatorConfiguration.demoMSN
        return (simulator, VippsConfiguration(
            baseURL: simulator.baseURL, clientID: SimulatorConfiguration.demoClientID,
            clientSecret: SimulatorConfiguration.demoClientSecret, subscriptionKey: SimulatorConfiguration.demoSubscriptionKey,
            merchantSerialNumber: msn))
    }

    /// DEMO's staff when the configuration lists none: a cashier and a manager whose numbers
    /// and PINs the log-in screen shows.
    public static let demoStaff: [(member: StaffMember, pin: String)] = [
        (StaffMember(id: "1001", name: "Kari Kasserer", role: .cashier), "1234"),
        (StaffMember(id: "9001", name: "Mona Manager", role: .manager), "999999"),
    ]

    /// Norway: the chain that signs every committed transaction, going on from the journal's
    /// last signature. DEMO without a key of its own signs with a demo key kept beside the demo
    /// journal (made on first use), so its signatures can be checked too.
    public static func signingChain(_ configuration: TillConfiguration, mode: RunMode, journal: Journal) async throws(LaunchError) -> TransactionChain? {
        guard configuration.settings.market == .norway else { return nil }
        var path = configuration.signingKeyPath
        var version = configuration.signingKeyVersion
        if path == nil, mode == .demo {
            let demoPath = (configuration.journalPath as NSString).deletingLastPathComponent + "/demo-signing-key.pem"
            if !FileManager.default.fileExists(atPath: demoPath) {
                guard let pair = try? TransactionSigner.generateKey(),
                      (try? PrivateFile.write(Data(pair.privatePEM.utf8), to: demoPath, replace: false)) != nil
                else { throw LaunchError(description: "cannot write the demo signing key \(demoPath)") }
            }
            path = demoPath
            version = "demo"
        }
        guard let path else { return nil }
        // A private key others may read is no longer private: refused, with the fix.
        if PrivateFile.readableByOthers(path) {
            let mode = PrivateFile.mode(of: path).map { String($0, radix: 8) } ?? "?"
            throw LaunchError(description: "the signing key \(path) can be read by other users (mode \(mode)); run: \(PrivateFile.chmodAdvice(path))")
        }
        do {
            guard let pem = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw LaunchError(description: "the signing key \(path) cannot be read")
            }
            let signer = try TransactionSigner(privateKeyPEM: pem, keyVersion: version)
            let last = try await journal.lastSignature()
            return TransactionChain(signer: signer, register: configuration.settings.tillID, zone: configuration.settings.timeZone,
                                    last: last.map { ($0.number, $0.signature) })
        } catch let error as LaunchError {
            throw error
        } catch let error as SigningKeyError {
            throw LaunchError(description: "\(path): \(error.description)")
        } catch {
            throw LaunchError(description: "\(error)")
        }
    }

    /// The shop's business day now, in its time zone (not the machine's, which on a till PC is
    /// often UTC).
    public static func today(in zone: ShopTimeZone) -> CivilDate {
        zone.date(atUTC: Int64(time(nil)))
    }
}

/// The store server's catalog as the till last fetched it, beside the journal: the CSV and its
/// version, each replaced atomically.
public struct ServerCatalogCopy: Sendable {
    let path: String

    public init(journalPath: String) {
        path = (journalPath as NSString).deletingLastPathComponent + "/server-catalog.csv"
    }

    var versionPath: String { path + ".version" }

    func version() -> Int64? {
        (try? String(contentsOfFile: versionPath, encoding: .utf8)).flatMap { Int64($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    func read(market: Market) -> (version: Int64, result: CatalogCSV.Result)? {
        guard let version = version(), let data = FileManager.default.contents(atPath: path) else { return nil }
        let result = data.withUnsafeBytes { CatalogCSV.parse(bytes: $0.bindMemory(to: UInt8.self), market: market) }
        return result.catalog.count > 0 ? (version, result) : nil
    }

    /// The CSV first, then its version: a version never names a file not yet written.
    func write(csv: String, version: Int64) throws {
        try Data(csv.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        try Data("\(version)\n".utf8).write(to: URL(fileURLWithPath: versionPath), options: .atomic)
    }
}

#if os(Linux)
/// glibc's malloc_trim (malloc.h is not part of the Glibc module).
@_silgen_name("malloc_trim")
func kasseMallocTrim(_ pad: Int) -> Int32
#endif

extension TillConfiguration {
    /// The language of receipts and reports printed now: the shop's, the app named as today
    /// calls it (`AppBrand`), read from the clock here, at the edge.
    public var documentLanguageToday: Language {
        settings.documentLanguage(on: TillLauncher.today(in: settings.timeZone))
    }
}
