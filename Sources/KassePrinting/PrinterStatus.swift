/// What an ESC/POS printer says about itself in answer to `DLE EOT n` (real-time status):
/// one byte for each of n = 1 (printer), 2 (off-line cause), 4 (roll paper sensor).
public struct PrinterStatus: Sendable, Hashable, CustomStringConvertible {
    public var offline: Bool
    public var coverOpen: Bool
    public var paperOut: Bool
    public var paperNearEnd: Bool
    /// An error the printer stopped for (cutter, mechanism, head temperature).
    public var error: Bool

    public init(offline: Bool = false, coverOpen: Bool = false, paperOut: Bool = false, paperNearEnd: Bool = false, error: Bool = false) {
        self.offline = offline
        self.coverOpen = coverOpen
        self.paperOut = paperOut
        self.paperNearEnd = paperNearEnd
        self.error = error
    }

    public static let ready = PrinterStatus()

    /// The three status requests, in the order `init(answers:)` reads their answers.
    public static let requests: [[UInt8]] = [[0x10, 0x04, 1], [0x10, 0x04, 2], [0x10, 0x04, 4]]

    /// Reads the answers to `requests` (each a byte whose bits 0, 1, 4 and 7 are 0, 1, 1, 0);
    /// nil when they are not status bytes.
    public init?(answers: [UInt8]) {
        guard answers.count == 3, answers.allSatisfy({ $0 & 0x93 == 0x12 }) else { return nil }
        let printer = answers[0], cause = answers[1], paper = answers[2]
        self.init(offline: printer & 0x08 != 0,
                  coverOpen: cause & 0x04 != 0,
                  paperOut: cause & 0x20 != 0 || paper & 0x60 != 0,
                  paperNearEnd: paper & 0x0C != 0,
                  error: cause & 0x40 != 0)
    }

    /// The answers a printer in this state gives (the emulator's side of the exchange).
    public var answers: [UInt8] {
        let printer: UInt8 = 0x12 | (offline || coverOpen || paperOut || error ? 0x08 : 0)
        let cause: UInt8 = 0x12 | (coverOpen ? 0x04 : 0) | (paperOut ? 0x20 : 0) | (error ? 0x40 : 0)
        let paper: UInt8 = 0x12 | (paperNearEnd ? 0x0C : 0) | (paperOut ? 0x60 : 0)
        return [printer, cause, paper]
    }

    /// Whether a job sent now would print.
    public var canPrint: Bool { !offline && !coverOpen && !paperOut && !error }

    /// What is wrong, most urgent first; empty when nothing is (the till words each in the
    /// cashier's language).
    public enum Problem: String, Sendable, Hashable {
        case paperOut = "paper out", coverOpen = "cover open", error = "printer error", offline = "off-line", paperLow = "paper low"
    }

    public var problems: [Problem] {
        var problems: [Problem] = []
        if paperOut { problems.append(.paperOut) }
        if coverOpen { problems.append(.coverOpen) }
        if error { problems.append(.error) }
        if offline && problems.isEmpty { problems.append(.offline) }
        if paperNearEnd && !paperOut { problems.append(.paperLow) }
        return problems
    }

    /// In English, for logs and the command line; "ready" when nothing is wrong.
    public var description: String {
        problems.isEmpty ? "ready" : problems.map(\.rawValue).joined(separator: ", ")
    }
}
