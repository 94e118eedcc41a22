import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The newest entry the till wrote, kept **outside** the SQLite file: a small JSON file beside
/// the journal (`journal.sqlite.anchor`), replaced atomically and synced after every commit.
///
/// A hash chain kept only beside what it protects proves nothing to someone who holds the
/// file: entries cut off the end leave a shorter chain that still verifies, and a changed
/// entry with every later hash recomputed verifies too. The anchor catches both (the journal
/// is shorter than the anchor, or the anchored entry's hash differs), and every Z report
/// carries the entry and hash it closed at, for its printout. Vipps MobilePay's own records
/// are the anchor no one at the shop can edit: `kasse journal audit`.
public struct JournalAnchor: Codable, Sendable, Equatable {
    public var format = 1
    /// The journal's file name, so an anchor is not mistaken for another journal's.
    public var journal: String
    public var sequence: Int
    public var hash: String
    public var at: String

    public init(journal: String, sequence: Int, hash: String, at: String) {
        self.journal = journal
        self.sequence = sequence
        self.hash = hash
        self.at = at
    }

    public static func path(forJournal path: String) -> String { path + ".anchor" }

    /// Reads the anchor; nil when there is none.
    public static func read(journalPath: String) throws -> JournalAnchor? {
        let path = Self.path(forJournal: journalPath)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try JSONDecoder().decode(JournalAnchor.self, from: data)
    }

    /// Writes the anchor atomically: a temporary file, synced, renamed over the old one, and
    /// the folder synced, so a power cut leaves either the old anchor or the new one.
    public func write(journalPath: String) throws {
        let path = Self.path(forJournal: journalPath)
        // A name of its own per writer: another process (kasse return beside the till) may be
        // writing its anchor at the same moment.
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var data = try encoder.encode(self)
        data.append(0x0A)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw AnchorError(path: path, operation: "create", code: errno) }
        let written = data.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written == data.count, fsync(descriptor) == 0 else {
            let code = errno
            close(descriptor)
            unlink(temporary)
            throw AnchorError(path: path, operation: "write", code: code)
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw AnchorError(path: path, operation: "replace", code: code)
        }
        let folder = (path as NSString).deletingLastPathComponent
        let directory = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            _ = fsync(directory)
            close(directory)
        }
    }

    struct AnchorError: Error, CustomStringConvertible {
        var path: String
        var operation: String
        var code: Int32
        var description: String { "cannot \(operation) \(path): \(String(cString: strerror(code)))" }
    }
}

/// How the journal compares with its anchor file.
public enum AnchorCheck: Sendable, Equatable, CustomStringConvertible {
    /// The anchor names the journal's newest entry, with the same hash.
    case matches(sequence: Int)
    /// The anchor names an older entry, which matches: a journal restored from a backup taken
    /// before the anchor (or a till stopped between its commit and the anchor).
    case older(anchor: Int, last: Int)
    /// No anchor file, but a journal with entries: removed or lost, not proof of tampering.
    case missing
    /// An empty journal and no anchor: nothing to compare.
    case empty
    /// The journal ends before the last entry the till wrote: entries `first...last` are missing.
    case entriesMissing(first: Int, last: Int)
    /// The anchored entry exists but its hash differs: the journal was rewritten.
    case rewritten(sequence: Int)
    /// The anchor file cannot be read.
    case unreadable(String)

    /// Whether this means entries were removed or changed.
    public var isTampering: Bool {
        switch self {
        case .entriesMissing, .rewritten: true
        default: false
        }
    }

    /// Whether the till may not write on until someone looks: tampering, and an anchor that is
    /// gone or unreadable (which is how cutting the journal's end would be hidden). A manager
    /// acknowledges it with `kasse journal reanchor`, which journals what was found.
    public var isFinding: Bool {
        switch self {
        case .entriesMissing, .rewritten, .missing, .unreadable: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .matches(let sequence): "the anchor file names entry \(sequence), the newest, and it matches"
        case .older(let anchor, let last):
            "the anchor file is older than the journal: it names entry \(anchor), which matches, but the journal goes on to \(last) "
                + "(a journal restored from a backup, or a till stopped between writing both); entries after \(anchor) are vouched for by the chain alone"
        case .missing: "the anchor file is missing, so entries removed from the end cannot be noticed"
        case .empty: "the journal is empty and has no anchor file yet"
        case .entriesMissing(let first, let last):
            first == last
                ? "entry \(first) is missing: the journal ends before the last entry the till wrote"
                : "entries \(first)–\(last) are missing: the journal ends before the last entry the till wrote"
        case .rewritten(let sequence):
            "entry \(sequence) does not match the anchor file: the journal was rewritten from that entry on or earlier"
        case .unreadable(let reason): "the anchor file cannot be read (\(reason))"
        }
    }
}

/// How the journal compares with its newest Z report's closing entry and hash.
public enum ZReportCheck: Sendable, Equatable, CustomStringConvertible {
    case none
    /// A Z report from before Z reports carried their closing hash.
    case unanchored(number: Int)
    case matches(number: Int, sequence: Int)
    case mismatch(number: Int, sequence: Int)

    public var isTampering: Bool { if case .mismatch = self { true } else { false } }

    public var description: String {
        switch self {
        case .none: "no Z report yet"
        case .unanchored(let number): "Z report \(number) was made before Z reports carried their closing hash"
        case .matches(let number, let sequence): "Z report \(number) closed at entry \(sequence), and it matches"
        case .mismatch(let number, let sequence):
            "Z report \(number) closed at entry \(sequence), which no longer matches the hash it printed: the journal was rewritten"
        }
    }
}
