import KasseLanguage
import KasseCore
import VippsModels
import KasseJournal

/// Which lines of a paid sale go back, and how much is refunded: never more of a line than
/// was bought less what earlier returns took, never more money than was captured less what
/// was already refunded.
public enum ReturnPlan {
    public enum Selection: Sendable, Hashable {
        /// Everything not returned yet.
        case all
        /// Line id → how many pieces (nil: the whole rest of the line; weighed lines go back whole).
        case lines([Int: Int?])
    }

    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case nothingLeft
        case noSuchLine(Int)
        case lineAlreadyReturned(Int)
        case tooMany(line: Int, asked: Int, left: Int)
        case partOfWeighedLine(Int)
        case exceedsRefundable(asked: Int, refundable: Int)

        public var description: String {
            switch self {
            case .nothingLeft: "Everything on this sale has already been returned."
            case .noSuchLine(let id): "The sale has no line \(id)."
            case .lineAlreadyReturned(let id): "Line \(id) has already been returned."
            case .tooMany(let line, let asked, let left): "Line \(line): \(asked) asked, only \(left) left to return."
            case .partOfWeighedLine(let id): "Line \(id) was weighed: it goes back whole (no piece count)."
            case .exceedsRefundable(let asked, let refundable):
                "That is \(asked) in minor units, but only \(refundable) can still be refunded on this payment."
            }
        }

        public var message: Message {
            switch self {
            case .nothingLeft: Message(.nothingLeft)
            case .noSuchLine(let id): Message(.noSuchLine, ["line": .number(id)])
            case .lineAlreadyReturned(let id): Message(.lineAlreadyReturned, ["line": .number(id)])
            case .tooMany(let line, let asked, let left): Message(.tooManyBack, ["line": .number(line), "asked": .number(asked), "left": .number(left)])
            case .partOfWeighedLine(let id): Message(.weighedWhole, ["line": .number(id)])
            case .exceedsRefundable(let asked, let refundable): Message(.moreThanRefundable, ["asked": .amount(asked), "left": .amount(refundable)])
            }
        }
    }

    /// `earlier`: returns already made or still in progress for this sale (failed ones left out).
    /// `refundable`: captured minus refunded, as Vipps MobilePay reports it now.
    public static func make(
        sale: JournalSale, earlier: [JournalRefund], selection: Selection, refundable: Int
    ) -> Result<(amount: Int, lines: [JournalLine]), Problem> {
        var returned: [Int: Int] = [:]
        var returnedMoney: [Int: Int] = [:]
        for refund in earlier {
            for line in refund.lines {
                returned[line.lineID, default: 0] += line.quantity
                returnedMoney[line.lineID, default: 0] += line.total
            }
        }
        var chosen: [JournalLine] = []
        let saleLines = sale.lines.filter { !$0.isReturn && $0.total > 0 }
        switch selection {
        case .all:
            for line in saleLines {
                let left = line.quantity - (returned[line.lineID] ?? 0)
                guard left > 0 else { continue }
                var back = line
                back.quantity = left
                back.total = line.total - (returnedMoney[line.lineID] ?? 0)
                back.discount = 0
                chosen.append(back)
            }
        case .lines(let wanted):
            for id in wanted.keys.sorted() {
                guard let line = saleLines.first(where: { $0.lineID == id }) else { return .failure(.noSuchLine(id)) }
                let left = line.quantity - (returned[id] ?? 0)
                guard left > 0 else { return .failure(.lineAlreadyReturned(id)) }
                var back = line
                back.discount = 0
                if let count = wanted[id] ?? nil {
                    if line.weighed { return .failure(.partOfWeighedLine(id)) }
                    guard count <= left, count > 0 else { return .failure(.tooMany(line: id, asked: count, left: left)) }
                    back.quantity = count
                    // The share of what the customer paid for the line (discount included), the last pieces taking the rest.
                    back.total = count == left
                        ? line.total - (returnedMoney[id] ?? 0)
                        : line.total * count / line.quantity
                } else {
                    back.quantity = left
                    back.total = line.total - (returnedMoney[id] ?? 0)
                }
                chosen.append(back)
            }
        }
        let amount = chosen.reduce(0) { $0 + $1.total }
        guard amount > 0, !chosen.isEmpty else { return .failure(.nothingLeft) }
        guard amount <= refundable else { return .failure(.exceedsRefundable(asked: amount, refundable: refundable)) }
        return .success((amount, chosen))
    }
}
