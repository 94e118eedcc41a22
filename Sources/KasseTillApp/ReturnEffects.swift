import KasseCore
import KasseJournal
import KasseJournalSQLite
import KasseLanguage
import KasseTill
import Logging
import VippsClient
import VippsModels

/// The till's return effects, and nothing else: listing a day's paid sales, finding a sale
/// to return from (finishing any return in doubt first, with its own key, and reading what
/// Vipps MobilePay still holds), and sending a recorded return's refund. Each result comes
/// back to the till as an action; the reducer records what came of it.
public struct ReturnEffects: Sendable {
    let journal: any TillJournal
    let client: VippsClient
    let logger: Logger
    let send: AsyncStream<TillAction>.Continuation

    public init(journal: any TillJournal, client: VippsClient, logger: Logger, send: AsyncStream<TillAction>.Continuation) {
        self.journal = journal
        self.client = client
        self.logger = logger
        self.send = send
    }

    /// Carries out `effect` if it is a return's (true); otherwise false.
    @discardableResult
    public func perform(_ effect: TillEffect) -> Bool {
        let send = self.send
        switch effect {
        case .listSalesForReturn(let day):
            Task { await list(day) }
        case .findSaleForReturn(let key):
            Task { await find(key) }
        case .refundReturn(let refund):
            let client = self.client, logger = self.logger
            Task {
                switch await ReturnDesk.send(refund, client: client, logger: logger) {
                case .refunded: send.yield(.returnRefunded(refund))
                case .refused(let failure), .unknown(let failure): send.yield(.returnRefundFailed(refund, failure))
                }
            }
        default:
            return false
        }
        return true
    }

    func list(_ day: CivilDate) async {
        do throws(JournalError) {
            send.yield(.returnSalesListed(day: day, sales: try await journal.completedSales(businessDay: day).map(\.sale).filter { !$0.isTraining }))
        } catch {
            send.yield(.returnLookupFailed(Message(.journalProblem, ["detail": .text(error.description)])))
        }
    }

    func find(_ key: String) async {
        do {
            guard let sale = try await journal.completedSale(receiptOrReference: key) else {
                send.yield(.returnLookupFailed(Message(.noPaidSale, ["number": .text(key)])))
                return
            }
            guard !sale.isTraining else {
                send.yield(.returnLookupFailed(Message(.saleWasTraining, ["number": .text(sale.receiptNumber)])))
                return
            }
            // A return in doubt is finished first, with its own key; the reducer records what came of it.
            var refused = Set<Int>()
            for pending in try await journal.refunds(reference: sale.reference).pending {
                let outcome = await ReturnDesk.send(pending, client: client, logger: logger)
                send.yield(.returnPendingSettled(pending, outcome))
                if case .refused = outcome { refused.insert(pending.returnNumber) }
                if let problem = outcome.problem, case .unknown = outcome {
                    send.yield(.returnLookupFailed(Message(.returnNotConfirmedYet, ["number": .number(pending.returnNumber), "reason": .message(problem)])))
                    return
                }
            }
            let payment = try await client.getPayment(sale.reference)
            let refundable = payment.aggregate.capturedAmount.value - payment.aggregate.refundedAmount.value
            let earlier = try await journal.refunds(reference: sale.reference).notFailed.filter { !refused.contains($0.returnNumber) }
            let next = try await journal.nextReturnNumber()
            send.yield(.returnSaleFound(sale: sale, earlier: earlier, refundable: refundable, nextReturnNumber: next))
        } catch let error as JournalError {
            send.yield(.returnLookupFailed(Message(.journalProblem, ["detail": .text(error.description)])))
        } catch {
            send.yield(.returnLookupFailed(PaymentEffects.failure(error).message))
        }
    }
}
