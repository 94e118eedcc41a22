import KasseLanguage
import KasseCore
import KasseJournal

/// Log-in, log-out, manager approval and training mode: who is at the till, and what only a
/// manager may do. The PIN check itself (a slow hash) is an effect; its answer comes back as
/// `pinChecked`.
extension Till {
    /// Wrong PINs in a row before log-in is locked, and for how long the first time.
    public static let wrongPINLimit = 3
    public static let lockOut = Duration.seconds(30)

    var requiresLogIn: Bool { !(staff?.isEmpty ?? true) }

    /// The form a manager-only action starts with: a manager at the till only types the PIN.
    func approvalForm(_ state: TillState) -> LogInForm {
        if let employee = state.employee, employee.role == .manager { return LogInForm(field: .pin, employeeID: employee.id) }
        return LogInForm()
    }

    func logInKey(_ state: inout TillState, _ form: LogInForm, _ key: Key) -> [TillEffect] {
        guard !form.checking else { return [] }
        if KeyMap.action(for: key, in: state.mode) == .quit { return run(.quit, &state) }
        var form = form
        let effects = formKey(&state, &form, key, cancel: nil)
        state.mode = .loggingIn(form)
        return effects
    }

    func approvalKey(_ state: inout TillState, _ approval: ManagerApproval, _ key: Key) -> [TillEffect] {
        guard !approval.form.checking else { return [] }
        var approval = approval
        var cancelled = false
        let effects = formKey(&state, &approval.form, key) { cancelled = true }
        if cancelled {
            state.mode = approval.returnTo
            state.banner = Banner(.info, .approvalNotGiven, ["purpose": .message(approval.purpose.message)])
            return []
        }
        state.mode = .authorizing(approval)
        return effects
    }

    /// Typing into a log-in form. Esc clears the form (back to the number), then `cancel`s; Enter moves on to the PIN, then checks it.
    func formKey(_ state: inout TillState, _ form: inout LogInForm, _ key: Key, cancel: (() -> Void)?) -> [TillEffect] {
        switch key {
        case .character(let character):
            guard character.isASCII else { return [] }
            switch form.field {
            case .employee where character.isLetter || character.isNumber:
                if form.employeeID.count < 20 { form.employeeID.append(character) }
            case .pin where character.isNumber:
                if form.pin.count < 8 { form.pin.append(character) }
            default:
                state.banner = Banner(.warning, form.field == .pin ? .pinDigitsOnly : .employeeLettersDigits)
                return [.bell]
            }
            return []
        case .backspace:
            if form.field == .pin { if !form.pin.isEmpty { form.pin.removeLast() } } else if !form.employeeID.isEmpty {
                form.employeeID.removeLast()
            }
            return []
        case .escape:
            state.banner = nil
            if form.field == .pin {
                // Back to a blank number (the wrong one is typed anew, not edited).
                form.pin = ""
                form.employeeID = ""
                form.field = .employee
            } else if !form.employeeID.isEmpty, cancel == nil {
                form.employeeID = ""
            } else {
                cancel?()
            }
            return []
        case .enter, .tab:
            if form.field == .employee {
                guard !form.employeeID.isEmpty else {
                    state.banner = Banner(.warning, .typeEmployeeNumber)
                    return [.bell]
                }
                form.field = .pin
                state.banner = nil
                return []
            }
            var lockedFor = 0
            if let locked = state.lockedUntil, state.now < locked {
                let remaining = (locked - state.now).components
                lockedFor = Int(remaining.seconds) + (remaining.attoseconds > 0 ? 1 : 0)
            }
            let typed = form.pin
            switch PINCheck.begin(employeeID: form.employeeID, pin: { typed }, staff: staff, lockedForSeconds: lockedFor) {
            case .locked(let seconds):
                form.pin = ""
                state.banner = Banner(.error, .logInLocked, ["seconds": .number(seconds)])
                return [.bell]
            case .refused:
                return wrongPIN(&state, &form)
            case .managerPINTooShort(let minimum):
                // A manager's PIN guards the day's close and training mode: six digits at least.
                let effects = wrongPIN(&state, &form)
                if state.lockedUntil.map({ state.now >= $0 }) ?? true {
                    state.banner = Banner(.error, .managerPINTooShort, ["count": .number(minimum)])
                }
                return effects
            case .compare(let entry):
                form.checking = true
                state.banner = Banner(.info, .checking)
                return [.checkPIN(employeeID: entry.member.id, pin: form.pin, hash: entry.pinHash)]
            }
        default:
            return []
        }
    }

    func wrongPIN(_ state: inout TillState, _ form: inout LogInForm) -> [TillEffect] {
        state.wrongPINs += 1
        let who = form.employeeID
        form.pin = ""
        form.checking = false
        form.field = .pin
        if let delay = LogInLockOut.delay(afterRefusalsInARow: state.wrongPINs) {
            state.lockedUntil = state.now + delay
            state.banner = Banner(.error, .logInLockedNow, ["count": .number(state.wrongPINs), "seconds": .number(Int(delay.components.seconds))])
        } else {
            let left = Self.wrongPINLimit - state.wrongPINs
            state.banner = left == 1 ? Banner(.error, .wrongPINOneLeft) : Banner(.error, .wrongPINTriesLeft, ["count": .number(left)])
        }
        return [.record([.logInRefused(employee: who)]), .bell]
    }

    func pinChecked(_ state: inout TillState, employeeID: String, matches: Bool) -> [TillEffect] {
        switch state.mode {
        case .loggingIn(var form) where form.checking && form.employeeID == employeeID:
            guard case .accepted(let member) = PINCheck.verdict(staff?.entry(id: employeeID), matches: matches, managerNeeded: false) else {
                let effects = wrongPIN(&state, &form)
                state.mode = .loggingIn(form)
                return effects
            }
            state.wrongPINs = 0
            state.lockedUntil = nil
            state.employee = member
            state.mode = .selling(.code)
            state.banner = Banner(.success, state.training ? .loggedInTraining : .loggedIn, ["name": .text(member.name), "id": .text(member.id)])
            // A warning from start matters more than the greeting (the status bar names who is in).
            if let notice = state.startNotice {
                state.banner = notice
                state.startNotice = nil
            }
            // What recovery settled meanwhile, now that someone is here to see it.
            let held = state.heldNotices
            state.heldNotices = []
            return held.flatMap { recovered(&state, $0) }
        case .authorizing(var approval) where approval.form.checking && approval.form.employeeID == employeeID:
            let manager: StaffMember
            switch PINCheck.verdict(staff?.entry(id: employeeID), matches: matches, managerNeeded: true) {
            case .refused:
                let effects = wrongPIN(&state, &approval.form)
                state.mode = .authorizing(approval)
                return effects
            case .notAManager(let member):
                state.wrongPINs = 0
                state.lockedUntil = nil
                approval.form = LogInForm()
                state.mode = .authorizing(approval)
                state.banner = Banner(.error, .notAManager, ["name": .text(member.name), "purpose": .message(approval.purpose.message)])
                return [.bell]
            case .accepted(let member):
                state.wrongPINs = 0
                state.lockedUntil = nil
                manager = member
            }
            switch approval.purpose {
            case .zReport(let report):
                state.mode = .report(report, confirmingZ: false)
                state.banner = Banner(.info, .makingZReport, ["number": .number(report.number)])
                return [.record([.zReportApproved(number: report.number, by: manager.id)]), .makeReport(.z)]
            case .training(let on):
                state.training = on
                state.mode = .selling(.code)
                state.banner = on ? Banner(.warning, .trainingOn, ["key": .text(KeyMap.label(for: .training))]) : Banner(.info, .trainingOff)
                return [.record([.trainingMode(on: on, manager: manager.id)])]
            }
        default:
            return []
        }
    }

    func logOut(_ state: inout TillState) -> [TillEffect] {
        guard requiresLogIn, let employee = state.employee else {
            state.banner = Banner(.warning, .logInOff)
            return []
        }
        guard !state.hasOpenSale else {
            state.banner = Banner(.warning, .finishBeforeLogOut)
            return [.bell]
        }
        startNewSale(&state, advance: state.lastFailedAttempt > 0)
        state.employee = nil
        state.mode = .loggingIn(LogInForm())
        state.banner = Banner(.info, .loggedOut, ["name": .text(employee.name)])
        return []
    }

    func askForTraining(_ state: inout TillState) -> [TillEffect] {
        guard requiresLogIn else {
            state.banner = Banner(.warning, .trainingNeedsManager)
            return [.bell]
        }
        guard !state.hasOpenSale else {
            state.banner = Banner(.warning, state.training ? .finishBeforeTrainingOff : .finishBeforeTrainingOn)
            return [.bell]
        }
        let approval = ManagerApproval(purpose: .training(on: !state.training), form: approvalForm(state), returnTo: .selling(.code))
        state.mode = .authorizing(approval)
        state.banner = Banner(.info, .approvalAsk, ["purpose": .message(approval.purpose.message)])
        return []
    }
}

/// Log-in lock-out that a restart does not undo: counted from the journal's own entries (every
/// refused log-in is journaled), at the till and on the command line alike. From the third
/// wrong PIN in a row, log-in waits 30 s, then twice as long after each further wrong PIN, up
/// to 15 minutes; a successful log-in (or a manager's approval) ends the row.
public struct LogInLockOut: Sendable, Equatable {
    /// Wrong PINs in a row, newest last.
    public var refusalsInARow: Int
    /// When the newest of them was refused (seconds since 1970), if any.
    public var lastRefusal: Double?

    public init(refusalsInARow: Int = 0, lastRefusal: Double? = nil) {
        self.refusalsInARow = refusalsInARow
        self.lastRefusal = lastRefusal
    }

    /// How long log-in waits after `count` wrong PINs in a row; nil while it need not.
    public static func delay(afterRefusalsInARow count: Int) -> Duration? {
        guard count >= Till.wrongPINLimit else { return nil }
        let doublings = min(count - Till.wrongPINLimit, 5)
        return min(Till.lockOut * (1 << doublings), .seconds(15 * 60))
    }

    /// The row of refusals at the end of `events` (oldest first, each with when it was written).
    public static func from(_ events: [(event: JournalEvent, at: Double)]) -> LogInLockOut {
        var count = 0
        var last: Double?
        for (event, at) in events.reversed() {
            switch event {
            case .logInRefused:
                count += 1
                if last == nil { last = at }
            case .loggedIn, .managerApproved:
                return LogInLockOut(refusalsInARow: count, lastRefusal: last)
            default:
                continue
            }
        }
        return LogInLockOut(refusalsInARow: count, lastRefusal: last)
    }

    /// Seconds until a PIN may be tried again at `now` (0: now).
    public func secondsLeft(now: Double) -> Int {
        guard let delay = Self.delay(afterRefusalsInARow: refusalsInARow), let lastRefusal else { return 0 }
        let until = lastRefusal + Double(delay.components.seconds)
        return until > now ? Int((until - now).rounded(.up)) : 0
    }
}
