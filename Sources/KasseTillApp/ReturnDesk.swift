import Foundation
import KasseCore
import KasseJournal
import KasseJournalSQLite
import KasseLanguage
import KasseNorway
import KasseTill
import Logging
import VippsClient
import VippsModels

/// Refunds for returns. The till records a return and its outcome through its reducer (the
/// journal is written from one place); `kasse return` records them here. Either way a return
/// is numbered and written with its own idempotency key before the refund is sent, and one
/// without an answer stays pending and is finished, with the same key, the next time the
/// sale is opened for a return.
public struct ReturnDesk: Sendable {
    public let journal: Journal
    public let client: VippsClient
    public let logger: Logger
    /// Norway: signs each confirmed refund as it is stored, going on from the journal's newest signature.
    public let chain: TransactionChain?
    /// Norway: the company the return receipt («Returkvittering», stored in full) names.
    public let company: CompanyIdentity?

    public init(journal: Journal, client: VippsClient, logger: Logger, chain: TransactionChain? = nil, company: CompanyIdentity? = nil) {
        self.journal = journal
        self.client = client
        self.logger = logger
        self.chain = chain
        self.company = company
    }

    /// Numbers the return and records it (with its key); nothing is sent yet. For the command line.
    public func record(sale: JournalSale, amount: Int, lines: [JournalLine]) async throws(JournalError) -> JournalRefund {
        let number = try await journal.nextReturnNumber()
        let refund = JournalRefund(returnNumber: number, of: sale, amount: amount, lines: lines)
        try await journal.recordReturnStarted(refund)
        return refund
    }

    /// Sends a recorded return's refund and says what came of it; records nothing.
    public func send(_ refund: JournalRefund) async -> ReturnOutcome {
        await Self.send(refund, client: client, logger: logger)
    }

    /// Sends a recorded return's refund and says what came of it; records nothing.
    public static func send(_ refund: JournalRefund, client: VippsClient, logger: Logger) async -> ReturnOutcome {
        let currency = CurrencyCode(rawValue: refund.currency) ?? .NOK
        logger.info("refund \(refund.reference) \(refund.amount) key \(refund.key)")
        do {
            _ = try await client.refund(refund.reference, amount: Amount(currency: currency, value: refund.amount), idempotencyKey: refund.key)
            return .refunded
        } catch {
            logger.warning("refund \(refund.reference): \(error)")
            return ReturnOutcome((error as? VippsError)?.failure ?? .noAnswer)
        }
    }

    /// Sends and records the outcome (the command line). `unrecorded`: refunded, or refused,
    /// but the journal could not say so.
    public func settle(_ refund: JournalRefund) async -> (outcome: ReturnOutcome, unrecorded: String?) {
        let outcome = await send(refund)
        let events = refund.events(for: outcome)
        guard !events.isEmpty else { return (outcome, nil) }
        do {
            let at = Int64(Date().timeIntervalSince1970)
            let receipts = chain.flatMap { chain in
                company.map { company in
                    LegalReceipt.issued(for: events, refunds: [refund], company: company, register: chain.register, cashier: journal.cashier,
                                        atUTC: at, zone: chain.zone)
                }
            } ?? []
            try await journal.commit(events, refunds: [refund], chain: chain, atUTC: at, then: receipts, employee: nil, logger: logger)
            return (outcome, nil)
        } catch {
            return (outcome, error.description)
        }
    }
}
