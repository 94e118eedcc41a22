import Foundation
@testable import IntegrationSupport
import KasseCore
import KasseJournal
import KasseJournalSQLite
import KasseTill
import Testing

/// `kasse report z` on a till with a staff list: as at the till, only a manager's PIN closes the day.
@Suite struct ReportCommandTests {
    /// A Danish till's configuration with this journal and staff list (id, name, role, PIN);
    /// and `kasse report z` on it with a PIN on standard input.
    static func staffedTill(journal path: String, _ staff: [(id: String, name: String, role: String, pin: String)]) throws
        -> (String, (String, String) async throws -> (status: Int32, output: String, errors: String))
    {
        let config = path + ".toml"
        var text = "[till]\nmarket = \"DK\"\n[journal]\npath = \"\(path)\"\n"
        for member in staff {
            text += "[[staff]]\nid = \"\(member.id)\"\nname = \"\(member.name)\"\nrole = \"\(member.role)\"\npin = \"\(try StaffPIN.hash(member.pin))\"\n"
        }
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let kasse = KasseBinary.path
        return (config, { arguments, pin in
            try await runProgram("/bin/sh", ["-c", "echo \(pin) | \(kasse) report z --config \(config) \(arguments)"],
                                 environment: ["HOME": NSTemporaryDirectory()])
        })
    }

    @Test func aZReportFromTheCommandLineNeedsAManagersPIN() async throws {
        let path = JournalFixture.temporaryPath()
        let journal = try Journal(path: path, till: "1", cashier: "1001")
        try await journal.append([.operatorAction("a day's work")])
        let (_, report) = try Self.staffedTill(journal: path, [("1001", "Kari Kasserer", "cashier", "1234"), ("9001", "Mona Manager", "manager", "999999")])
        func z(_ arguments: String, pin: String) async throws -> (status: Int32, output: String, errors: String) {
            try await report(arguments, pin)
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
        let path = JournalFixture.temporaryPath()
        let journal = try Journal(path: path, till: "1", cashier: "")
        try await journal.append([.operatorAction("a day's work")])
        let (_, report) = try Self.staffedTill(journal: path, [("9001", "Mona Manager", "manager", "999999"), ("9002", "Old Manager", "manager", "4321")])
        func z(_ manager: String, pin: String) async throws -> (status: Int32, output: String, errors: String) {
            try await report("--manager \(manager)", pin)
        }
        let short = try await z("9002", pin: "4321")
        #expect(short.status != 0 && short.errors.contains("at least 6 digits"), "\(short.errors)")
        for guess in ["111111", "222222"] {
            let wrong = try await z("9001", pin: guess)
            #expect(wrong.status != 0 && wrong.errors.contains("Wrong employee number or PIN"), "\(wrong.errors)")
        }
        // Three wrong in a row (the short PIN counted too), all journaled.
        let reader = try Journal(path: path, till: "1", cashier: "t", readOnly: true)
        #expect(try await reader.entries(kinds: ["log-in-refused"]).count == 3)
        var lockOut = try await reader.logInLockOut()
        #expect(lockOut.refusalsInARow == 3)
        let third = try #require(lockOut.lastRefusal)
        #expect(lockOut.secondsLeft(now: third + 1) == 29 && lockOut.secondsLeft(now: third + 30) == 0)
        // Three more (as at the till, or another process): 8 minutes from the sixth; the right PIN
        // now waits too, and is not even asked for (a wait far beyond any machine's pace).
        try await journal.append([.logInRefused(employee: "9001"), .logInRefused(employee: "9001"), .logInRefused(employee: "9001")])
        lockOut = try await reader.logInLockOut()
        #expect(lockOut.refusalsInARow == 6)
        let locked = try await z("9001", pin: "999999")
        #expect(locked.status != 0 && locked.errors.contains("6 wrong PINs in a row") && locked.errors.contains("locked"), "\(locked.errors)")
        #expect(try await reader.entries(kinds: ["z-report"]).isEmpty)
        #expect(try await reader.entries(kinds: ["log-in-refused"]).count == 6)
    }

    /// An X report made at the back office while nobody is logged in names nobody, not the
    /// configured cashier.
    @Test func anXReportFromTheCommandLineNamesNobody() async throws {
        let path = JournalFixture.temporaryPath()
        let journal = try Journal(path: path, till: "1", cashier: "")
        try await journal.append([.operatorAction("a day's work")])
        let config = path + ".toml"
        try """
            [till]
            market = "NO"
            cashier_id = "1"
            [journal]
            path = "\(path)"
            [company]
            organisation_number = "974760673"
            name = "Butikken AS"
            address = "Storgata 1"
            postal_code = "0155"
            city = "Oslo"
            [[staff]]
            id = "9001"
            name = "Mona Manager"
            role = "manager"
            pin = "\(try StaffPIN.hash("999999"))"
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let made = try await KasseBinary.run(["report", "x", "--config", config], environment: ["HOME": NSTemporaryDirectory()])
        #expect(made.status == 0, "\(made.errors)")
        let reader = try Journal(path: path, till: "1", cashier: "t", readOnly: true)
        let reports = try await reader.entries(kinds: ["x-report"])
        #expect(reports.count == 1 && reports.first?.cashier == "", "\(reports.map(\.cashier))")
    }
}
