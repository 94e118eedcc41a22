import Foundation
import KasseJournal
import KasseNorway
import KasseTill
import Testing

/// `kasse report z` on a till with a staff list: as at the till, only a manager's PIN closes the day.
@Suite struct ReportCommandTests {
    @Test func aZReportFromTheCommandLineNeedsAManagersPIN() async throws {
        let path = JournalTests.temporaryPath()
        let journal = try Journal(path: path, till: "1", cashier: "1001")
        try await journal.append([.operatorAction("a day's work")])
        let config = path + ".toml"
        try """
            [till]
            market = "DK"
            [journal]
            path = "\(path)"
            [[staff]]
            id = "1001"
            name = "Kari Kasserer"
            role = "cashier"
            pin = "\(try StaffPIN.hash("1234"))"
            [[staff]]
            id = "9001"
            name = "Mona Manager"
            role = "manager"
            pin = "\(try StaffPIN.hash("999999"))"
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let kasse = KasseBinary.path
        func z(_ arguments: String, pin: String) async throws -> (status: Int32, output: String, errors: String) {
            try await runProgram("/bin/sh", ["-c", "echo \(pin) | \(kasse) report z --config \(config) \(arguments)"],
                                 environment: ["HOME": NSTemporaryDirectory()])
        }
        let none = try await z("", pin: "999999")
        #expect(none.status != 0 && none.errors.contains("needs a manager: kasse report z --manager ID"), "\(none.errors)")
        let wrong = try await z("--manager 9001", pin: "111111")
        #expect(wrong.status != 0 && wrong.errors.contains("Wrong employee number or PIN"), "\(wrong.errors)")
        #expect(!wrong.errors.contains("111111"))
        let cashier = try await z("--manager 1001", pin: "1234")
        #expect(cashier.status != 0 && cashier.errors.contains("Kari Kasserer (1001) is not a manager"), "\(cashier.errors)")
        let reader = try Journal(path: path, till: "1", cashier: "t", readOnly: true)
        #expect(try await reader.entries(kinds: ["z-report"]).isEmpty)

        let closed = try await z("--manager 9001", pin: "999999")
        #expect(closed.status == 0, "\(closed.errors)")
        #expect(closed.output.contains("Z REPORT 1") || closed.output.contains("Z-RAPPORT 1"), "\(closed.output)")
        let entries = try await reader.entries(kinds: ["log-in-refused", "manager-approved", "z-report"])
        #expect(entries.map(\.kind) == ["log-in-refused", "manager-approved", "z-report"])
        #expect(entries.last?.cashier == "9001")
        #expect(entries[1].event == .managerApproved(employee: "9001", action: "Z report 1"))
    }

    /// Guessing a manager's PIN from the command line meets the till's own lock-out, counted
    /// from the journal: after three wrong PINs in a row even the right one waits, however many
    /// processes try; and a manager's PIN of four digits is refused.
    @Test func guessingAManagersPINIsLockedOutAcrossProcessesAndShortPINsAreRefused() async throws {
        let path = JournalTests.temporaryPath()
        let journal = try Journal(path: path, till: "1", cashier: "")
        try await journal.append([.operatorAction("a day's work")])
        let config = path + ".toml"
        try """
            [till]
            market = "DK"
            [journal]
            path = "\(path)"
            [[staff]]
            id = "9001"
            name = "Mona Manager"
            role = "manager"
            pin = "\(try StaffPIN.hash("999999"))"
            [[staff]]
            id = "9002"
            name = "Old Manager"
            role = "manager"
            pin = "\(try StaffPIN.hash("4321"))"
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let kasse = KasseBinary.path
        func z(_ manager: String, pin: String) async throws -> (status: Int32, output: String, errors: String) {
            try await runProgram("/bin/sh", ["-c", "echo \(pin) | \(kasse) report z --config \(config) --manager \(manager)"],
                                 environment: ["HOME": NSTemporaryDirectory()])
        }
        let short = try await z("9002", pin: "4321")
        #expect(short.status != 0 && short.errors.contains("at least 6 digits"), "\(short.errors)")
        for guess in ["111111", "222222"] {
            let wrong = try await z("9001", pin: guess)
            #expect(wrong.status != 0 && wrong.errors.contains("Wrong employee number or PIN"), "\(wrong.errors)")
        }
        // Three wrong in a row (the short PIN counted too): the right PIN now waits.
        let locked = try await z("9001", pin: "999999")
        #expect(locked.status != 0 && locked.errors.contains("3 wrong PINs in a row") && locked.errors.contains("locked"), "\(locked.errors)")
        let reader = try Journal(path: path, till: "1", cashier: "t", readOnly: true)
        #expect(try await reader.entries(kinds: ["log-in-refused"]).count == 3)
        #expect(try await reader.entries(kinds: ["z-report"]).isEmpty)
        let lockOut = try await reader.logInLockOut()
        #expect(lockOut.refusalsInARow == 3 && lockOut.secondsLeft(now: Date().timeIntervalSince1970) > 0)
        // 30 s after the third: the right PIN closes the day and ends the row.
        #expect(lockOut.secondsLeft(now: (lockOut.lastRefusal ?? 0) + 30) == 0)
    }
}
