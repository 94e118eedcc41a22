import KasseLanguage
import KasseCore
import KasseLanguage
import VippsModels
import KasseJournal

/// Draws the till: a pure function from state to a text grid.
public enum TillScreen {
    public static let minimum = TerminalSize(columns: 60, rows: 16)

    public static func render(_ state: TillState, size: TerminalSize) -> Canvas {
        var canvas = Canvas(size: size)
        let say = state.language
        guard size.columns >= minimum.columns, size.rows >= minimum.rows else {
            canvas.put(say.text(.windowTooSmall), row: 0, column: 0, style: .warning)
            canvas.put(say.text(Message(.windowMinimum, ["columns": .number(minimum.columns), "rows": .number(minimum.rows)])), row: 1, column: 0)
            return canvas
        }
        statusBar(state, &canvas)
        let bottom = size.rows - 1
        helpBar(state, &canvas, row: bottom)
        entryLine(state, &canvas, row: bottom - 1)
        // A banner longer than the screen is wide takes a second row rather than losing its end.
        let banner = state.banner.map { wrapped(state.language.text($0.message), width: size.columns) } ?? []
        let bannerRows = min(2, max(1, banner.count))
        bannerLine(state, banner, &canvas, row: bottom - 1 - bannerRows)
        let panelTop = bottom - 1 - bannerRows - summaryHeight(state)
        if state.logIn == nil {
            summary(state, &canvas, top: panelTop)
        } else {
            // Nobody logged in: no sale to sum up.
            canvas.put(String(repeating: "─", count: size.columns), row: panelTop, column: 0, style: .dim)
        }
        // Under the quit question, what was on screen stays there.
        var shown = state.mode
        if case .confirmingQuit(let underneath) = shown { shown = underneath }
        switch shown {
        case .paying(let payment):
            paymentPanel(state, payment, &canvas, top: 1, bottom: panelTop - 1)
        case .recoveredSale(let sale):
            recoveredPanel(state, sale, &canvas, top: 1, bottom: panelTop - 1)
        case .returning(let session):
            returnPanel(state, session, &canvas, top: 1, bottom: panelTop - 1)
        case .report(let report, _):
            // A report is the shop's document: in its language (Norwegian in Norway), whoever reads it.
            let lines = report.text(language: state.documentLanguage, company: state.settings.company, zone: state.settings.timeZone)
                .split(separator: "\n", omittingEmptySubsequences: false)
            // A long report goes on in a second column when the screen is wide enough.
            let rows = max(1, panelTop - 2)
            let columns = lines.count > rows && canvas.size.columns >= 88 ? 2 : 1
            let width = columns == 2 ? 42 : canvas.size.columns - 4
            for (index, line) in lines.enumerated() {
                let column = index / rows, row = 2 + index % rows
                guard column < columns else { break }
                canvas.put(String(line), row: row, column: 2 + column * 44, style: index == 0 ? .bold : .normal, width: width)
            }
        case .loggingIn(let form):
            logInPanel(state, form, title: say.text(.logInTitle), purpose: nil, &canvas, top: 1)
        case .authorizing(let approval):
            logInPanel(state, approval.form, title: say.text(.approvalTitle), purpose: approval.purpose.message, &canvas, top: 1)
        case .selling(.search):
            basket(state, &canvas, top: 1, bottom: panelTop - 1)
            searchResults(state, &canvas, bottom: panelTop - 1)
        case .selling, .confirmingQuit, .confirmingVoid:
            basket(state, &canvas, top: 1, bottom: panelTop - 1)
        }
        return canvas
    }

    static func money(_ state: TillState, _ minor: Int) -> String {
        state.language.money(minor, state.basket.currency)
    }

    static func amount(_ state: TillState, _ minor: Int) -> String {
        state.language.amount(minor)
    }

    /// A message in the language on screen.
    static func say(_ state: TillState, _ key: MessageKey, _ arguments: [String: MessageArgument] = [:]) -> String {
        state.language.text(Message(key, arguments))
    }

    /// Words wrapped at `width` (a word longer than a line is cut into pieces).
    public static func wrapped(_ text: String, width: Int) -> [String] {
        guard width > 0, text.count > width else { return [text] }
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            var word = Substring(word)
            if !line.isEmpty, line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            while word.count > width {
                if !line.isEmpty { lines.append(line); line = "" }
                lines.append(String(word.prefix(width)))
                word = word.dropFirst(width)
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    /// A panel's lines from its top, indented by 2, each wrapped to the screen's width: what a
    /// language says at length takes another row, never loses its end.
    static func put(_ lines: [(String, CellStyle)], _ canvas: inout Canvas, top: Int, bottom: Int) {
        let width = canvas.size.columns - 4
        var row = top + 1
        for (text, style) in lines {
            for part in wrapped(text, width: width) where row <= bottom {
                canvas.put(part, row: row, column: 2, style: style, width: width)
                row += 1
            }
        }
    }

    // MARK: Bars

    static func statusBar(_ state: TillState, _ canvas: inout Canvas) {
        canvas.fill(row: 0, style: .inverse)
        // Training mode says so in every frame, where the run mode stands.
        let modeKey: MessageKey = switch state.settings.mode {
        case .demo: .modeDemo
        case .test: .modeTest
        case .production: .modeProduction
        }
        let mode = " " + say(state, state.training ? .modeTraining : modeKey) + " "
        canvas.put(mode, row: 0, column: 0, style: state.training ? .bad : state.settings.mode == .production ? .inverse : .warning)
        let scanners: String
        if state.scanners.isEmpty {
            scanners = say(state, .scannerNone)
        } else {
            let connected = state.scanners.values.filter { $0 }.count
            scanners = connected == state.scanners.count ? say(state, .scannerOK)
                : say(state, .scannersDisconnected, ["count": .number(state.scanners.count - connected)])
        }
        let api = say(state, state.apiReachable.map { $0 ? .apiOK : .apiNoAnswer } ?? .apiUnknown)
        let settings = state.settings
        // The business day, which the next payment reference carries.
        let printer = state.settings.receipts.hasPrinter
            ? say(state, .printerLabel, ["status": .message(state.printer?.status ?? Message(.printerUnknown))]) + " · " : ""
        // Narrow, the right side gives way first where it says least: no scanner, then the year.
        let day = state.language.date(state.today)
        let sale = say(state, .statusSale, ["number": .text(state.receiptNumber)])
        let rights = [
            "\(scanners) · \(printer)\(api) · \(day) · \(sale) ",
            (state.scanners.isEmpty ? "" : "\(scanners) · ") + "\(printer)\(api) · \(day) · \(sale) ",
            (state.scanners.isEmpty ? "" : "\(scanners) · ") + "\(printer)\(api) · \(state.language.shortDate(state.today)) · \(sale) ",
        ]
        let till = say(state, .statusTill, ["till": .text(settings.tillID)])
        let store = say(state, .statusStore, ["store": .text(settings.storeID)])
        let minimumLeft = " \(till)" + (state.employee.map { " · \($0.id)" } ?? "")
        let right = rights.first { canvas.size.columns - mode.count - $0.count >= minimumLeft.count } ?? rights[rights.count - 1]
        // Narrow: the store id gives way first, then the employee's name for their number (the
        // till id, the employee and the day stay).
        let candidates = [
            " \(settings.shopName) · \(store) · \(till)" + (state.employee.map { " · \($0.name)" } ?? ""),
            " \(settings.shopName) · \(till)" + (state.employee.map { " · \($0.name)" } ?? ""),
            " \(settings.shopName) · \(till)" + (state.employee.map { " · \($0.id)" } ?? ""),
            " \(till)" + (state.employee.map { " · \($0.id)" } ?? ""),
        ]
        let room = canvas.size.columns - mode.count - right.count
        let left = candidates.first { $0.count <= room } ?? candidates[candidates.count - 1]
        canvas.put(left, row: 0, column: mode.count, style: .inverse, width: canvas.size.columns - mode.count - right.count)
        canvas.put(right, row: 0, column: canvas.size.columns - right.count,
                   style: state.apiReachable == false || state.printer?.ok == false ? .bad : .inverse)
    }

    static func helpBar(_ state: TillState, _ canvas: inout Canvas, row: Int) {
        canvas.fill(row: row, style: .inverse)
        var items: [(String, String)]
        let language = state.language
        if state.mode == .selling(.code) {
            // Log-out and training only where someone logged in (a till with a staff list).
            var bindings: [(label: String, help: String, essential: Bool)] =
                KeyMap.bindings.filter { state.employee != nil || ($0.command != .logOut && $0.command != .training) }
                    .map { ($0.label, language.text($0.help), KeyMap.essential.contains($0.command)) } + [("↑↓", language.text(.keyLine), false)]
            func width() -> Int { bindings.reduce(0) { $0 + $1.label.count + $1.help.count + 3 } - 2 }
            while width() > canvas.size.columns, let last = bindings.lastIndex(where: { !$0.essential }) {
                bindings.remove(at: last)
            }
            items = bindings.map { ($0.label, $0.help) }
        } else {
            // Every other mode's keys come from the same table the reducer reads them from.
            // Printing is offered where there is a printer (the key still says why not elsewhere).
            // The yes key is the language's own (j or y; both work).
            items = KeyMap.panel(state.mode).filter { $0.action != .print || state.settings.receipts.hasPrinter }
                .map { ($0.label == "y" ? String(language.yesKey) : $0.label, language.text($0.help)) }
        }
        var column = 0
        for (key, help) in items {
            let text = "\(key) \(help)"
            guard column + text.count <= canvas.size.columns else { break }
            canvas.put(key, row: row, column: column, style: .bold)
            canvas.put(" " + help, row: row, column: column + key.count, style: .inverse)
            column += text.count + 2
        }
    }

    static func entryLine(_ state: TillState, _ canvas: inout Canvas, row: Int) {
        let key: MessageKey
        switch state.mode {
        case .confirmingQuit:
            key = .promptQuit
        case .confirmingVoid:
            key = .promptVoid
        case .returning(let session):
            switch session.phase {
            case .askingSale: key = .promptReturnSale
            case .choosing: key = .promptReturnLines
            default: return
            }
        case .selling(let entry):
            switch entry {
            case .code: key = .promptCode
            case .search: key = .promptSearch
            case .phone: key = .promptPhone
            case .weight: key = .promptWeight
            case .quantity: key = .promptQuantity
            case .discount: key = .promptDiscount
            }
        case .paying, .recoveredSale, .report:
            return
        case .loggingIn, .authorizing:
            guard let form = state.logIn ?? state.approval?.form else { return }
            let shown = form.field == .employee ? form.employeeID : String(repeating: "•", count: form.pin.count)
            let prompt = say(state, form.field == .employee ? .promptEmployee : .promptPIN)
            canvas.put("\(prompt): ", row: row, column: 0, style: .bold)
            canvas.put(shown + (form.checking ? "" : "▏"), row: row, column: prompt.count + 2)
            return
        }
        let prompt = say(state, key, ["yes": .text(String(state.language.yesKey))])
        canvas.put("\(prompt): ", row: row, column: 0, style: .bold)
        canvas.put(state.entry + "▏", row: row, column: prompt.count + 2)
    }

    static func bannerLine(_ state: TillState, _ lines: [String], _ canvas: inout Canvas, row: Int) {
        guard let banner = state.banner else { return }
        let style: CellStyle
        switch banner.kind {
        case .info: style = .normal
        case .success: style = .good
        case .warning: style = .warning
        case .error: style = .bad
        }
        for (offset, line) in lines.prefix(2).enumerated() { canvas.put(line, row: row + offset, column: 0, style: style) }
    }

    // MARK: Log-in

    /// The log-in (or manager approval) form. DEMO shows its demo staff, so that the first
    /// start leads straight to a sale.
    static func logInPanel(_ state: TillState, _ form: LogInForm, title: String, purpose: Message?, _ canvas: inout Canvas, top: Int) {
        canvas.put(title, row: top + 1, column: 4, style: .bold)
        var row = top + 3
        if let purpose {
            canvas.put(say(state, .approvalPurpose, ["purpose": .message(purpose)]), row: row, column: 4)
            row += 2
        }
        let employeeLabel = say(state, .promptEmployee), pinLabel = say(state, .promptPIN)
        let labelWidth = max(employeeLabel.count, pinLabel.count) + 2
        canvas.put(employeeLabel.fitted(labelWidth) + form.employeeID, row: row, column: 4, style: form.field == .employee ? .bold : .normal)
        canvas.put(pinLabel.fitted(labelWidth) + String(repeating: "•", count: form.pin.count), row: row + 1, column: 4,
                   style: form.field == .pin ? .bold : .normal)
        row += 3
        if form.checking { canvas.put(say(state, .checking), row: row, column: 4, style: .dim) }
        if state.settings.mode == .demo {
            canvas.put(say(state, .demoStaff), row: row + 2, column: 4, style: .dim)
        }
        if state.training { canvas.put(say(state, .trainingIsOn), row: row + 3, column: 4, style: .bad) }
    }

    // MARK: Basket

    static func columns(_ width: Int) -> (name: Int, quantity: Int, price: Int, total: Int) {
        let quantity = 10
        let price = 12
        let total = 13
        return (max(10, width - 4 - quantity - price - total - 3), quantity, price, total)
    }

    static func basket(_ state: TillState, _ canvas: inout Canvas, top: Int, bottom: Int) {
        let width = canvas.size.columns
        let layout = columns(width)
        canvas.put(" #  " + say(state, .columnItem).fitted(layout.name) + " " + say(state, .columnQuantity).right(layout.quantity) + " "
                   + say(state, .columnPrice).right(layout.price) + " " + say(state, .columnTotal).right(layout.total), row: top, column: 0, style: .dim)
        let lines = state.basket.lines
        guard !lines.isEmpty else {
            canvas.put(say(state, .basketEmptyHint), row: top + 2, column: 4, style: .dim)
            return
        }
        let visible = max(1, bottom - top)
        let focus = state.selectedLine ?? lines.count - 1
        let first = max(0, min(focus - visible + 1, lines.count - visible))
        for (offset, index) in (first..<min(lines.count, first + visible)).enumerated() {
            let line = lines[index]
            var name = line.product.name
            if line.discount > 0 { name += " (-\(amount(state, line.discount)))" }
            if line.isReturn { name = say(state, .returnLinePrefix) + " " + name }
            let unit = line.product.unit == .kilogram ? "/kg" : ""
            let text = String(index + 1).right(2) + "  " + name.fitted(layout.name) + " "
                + state.language.quantity(line.quantity).right(layout.quantity) + " " + (amount(state, line.product.unitPrice) + unit).right(layout.price)
                + " " + amount(state, line.signedTotal).right(layout.total)
            canvas.put(text, row: top + 1 + offset, column: 0, style: state.selectedLine == index ? .inverse : .normal)
        }
    }

    static func searchResults(_ state: TillState, _ canvas: inout Canvas, bottom: Int) {
        let results = state.searchResults
        let height = min(results.count, 8) + 1
        let top = max(2, bottom - height + 1)
        let heading = results.isEmpty ? say(state, .searchNoMatch)
            : results.count == 1 ? say(state, .searchOneMatch) : say(state, .searchMatches, ["count": .number(results.count)])
        canvas.put((" " + heading).fitted(canvas.size.columns), row: top, column: 0, style: .inverse)
        for (index, product) in results.prefix(8).enumerated() {
            let price = amount(state, product.unitPrice) + (product.unit == .kilogram ? "/kg" : "")
            let text = "  " + product.name.fitted(canvas.size.columns - 20) + price.right(16)
            canvas.put(text.fitted(canvas.size.columns), row: top + 1 + index, column: 0,
                       style: index == state.searchSelection ? .inverse : .normal)
        }
    }

    // MARK: Totals and customer

    static func summaryHeight(_ state: TillState) -> Int {
        max(3, state.basket.vatSummaries.count + 2)
    }

    static func summary(_ state: TillState, _ canvas: inout Canvas, top: Int) {
        let width = canvas.size.columns
        canvas.put(String(repeating: "─", count: width), row: top, column: 0, style: .dim)
        let customer: String
        switch state.customer {
        case .none: customer = say(state, .customerNone, ["key": .text(KeyMap.label(for: .customer))])
        case .phoneNumber(let number): customer = say(state, .customerIs, ["customer": .text(number.masked)])
        case .personalQR(let code): customer = say(state, .customerIs, ["customer": .text(code.masked)])
        case .shopQR: customer = say(state, .customerShopQR)
        }
        canvas.put(customer, row: top + 1, column: 1, width: width / 2)
        let total = say(state, .total, ["amount": .text(money(state, state.basket.total))])
        canvas.put(total, row: top + 1, column: width - total.count - 1, style: .bold)
        for (index, vat) in state.basket.vatSummaries.enumerated() {
            let text = say(state, .vatLine, ["rate": .vatRate(vat.rate), "tax": .amount(vat.tax), "gross": .amount(vat.gross)])
            canvas.put(text, row: top + 2 + index, column: width - text.count - 1, style: .dim)
        }
        let items = state.basket.itemCount
        if items > 0 { canvas.put(items == 1 ? say(state, .oneItem) : say(state, .items, ["count": .number(items)]), row: top + 2, column: 1, style: .dim) }
    }

    // MARK: Payment

    static func clock(_ duration: Duration) -> String {
        let seconds = max(0, Int(duration.components.seconds))
        let rest = seconds % 60
        return "\(seconds / 60):\(rest < 10 ? "0" : "")\(rest)"
    }

    static func paymentPanel(_ state: TillState, _ payment: PaymentAttempt, _ canvas: inout Canvas, top: Int, bottom: Int) {
        let width = canvas.size.columns
        var lines: [(String, CellStyle)] = []
        let total = MessageArgument.text(money(state, payment.amount))
        func say(_ key: MessageKey, _ arguments: [String: MessageArgument] = [:]) -> String { Self.say(state, key, arguments) }
        switch payment.phase {
        case .creating:
            lines = [(say(.sendingRequest), .bold), ("", .normal), (say(.amountLine, ["amount": total]), .normal)]
        case .waiting, .checking:
            let elapsed = state.now - payment.startedAt
            let left = payment.expiresAt - state.now
            lines = [
                (say(.waitingTitle), .bold),
                ("", .normal),
                payment.customer == .shopQR
                    ? (say(payment.qrURL == nil ? .shopQRNotShown : .shopQRShown, ["amount": total]), .normal)
                    : (say(.requestSent, ["amount": total, "customer": .text(payment.customer.masked)]), .normal),
                (say(payment.customer == .shopQR ? .askToScanShopQR : .askToApprove), .normal),
                ("", .normal),
                (say(.waitedExpires, ["waited": .text(clock(elapsed)), "left": .text(clock(left))]), .dim),
                (say(.referenceLine, ["reference": .text(payment.reference)]), .dim),
            ]
            if case .checking(let failure) = payment.phase {
                lines.append(("", .normal))
                lines.append((say(.checkingNoAnswer), .warning))
                if failure != .noAnswer { lines.append((state.language.text(failure.message), .dim)) }
            }
        case .capturing:
            lines = [(say(.approvedCompleting), .good), ("", .normal), (say(.amountLine, ["amount": total]), .normal)]
        case .captureDelayed(let tries):
            lines = [(say(.captureDelayedTitle), .warning), ("", .normal), (say(.amountLine, ["amount": total]), .normal),
                     ("", .normal), (say(.captureDelayedTrying, ["count": .number(tries)]), .normal), ("", .normal),
                     (say(.captureDelayedLetGo), .bold),
                     (say(.referenceLine, ["reference": .text(payment.reference)]), .dim)]
        case .cancelling(let retries):
            lines = [(say(.cancellingPayment), .warning), ("", .normal),
                     (retries > 0 ? say(.cancelTryingAgain, ["count": .number(retries)]) : "", .dim)]
        case .paid(let captured):
            lines = [(say(.paidTitle, ["amount": .text(money(state, captured))]), .good), ("", .normal)]
            let receipt: [String: MessageArgument] = ["number": .text(state.receiptNumber), "yes": .text(String(state.language.yesKey))]
            switch payment.receiptPrint {
            case nil: lines.append((say(.receiptSent, receipt), .normal))
            case .asking: lines.append((say(.receiptAskPrint, receipt), .bold))
            case .printing: lines.append((say(.receiptPrinting, receipt), .normal))
            case .printed: lines.append((say(.receiptPrinted, receipt), .normal))
            case .waiting(let why):
                lines.append((say(.receiptWaiting, receipt.merging(["reason": .message(why)]) { $1 }), .warning))
            case .notPrinted: lines.append((say(.receiptNotPrinted, receipt), .normal))
            }
            lines.append(("", .normal))
            // The basket that was paid (still on the till until the next customer).
            for line in state.basket.lines.prefix(max(0, bottom - top - 8)) {
                let quantity = line.product.unit == .kilogram ? state.language.quantity(line.quantity) : "\(state.language.quantity(line.quantity)) ×"
                lines.append(("  \(quantity) \(line.product.name)".fitted(width - 20) + amount(state, line.signedTotal).right(14), .normal))
            }
            lines.append(("", .normal))
            lines.append((say(.enterNextCustomer), .bold))
        case .failed(let end):
            lines = [(say(.notPaid), .bad), ("", .normal), (state.language.text(end.message), .normal), ("", .normal),
                     (say(.failedKeys, ["pay": .text(KeyMap.label(for: .pay)), "customer": .text(KeyMap.label(for: .customer))]), .dim),
                     (say(.basketKept), .dim)]
        }
        put(lines, &canvas, top: top, bottom: bottom)
    }

    static func returnPanel(_ state: TillState, _ session: ReturnSession, _ canvas: inout Canvas, top: Int, bottom: Int) {
        let width = canvas.size.columns
        var lines: [(String, CellStyle)] = []
        func say(_ key: MessageKey, _ arguments: [String: MessageArgument] = [:]) -> String { Self.say(state, key, arguments) }
        switch session.phase {
        case .askingSale, .lookingUp:
            lines = [(say(.returnTitle), .bold), ("", .normal), (say(.returnHowTo), .normal), (say(.returnHowToDay), .normal)]
            if let day = session.candidatesDay, !session.candidates.isEmpty {
                lines.append(("", .normal))
                lines.append((say(.paidOn, ["date": .date(day)]), .bold))
                for sale in session.candidates.prefix(max(0, bottom - top - 8)) {
                    let items = sale.lines.filter { !$0.isReturn }.count
                    lines.append(("\(sale.receiptNumber)  \(amount(state, sale.captured).right(12))  \(say(.lineCount, ["count": .number(items)]))  \(sale.reference)", .normal))
                }
                if session.candidates.count > max(0, bottom - top - 8) {
                    lines.append((say(.andMore, ["count": .number(session.candidates.count - max(0, bottom - top - 8))]), .dim))
                }
            }
        case .done(let refund):
            lines = [(say(.returnedTitle), .good), ("", .normal)]
            if let sale = session.sale {
                lines += refund.receiptText(for: sale, language: state.language).map { ($0, CellStyle.normal) }
            }
        case .failed(let message):
            lines = [(say(.returnNotConfirmedTitle), .bad), ("", .normal), (state.language.text(message), .normal)]
        case .choosing, .confirming, .refunding:
            guard let sale = session.sale else { break }
            let returned = session.returnedQuantities
            lines = [(say(.returnHeader, ["receipt": .text(sale.receiptNumber), "reference": .text(sale.reference)]), .bold), ("", .normal)]
            let columns = columns(width - 4)
            for line in sale.lines {
                let quantity = line.weighed ? state.language.quantity(.grams(line.quantity)) : String(line.quantity)
                let back = returned[line.lineID].map { "  " + say(.alreadyReturned, ["count": .number($0)]) } ?? ""
                let text = "\(line.lineID). \(line.name)\(back)".fitted(columns.name) + quantity.right(columns.quantity)
                    + amount(state, line.total).right(columns.total + columns.price)
                lines.append((text, returned[line.lineID] ?? 0 >= line.quantity ? .dim : .normal))
            }
            lines.append(("", .normal))
            lines.append((say(.paidRefundable, ["paid": .text(money(state, sale.captured)), "left": .text(money(state, session.refundable))]), .normal))
            if case .confirming(let amount, let chosen) = session.phase {
                lines.append(("", .normal))
                let what = chosen.map { "\($0.lineID) (\($0.weighed ? state.language.quantity(.grams($0.quantity)) : String($0.quantity)))" }
                lines.append((say(.returnBack, ["lines": .text(what.joined(separator: ", ")), "amount": .text(money(state, amount))]), .warning))
            }
            if case .refunding(let amount) = session.phase {
                lines.append(("", .normal))
                lines.append((say(.refundingAmount, ["amount": .text(money(state, amount))]), .warning))
            }
        }
        put(lines, &canvas, top: top, bottom: bottom)
    }

    static func recoveredPanel(_ state: TillState, _ sale: JournalSale, _ canvas: inout Canvas, top: Int, bottom: Int) {
        let width = canvas.size.columns
        var lines: [(String, CellStyle)] = [
            (say(state, .recoveredPaidTitle, ["amount": .text(money(state, sale.captured))]), .good), ("", .normal),
            (say(state, .recoveredReceipt, ["number": .text(sale.receiptNumber), "customer": .text(sale.customer), "reference": .text(sale.reference)]), .normal),
            ("", .normal),
        ]
        for line in sale.lines.prefix(max(0, bottom - top - 8)) {
            let quantity = line.weighed ? state.language.quantity(.grams(line.quantity)) : "\(line.quantity) ×"
            lines.append(("  \(quantity) \(line.name)".fitted(width - 20) + amount(state, line.total).right(14), .normal))
        }
        lines.append(("", .normal))
        lines.append((say(state, .enterNextCustomer), .bold))
        put(lines, &canvas, top: top, bottom: bottom)
    }
}
