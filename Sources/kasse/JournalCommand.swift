import ArgumentParser
import Foundation
import KassePrinter
import KassePrinting
import KasseCore
import KasseJournal
import KasseJournalSQLite
import KasseStore
import KasseStoreLink
import KasseLanguage
import KasseNorway
import KasseTill
import KasseTillApp
import Logging
import VippsClient
import VippsModels

/// Where the journal commands find the journal: `--journal`, else as the till would.
struct JournalOptions: ParsableArguments {
    @Option(help: "Configuration file (default: $KASSE_CONFIG or ~/.config/kasse/kasse.toml, if it exists).") var config: String?
    @Option(help: "The journal file (default: journal.path, $KASSE_JOURNAL, or the per-user default).") var journal: String?

    func settings() throws -> TillConfiguration {
        do {
            return try TillLauncher.configuration(configPath: config)
        } catch {
            throw CLIError(error.description)
        }
    }

    /// Opens the journal; `readOnly` for commands that only look.
    func open(readOnly: Bool) throws -> (Journal, TillConfiguration) {
        let settings = try settings()
        let path = journal ?? settings.journalPath
        do {
            // Only `kasse journal init` (and a DEMO till) creates a journal; these commands never do.
            let journal = try Journal(
                path: path, till: settings.settings.tillID, cashier: settings.defaultCashier, readOnly: readOnly, create: false)
            return (journal, settings)
        } catch {
            throw CLIError(error.description)
        }
    }
}

func journalCall<T>(_ body: () async throws(JournalError) -> T) async throws -> T {
    do {
        return try await body()
    } catch {
        throw CLIError(error.description)
    }
}

struct JournalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal", abstract: "Check and read the till's electronic journal.",
        subcommands: [Init.self, Verify.self, Audit.self, Reanchor.self, List.self, Show.self, Copy.self, Print.self])

    struct Print: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every journal entry of a business day on the receipt printer (or, with --text, to the terminal as it would print).")
        @OptionGroup var options: JournalOptions
        @Option(help: "The business day (YYYY-MM-DD, DD.MM.YYYY or 'today', the shop's local day).") var date: String
        @Flag(help: "Write the lines to the terminal instead of printing them.") var text = false
        @Option(help: "A network printer, HOST[:PORT] (instead of the configured one).") var network: String?
        @Option(help: "A USB printer device (instead of the configured one).") var device: String?
        @Option(help: "A file for the raw ESC/POS bytes (instead of the configured printer).") var file: String?

        func run() async throws {
            let (journal, settings) = try options.open(readOnly: true)
            let zone = settings.settings.timeZone
            guard let day = CivilDate.parse(date, today: TillLauncher.today(in: zone)) else {
                throw CLIError("--date \(date): write YYYY-MM-DD, DD.MM.YYYY or 'today'")
            }
            let printer = try PrinterOptions.printer(settings.printer, network: network, device: device, file: file)
            if !text, printer == nil {
                throw CLIError("No printer: add a [printer] section to the configuration, give --network, --device or --file, or use --text.")
            }
            let width = printer?.columns ?? 48
            var lines = ["Journal \(day.dotted)", "Butikk \(settings.settings.storeID)  Kasse \(settings.settings.tillID)",
                         String(repeating: "-", count: width)]
            var after = 0, count = 0
            pages: while true {
                let page = try await journalCall { () async throws(JournalError) in try await journal.entries(after: after, limit: 2_000) }
                guard let last = page.last else { break }
                after = last.sequence
                for entry in page {
                    guard let seconds = InternetTime.parseRFC3339(entry.at) else { continue }
                    let (entryDay, time) = zone.localTime(atUTC: Int64(seconds))
                    if entryDay < day { continue }
                    if entryDay > day { break pages }
                    count += 1
                    let summary = entry.event.map { Show.summary($0) } ?? "(unreadable entry)"
                    lines += JournalPrintLayout.wrap("#\(entry.sequence) \(time.text) \(entry.cashier) \(entry.kind): \(summary)", width: width)
                }
            }
            lines.append(String(repeating: "-", count: width))
            lines.append("\(count) entries")
            if text || printer == nil {
                for line in lines { emit(line) }
                return
            }
            guard let printer else { return }
            let bytes = ESCPOS.encode(PrintDocument.stored(lines, title: lines[0]), codePage: printer.codePage, columns: printer.columns)
            switch PrinterLink.print(bytes, printer) {
            case .success: emit("The journal of \(day.dotted) (\(count) entries) was sent to the \(printer.target).")
            case .failure(let error): throw CLIError("The journal did not print: \(error).")
            }
        }
    }

    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Norway: a sale's copy receipt («KOPI»), printed and stored in the journal; the law allows one per sale.")
        @OptionGroup var options: JournalOptions
        @Argument(help: "Receipt number, sale number or payment reference.") var sale: String

        func run() async throws {
            let (journal, settings) = try options.open(readOnly: false)
            guard settings.settings.market == .norway else {
                throw CLIError("Copy receipts marked KOPI are Norway's (kassasystemforskrifta § 2-8-6); this till is in \(settings.settings.market.displayName).")
            }
            guard let company = settings.company else {
                throw CLIError("A receipt names the company: add [company] with organisation_number, name, address, postal_code and city")
            }
            guard let paid = try await journalCall({ () async throws(JournalError) in try await journal.completedSale(receiptOrReference: sale) })
            else { throw CLIError("No paid sale \(sale) in the journal (kasse journal list shows them).") }
            guard !paid.isTraining else { throw CLIError("Sale \(paid.receiptNumber) was made in training mode: it has no receipt to copy.") }
            let entries = try await journalCall { () async throws(JournalError) in try await journal.entries(sale: paid.sale) }
            if let earlier = entries.first(where: { $0.kind == .receiptCopied }) {
                throw CLIError("Receipt \(paid.receiptNumber) already had its copy (\(earlier.at.prefix(19)) UTC); the law allows one copy per sale.")
            }
            // The copy shows the sale as it was: its date, time and cashier.
            let completed = entries.first { $0.kind == .saleCompleted }
            let seconds = completed.flatMap { InternetTime.parseRFC3339($0.at) } ?? Date().timeIntervalSince1970
            let (date, time) = settings.settings.timeZone.localTime(atUTC: Int64(seconds))
            let original = entries.lazy.compactMap { entry -> [String]? in
                if case .receiptIssued(_, "sale", _, let text)? = entry.event { return text }
                return nil
            }.first
            let text = original.map { LegalReceipt.copy(ofOriginal: $0, width: $0.map(\.count).max() ?? 48, language: settings.documentLanguageToday) }
                ?? LegalReceipt.forSale(paid, kind: .copy, company: company, register: settings.settings.tillID,
                                        cashier: completed?.cashier ?? settings.cashierID, date: date, time: time,
                                        language: settings.documentLanguageToday).text()
            _ = try await journalCall { () async throws(JournalError) in
                try await journal.recordReceiptCopy(of: paid, text: text, printing: false, employee: nil)
            }
            emit(text.joined(separator: "\n"))
        }
    }

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create this till's journal (once, before its first start in TEST or PRODUCTION).")
        @OptionGroup var options: JournalOptions
        @Option(help: "The first sale number (after a lost journal: above every sale number used today).") var firstSale = 1

        func run() async throws {
            let settings = try options.settings()
            let path = options.journal ?? settings.journalPath
            guard !FileManager.default.fileExists(atPath: path) else {
                throw CLIError("A journal already exists at \(path); it is never replaced.")
            }
            guard firstSale >= 1 else { throw CLIError("--first-sale must be 1 or more") }
            // An anchor left by a lost journal is kept aside and named in the new one.
            var previousAnchor: String?
            let anchorPath = JournalAnchor.path(forJournal: path)
            if let old = try? JournalAnchor.read(journalPath: path) {
                let kept = anchorPath + ".replaced-" + InternetTime.rfc3339(Date().timeIntervalSince1970).filter { $0.isNumber }
                do {
                    try FileManager.default.moveItem(atPath: anchorPath, toPath: kept)
                } catch {
                    throw CLIError("cannot move the old anchor file \(anchorPath) aside: \(error.localizedDescription)")
                }
                previousAnchor = "new journal: the previous journal's anchor (entry \(old.sequence), hash \(old.hash.prefix(16))…) kept as \(kept)"
            }
            do {
                let journal = try Journal(path: path, till: settings.settings.tillID, cashier: settings.defaultCashier)
                try await journal.recordCreated(firstSale: firstSale, previousAnchor: previousAnchor)
            } catch {
                throw CLIError(error.description)
            }
            emit("Journal created at \(path); the first sale will be number \(firstSale).")
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the hash chain, the anchor file and the last Z report; names what was changed, removed or inserted.",
            discussion: """
                Exit status 0: intact (an anchor file older than the journal is a warning); 1: entries changed, missing or                 inserted; 3: the anchor file is missing or unreadable, so entries cut from the end could not be noticed (a                 finding: a manager acknowledges it with kasse journal reanchor).
                """)
        @OptionGroup var options: JournalOptions
        @Option(help: "The entry and hash a printed Z report closed at (SEQUENCE:HASH; at least 16 hex digits of the hash).")
        var expect: [String] = []
        @Option(help: "Norway: the public key (SPKI PEM) to check the signed transactions with; default: the till's own key.")
        var publicKey: String?

        func run() async throws {
            let (journal, settings) = try options.open(readOnly: true)
            var tampered = false
            switch try await journalCall({ () async throws(JournalError) in try await journal.verify() }) {
            case .intact(let entries):
                emit("Journal \(journal.path): \(entries) entries, chain intact")
            case .broken(0, let reason):
                warn("Journal \(journal.path): \(reason)")
                tampered = true
            case .broken(let sequence, let reason):
                warn("Journal \(journal.path): entry \(sequence) breaks the chain: \(reason)")
                tampered = true
            }
            let anchor = try await journalCall { () async throws(JournalError) in try await journal.anchorCheck() }
            var anchorLost = false
            switch anchor {
            case .matches, .empty: emit("Anchor: \(anchor)")
            case _ where anchor.isTampering:
                warn("Anchor: \(anchor)")
                tampered = true
            case _ where anchor.isFinding:
                warn("Anchor (finding): \(anchor)")
                anchorLost = true
            default: warn("Anchor (warning): \(anchor)")
            }
            let z = try await journalCall { () async throws(JournalError) in try await journal.zReportCheck() }
            if z.isTampering {
                warn("Z report: \(z)")
                tampered = true
            } else {
                emit("Z report: \(z)")
            }
            for printed in expect {
                let parts = printed.split(separator: ":", maxSplits: 1).map(String.init)
                guard parts.count == 2, let sequence = Int(parts[0]), parts[1].count >= 16 else {
                    throw CLIError("--expect takes SEQUENCE:HASH as printed on a Z report, not '\(printed)'")
                }
                let entry = try await journalCall { () async throws(JournalError) in try await journal.entry(sequence) }
                if let entry, entry.hash.hasPrefix(parts[1].lowercased()) {
                    emit("Printed Z report: entry \(sequence) matches")
                } else {
                    warn(entry == nil
                        ? "Printed Z report: entry \(sequence) is missing from the journal"
                        : "Printed Z report: entry \(sequence) no longer has the hash printed on paper: the journal was rewritten")
                    tampered = true
                }
            }
            if try await checkSignatures(journal, settings) { tampered = true }
            if try await checkStoreServer(journal, settings) { tampered = true }
            if tampered { throw ExitCode(1) }
            if anchorLost { throw ExitCode(3) }
        }

        /// With a store server (`[server]`): its newest copy of this till's journal is a second
        /// anchor, out of the shop's reach. True when the journal disagrees with it; a server
        /// that cannot be reached is said, not counted against the journal.
        func checkStoreServer(_ journal: Journal, _ settings: TillConfiguration) async throws -> Bool {
            guard let server = settings.server else { return false }
            let link = StoreLink(configuration: server, journal: nil, logger: Logger(label: "kasse.journal") { _ in SwiftLogNoOpLogHandler() },
                                 onEvent: { _ in })
            let head: JournalHead
            do {
                head = try await link.serverHead()
                await link.shutdown()
            } catch {
                await link.shutdown()
                warn("Store server (warning): not checked: \(error)")
                return false
            }
            guard head.sequence > 0 else {
                emit("Store server: holds no entry of this till yet")
                return false
            }
            let entry = try await journalCall { () async throws(JournalError) in try await journal.entry(head.sequence) }
            guard let entry else {
                warn("Store server: holds entries up to \(head.sequence), but the journal ends before: entries were removed")
                return true
            }
            guard entry.hash == head.hash else {
                warn("Store server: entry \(head.sequence) differs from the store server's copy: the journal was rewritten")
                return true
            }
            emit("Store server: entry \(head.sequence) matches the store server's copy")
            return false
        }

        /// Norway: every signed transaction verifies, chained, and signs what the journal says
        /// the sale or return was. True when something is wrong.
        func checkSignatures(_ journal: Journal, _ settings: TillConfiguration) async throws -> Bool {
            let signatures = try await journalCall { () async throws(JournalError) in try await journal.signatures() }
            guard !signatures.isEmpty else { return false }
            let counted = "\(signatures.count) signed transaction\(signatures.count == 1 ? "" : "s")"
            var pem: String?
            if let publicKey {
                guard let text = try? String(contentsOfFile: publicKey, encoding: .utf8) else { throw CLIError("cannot read \(publicKey)") }
                pem = text
            } else {
                let demoKey = (journal.path as NSString).deletingLastPathComponent + "/demo-signing-key.pem"
                for path in [settings.signingKeyPath, demoKey].compactMap({ $0 }) {
                    if let text = try? String(contentsOfFile: path, encoding: .utf8),
                       let signer = try? TransactionSigner(privateKeyPEM: text, keyVersion: "") {
                        pem = signer.publicKeyPEM
                        break
                    }
                }
            }
            guard let pem else {
                warn("Signatures: \(counted), not checked: no key (give --public-key FILE)")
                return false
            }
            let verifier: SignatureVerifier
            do { verifier = try SignatureVerifier(publicKeyPEM: pem) } catch { throw CLIError("\(publicKey ?? "the key"): \(error.description)") }
            var problems = TransactionChain.problems(signatures, verifier: verifier)
            let sales = try await journalCall { () async throws(JournalError) in try await journal.completedSales() }
            let totals = Dictionary(sales.map { ($0.sale.reference, $0.sale.total) }, uniquingKeysWith: { first, _ in first })
            for signed in signatures where signed.transaction == "sale" && totals[signed.reference] != signed.amountIncludingVAT {
                problems.append("transaction \(signed.number) signs \(signed.amountIncludingVAT) for \(signed.reference), the journal says \(totals[signed.reference].map(String.init) ?? "no such sale")")
            }
            if problems.isEmpty {
                emit("Signatures: \(counted), chain intact")
                return false
            }
            for problem in problems { warn("Signatures: \(problem)") }
            return true
        }
    }

    struct Reanchor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "After entries were lost for good, or the anchor file was: record the finding in the journal and anchor it anew, so the till can go on.",
            discussion: "Only when no complete copy of the journal exists. The entry it writes names what the anchor said, what the journal holds, and your reason; the old anchor file is kept beside it. With a staff list a manager acknowledges it (their PIN is asked for, or read as the first line of standard input).")
        @OptionGroup var options: JournalOptions
        @Option(help: "Why (who found it, what happened), written to the journal.") var reason: String
        @Option(help: "With a staff list: the manager who acknowledges the finding.") var manager: String?

        func run() async throws {
            let settings = try options.settings()
            let path = options.journal ?? settings.journalPath
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw CLIError("--reason must say what happened") }
            let journal: Journal
            do {
                journal = try Journal(path: path, till: settings.settings.tillID, cashier: settings.defaultCashier, create: false,
                                      checkAnchor: false)
            } catch {
                throw CLIError(error.description)
            }
            let check = journal.anchorAtOpen
            switch check {
            case .matches, .empty:
                emit("The journal agrees with its anchor (\(check)); nothing to do.")
                return
            default:
                break
            }
            let employee = try await ManagerPIN.approval(
                manager, journal: journal, staff: settings.staff, purpose: "acknowledges a journal finding", refused: "nothing was recorded",
                missing: "A manager acknowledges this: kasse journal reanchor --reason \"…\" --manager ID (their PIN is asked for).")
            let anchorPath = JournalAnchor.path(forJournal: path)
            var kept = ""
            if FileManager.default.fileExists(atPath: anchorPath) {
                kept = anchorPath + ".replaced-" + InternetTime.rfc3339(Date().timeIntervalSince1970).filter { $0.isNumber }
                try? FileManager.default.copyItem(atPath: anchorPath, toPath: kept)
            }
            let note = "journal re-anchored: \(check); reason: \(reason)" + (kept.isEmpty ? "" : "; old anchor kept as \(kept)")
            try await journalCall { () async throws(JournalError) in try await journal.recordReanchored(note, approvedBy: employee) }
            emit("Recorded in the journal and anchored anew: \(check).")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Paid sales and returns, for a day or all.")
        @OptionGroup var options: JournalOptions
        @Option(help: "Only this business day (YYYY-MM-DD, DD.MM.YYYY or 'today', the shop's local day, as the till's returns and reports count it).") var date: String?
        @Flag(help: "JSON instead of a table.") var json = false

        func run() async throws {
            let (journal, settings) = try options.open(readOnly: true)
            var day: CivilDate?
            if let date {
                guard let parsed = CivilDate.parse(date, today: TillLauncher.today(in: settings.settings.timeZone)) else {
                    throw CLIError("--date \(date): write YYYY-MM-DD, DD.MM.YYYY or 'today'")
                }
                day = parsed
            }
            let sales = try await journalCall { () async throws(JournalError) in
                if let day { try await journal.completedSales(businessDay: day) } else { try await journal.completedSales() }
            }
            if json {
                printJSON(sales.map { Listed(sequence: $0.entry.sequence, at: $0.entry.at, sale: $0.sale) })
                return
            }
            let language = Language.of(settings.settings.market)
            // Approved sales Vipps MobilePay never paid (the customer had left): for a manager, never hidden.
            let notCaptured = try await journalCall { () async throws(JournalError) in try await journal.entries(kinds: [JournalKind.captureFailed].names) }
                .filter { entry in day.map { PaymentReference.businessDay(of: entry.reference ?? "") == $0 } ?? true }
            if sales.isEmpty && notCaptured.isEmpty { emit("No paid sales\(day.map { " on \($0.iso)" } ?? "")."); return }
            for (entry, sale) in sales {
                let refunded = try await journalCall { () async throws(JournalError) in try await journal.refunds(reference: sale.reference).refunded }
                let currency = CurrencyCode(rawValue: sale.currency) ?? .NOK
                let money = language.money(sale.captured, currency)
                let returned = refunded > 0
                    ? "  returned \(language.money(refunded, currency))"
                    : ""
                emit("\(sale.receiptNumber)  \(entry.at.prefix(19))  \(sale.reference)  \(money)  \(sale.lines.count) line(s)\(returned)\(sale.isTraining ? "  TRAINING (not a sale)" : "")")
            }
            for entry in notCaptured {
                guard case .captureFailed(let sale, let reference, let amount, let reason)? = entry.event else { continue }
                let currency = settings.settings.market.currency
                emit("\(TillState.receiptNumber(forSale: sale))  \(entry.at.prefix(19))  \(reference)  \(language.money(amount, currency))  NOT CAPTURED: \(reason)")
            }
        }

        struct Listed: Encodable {
            var sequence: Int
            var at: String
            var sale: JournalSale
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One sale (by receipt number, sale number or payment reference) with every journal entry about it.")
        @OptionGroup var options: JournalOptions
        @Argument(help: "Receipt number, sale number or payment reference.") var sale: String
        @Flag(help: "JSON instead of text.") var json = false

        func run() async throws {
            let (journal, settings) = try options.open(readOnly: true)
            let entries: [JournalEntry]
            if let number = Int(sale) {
                entries = try await journalCall { () async throws(JournalError) in try await journal.entries(sale: number) }
            } else {
                let byReference = try await journalCall { () async throws(JournalError) in try await journal.entries(reference: sale) }
                let number = byReference.compactMap(\.sale).first
                if let number {
                    entries = try await journalCall { () async throws(JournalError) in try await journal.entries(sale: number) }
                } else {
                    entries = byReference
                }
            }
            guard !entries.isEmpty else { throw CLIError("The journal has no sale \(sale) (kasse journal list shows the paid ones).") }
            if json {
                printJSON(entries.map { ShownEntry(sequence: $0.sequence, at: $0.at, till: $0.till, cashier: $0.cashier, kind: $0.kind, payload: $0.payload, hash: $0.hash) })
                return
            }
            let language = Language.of(settings.settings.market)
            for entry in entries {
                guard let event = entry.event else { continue }
                if case .saleCompleted(let completed) = event {
                    emit(ReceiptText.sale(completed, language: language))
                }
                emit("#\(entry.sequence)  \(entry.at.prefix(19))  till \(entry.till)  cashier \(entry.cashier)  \(entry.kind)  \(Self.summary(event))")
            }
        }

        static func summary(_ event: JournalEvent) -> String {
            switch event {
            case .lineAdded(_, let line), .lineChanged(_, let line): "\(line.sku) \(line.name) × \(line.quantity) = \(line.total)"
            case .lineVoided(_, let id, let sku): "line \(id) (\(sku))"
            case .receiptCopied(_, _, let receiptNumber, _, let text): "copy of receipt \(receiptNumber) (\(text.count) lines)"
            case .customerIdentified(_, let customer): customer
            case .paymentStarted(let start): "\(start.reference) \(start.amount) \(start.currency) key \(start.createKey)"
            case .paymentOutcome(_, let reference, let outcome): "\(reference): \(outcome)"
            case .captureStarted(_, let reference, let amount, let key): "\(reference) \(amount) key \(key)"
            case .cancelStarted(_, let reference, let key): "\(reference) key \(key)"
            case .captureDeferred(_, let reference, let tries, let reason): "\(reference): try \(tries): \(reason)"
            case .captureFailed(_, let reference, let amount, let reason): "\(reference): NOT CAPTURED \(amount): \(reason)"
            case .paymentEnded(_, let reference, let reason): "\(reference): \(reason)"
            case .saleCompleted(let sale): "\(sale.reference) captured \(sale.captured)" + (sale.isTraining ? " (TRAINING, not a sale)" : "")
            case .saleAbandoned(_, let reason): reason
            case .saleVoided(let sale): "voided with \(sale.lines.count) line(s), \(sale.total)"
            case .refundStarted(let refund): "return \(refund.returnNumber): \(refund.amount) key \(refund.key)"
            case .refunded(_, _, let number, let amount): "return \(number): \(amount) refunded"
            case .refundFailed(_, _, let number, let reason): "return \(number): \(reason)"
            case .recovered(_, let reference, let summary): "\(reference): \(summary)"
            case .zReport(let report): "Z \(report.number)"
            case .xReport(let report): "X report (next Z: \(report.number))"
            case .tillStarted(let mode, let store, let till): "\(mode) \(store)/\(till)"
            case .journalCreated(let first): "sales numbered from \(first)"
            case .operatorAction(let text): text
            case .loggedIn(let member): "\(member.name) (\(member.id), \(member.role.rawValue)) logged in"
            case .loggedOut(let employee): "\(employee) logged out"
            case .logInRefused(let employee): "log-in refused for \(employee): wrong employee number or PIN"
            case .managerApproved(let employee, let action): "\(action) approved by manager \(employee)"
            case .trainingMode(let on, let manager): "training mode \(on ? "on" : "off") (manager \(manager))"
            case .priceLookUp(let sku, let name, let price, _): "price of \(sku) \(name) looked up: \(price)"
            case .receiptIssued(_, let document, let receiptNumber, let text): "\(document) receipt \(receiptNumber) (\(text.count) lines)"
            case .receiptNotPrinted(_, let receiptNumber, let reason): "receipt \(receiptNumber) not printed: \(reason)"
            case .printQueued(_, let document, let number): "\(document) \(number) sent to the printer"
            case .documentPrinted(_, let document, let number, let confirmed):
                "\(document) \(number) printed" + (confirmed ? "" : " (the printer did not confirm it)")
            case .transactionSigned(let signed):
                "\(signed.training == true ? "training " : "")\(signed.transaction) \(signed.number) of register \(signed.register), \(signed.date) \(signed.time), key \(signed.keyVersion)"
            }
        }

        struct ShownEntry: Encodable {
            var sequence: Int
            var at: String
            var till: String
            var cashier: String
            var kind: String
            var payload: String
            var hash: String
        }
    }
}

/// Receipts as printed text.
enum ReceiptText {
    static func sale(_ sale: JournalSale, language: Language) -> String {
        let currency = CurrencyCode(rawValue: sale.currency) ?? .NOK
        func money(_ value: Int) -> String { language.money(value, currency) }
        var lines = ["RECEIPT \(sale.receiptNumber)   \(sale.reference)"]
        for line in sale.lines {
            let quantity = line.weighed ? "\(Quantity.grams(line.quantity).display)" : "\(line.quantity) ×"
            lines.append(row("\(line.lineID). \(line.name) \(quantity)", money(line.isReturn ? -line.total : line.total)))
        }
        lines.append(row("TOTAL", money(sale.total)))
        for vat in sale.vat { lines.append(row("  VAT \(VATRate(vat.rateBasisPoints).label) of \(money(vat.gross))", money(vat.tax))) }
        lines.append(row("Vipps MobilePay \(sale.customer)", money(sale.captured)))
        return lines.joined(separator: "\n")
    }

    static func refund(_ refund: JournalRefund, sale: JournalSale, language: Language) -> String {
        refund.receiptText(for: sale, language: language).joined(separator: "\n")
    }

    static func row(_ label: String, _ value: String) -> String {
        label + String(repeating: " ", count: max(1, 44 - label.count - value.count)) + value
    }
}

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "X report (totals since the last Z) and Z report (closes the day).",
        subcommands: [X.self, Z.self])

    struct X: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "x", abstract: "Running totals since the last Z report (in Norway stored in the journal in full, as the law asks).")
        @OptionGroup var options: JournalOptions
        @Flag(help: "JSON instead of text.") var json = false

        func run() async throws {
            let norway = try options.settings().settings.market == .norway
            let (journal, settings) = try options.open(readOnly: !norway)
            let report = try await journalCall { () async throws(JournalError) in
                try await journal.xReport(store: settings.settings.storeID, currency: settings.settings.market.currency.rawValue)
            }
            if norway {
                try await journalCall { () async throws(JournalError) in try await journal.recordXReport(report) }
            }
            if json { printJSON(report) } else { emit(report.text(language: settings.documentLanguageToday, company: settings.company, zone: settings.settings.timeZone)) }
        }
    }

    struct Z: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "z", abstract: "Close the day: the totals since the last Z, numbered and stored in the journal for good.")
        @OptionGroup var options: JournalOptions
        @Flag(help: "JSON instead of text.") var json = false
        @Option(help: "With a staff list: the manager who closes the day (their PIN is asked for, or read as the first line of standard input).")
        var manager: String?

        func run() async throws {
            let (journal, settings) = try options.open(readOnly: false)
            // As at the till: a till with a staff list closes the day only with a manager's PIN.
            let employee = try await ManagerPIN.approval(
                manager, journal: journal, staff: settings.staff, purpose: "closes the day", refused: "the day is not closed",
                missing: "Closing the day needs a manager: kasse report z --manager ID (their PIN is asked for).")
            let report: JournalReport
            do {
                if let employee {
                    let next = try await journal.sinceLastZ().nextZ
                    try await journal.recordZApproval(number: next, by: employee)
                }
                report = try await journal.zReport(store: settings.settings.storeID, currency: settings.settings.market.currency.rawValue,
                                                   employee: employee)
            } catch {
                throw CLIError(error.description)
            }
            if json { printJSON(report) } else { emit(report.text(language: settings.documentLanguageToday, company: settings.company, zone: settings.settings.timeZone)) }
        }
    }
}

/// A manager's PIN on the command line, as at the till: the same staff list, the same lock-out
/// counted from the journal (so neither a restart nor another process resets it), and every
/// wrong PIN journaled.
enum ManagerPIN {
    /// With a staff list, the manager's employee number once their PIN is right (`missing`
    /// when none is named); without one, nil: the configured cashier writes.
    static func approval(_ manager: String?, journal: Journal, staff: StaffList, purpose: String, refused: String,
                         missing: String) async throws -> String? {
        guard !staff.entries.isEmpty else { return nil }
        guard let manager else { throw CLIError(missing) }
        return try await check(manager, journal: journal, staff: staff, purpose: purpose, refused: refused)
    }

    /// The manager's employee number once their PIN is right; otherwise a clear refusal. The
    /// checks are the till's own (`PINCheck`), in its order.
    static func check(_ manager: String, journal: Journal, staff: StaffList, purpose: String, refused: String) async throws -> String {
        let lockOut = try await journalCall { () async throws(JournalError) in try await journal.logInLockOut() }
        // The PIN is asked for only when log-in is not locked.
        var pinTyped = ""
        let check = PINCheck.begin(employeeID: manager, pin: { pinTyped = readPIN(for: manager); return pinTyped }, staff: staff,
                                   lockedForSeconds: lockOut.secondsLeft(now: Date().timeIntervalSince1970))
        let entry: StaffList.Entry
        switch check {
        case .locked(let wait):
            throw CLIError("\(lockOut.refusalsInARow) wrong PINs in a row: log-in is locked for \(wait) s more; \(refused).")
        case .refused:
            try await journalCall { () async throws(JournalError) in try await journal.recordLogInRefused(employee: manager) }
            throw CLIError("Wrong employee number or PIN; \(refused).")
        case .managerPINTooShort(let minimum):
            try await journalCall { () async throws(JournalError) in try await journal.recordLogInRefused(employee: manager) }
            throw CLIError("A manager's PIN has at least \(minimum) digits: make a new one with "
                + "kasse staff pin --role manager; \(refused).")
        case .compare(let found):
            entry = found
        }
        switch PINCheck.verdict(entry, matches: StaffPIN.verify(pinTyped, against: entry.pinHash), managerNeeded: true) {
        case .refused:
            try await journalCall { () async throws(JournalError) in try await journal.recordLogInRefused(employee: manager) }
            throw CLIError("Wrong employee number or PIN; \(refused).")
        case .notAManager(let member):
            throw CLIError("\(member.name) (\(manager)) is not a manager; a manager \(purpose).")
        case .accepted(let member):
            return member.id
        }
    }

    static func readPIN(for manager: String) -> String {
        if isatty(STDIN_FILENO) == 1 { return StaffCommand.Pin.readHidden("PIN for \(String(manager.prefix(20))): ") }
        return (readLine(strippingNewline: true) ?? "").trimmingCharacters(in: .whitespaces)
    }
}
