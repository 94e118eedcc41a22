import KasseJournal
import KasseTill
import Logging
import VippsClient
import VippsModels

/// Refunds for returns, shared by the till and `kasse return`: each return is numbered and
/// written to the journal with its own idempotency key before the refund is sent; its outcome
/// is written after. A return without an answer stays pending and is finished, with the same
/// key, the next time the sale is opened for a return.
public struct ReturnDesk: Sendable {
    public enum Outcome: Sendable, Equatable {
        case refunded
        /// Vipps MobilePay said no; recorded as failed.
        case refused(String)
        /// No answer: the return stays pending.
        case unknown(String)
        /// Refunded, but the journal could not record it.
        case unrecorded(String)

        public var problem: String? {
            switch self {
            case .refunded: nil
            case .refused(let reason): "Refused: \(reason)"
            case .unknown(let detail):
                "No answer from Vipps MobilePay (\(detail)). Open the same sale for a return again: this refund is finished then, never paid twice."
            case .unrecorded(let detail): "Refunded, but the journal could not record it: \(detail)"
            }
        }
    }

    public let journal: Journal
    public let client: VippsClient
    public let logger: Logger

    public init(journal: Journal, client: VippsClient, logger: Logger) {
        self.journal = journal
        self.client = client
        self.logger = logger
    }

    /// Numbers the return and records it (with its key); nothing is sent yet.
    public func record(sale: JournalSale, amount: Int, lines: [JournalLine]) async throws(JournalError) -> JournalRefund {
        let number = try await journal.nextReturnNumber()
        let refund = JournalRefund(
            sale: sale.sale, reference: sale.reference, returnNumber: number, amount: amount, currency: sale.currency,
            key: IdempotencyKey(.refund(number), reference: sale.reference), lines: lines)
        try await journal.append([.refundStarted(refund)])
        return refund
    }

    /// Sends a recorded return and records what came of it.
    public func send(_ refund: JournalRefund) async -> Outcome {
        let currency = CurrencyCode(rawValue: refund.currency) ?? .NOK
        logger.info("refund \(refund.reference) \(refund.amount) key \(refund.key)")
        do {
            _ = try await client.refund(refund.reference, amount: Amount(currency: currency, value: refund.amount), idempotencyKey: refund.key)
        } catch let error as VippsError where !error.isRetryable {
            logger.warning("refund \(refund.reference): \(error)")
            try? await journal.append([.refundFailed(
                sale: refund.sale, reference: refund.reference, returnNumber: refund.returnNumber, reason: error.cashierMessage)])
            return .refused(error.cashierMessage)
        } catch {
            logger.warning("refund \(refund.reference): \(error)")
            return .unknown("\(error)")
        }
        do {
            try await journal.append([.refunded(
                sale: refund.sale, reference: refund.reference, returnNumber: refund.returnNumber, amount: refund.amount)])
        } catch {
            return .unrecorded(error.description)
        }
        return .refunded
    }
}
