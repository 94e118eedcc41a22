import KasseLanguage
import KasseCore
import VippsModels
import KasseJournal

/// A return at the till: find the paid sale, choose what comes back, confirm, refund.
public struct ReturnSession: Sendable, Hashable {
    public enum Phase: Sendable, Hashable {
        /// Typing the receipt number or payment reference.
        case askingSale
        /// The journal and Vipps MobilePay are being asked.
        case lookingUp(String)
        /// The sale is on screen; typing which lines go back.
        case choosing
        case confirming(amount: Int, lines: [JournalLine])
        case refunding(amount: Int)
        case done(JournalRefund)
        /// The refund was refused, or its answer is not known yet.
        case failed(Message)
    }

    public var phase: Phase
    public var sale: JournalSale?
    public var earlier: [JournalRefund] = []
    /// Captured minus refunded, as Vipps MobilePay reports it.
    public var refundable = 0
    /// The number this return gets in the journal (returns are numbered per journal).
    public var returnNumber = 1
    /// The paid sales of a day the cashier asked for, to choose from.
    public var candidates: [JournalSale] = []
    public var candidatesDay: CivilDate?

    public init(phase: Phase) {
        self.phase = phase
    }

    /// How many of each line earlier returns took back.
    public var returnedQuantities: [Int: Int] {
        var returned: [Int: Int] = [:]
        for refund in earlier { for line in refund.lines { returned[line.lineID, default: 0] += line.quantity } }
        return returned
    }
}

/// What came of sending a recorded return's refund.
public enum ReturnOutcome: Sendable, Hashable {
    case refunded
    /// Vipps MobilePay said no: the return is recorded as failed.
    case refused(VippsFailure)
    /// No answer: the return stays pending and is finished, with the same key, the next time
    /// the sale is opened for a return.
    case unknown(VippsFailure)

    public init(_ failure: VippsFailure) {
        self = failure.isTransient ? .unknown(failure) : .refused(failure)
    }

    /// For the person at the till, nil when refunded.
    public var problem: Message? {
        switch self {
        case .refunded: nil
        case .refused(let failure): Message(.refusedReason, ["reason": .message(failure.message)])
        case .unknown: Message(.refundNoAnswer)
        }
    }
}

extension JournalRefund {
    /// What the journal records when a refund's outcome is known (nothing while it is not).
    public func events(for outcome: ReturnOutcome) -> [JournalEvent] {
        switch outcome {
        case .refunded: [.refunded(sale: sale, reference: reference, returnNumber: returnNumber, amount: amount)]
        case .refused(let failure): [.refundFailed(sale: sale, reference: reference, returnNumber: returnNumber, reason: failure.message.description)]
        case .unknown: []
        }
    }

    /// The return receipt as printed (and shown on the till).
    public func receiptText(for sale: JournalSale, language: Language, width: Int = 44) -> [String] {
        let currency = CurrencyCode(rawValue: self.currency) ?? .NOK
        func money(_ value: Int) -> String { language.money(value, currency) }
        func row(_ label: String, _ value: String) -> String {
            label + String(repeating: " ", count: max(1, width - label.count - value.count)) + value
        }
        var lines = [language.text(Message(.returnReceiptHeader, ["number": .number(returnNumber), "receipt": .text(sale.receiptNumber),
                                                                 "reference": .text(sale.reference)]))]
        for line in self.lines {
            let quantity = line.weighed ? language.quantity(.grams(line.quantity)) : "\(line.quantity) ×"
            lines.append(row("\(line.lineID). \(line.name) \(quantity)", money(-line.total)))
        }
        lines.append(row(language.text(.returnReceiptRefunded), money(-amount)))
        for vat in vat {
            let label = language.text(Message(.receiptVAT, ["rate": .vatRate(VATRate(vat.rateBasisPoints)), "gross": .money(-vat.gross, currency)]))
            lines.append(row("  " + label, money(-vat.tax)))
        }
        return lines
    }
}

extension Till {
    func startReturn(_ state: inout TillState) -> [TillEffect] {
        guard state.basket.isEmpty, case .selling = state.mode else {
            state.banner = Banner(.warning, .finishBeforeReturn)
            return [.bell]
        }
        state.mode = .returning(ReturnSession(phase: .askingSale))
        state.entry = ""
        state.banner = Banner(.info, .returnStart)
        return []
    }

    func returnKey(_ state: inout TillState, _ session: ReturnSession, _ key: Key) -> [TillEffect] {
        var session = session
        let action = KeyMap.action(for: key, in: state.mode)
        func leave() -> [TillEffect] {
            state.mode = .selling(.code)
            state.entry = ""
            state.banner = nil
            return []
        }
        switch session.phase {
        case .askingSale, .choosing:
            switch key {
            case .escape:
                if case .choosing = session.phase, state.entry.isEmpty == false {
                    state.entry = ""
                    return []
                }
                return leave()
            case .backspace:
                if !state.entry.isEmpty { state.entry.removeLast() }
                return []
            case .character(let character):
                state.entry.append(character)
                return []
            case .enter:
                let text = state.entry.trimmingCharacters()
                guard !text.isEmpty else { return [] }
                if case .askingSale = session.phase {
                    session.phase = .lookingUp(text)
                    state.mode = .returning(session)
                    state.entry = ""
                    state.banner = Banner(.info, .lookingUp, ["text": .text(text)])
                    if let day = CivilDate.parse(text, today: state.today) { return [.listSalesForReturn(day)] }
                    return [.findSaleForReturn(text)]
                }
                guard let sale = session.sale else { return [] }
                guard let selection = Self.parseReturnSelection(text) else {
                    state.banner = Banner(.error, .returnLinesHelp)
                    return [.bell]
                }
                switch ReturnPlan.make(sale: sale, earlier: session.earlier, selection: selection, refundable: session.refundable) {
                case .success(let plan):
                    session.phase = .confirming(amount: plan.amount, lines: plan.lines)
                    state.mode = .returning(session)
                    state.entry = ""
                    state.banner = Banner(.warning, .confirmRefund, ["amount": money(state, plan.amount), "yes": yes(state)])
                    return []
                case .failure(let problem):
                    state.banner = Banner(.error, problem.message)
                    return [.bell]
                }
            default:
                return []
            }
        case .lookingUp:
            return action == .back ? leave() : []
        case .confirming(let amount, let lines):
            guard let sale = session.sale else { return leave() }
            if action == .yes {
                session.phase = .refunding(amount: amount)
                state.mode = .returning(session)
                state.banner = Banner(.info, .refundingAmount, ["amount": money(state, amount)])
                // Recorded, with its own key, before the refund is sent.
                let refund = JournalRefund(returnNumber: session.returnNumber, of: sale, amount: amount, lines: lines)
                return [.record([.refundStarted(refund)]), .refundReturn(refund)]
            }
            session.phase = .choosing
            state.mode = .returning(session)
            state.banner = nil
            return []
        case .refunding:
            return []
        case .done, .failed:
            return action == .done ? leave() : []
        }
    }

    public static func parseReturnSelectionForTests(_ text: String) -> ReturnPlan.Selection? { parseReturnSelection(text) }

    /// `1 3`, `2:1`, `A` (everything): nil when it is none of these.
    static func parseReturnSelection(_ text: String) -> ReturnPlan.Selection? {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        if words.count == 1, ["a", "all", "alt", "*"].contains(words[0].lowercased()) { return .all }
        var lines: [Int: Int?] = [:]
        for word in words {
            let parts = word.split(separator: ":").map(String.init)
            guard let id = Int(parts[0]), parts.count <= 2 else { return nil }
            if parts.count == 2 {
                guard let count = Int(parts[1]) else { return nil }
                lines[id] = count
            } else {
                lines[id] = Int?.none
            }
        }
        return lines.isEmpty ? nil : .lines(lines)
    }

    func returnAction(_ state: inout TillState, _ action: TillAction) -> [TillEffect] {
        // A return in doubt from before, finished while its sale was looked up: recorded
        // whatever is on screen now.
        if case .returnPendingSettled(let refund, let outcome) = action {
            let events = refund.events(for: outcome)
            return events.isEmpty ? [] : [.record(events)]
        }
        guard var session = state.returning else {
            // The return left the screen while its refund was on the way: the outcome is still recorded.
            switch action {
            case .returnRefunded(let refund): return [.record(refund.events(for: .refunded))]
            case .returnRefundFailed(let refund, let failure): return [.record(refund.events(for: ReturnOutcome(failure)))]
            default: return []
            }
        }
        switch action {
        case .returnSaleFound(let sale, let earlier, let refundable, let nextReturnNumber):
            guard case .lookingUp = session.phase else { return [] }
            session.sale = sale
            session.earlier = earlier
            session.refundable = refundable
            session.returnNumber = nextReturnNumber
            session.phase = .choosing
            state.mode = .returning(session)
            state.banner = refundable > 0
                ? Banner(.info, .whichLines)
                : Banner(.warning, .nothingLeftToRefund)
            return []
        case .returnSalesListed(let day, let sales):
            guard case .lookingUp = session.phase else { return [] }
            session.phase = .askingSale
            session.candidates = sales
            session.candidatesDay = day
            state.mode = .returning(session)
            state.banner = sales.isEmpty
                ? Banner(.warning, .noPaidSalesOn, ["date": .date(day)])
                : Banner(.info, .paidSalesOn, ["count": .number(sales.count), "date": .date(day)])
            return sales.isEmpty ? [.bell] : []
        case .returnLookupFailed(let message):
            guard case .lookingUp = session.phase else { return [] }
            session.phase = .askingSale
            state.mode = .returning(session)
            state.banner = Banner(.error, message)
            return [.bell]
        case .returnRefunded(let refund):
            session.phase = .done(refund)
            state.mode = .returning(session)
            state.banner = Banner(.success, .refunded, ["amount": money(state, refund.amount), "number": .number(refund.returnNumber)])
            return [.record(refund.events(for: .refunded)), .bell]
        case .returnRefundFailed(let refund, let failure):
            let outcome = ReturnOutcome(failure)
            var message = outcome.problem ?? Message(.refundNoAnswer)
            if case .notSent(let reason) = failure {
                // Nothing was sent (the journal could not record the return first): nothing to record either.
                message = Message(.notRefunded, ["reason": .text(reason)])
                session.phase = .failed(message)
                state.mode = .returning(session)
                state.banner = Banner(.error, message)
                return [.bell]
            }
            session.phase = .failed(message)
            state.mode = .returning(session)
            state.banner = Banner(.error, message)
            let events = refund.events(for: outcome)
            return (events.isEmpty ? [] : [.record(events)]) + [.bell]
        default:
            return []
        }
    }
}
