/// What a member of staff may do at the till.
public enum StaffRole: String, Sendable, Hashable, Codable, CaseIterable {
    /// Sells, returns, shows X reports.
    case cashier
    /// Also closes the day (Z report) and turns training mode on and off.
    case manager
}

/// Someone who may log in to the till: the employee id the journal and the SAF-T export name,
/// their name for the screen and the reports, their role. The PIN is not here: only its
/// salted slow hash is kept, by `StaffList`.
public struct StaffMember: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var role: StaffRole
    /// The language this person's screens are in (`nb`, `da`, `fi`, `en`); nil: the till's.
    public var language: String?

    public init(id: String, name: String, role: StaffRole, language: String? = nil) {
        self.id = id
        self.name = name
        self.role = role
        self.language = language
    }
}

/// The till's staff, from the configuration's `[[staff]]` tables, each with its PIN hash
/// (`scrypt$…`, made by `kasse staff pin`).
public struct StaffList: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var member: StaffMember
        public var pinHash: String

        public init(member: StaffMember, pinHash: String) {
            self.member = member
            self.pinHash = pinHash
        }
    }

    public private(set) var entries: [Entry]

    public init(_ entries: [Entry]) {
        self.entries = entries
    }

    public func entry(id: String) -> Entry? { entries.first { $0.member.id == id } }

    public var isEmpty: Bool { entries.isEmpty }

    /// An employee id as the configuration and the log-in screen take it: 1 to 20 letters or digits.
    public static func isValidID(_ id: String) -> Bool {
        (1...20).contains(id.count) && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }

    /// A PIN: 4 to 8 digits.
    /// The shortest PIN a role may have: a manager's guards the day's close, so six digits.
    public static func minimumPINLength(for role: StaffRole) -> Int { role == .manager ? 6 : 4 }

    public static func isValidPIN(_ pin: String, role: StaffRole) -> Bool {
        isValidPIN(pin) && pin.count >= minimumPINLength(for: role)
    }

    public static func isValidPIN(_ pin: String) -> Bool {
        (4...8).contains(pin.count) && pin.allSatisfy { $0.isASCII && $0.isNumber }
    }
}

/// The one check of an employee number and PIN: at the till's log-in, for a manager's approval
/// at the till, and on the command line (`kasse report z`, `kasse journal reanchor`), always in
/// this order: the lock-out (the PIN is not even asked for while it lasts), the number and the
/// PIN's form, a manager's six digits, and only then the slow comparison with the stored hash,
/// which the caller makes (off the till's reducer) and hands to `verdict`.
public enum PINCheck: Equatable, Sendable {
    /// Wrong PINs in a row have locked log-in for this many more seconds.
    case locked(secondsLeft: Int)
    /// No such member, or not a PIN: journaled as a refused log-in, counted towards the lock-out.
    case refused
    /// A manager's PIN shorter than a manager's may be (refused and counted the same way).
    case managerPINTooShort(minimum: Int)
    /// Well formed: compare the PIN with this member's stored hash.
    case compare(StaffList.Entry)

    public static func begin(employeeID: String, pin: () -> String, staff: StaffList?, lockedForSeconds: Int) -> PINCheck {
        guard lockedForSeconds <= 0 else { return .locked(secondsLeft: lockedForSeconds) }
        let pin = pin()
        guard let entry = staff?.entry(id: employeeID), StaffList.isValidPIN(pin) else { return .refused }
        let minimum = StaffList.minimumPINLength(for: entry.member.role)
        guard pin.count >= minimum else { return entry.member.role == .manager ? .managerPINTooShort(minimum: minimum) : .refused }
        return .compare(entry)
    }

    /// What the comparison means: a wrong PIN is refused; a right one is accepted, unless a
    /// manager was needed and this member is not one.
    public enum Verdict: Equatable, Sendable {
        case refused
        case notAManager(StaffMember)
        case accepted(StaffMember)
    }

    public static func verdict(_ entry: StaffList.Entry?, matches: Bool, managerNeeded: Bool) -> Verdict {
        guard matches, let entry else { return .refused }
        if managerNeeded, entry.member.role != .manager { return .notAManager(entry.member) }
        return .accepted(entry.member)
    }
}
