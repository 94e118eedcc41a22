import KasseCore
import KasseLanguage
import KasseQR
import VippsModels

/// The customer display's screen, drawn from a `CustomerView` alone (the display knows nothing
/// else of the till): the shop, the newest lines, the amount to pay, and one clear message
/// for where the payment stands, in the shop's language. From 40×12 up; the shop's QR code
/// (the QR fallback) needs about 46×24, and is drawn twice as large when the screen allows.
public enum CustomerScreen {
    public static let minimum = TerminalSize(columns: 40, rows: 12)

    public static func render(_ view: CustomerView, size: TerminalSize) -> Canvas {
        var canvas = Canvas(size: size)
        let language = (Language.named(view.language) ?? .english).branded(view.app)
        guard size.columns >= minimum.columns, size.rows >= minimum.rows else {
            canvas.put(language.text(Message(.windowMinimum, ["columns": .number(minimum.columns), "rows": .number(minimum.rows)])),
                       row: 0, column: 0, style: .warning)
            return canvas
        }
        let width = size.columns
        let currency = CurrencyCode(rawValue: view.currency) ?? .NOK
        func money(_ amount: Int) -> String { language.money(amount, currency) }
        func say(_ key: MessageKey, _ arguments: [String: MessageArgument] = [:]) -> String { language.text(Message(key, arguments)) }

        // The shop, across the top; training said plainly.
        canvas.fill(row: 0, style: .inverse)
        canvas.put(" " + view.shopName, row: 0, column: 0, style: .inverse, width: width)
        if view.training {
            let flag = " " + say(.customerTraining) + " "
            canvas.put(flag, row: 0, column: max(0, width - flag.count), style: .warning)
        }

        if case .closed = view.phase {
            centred(say(.customerClosed), &canvas, row: size.rows / 2 - 1, style: .bold)
            centred(say(.customerClosedDetail), &canvas, row: size.rows / 2 + 1, style: .dim)
            return canvas
        }

        if case .scanOurCode(let url, let amount, let secondsLeft) = view.phase,
           let drawn = qrLayout(url: url, amount: amount, secondsLeft: secondsLeft, view: view, language: language, size: size, &canvas) {
            return drawn
        }

        // What the phase says, at the bottom: its lines and their style.
        var message: [(String, CellStyle)] = []
        func add(_ text: String, _ style: CellStyle) {
            for line in TillScreen.wrapped(text, width: width - 2) { message.append((line, style)) }
        }
        switch view.phase {
        case .welcome:
            add(say(.customerWelcome, ["shop": .text(view.shopName)]), .bold)
            add(say(.customerScanPrompt), .normal)
        case .shopping:
            add(say(.customerScanPrompt), .bold)
        case .customerSet:
            add(say(.customerRecognised), .good)
        case .approveInApp(let amount, let secondsLeft):
            add(say(.customerApprove, ["amount": .text(money(amount))]), .warning)
            add(say(.customerTimeLeft, ["time": .text(clock(secondsLeft))]), .normal)
        case .scanOurCode(_, let amount, let secondsLeft):
            // The code does not fit on this screen.
            add(say(.customerCodeNeedsRoom), .warning)
            add(say(.customerTimeLeft, ["time": .text(clock(secondsLeft))]) + " · " + money(amount), .normal)
        case .codeRefused(let amount, let secondsLeft):
            add(say(.customerCodeRefused), .warning)
            add(say(.customerTimeLeft, ["time": .text(clock(secondsLeft))]) + " · " + money(amount), .normal)
        case .working:
            add(say(.customerOneMoment), .normal)
        case .paid(let amount):
            add(say(.customerPaid, ["amount": .text(money(amount))]), .good)
            add(say(.customerThanks), .normal)
        case .notPaid(let reason):
            let key: MessageKey = switch reason {
            case .declined: .customerDeclined
            case .expired: .customerExpired
            case .cancelled: .customerCancelled
            case .failed: .customerFailed
            }
            add(say(key), .bad)
        case .closed:
            break
        }
        // The answer to the customer's own scan, while it still matters.
        if let scan = view.scan, scan != .recognised || view.phase == .shopping || view.phase == .welcome {
            switch view.phase {
            case .paid, .notPaid, .working: break
            default:
                let key: MessageKey = switch scan {
                case .recognised: .customerRecognised
                case .productCode: .customerProductCode
                case .notPersonalQR: .customerNotPersonalQR
                case .partialRead: .customerPartialRead
                case .unreadable: .customerUnreadable
                case .paymentInProgress: .customerPaymentWaiting
                }
                add(say(key), scan == .recognised ? .good : .bad)
            }
        }

        // From the bottom up: the message (under a blank row), the total, a rule; the lines above.
        let messageTop = max(4, size.rows - message.count)
        for (index, (line, style)) in message.enumerated() where messageTop + index < size.rows {
            centred(line, &canvas, row: messageTop + index, style: style)
        }
        // The amount to pay: in large digits when the screen has room, else in bold.
        let totalText = money(view.total)
        let number = language.amount(view.total)
        let digits = size.rows >= 20 && width >= 60 ? bigText(number) : nil
        let totalRow = messageTop - 2 - (digits == nil ? 0 : 2)
        canvas.put(String(repeating: "─", count: width), row: totalRow - 1, column: 0, style: .dim)
        if let digits {
            // The currency as the language writes it around the number (kr, NOK, €), beside the digits.
            var currencyText = Substring(totalText.replacing(number, with: ""))
            while currencyText.first?.isWhitespace == true { currencyText.removeFirst() }
            while currencyText.last?.isWhitespace == true { currencyText.removeLast() }
            let digitsWidth = digits[0].count
            let left = width - 2 - currencyText.count - 1 - digitsWidth
            canvas.put(" " + say(.customerTotal), row: totalRow + 1, column: 0, style: .bold, width: max(0, left - 1))
            for (index, row) in digits.enumerated() { canvas.put(row, row: totalRow + index, column: left, style: .normal) }
            canvas.put(String(currencyText), row: totalRow + 2, column: width - 1 - currencyText.count, style: .bold)
        } else {
            canvas.put(" " + say(.customerTotal), row: totalRow, column: 0, style: .bold, width: width - totalText.count - 1)
            canvas.put(totalText + " ", row: totalRow, column: width - totalText.count - 1, style: .bold)
        }
        // The newest lines that fit (the customer follows the cashier).
        let room = max(0, totalRow - 2)
        let shown = view.lines.suffix(room)
        // Quantities and amounts whole, however long; the names take what is left.
        let amountWidth = max(10, (shown.map { money($0.amount).count }.max() ?? 0) + 1)
        let quantityWidth = max(4, (shown.map(\.quantity.count).max() ?? 0) + 1)
        for (index, line) in shown.enumerated() {
            let name = (" " + line.name).fitted(width - quantityWidth - amountWidth - 1)
            canvas.put(name + line.quantity.right(quantityWidth) + money(line.amount).right(amountWidth) + " ", row: 1 + index, column: 0)
        }
        return canvas
    }

    /// The shop's QR code with the amount beside it (or under it), when it fits: twice as large
    /// when the screen allows. nil: it does not fit (the caller says so).
    static func qrLayout(url: String, amount: Int, secondsLeft: Int, view: CustomerView, language: Language, size: TerminalSize,
                         _ canvas: inout Canvas) -> Canvas? {
        guard let code = try? QRCode(url, level: .low) else { return nil }
        let quiet = 2
        let span = code.size + 2 * quiet
        let currency = CurrencyCode(rawValue: view.currency) ?? .NOK
        func say(_ key: MessageKey, _ arguments: [String: MessageArgument] = [:]) -> String { language.text(Message(key, arguments)) }
        let instruction = say(.customerScanOurCode, ["amount": .text(language.money(amount, currency))])
        let timeLeft = say(.customerTimeLeft, ["time": .text(clock(secondsLeft))])
        // Twice as large (each module two columns by one row) when that fits beside a text column of 24.
        let rows: [String]
        if span * 2 + 26 <= size.columns, span + 1 <= size.rows {
            rows = (0..<span).map { row in
                String((0..<span).flatMap { column -> [Character] in
                    let r = row - quiet, c = column - quiet
                    let light = !(0..<code.size).contains(r) || !(0..<code.size).contains(c) || !code.isDark(row: r, column: c)
                    return light ? ["█", "█"] : [" ", " "]
                })
            }
        } else {
            rows = code.halfBlockLines(quietZone: quiet)
        }
        let qrWidth = rows.first?.count ?? 0
        guard rows.count + 1 <= size.rows, qrWidth <= size.columns else { return nil }
        let top = 1 + max(0, (size.rows - 1 - rows.count) / 2)
        let textWidth = size.columns - qrWidth - 3
        if textWidth >= 20 {
            // Side by side: the code at the left, what to do at the right.
            for (index, row) in rows.enumerated() { canvas.put(row, row: top + index, column: 1) }
            var lines = TillScreen.wrapped(instruction, width: textWidth).map { ($0, CellStyle.bold) }
            lines.append(("", .normal))
            lines.append((timeLeft, .normal))
            let textTop = top + max(0, (rows.count - lines.count) / 2)
            for (index, (line, style)) in lines.enumerated() { canvas.put(line, row: textTop + index, column: qrWidth + 2, style: style) }
        } else {
            // Under it, when there is room for one line; else the code alone (the cashier says the rest).
            let left = (size.columns - qrWidth) / 2
            for (index, row) in rows.enumerated() { canvas.put(row, row: top + index, column: left) }
            let under = top + rows.count
            if under < size.rows {
                centred(language.money(amount, currency) + " · " + timeLeft, &canvas, row: under, style: .bold)
            }
        }
        return canvas
    }

    /// Large digits, three rows high, drawn in half blocks; nil for a text they cannot draw.
    static func bigText(_ text: String) -> [String]? {
        let glyphs: [Character: [String]] = [
            "0": ["█▀█", "█ █", "▀▀▀"], "1": ["▀█ ", " █ ", "▀▀▀"], "2": ["▀▀█", "█▀▀", "▀▀▀"], "3": ["▀▀█", " ▀█", "▀▀▀"],
            "4": ["█ █", "▀▀█", "  ▀"], "5": ["█▀▀", "▀▀█", "▀▀▀"], "6": ["█▀▀", "█▀█", "▀▀▀"], "7": ["▀▀█", "  █", "  ▀"],
            "8": ["█▀█", "█▀█", "▀▀▀"], "9": ["█▀█", "▀▀█", "▀▀▀"], "-": ["   ", "▀▀▀", "   "],
            ",": [" ", " ", "█"], ".": [" ", " ", "▀"], " ": [" ", " ", " "], "\u{00A0}": [" ", " ", " "], "\u{202F}": [" ", " ", " "],
        ]
        var rows = ["", "", ""]
        for (index, character) in text.enumerated() {
            guard let glyph = glyphs[character] else { return nil }
            for row in 0..<3 { rows[row] += (index == 0 ? "" : " ") + glyph[row] }
        }
        return rows
    }

    static func clock(_ seconds: Int) -> String {
        let minutes = seconds / 60, rest = seconds % 60
        return "\(minutes):\(rest < 10 ? "0" : "")\(rest)"
    }

    static func centred(_ text: String, _ canvas: inout Canvas, row: Int, style: CellStyle) {
        guard row >= 0, row < canvas.size.rows else { return }
        let width = canvas.size.columns
        let shown = text.count > width ? String(text.prefix(width)) : text
        canvas.put(shown, row: row, column: max(0, (width - shown.count) / 2), style: style)
    }
}
