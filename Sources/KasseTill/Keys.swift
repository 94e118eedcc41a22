/// A key as the till understands it, whatever terminal it came from.
public enum Key: Sendable, Hashable {
    case character(Character)
    case enter, escape, backspace, tab
    case up, down, pageUp, pageDown
    case function(Int)
}

/// What a key does. One table drives both the input handling and the help bar.
public enum TillCommand: String, Sendable, Hashable, CaseIterable {
    case customer, pay, quantity, discount, void, newSale, quit, search, help, report, returnSale, logOut, training
}

public struct KeyBinding: Sendable, Hashable {
    public var key: Key
    public var label: String
    public var help: String
    public var command: TillCommand
}

public enum KeyMap {
    public static let bindings: [KeyBinding] = [
        KeyBinding(key: .function(2), label: "F2", help: "Customer", command: .customer),
        KeyBinding(key: .function(3), label: "F3", help: "Return", command: .returnSale),
        KeyBinding(key: .function(4), label: "F4", help: "Pay", command: .pay),
        KeyBinding(key: .function(5), label: "F5", help: "Search", command: .search),
        KeyBinding(key: .function(6), label: "F6", help: "Qty", command: .quantity),
        KeyBinding(key: .function(7), label: "F7", help: "Disc", command: .discount),
        KeyBinding(key: .function(8), label: "F8", help: "Void", command: .void),
        KeyBinding(key: .function(9), label: "F9", help: "New", command: .newSale),
        KeyBinding(key: .function(10), label: "F10", help: "Quit", command: .quit),
        KeyBinding(key: .function(11), label: "F11", help: "X report", command: .report),
        KeyBinding(key: .function(12), label: "F12", help: "Log out", command: .logOut),
        KeyBinding(key: .function(1), label: "F1", help: "Training", command: .training),
    ]

    /// Always on the help bar; the others give way, last first, when the terminal is narrow.
    public static let essential: Set<TillCommand> = [.customer, .pay, .search, .void, .newSale, .quit, .logOut]

    public static func command(for key: Key) -> TillCommand? {
        bindings.first { $0.key == key }?.command
    }

    public static func label(for command: TillCommand) -> String {
        bindings.first { $0.command == command }?.label ?? ""
    }
}

/// What a key does on a panel (a payment, a report, a return, a question).
public enum PanelAction: Sendable, Hashable {
    case yes, no
    case nextCustomer, tryAgain, changeCustomer, backToBasket, cancelPayment, quit
    case close, closeDay
    case ok, back, done
    case choose
    case copyReceipt
    case print
}

/// One key (or several that do the same) on a panel, with its place on the help bar.
public struct PanelBinding: Sendable, Hashable {
    public var keys: [Key]
    public var label: String
    public var help: String
    public var action: PanelAction
}

extension KeyMap {
    /// Yes is y, or j (ja) on a Norwegian, Danish or Finnish keyboard's habit.
    public static let yesKeys: [Key] = [.character("y"), .character("Y"), .character("j"), .character("J")]
    public static let noKeys: [Key] = [.character("n"), .character("N"), .escape]

    static func binding(_ command: TillCommand, _ help: String, _ action: PanelAction) -> PanelBinding {
        let key = bindings.first { $0.command == command }
        return PanelBinding(keys: key.map { [$0.key] } ?? [], label: key?.label ?? "", help: help, action: action)
    }

    /// The keys of each panel: the reducer looks keys up here and the help bar is drawn from
    /// here, so the two cannot disagree. Keys not listed do what the panel's reducer says
    /// (a question takes any other key as no; a report closes).
    public static func panel(_ mode: TillMode) -> [PanelBinding] {
        switch mode {
        case .selling(.code):
            return []
        case .selling(.search):
            return [PanelBinding(keys: [.up, .down], label: "↑↓", help: "Choose", action: .choose),
                    PanelBinding(keys: [.enter], label: "Enter", help: "OK", action: .ok),
                    PanelBinding(keys: [.escape], label: "Esc", help: "Back", action: .back)]
        case .selling:
            return [PanelBinding(keys: [.enter], label: "Enter", help: "OK", action: .ok),
                    PanelBinding(keys: [.escape], label: "Esc", help: "Back", action: .back)]
        case .confirmingQuit:
            return [PanelBinding(keys: yesKeys, label: "y", help: "Quit", action: .yes),
                    PanelBinding(keys: noKeys, label: "n", help: "Stay", action: .no)]
        case .confirmingVoid:
            return [PanelBinding(keys: yesKeys, label: "y", help: "Void the sale", action: .yes),
                    PanelBinding(keys: noKeys, label: "n", help: "Keep it", action: .no)]
        case .paying(let payment):
            var keys: [PanelBinding]
            switch payment.phase {
            case .paid:
                keys = [PanelBinding(keys: [.enter, .escape, .function(9)], label: "Enter", help: "Next customer", action: .nextCustomer),
                        PanelBinding(keys: [.character("c"), .character("C"), .character("k"), .character("K")], label: "c",
                                     help: "Copy receipt", action: .copyReceipt)]
                if payment.receiptPrint == .asking {
                    keys = [PanelBinding(keys: yesKeys, label: "y", help: "Print receipt", action: .yes),
                            PanelBinding(keys: [.character("n"), .character("N")], label: "n", help: "No paper", action: .no)] + keys
                }
            case .failed:
                keys = [binding(.pay, "Try again", .tryAgain), binding(.customer, "Change customer", .changeCustomer),
                        PanelBinding(keys: [.escape], label: "Esc", help: "Back to basket", action: .backToBasket)]
            case .creating, .waiting, .checking:
                keys = [PanelBinding(keys: [.escape], label: "Esc", help: "Cancel payment", action: .cancelPayment)]
            case .capturing, .cancelling:
                keys = []
            }
            if case .paid = payment.phase { return keys }
            return keys + [binding(.quit, "Quit", .quit)]
        case .recoveredSale:
            return [PanelBinding(keys: [.enter, .escape], label: "Enter", help: "Continue", action: .done)]
        case .loggingIn:
            return [PanelBinding(keys: [.enter], label: "Enter", help: "OK", action: .ok),
                    PanelBinding(keys: [.escape], label: "Esc", help: "Clear", action: .back),
                    binding(.quit, "Quit", .quit)]
        case .authorizing:
            return [PanelBinding(keys: [.enter], label: "Enter", help: "OK", action: .ok),
                    PanelBinding(keys: [.escape], label: "Esc", help: "Cancel", action: .back)]
        case .report(_, confirmingZ: true):
            return [PanelBinding(keys: yesKeys, label: "y", help: "Close the day", action: .yes),
                    PanelBinding(keys: noKeys, label: "n", help: "Not now", action: .no)]
        case .report(let report, confirmingZ: false):
            let close = PanelBinding(keys: [.escape, .enter], label: "Esc", help: "Close", action: .close)
            let print = PanelBinding(keys: [.character("p"), .character("P")], label: "p", help: "Print", action: .print)
            return report.kind == .x
                ? [close, print, PanelBinding(keys: [.function(12)], label: "F12", help: "Z report (close the day)", action: .closeDay)]
                : [close, print]
        case .returning(let session):
            switch session.phase {
            case .askingSale, .choosing:
                return [PanelBinding(keys: [.enter], label: "Enter", help: "OK", action: .ok),
                        PanelBinding(keys: [.escape], label: "Esc", help: "Back", action: .back)]
            case .lookingUp:
                return [PanelBinding(keys: [.escape], label: "Esc", help: "Back", action: .back)]
            case .confirming:
                return [PanelBinding(keys: yesKeys, label: "y", help: "Refund", action: .yes),
                        PanelBinding(keys: noKeys, label: "n", help: "Back", action: .no)]
            case .refunding:
                return []
            case .done, .failed:
                return [PanelBinding(keys: [.enter, .escape], label: "Enter", help: "Done", action: .done)]
            }
        }
    }

    /// What a key does on the panel on screen, if the panel lists it.
    public static func action(for key: Key, in mode: TillMode) -> PanelAction? {
        panel(mode).first { $0.keys.contains(key) }?.action
    }
}
