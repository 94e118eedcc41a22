import KasseLanguage
import KasseCore

/// Reconciliation of the journal with Vipps MobilePay's own records, the anchor no one at
/// the shop can edit. Pure: the command reads the payments back and hands them in.
public enum JournalAudit {
    /// What the journal says about one payment reference.
    public struct JournalPayment: Sendable, Hashable, Codable {
        public var reference: String
        public var sale: Int
        public var attempt: Int
        public var requested: Int
        /// Captured, as the completed sale records it (nil: no completed sale).
        public var captured: Int?
        public var refunded: Int
        public var ended: Bool

        public init(reference: String, sale: Int, attempt: Int, requested: Int, captured: Int?, refunded: Int, ended: Bool) {
            self.reference = reference
            self.sale = sale
            self.attempt = attempt
            self.requested = requested
            self.captured = captured
            self.refunded = refunded
            self.ended = ended
        }
    }

    /// What Vipps MobilePay says about one payment (nil where it has none).
    public struct VippsPayment: Sendable, Hashable, Codable {
        public var state: String
        public var authorized: Int
        public var captured: Int
        public var refunded: Int
        public var cancelled: Int

        public init(state: String, authorized: Int, captured: Int, refunded: Int, cancelled: Int) {
            self.state = state
            self.authorized = authorized
            self.captured = captured
            self.refunded = refunded
            self.cancelled = cancelled
        }
    }

    /// One difference, named: the sale, the reference, the journal's amount and Vipps's.
    public struct Finding: Sendable, Hashable, Codable {
        public enum Kind: String, Sendable, Hashable, Codable {
            case capturedDiffers = "captured-differs"
            case refundedDiffers = "refunded-differs"
            case capturedWithoutSale = "captured-without-sale"
            case paidButUnknown = "paid-but-unknown-at-vipps"
            case leftAuthorized = "left-authorized"
            case deletedSale = "deleted-sale"
        }

        public var kind: Kind
        public var sale: Int
        public var reference: String
        public var journalAmount: Int?
        public var vippsAmount: Int?
        public var message: String
    }

    /// The payments the journal knows, in the order they were started; only those whose
    /// reference carries `day` (`YYYYMMDD`) when one is given.
    public static func payments(in events: [JournalEvent], day: String? = nil) -> [JournalPayment] {
        var order: [String] = []
        var payments: [String: JournalPayment] = [:]
        for event in events {
            switch event {
            case .paymentStarted(let start):
                if payments[start.reference] == nil { order.append(start.reference) }
                payments[start.reference] = JournalPayment(
                    reference: start.reference, sale: start.sale, attempt: start.attempt, requested: start.amount,
                    captured: nil, refunded: 0, ended: false)
            case .saleCompleted(let sale):
                if payments[sale.reference] == nil {
                    order.append(sale.reference)
                    payments[sale.reference] = JournalPayment(
                        reference: sale.reference, sale: sale.sale, attempt: 1, requested: sale.total, captured: nil, refunded: 0, ended: false)
                }
                payments[sale.reference]?.captured = sale.captured
            case .refunded(_, let reference, _, let amount):
                payments[reference]?.refunded += amount
            case .paymentEnded(_, let reference, _):
                payments[reference]?.ended = true
            default:
                break
            }
        }
        return order.compactMap { payments[$0] }.filter { day == nil || referenceDay($0.reference) == day }
    }

    /// `YYYYMMDD` of a reference made by Kasse (`STORE-TILL-YYYYMMDD-SALE-ATTEMPT`).
    public static func referenceDay(_ reference: String) -> String? {
        PaymentReference.businessDay(of: reference)?.compact
    }

    /// The differences between what the journal and Vipps MobilePay say about one payment.
    public static func compare(_ journal: JournalPayment, _ vipps: VippsPayment?) -> [Finding] {
        func finding(_ kind: Finding.Kind, _ journalAmount: Int?, _ vippsAmount: Int?, _ message: String) -> Finding {
            Finding(kind: kind, sale: journal.sale, reference: journal.reference, journalAmount: journalAmount,
                    vippsAmount: vippsAmount, message: message)
        }
        guard let vipps else {
            if let captured = journal.captured {
                return [finding(.paidButUnknown, captured, nil,
                                "the journal records sale \(journal.sale) as paid, but Vipps MobilePay has no payment \(journal.reference)")]
            }
            return []
        }
        var findings: [Finding] = []
        if let captured = journal.captured {
            if captured != vipps.captured {
                findings.append(finding(.capturedDiffers, captured, vipps.captured,
                                        "sale \(journal.sale): the journal records \(captured) captured, Vipps MobilePay \(vipps.captured)"))
            }
        } else if vipps.captured > 0 {
            findings.append(finding(.capturedWithoutSale, 0, vipps.captured,
                                    "Vipps MobilePay captured \(vipps.captured) for \(journal.reference), but the journal records no paid sale"))
        }
        if journal.refunded != vipps.refunded {
            findings.append(finding(.refundedDiffers, journal.refunded, vipps.refunded,
                                    "sale \(journal.sale): the journal records \(journal.refunded) refunded, Vipps MobilePay \(vipps.refunded)"))
        }
        if vipps.state == "AUTHORIZED", vipps.authorized > vipps.captured + vipps.cancelled {
            let open = vipps.authorized - vipps.captured - vipps.cancelled
            findings.append(finding(.leftAuthorized, journal.captured, open,
                                    "\(journal.reference): \(open) is still reserved on the customer's account (neither captured nor cancelled)"))
        }
        return findings
    }

    /// Sale numbers missing between the first and the last the journal knows. Sale numbers are
    /// consecutive, so each is a sale the journal should hold, or a number that was never used.
    public static func missingSaleNumbers(in events: [JournalEvent]) -> [Int] {
        var first: Int?
        var seen = Set<Int>()
        for event in events {
            if case .journalCreated(let firstSale) = event { first = max(first ?? firstSale, firstSale) }
            if let sale = event.sale { seen.insert(sale) }
        }
        guard let highest = seen.max() else { return [] }
        let lowest = first ?? (seen.min() ?? 1)
        guard lowest < highest else { return [] }
        return (lowest...highest).filter { !seen.contains($0) }
    }

    /// The references a missing sale would have had: on the days of its neighbours, attempts
    /// 1, 2, 3 (a day's attempts are asked in order; the first not found ends that day).
    public static func candidateDays(for sale: Int, payments: [JournalPayment]) -> [String] {
        let below = payments.filter { $0.sale < sale }.max { $0.sale < $1.sale }.flatMap { referenceDay($0.reference) }
        let above = payments.filter { $0.sale > sale }.min { $0.sale < $1.sale }.flatMap { referenceDay($0.reference) }
        var days: [String] = []
        for day in [below, above].compactMap({ $0 }) where !days.contains(day) { days.append(day) }
        return days
    }

    /// A Kasse reference for this store, till, day, sale and attempt.
    public static func reference(store: String, till: String, day: String, sale: Int, attempt: Int) -> String? {
        guard day.count == 8, let year = Int(day.prefix(4)), let month = Int(day.dropFirst(4).prefix(2)), let date = Int(day.suffix(2))
        else { return nil }
        return PaymentReference(store: store, till: till, date: CivilDate(year: year, month: month, day: date), sequence: sale,
                                attempt: attempt).value
    }

    public static func deletedSale(_ sale: Int, reference: String, vipps: VippsPayment) -> Finding {
        Finding(kind: .deletedSale, sale: sale, reference: reference, journalAmount: nil, vippsAmount: vipps.captured,
                message: "sale \(sale) is missing from the journal, but Vipps MobilePay has payment \(reference) "
                    + "(\(vipps.state), captured \(vipps.captured)): a sale was deleted")
    }
}
