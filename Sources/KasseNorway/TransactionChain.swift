import KasseCore
import KasseTill
import KasseJournal

/// A register's chain of signed transactions (Norway): each committed sale and return gets the
/// next number and a signature over the previous one's. Pure apart from the signing itself.
public struct TransactionChain: Sendable {
    public let signer: TransactionSigner
    public let register: String
    public let zone: ShopTimeZone
    /// The last signed transaction's number and signature (nil before the first).
    public private(set) var last: (number: Int, signature: String)?

    public init(signer: TransactionSigner, register: String, zone: ShopTimeZone, last: (number: Int, signature: String)?) {
        self.signer = signer
        self.register = register
        self.zone = zone
        self.last = last
    }

    /// The same chain going on after `last`, the journal's newest signed transaction (read in
    /// the same write that stores what is signed now).
    public func continuing(after last: JournalSignature?) -> TransactionChain {
        TransactionChain(signer: signer, register: register, zone: zone, last: last.map { ($0.number, $0.signature) })
    }

    /// The events with a `transactionSigned` entry after each committed transaction: a completed
    /// sale, or a confirmed refund (`refunds`: the returns these refunds belong to, for their VAT).
    /// The chain moves on only in the copy that returns; keep it once the entries are stored.
    public mutating func sign(_ events: [JournalEvent], refunds: [JournalRefund], atUTC seconds: Int64) throws -> [JournalEvent] {
        var out: [JournalEvent] = []
        for event in events {
            out.append(event)
            let entry: (transaction: String, sale: Int, reference: String, returnNumber: Int?, amountIn: Int, amountEx: Int)
            var training = false
            switch event {
            case .saleCompleted(let sale):
                entry = ("sale", sale.sale, sale.reference, nil, sale.total, sale.total - sale.vat.reduce(0) { $0 + $1.tax })
                training = sale.isTraining
            case .saleVoided(let sale):
                entry = ("void", sale.sale, sale.reference, nil, sale.total, sale.total - sale.vat.reduce(0) { $0 + $1.tax })
                training = sale.isTraining
            case .refunded(let sale, let reference, let returnNumber, let amount):
                let refund = refunds.first { $0.reference == reference && $0.returnNumber == returnNumber }
                let tax = refund.map { $0.vat.reduce(0) { $0 + $1.tax } } ?? 0
                entry = ("return", sale, reference, returnNumber, -amount, -(amount - tax))
            default:
                continue
            }
            let (date, time) = zone.localTime(atUTC: seconds)
            let number = (last?.number ?? 0) + 1
            let transaction = SignedTransaction(
                previousSignature: last?.signature, date: date, time: time, number: String(number),
                amountIncludingVAT: entry.amountIn, amountExcludingVAT: entry.amountEx)
            let signature = try signer.sign(transaction)
            out.append(.transactionSigned(JournalSignature(
                register: register, number: number, transaction: entry.transaction, sale: entry.sale, reference: entry.reference,
                returnNumber: entry.returnNumber, date: date.iso, time: time.text, amountIncludingVAT: entry.amountIn,
                amountExcludingVAT: entry.amountEx, signature: signature, keyVersion: signer.keyVersion, training: training ? true : nil)))
            last = (number, signature)
        }
        return out
    }

    /// What is wrong with a register's signed transactions, in order: a broken number sequence,
    /// a signature that does not verify over the text rebuilt with the previous one. Empty
    /// when the chain holds.
    public static func problems(_ signatures: [JournalSignature], verifier: SignatureVerifier) -> [String] {
        var problems: [String] = []
        var previous: [String: (number: Int, signature: String)] = [:]
        for signed in signatures {
            let before = previous[signed.register]
            if signed.number != (before?.number ?? 0) + 1 {
                problems.append("register \(signed.register): transaction \(signed.number) follows \(before?.number ?? 0)")
            }
            guard let date = CivilDate.parse(signed.date, today: CivilDate(year: 2000, month: 1, day: 1)),
                  let time = LocalTime(parsing: signed.time)
            else {
                problems.append("register \(signed.register): transaction \(signed.number) has no valid date and time")
                previous[signed.register] = (signed.number, signed.signature)
                continue
            }
            let transaction = SignedTransaction(
                previousSignature: before?.signature, date: date, time: time, number: String(signed.number),
                amountIncludingVAT: signed.amountIncludingVAT, amountExcludingVAT: signed.amountExcludingVAT)
            if !verifier.isValid(signed.signature, for: transaction) {
                problems.append("register \(signed.register): the signature of transaction \(signed.number) does not verify")
            }
            previous[signed.register] = (signed.number, signed.signature)
        }
        return problems
    }
}

extension LocalTime {
    /// `HH:MM:SS`
    public init?(parsing text: String) {
        let parts = text.split(separator: ":").compactMap { Int($0) }
        guard parts.count == 3, text.count == 8, (0..<24).contains(parts[0]), (0..<60).contains(parts[1]), (0..<60).contains(parts[2])
        else { return nil }
        self.init(hour: parts[0], minute: parts[1], second: parts[2])
    }
}
