import KasseLanguage
import KasseJournal

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
    public var help: MessageKey
    public var command: TillCommand
}

public enum KeyMap {
    public static let bindings: [KeyBinding] = [
        KeyBinding(key: .function(2), label: "F2", help: .keyCustomer, command: .customer),
        KeyBinding(key: .function(3), label: "F3", help: .keyReturn, command: .returnSale),
        KeyBinding(key: .function(4), label: "F4", help: .keyPay, command: .pay),
        KeyBinding(key: .function(5), label: "F5", help: .keySearch, command: .search),
        KeyBinding(key: .function(6), label: "F6", help: .keyQuantity, command: .quantity),
        KeyBinding(key: .function(7), label: "F7", help: .keyDiscount, command: .discount),
        KeyBinding(key: .function(8), label: "F8", help: .keyVoid, command: .void),
        KeyBinding(key: .function(9), label: "F9", help: .keyNew, command: .newSale),
        KeyBinding(key: .function(10), label: "F10", help: .keyQuit, command: .quit),
        KeyBinding(key: .function(11), label: "F11", help: .keyXReport, command: .report),
        KeyBinding(key: .function(12), label: "F12", help: .keyLogOut, command: .logOut),
        KeyBinding(key: .function(1), label: "F1", help: .keyTraining, command: .training),
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
    case nextCustomer, tryAgain, changeCustomer, backToBasket, cancelPayment, letCustomerGo, quit
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
    public var help: MessageKey
    public var action: PanelAction
}

extension KeyMap {
    /// Yes is y, or j (ja) on a Norwegian, Danish or Finnish keyboard's habit.
    public static let yesKeys: [Key] = [.character("y"), .character("Y"), .character("j"), .character("J")]
    public static let noKeys: [Key] = [.character("n"), .character("N"), .escape]

    static func binding(_ command: TillCommand, _ help: MessageKey, _ action: PanelAction) -> PanelBinding {
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
            return [PanelBinding(keys: [.up, .down], label: "↑↓", help: .keyChoose, action: .choose),
                    PanelBinding(keys: [.enter], label: "Enter", help: .keyOK, action: .ok),
                    PanelBinding(keys: [.escape], label: "Esc", help: .keyBack, action: .back)]
        case .selling:
            return [PanelBinding(keys: [.enter], label: "Enter", help: .keyOK, action: .ok),
                    PanelBinding(keys: [.escape], label: "Esc", help: .keyBack, action: .back)]
        case .confirmingQuit:
            return [PanelBinding(keys: yesKeys, label: "y", help: .keyQuit, action: .yes),
                    PanelBinding(keys: noKeys, label: "n", help: .keyStay, action: .no)]
        case .confirmingVoid:
            return [PanelBinding(keys: yesKeys, label: "y", help: .keyVoidSale, action: .yes),
                    PanelBinding(keys: noKeys, label: "n", help: .keyKeepIt, action: .no)]
        case .paying(let payment):
            var keys: [PanelBinding]
            switch payment.phase {
            case .paid:
                keys = [PanelBinding(keys: [.enter, .escape, .function(9)], label: "Enter", help: .keyNextCustomer, action: .nextCustomer),
                        PanelBinding(keys: [.character("c"), .character("C"), .character("k"), .character("K")], label: "c",
                                     help: .keyCopyReceipt, action: .copyReceipt)]
                if payment.receiptPrint == .asking {
                    keys = [PanelBinding(keys: yesKeys, label: "y", help: .keyPrintReceipt, action: .yes),
                            PanelBinding(keys: [.character("n"), .character("N")], label: "n", help: .keyNoPaper, action: .no)] + keys
                }
            case .failed:
                keys = [binding(.pay, .keyTryAgain, .tryAgain), binding(.customer, .keyChangeCustomer, .changeCustomer),
                        PanelBinding(keys: [.escape], label: "Esc", help: .keyBackToBasket, action: .backToBasket)]
            case .creating, .waiting, .checking:
                keys = [PanelBinding(keys: [.escape], label: "Esc", help: .keyCancelPayment, action: .cancelPayment)]
            case .captureDelayed:
                keys = [PanelBinding(keys: [.enter], label: "Enter", help: .keyLetCustomerGo, action: .letCustomerGo)]
            case .capturing, .cancelling:
                keys = []
            }
            if case .paid = payment.phase { return keys }
            return keys + [binding(.quit, .keyQuit, .quit)]
        case .recoveredSale:
            return [PanelBinding(keys: [.enter, .escape], label: "Enter", help: .keyContinue, action: .done)]
        case .loggingIn:
            return [PanelBinding(keys: [.enter], label: "Enter", help: .keyOK, action: .ok),
                    PanelBinding(keys: [.escape], label: "Esc", help: .keyClear, action: .back),
                    binding(.quit, .keyQuit, .quit)]
        case .authorizing:
            return [PanelBinding(keys: [.enter], label: "Enter", help: .keyOK, action: .ok),
                    PanelBinding(keys: [.escape], label: "Esc", help: .keyCancel, action: .back)]
        case .report(_, confirmingZ: true):
            return [PanelBinding(keys: yesKeys, label: "y", help: .keyCloseDay, action: .yes),
                    PanelBinding(keys: noKeys, label: "n", help: .keyNotNow, action: .no)]
        case .report(let report, confirmingZ: false):
            let close = PanelBinding(keys: [.escape, .enter], label: "Esc", help: .keyClose, action: .close)
            let print = PanelBinding(keys: [.character("p"), .character("P")], label: "p", help: .keyPrint, action: .print)
            return report.kind == .x
                ? [close, print, PanelBinding(keys: [.function(12)], label: "F12", help: .keyZReport, action: .closeDay)]
                : [close, print]
        case .returning(let session):
            switch session.phase {
            case .askingSale, .choosing:
                return [PanelBinding(keys: [.enter], label: "Enter", help: .keyOK, action: .ok),
                        PanelBinding(keys: [.escape], label: "Esc", help: .keyBack, action: .back)]
            case .lookingUp:
                return [PanelBinding(keys: [.escape], label: "Esc", help: .keyBack, action: .back)]
            case .confirming:
                return [PanelBinding(keys: yesKeys, label: "y", help: .keyRefund, action: .yes),
                        PanelBinding(keys: noKeys, label: "n", help: .keyBack, action: .no)]
            case .refunding:
                return []
            case .done, .failed:
                return [PanelBinding(keys: [.enter, .escape], label: "Enter", help: .keyDone, action: .done)]
            }
        }
    }

    /// What a key does on the panel on screen, if the panel lists it.
    public static func action(for key: Key, in mode: TillMode) -> PanelAction? {
        panel(mode).first { $0.keys.contains(key) }?.action
    }
}
