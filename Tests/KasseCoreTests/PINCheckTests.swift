import KasseCore
import Testing

/// The one PIN check the till's log-in, its manager approval and the command line share: its
/// order is the point (no PIN asked for while locked; a manager's short PIN refused before the
/// slow hash is even computed; the role judged only once the PIN matched).
@Suite struct PINCheckTests {
    static let cashier = StaffList.Entry(member: StaffMember(id: "1001", name: "Kari", role: .cashier), pinHash: "cashier-hash")
    static let manager = StaffList.Entry(member: StaffMember(id: "9001", name: "Mona", role: .manager), pinHash: "manager-hash")
    static let staff = StaffList([cashier, manager])

    @Test func whileLockedThePINIsNotEvenAskedFor() {
        var asked = false
        let check = PINCheck.begin(employeeID: "1001", pin: { asked = true; return "1234" }, staff: Self.staff, lockedForSeconds: 30)
        #expect(check == .locked(secondsLeft: 30))
        #expect(!asked)
    }

    @Test func anUnknownNumberOrAMalformedPINIsRefusedWithoutComparing() {
        #expect(PINCheck.begin(employeeID: "4242", pin: { "1234" }, staff: Self.staff, lockedForSeconds: 0) == .refused)
        #expect(PINCheck.begin(employeeID: "1001", pin: { "12a4" }, staff: Self.staff, lockedForSeconds: 0) == .refused)
        #expect(PINCheck.begin(employeeID: "1001", pin: { "123" }, staff: Self.staff, lockedForSeconds: 0) == .refused)
        #expect(PINCheck.begin(employeeID: "1001", pin: { "1234" }, staff: nil, lockedForSeconds: 0) == .refused)
    }

    @Test func aManagersPINHasSixDigitsBeforeItIsCompared() {
        #expect(PINCheck.begin(employeeID: "9001", pin: { "12345" }, staff: Self.staff, lockedForSeconds: 0) == .managerPINTooShort(minimum: 6))
        #expect(PINCheck.begin(employeeID: "9001", pin: { "123456" }, staff: Self.staff, lockedForSeconds: 0) == .compare(Self.manager))
        #expect(PINCheck.begin(employeeID: "1001", pin: { "1234" }, staff: Self.staff, lockedForSeconds: 0) == .compare(Self.cashier))
    }

    @Test func theRoleIsJudgedOnlyOnceThePINMatched() {
        #expect(PINCheck.verdict(Self.cashier, matches: false, managerNeeded: true) == .refused)
        #expect(PINCheck.verdict(Self.cashier, matches: true, managerNeeded: true) == .notAManager(Self.cashier.member))
        #expect(PINCheck.verdict(Self.cashier, matches: true, managerNeeded: false) == .accepted(Self.cashier.member))
        #expect(PINCheck.verdict(Self.manager, matches: true, managerNeeded: true) == .accepted(Self.manager.member))
        #expect(PINCheck.verdict(nil, matches: true, managerNeeded: false) == .refused)
    }
}
