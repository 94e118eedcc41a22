import KasseJournal
/// How the store server takes a batch of a till's journal entries: exactly once per (till,
/// sequence), in order, each entry's hash checked, and the chain going on from the entry the
/// server holds last. A gap or a fork is refused, loudly, and nothing of the batch is stored.
public enum ChainCheck {
    public enum Outcome: Sendable, Equatable {
        /// Store these (possibly none: a batch the server already held, sent again after a lost answer).
        case append([JournalEntry])
        case refuse(StoreRefusal)
    }

    /// - Parameters:
    ///   - batch: the entries as the till sent them.
    ///   - till: the till the sender authenticated as.
    ///   - head: the server's newest entry of this till (sequence 0 and the genesis hash: none).
    ///   - stored: the hash the server holds for an earlier sequence of this till (entries sent
    ///     again must be the same entries).
    ///   - columns: the sale and reference an entry's own payload names (nil: unreadable); the
    ///     entry's `sale` and `reference`, which its hash does not cover, must say the same.
    public static func check(_ batch: [JournalEntry], till: String, head: JournalHead,
                             stored: (Int) -> String?,
                             columns: (JournalEntry) -> (sale: Int?, reference: String?)? = { ($0.sale, $0.reference) }) -> Outcome {
        var previous: (sequence: Int, hash: String) = (head.sequence, head.hash)
        var new: [JournalEntry] = []
        var last: Int?
        for entry in batch {
            if let last, entry.sequence != last + 1 {
                return .refuse(StoreRefusal(
                    error: "out-of-order",
                    message: "entry \(entry.sequence) follows entry \(last) in the batch; a batch holds consecutive entries",
                    head: head))
            }
            last = entry.sequence
            guard entry.till == till else {
                return .refuse(StoreRefusal(
                    error: "wrong-till",
                    message: "entry \(entry.sequence) is till \(entry.till)'s, but this token is till \(till)'s; a till sends only its own journal",
                    head: head))
            }
            guard entry.computedHash == entry.hash else {
                return .refuse(StoreRefusal(
                    error: "bad-hash",
                    message: "entry \(entry.sequence) does not match its own hash: it was changed after it was written",
                    head: head))
            }
            guard let named = columns(entry), named.sale == entry.sale, named.reference == entry.reference else {
                return .refuse(StoreRefusal(
                    error: "bad-columns",
                    message: "entry \(entry.sequence) has a sale or reference that differs from what the entry itself says",
                    head: head))
            }
            if entry.sequence <= head.sequence {
                // Sent before (the till did not hear the answer): it must be the same entry.
                guard let held = stored(entry.sequence) else {
                    return .refuse(StoreRefusal(error: "gap", message: "entry \(entry.sequence) is missing on the server", head: head))
                }
                guard held == entry.hash else {
                    return .refuse(StoreRefusal(
                        error: "fork",
                        message: "entry \(entry.sequence) differs from the entry \(entry.sequence) the server holds for this till: the server keeps what it holds and a person must look (a journal rewritten or replaced at the till, or entries this till did not write)",
                        head: head))
                }
                continue
            }
            guard entry.sequence == previous.sequence + 1 else {
                return .refuse(StoreRefusal(
                    error: "gap",
                    message: "entry \(entry.sequence) came, but the server holds entries up to \(previous.sequence): \(previous.sequence + 1) to \(entry.sequence - 1) are missing",
                    head: head))
            }
            guard entry.previousHash == previous.hash else {
                return .refuse(StoreRefusal(
                    error: "fork",
                    message: "entry \(entry.sequence) does not go on from entry \(previous.sequence) as the server holds it: the server keeps what it holds and a person must look (a journal rewritten or replaced at the till, or entries this till did not write)",
                    head: head))
            }
            new.append(entry)
            previous = (entry.sequence, entry.hash)
        }
        return .append(new)
    }
}
