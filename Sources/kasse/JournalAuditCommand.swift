import ArgumentParser
import Foundation
import KasseCore
import KasseJournal
import KasseJournalSQLite
import KasseTill
import KasseTillApp
import VippsClient
import VippsModels

extension JournalCommand {
    /// `kasse journal audit`: the journal against Vipps MobilePay's own records.
    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare every payment the journal knows with what Vipps MobilePay recorded (authorized, captured, refunded).",
            discussion: """
                Reads each payment back, within the API's rate limits, and names every difference: an amount \
                changed in the journal, a refund it lacks, a sale number missing from the journal whose payment \
                exists at Vipps MobilePay (a deleted sale), a reservation left open. Progress is kept beside the \
                journal: run the same command again after an interruption to go on where it stopped. \
                Exit status 0: no difference; 1: differences found.
                """)
        @OptionGroup var options: JournalOptions
        @Option(help: "Only payments of this day (YYYY-MM-DD or 'today', the shop's local date in the reference).") var date: String?
        @Option(help: "At most this many requests a minute (the API allows 120 reads a minute).") var perMinute = 100
        @Flag(help: "Start over instead of going on from the last interrupted audit.") var restart = false
        @Flag(help: "JSON instead of text.") var json = false

        struct Lookup: Codable {
            var found: Bool
            var payment: JournalAudit.VippsPayment?
        }

        struct Progress: Codable {
            var scope: String
            var lookups: [String: Lookup] = [:]
        }

        struct Result: Encodable {
            var scope: String
            var paymentsChecked: Int
            var missingSaleNumbers: [Int]
            var findings: [JournalAudit.Finding]
        }

        func run() async throws {
            guard perMinute > 0 else { throw CLIError("--per-minute must be above 0") }
            let (journal, settings) = try options.open(readOnly: true)
            var day: String?
            if let date {
                guard let parsed = CivilDate.parse(date, today: TillLauncher.today(in: settings.settings.timeZone)) else {
                    throw CLIError("--date \(date): write YYYY-MM-DD, DD.MM.YYYY or 'today'")
                }
                day = parsed.compact
            }
            let api = try APIOptions.parse(options.config.map { ["--config", $0] } ?? [])
            let client = try api.makeClient()
            let events = try await journalCall { () async throws(JournalError) in try await journal.entries() }.compactMap(\.event)
            let all = JournalAudit.payments(in: events)
            let payments = day.map { day in all.filter { JournalAudit.referenceDay($0.reference) == day } } ?? all

            // Progress beside the journal: an interrupted audit goes on where it stopped.
            let scope = day ?? "all"
            let progressPath = journal.path + ".audit-progress.json"
            var progress = Progress(scope: scope)
            if !restart, let data = FileManager.default.contents(atPath: progressPath),
               let saved = try? JSONDecoder().decode(Progress.self, from: data), saved.scope == scope {
                progress = saved
                if !json { warn("audit: going on from an interrupted audit (\(saved.lookups.count) payments already read; --restart to start over)") }
            }
            let pause = Duration.milliseconds(60_000 / perMinute)
            var lastRequest: ContinuousClock.Instant?

            func lookup(_ reference: String) async throws -> JournalAudit.VippsPayment? {
                if let known = progress.lookups[reference] { return known.payment }
                if let lastRequest {
                    let wait = pause - (ContinuousClock.now - lastRequest)
                    if wait > .zero { try await Task.sleep(for: wait) }
                }
                lastRequest = .now
                let result: Lookup
                do {
                    let payment = try await client.getPayment(reference)
                    result = Lookup(found: true, payment: JournalAudit.VippsPayment(
                        state: payment.state.rawValue, authorized: payment.aggregate.authorizedAmount.value,
                        captured: payment.aggregate.capturedAmount.value, refunded: payment.aggregate.refundedAmount.value,
                        cancelled: payment.aggregate.cancelledAmount.value))
                } catch let error as VippsError where error.status == 404 {
                    result = Lookup(found: false, payment: nil)
                } catch let error as VippsError {
                    throw CLIError("audit stopped at \(reference): \(error.description). Run the command again to go on.")
                }
                progress.lookups[reference] = result
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                try? encoder.encode(progress).write(to: URL(fileURLWithPath: progressPath), options: .atomic)
                return result.payment
            }

            var findings: [JournalAudit.Finding] = []
            for (index, payment) in payments.enumerated() {
                findings += JournalAudit.compare(payment, try await lookup(payment.reference))
                if !json && (index + 1) % 25 == 0 { warn("audit: \(index + 1)/\(payments.count) payments read") }
            }
            // Sale numbers are consecutive: a missing one whose payment exists was deleted.
            var missing = JournalAudit.missingSaleNumbers(in: events)
            if let day { missing = missing.filter { JournalAudit.candidateDays(for: $0, payments: all).contains(day) } }
            for sale in missing {
                for candidateDay in JournalAudit.candidateDays(for: sale, payments: all) {
                    for attempt in 1...3 {
                        guard let reference = JournalAudit.reference(
                            store: settings.settings.storeID, till: settings.settings.tillID, day: candidateDay, sale: sale, attempt: attempt),
                              let found = try await lookup(reference) else { break }
                        findings.append(JournalAudit.deletedSale(sale, reference: reference, vipps: found))
                    }
                }
            }
            try? FileManager.default.removeItem(atPath: progressPath)

            let result = Result(scope: scope, paymentsChecked: payments.count, missingSaleNumbers: missing, findings: findings)
            if json {
                printJSON(result)
            } else {
                emit("Audit of \(journal.path)\(day.map { " for \($0)" } ?? ""): \(payments.count) payments read back from Vipps MobilePay.")
                if !missing.isEmpty {
                    emit("Sale numbers not in the journal: \(missing.map(String.init).joined(separator: ", "))")
                }
                for finding in findings {
                    let amounts = "journal \(finding.journalAmount.map(String.init) ?? "–"), Vipps MobilePay \(finding.vippsAmount.map(String.init) ?? "–")"
                    emit("DIFFERENCE  sale \(finding.sale)  \(finding.reference)  \(amounts): \(finding.message)")
                }
                emit(findings.isEmpty ? "No differences." : "\(findings.count) difference(s).")
            }
            if !findings.isEmpty { throw ExitCode(1) }
        }
    }
}
