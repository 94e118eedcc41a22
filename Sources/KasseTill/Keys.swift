/// A key as the till understands it, whatever terminal it came from.
public enum Key: Sendable, Hashable {
    case character(Character)
    case enter, escape, backspace, tab
    case up, down, pageUp, pageDown
    case function(Int)
}

/// What a key does. One table drives both the input handling and the help bar.
public enum TillCommand: String, Sendable, Hashable, CaseIterable {
    case customer, pay, quantity, discount, void, newSale, quit, search, help, report, returnSale
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
    ]

    /// Always on the help bar; the others give way, last first, when the terminal is narrow.
    public static let essential: Set<TillCommand> = [.customer, .pay, .search, .void, .newSale, .quit]

    public static func command(for key: Key) -> TillCommand? {
        bindings.first { $0.key == key }?.command
    }

    public static func label(for command: TillCommand) -> String {
        bindings.first { $0.command == command }?.label ?? ""
    }
}
