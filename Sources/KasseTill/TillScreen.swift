import KasseCore
import VippsModels

/// Draws the till: a pure function from state to a text grid.
public enum TillScreen {
    public static let minimum = TerminalSize(columns: 60, rows: 16)

    public static func render(_ state: TillState, size: TerminalSize) -> Canvas {
        var canvas = Canvas(size: size)
        guard size.columns >= minimum.columns, size.rows >= minimum.rows else {
            canvas.put("Make the window larger", row: 0, column: 0, style: .warning)
            canvas.put("(at least \(minimum.columns)×\(minimum.rows))", row: 1, column: 0)
            return canvas
        }
        statusBar(state, &canvas)
        let bottom = size.rows - 1
        helpBar(state, &canvas, row: bottom)
        entryLine(state, &canvas, row: bottom - 1)
        bannerLine(state, &canvas, row: bottom - 2)
        let panelTop = bottom - 2 - summaryHeight(state)
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
            let lines = report.text(locale: state.settings.market.locale, company: state.settings.company, zone: state.settings.timeZone)
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
            logInPanel(state, form, title: "Log in", purpose: nil, &canvas, top: 1)
        case .authorizing(let approval):
            logInPanel(state, approval.form, title: "Manager approval", purpose: approval.purpose.text, &canvas, top: 1)
        case .selling(.search):
            basket(state, &canvas, top: 1, bottom: panelTop - 1)
            searchResults(state, &canvas, bottom: panelTop - 1)
        case .selling, .confirmingQuit, .confirmingVoid:
            basket(state, &canvas, top: 1, bottom: panelTop - 1)
        }
        return canvas
    }

    static func money(_ state: TillState, _ minor: Int) -> String {
        Money(minorUnits: minor, currency: state.basket.currency).formatted(in: state.settings.market.locale)
    }

    static func amount(_ state: TillState, _ minor: Int) -> String {
        state.settings.market.locale.formatNumber(minorUnits: minor)
    }

    // MARK: Bars

    static func statusBar(_ state: TillState, _ canvas: inout Canvas) {
        canvas.fill(row: 0, style: .inverse)
        // Training mode says so in every frame, where the run mode stands.
        let mode = state.training ? " TRAINING " : " \(state.settings.mode.rawValue) "
        canvas.put(mode, row: 0, column: 0, style: state.training ? .bad : state.settings.mode == .production ? .inverse : .warning)
        let scanners: String
        if state.scanners.isEmpty {
            scanners = "scanner: none"
        } else {
            let connected = state.scanners.values.filter { $0 }.count
            scanners = connected == state.scanners.count ? "scanner: ok" : "scanner: \(state.scanners.count - connected) disconnected"
        }
        let api = state.apiReachable.map { $0 ? "API: ok" : "API: no answer" } ?? "API: –"
        let settings = state.settings
        // The business day, which the next payment reference carries.
        let printer = state.settings.receipts.hasPrinter ? "printer: \(state.printer?.text ?? "–") · " : ""
        // Narrow, the right side gives way first where it says least: no scanner, then the year.
        let day = state.today.dotted
        let rights = [
            "\(scanners) · \(printer)\(api) · \(day) · sale \(state.receiptNumber) ",
            (state.scanners.isEmpty ? "" : "\(scanners) · ") + "\(printer)\(api) · \(day) · sale \(state.receiptNumber) ",
            (state.scanners.isEmpty ? "" : "\(scanners) · ") + "\(printer)\(api) · \(day.prefix(5)) · sale \(state.receiptNumber) ",
        ]
        let minimumLeft = " till \(settings.tillID)" + (state.employee.map { " · \($0.id)" } ?? "")
        let right = rights.first { canvas.size.columns - mode.count - $0.count >= minimumLeft.count } ?? rights[rights.count - 1]
        // Narrow: the store id gives way first, then the employee's name for their number (the
        // till id, the employee and the day stay).
        let candidates = [
            " \(settings.shopName) · store \(settings.storeID) · till \(settings.tillID)" + (state.employee.map { " · \($0.name)" } ?? ""),
            " \(settings.shopName) · till \(settings.tillID)" + (state.employee.map { " · \($0.name)" } ?? ""),
            " \(settings.shopName) · till \(settings.tillID)" + (state.employee.map { " · \($0.id)" } ?? ""),
            " till \(settings.tillID)" + (state.employee.map { " · \($0.id)" } ?? ""),
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
        if state.mode == .selling(.code) {
            // Log-out and training only where someone logged in (a till with a staff list).
            var bindings: [(label: String, help: String, essential: Bool)] =
                KeyMap.bindings.filter { state.employee != nil || ($0.command != .logOut && $0.command != .training) }
                    .map { ($0.label, $0.help, KeyMap.essential.contains($0.command)) } + [("↑↓", "Line", false)]
            func width() -> Int { bindings.reduce(0) { $0 + $1.label.count + $1.help.count + 3 } - 2 }
            while width() > canvas.size.columns, let last = bindings.lastIndex(where: { !$0.essential }) {
                bindings.remove(at: last)
            }
            items = bindings.map { ($0.label, $0.help) }
        } else {
            // Every other mode's keys come from the same table the reducer reads them from.
            // Printing is offered where there is a printer (the key still says why not elsewhere).
            items = KeyMap.panel(state.mode).filter { $0.action != .print || state.settings.receipts.hasPrinter }.map { ($0.label, $0.help) }
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
        let prompt: String
        switch state.mode {
        case .confirmingQuit:
            prompt = "Quit? (y/n)"
        case .confirmingVoid:
            prompt = "Void the sale? (y/n)"
        case .returning(let session):
            switch session.phase {
            case .askingSale: prompt = "Receipt number or reference"
            case .choosing: prompt = "Lines to return"
            default: return
            }
        case .selling(let entry):
            switch entry {
            case .code: prompt = "Barcode, number or name"
            case .search: prompt = "Search"
            case .phone: prompt = "Customer's mobile"
            case .weight: prompt = "Weight (kg)"
            case .quantity: prompt = "New quantity"
            case .discount: prompt = "Discount (amount or %)"
            }
        case .paying, .recoveredSale, .report:
            return
        case .loggingIn, .authorizing:
            guard let form = state.logIn ?? state.approval?.form else { return }
            let shown = form.field == .employee ? form.employeeID : String(repeating: "•", count: form.pin.count)
            prompt = form.field == .employee ? "Employee number" : "PIN"
            canvas.put("\(prompt): ", row: row, column: 0, style: .bold)
            canvas.put(shown + (form.checking ? "" : "▏"), row: row, column: prompt.count + 2)
            return
        }
        canvas.put("\(prompt): ", row: row, column: 0, style: .bold)
        canvas.put(state.entry + "▏", row: row, column: prompt.count + 2)
    }

    static func bannerLine(_ state: TillState, _ canvas: inout Canvas, row: Int) {
        guard let banner = state.banner else { return }
        let style: CellStyle
        switch banner.kind {
        case .info: style = .normal
        case .success: style = .good
        case .warning: style = .warning
        case .error: style = .bad
        }
        canvas.put(banner.text, row: row, column: 0, style: style)
    }

    // MARK: Log-in

    /// The log-in (or manager approval) form. DEMO shows its demo staff, so that the first
    /// start leads straight to a sale.
    static func logInPanel(_ state: TillState, _ form: LogInForm, title: String, purpose: String?, _ canvas: inout Canvas, top: Int) {
        canvas.put(title, row: top + 1, column: 4, style: .bold)
        var row = top + 3
        if let purpose {
            canvas.put("To \(purpose).", row: row, column: 4)
            row += 2
        }
        let employee = form.employeeID.isEmpty ? "" : form.employeeID
        canvas.put("Employee number  " + employee, row: row, column: 4, style: form.field == .employee ? .bold : .normal)
        canvas.put("PIN              " + String(repeating: "•", count: form.pin.count), row: row + 1, column: 4,
                   style: form.field == .pin ? .bold : .normal)
        row += 3
        if form.checking { canvas.put("Checking…", row: row, column: 4, style: .dim) }
        if state.settings.mode == .demo {
            canvas.put("DEMO staff: cashier 1001, PIN 1234 · manager 9001, PIN 9999", row: row + 2, column: 4, style: .dim)
        }
        if state.training { canvas.put("TRAINING MODE is on", row: row + 3, column: 4, style: .bad) }
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
        canvas.put(" #  " + "Item".fitted(layout.name) + " " + "Qty".right(layout.quantity) + " " + "Price".right(layout.price)
                   + " " + "Total".right(layout.total), row: top, column: 0, style: .dim)
        let lines = state.basket.lines
        guard !lines.isEmpty else {
            canvas.put("Scan or type a product to start a sale.", row: top + 2, column: 4, style: .dim)
            return
        }
        let visible = max(1, bottom - top)
        let focus = state.selectedLine ?? lines.count - 1
        let first = max(0, min(focus - visible + 1, lines.count - visible))
        for (offset, index) in (first..<min(lines.count, first + visible)).enumerated() {
            let line = lines[index]
            var name = line.product.name
            if line.discount > 0 { name += " (-\(amount(state, line.discount)))" }
            if line.isReturn { name = "RETUR " + name }
            let unit = line.product.unit == .kilogram ? "/kg" : ""
            let text = String(index + 1).right(2) + "  " + name.fitted(layout.name) + " "
                + line.quantity.display.right(layout.quantity) + " " + (amount(state, line.product.unitPrice) + unit).right(layout.price)
                + " " + amount(state, line.signedTotal).right(layout.total)
            canvas.put(text, row: top + 1 + offset, column: 0, style: state.selectedLine == index ? .inverse : .normal)
        }
    }

    static func searchResults(_ state: TillState, _ canvas: inout Canvas, bottom: Int) {
        let results = state.searchResults
        let height = min(results.count, 8) + 1
        let top = max(2, bottom - height + 1)
        canvas.put(" Search: \(results.isEmpty ? "no match" : "\(results.count) match\(results.count == 1 ? "" : "es"), Enter adds")"
                   .fitted(canvas.size.columns), row: top, column: 0, style: .inverse)
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
        case .none: customer = "Customer: – (scan QR or \(KeyMap.label(for: .customer)))"
        case .phoneNumber(let number): customer = "Customer: \(number.masked)"
        case .personalQR(let code): customer = "Customer: \(code.masked)"
        }
        canvas.put(customer, row: top + 1, column: 1, width: width / 2)
        let total = "TOTAL " + money(state, state.basket.total)
        canvas.put(total, row: top + 1, column: width - total.count - 1, style: .bold)
        for (index, vat) in state.basket.vatSummaries.enumerated() {
            let text = "VAT \(vat.rate.label): \(amount(state, vat.tax)) of \(amount(state, vat.gross))"
            canvas.put(text, row: top + 2 + index, column: width - text.count - 1, style: .dim)
        }
        let items = state.basket.itemCount
        if items > 0 { canvas.put("\(items) item\(items == 1 ? "" : "s")", row: top + 2, column: 1, style: .dim) }
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
        let total = money(state, payment.amount)
        switch payment.phase {
        case .creating:
            lines = [("Sending the payment request…", .bold), ("", .normal), ("Amount: \(total)", .normal)]
        case .waiting, .checking:
            let elapsed = state.now - payment.startedAt
            let left = payment.expiresAt - state.now
            lines = [
                ("WAITING FOR THE CUSTOMER", .bold),
                ("", .normal),
                ("Payment request of \(total) sent to \(payment.customer.masked).", .normal),
                ("Ask the customer to open the Vipps or MobilePay app and approve it.", .normal),
                ("", .normal),
                ("Waited \(clock(elapsed)) · expires in \(clock(left))", .dim),
                ("Reference \(payment.reference)", .dim),
            ]
            if case .checking(let failure) = payment.phase {
                lines.append(("", .normal))
                lines.append(("No answer from Vipps MobilePay yet; checking. Do not take another payment.", .warning))
                if failure != .noAnswer { lines.append((failure.cashierMessage, .dim)) }
            }
        case .capturing:
            lines = [("APPROVED — completing the payment…", .good), ("", .normal), ("Amount: \(total)", .normal)]
        case .cancelling(let retries):
            lines = [("Cancelling the payment…", .warning), ("", .normal),
                     (retries > 0 ? "The customer is approving right now; trying again (\(retries))" : "", .dim)]
        case .paid(let captured):
            lines = [("PAID  \(money(state, captured))", .good), ("", .normal)]
            let receipt = "Receipt \(state.receiptNumber)"
            switch payment.receiptPrint {
            case nil: lines.append(("\(receipt) sent to the customer's app", .normal))
            case .asking: lines.append(("\(receipt) sent to the customer's app. Printed receipt too? y/n", .bold))
            case .printing: lines.append(("\(receipt) sent to the customer's app; printing it…", .normal))
            case .printed: lines.append(("\(receipt) printed, and sent to the customer's app", .normal))
            case .waiting(let why): lines.append(("\(receipt) not printed yet: \(why). It prints later.", .warning))
            case .notPrinted: lines.append(("\(receipt) sent to the customer's app (not printed)", .normal))
            }
            lines.append(("", .normal))
            for line in payment.receipt.orderLines.prefix(max(0, bottom - top - 8)) {
                let quantity = line.unitInfo?.quantity ?? "1"
                lines.append(("  \(quantity) × \(line.name)".fitted(width - 20) + amount(state, line.totalAmount).right(14), .normal))
            }
            lines.append(("", .normal))
            lines.append(("Enter: next customer", .bold))
        case .failed(let end):
            lines = [("NOT PAID", .bad), ("", .normal), (end.text, .normal), ("", .normal),
                     ("\(KeyMap.label(for: .pay)): try again (new request)  \(KeyMap.label(for: .customer)): change customer  Esc: back to basket", .dim),
                     ("The basket is kept.", .dim)]
        }
        for (index, (text, style)) in lines.enumerated() where top + 1 + index <= bottom {
            canvas.put(text, row: top + 1 + index, column: 2, style: style, width: width - 4)
        }
    }

    static func returnPanel(_ state: TillState, _ session: ReturnSession, _ canvas: inout Canvas, top: Int, bottom: Int) {
        let width = canvas.size.columns
        var lines: [(String, CellStyle)] = []
        switch session.phase {
        case .askingSale, .lookingUp:
            lines = [("RETURN", .bold), ("", .normal),
                     ("Type or scan the receipt number or the payment reference of the sale,", .normal),
                     ("or a day (21.11, 2026-11-21, today) to see its paid sales.", .normal)]
            if let day = session.candidatesDay, !session.candidates.isEmpty {
                lines.append(("", .normal))
                lines.append(("Paid on \(day.iso):", .bold))
                for sale in session.candidates.prefix(max(0, bottom - top - 8)) {
                    let items = sale.lines.filter { !$0.isReturn }.count
                    lines.append(("\(sale.receiptNumber)  \(amount(state, sale.captured).right(12))  \(items) line(s)  \(sale.reference)", .normal))
                }
                if session.candidates.count > max(0, bottom - top - 8) {
                    lines.append(("… and \(session.candidates.count - max(0, bottom - top - 8)) more", .dim))
                }
            }
        case .done(let refund):
            lines = [("RETURNED", .good), ("", .normal)]
            if let sale = session.sale {
                lines += refund.receiptText(for: sale, locale: state.settings.market.locale).map { ($0, CellStyle.normal) }
            }
        case .failed(let message):
            lines = [("RETURN NOT CONFIRMED", .bad), ("", .normal), (message, .normal)]
        case .choosing, .confirming, .refunding:
            guard let sale = session.sale else { break }
            let returned = session.returnedQuantities
            lines = [("RETURN  receipt \(sale.receiptNumber)  \(sale.reference)", .bold), ("", .normal)]
            let columns = columns(width - 4)
            for line in sale.lines {
                let quantity = line.weighed ? Quantity.grams(line.quantity).display : String(line.quantity)
                let back = returned[line.lineID].map { "  (\($0) returned)" } ?? ""
                let text = "\(line.lineID). \(line.name)\(back)".fitted(columns.name) + quantity.right(columns.quantity)
                    + amount(state, line.total).right(columns.total + columns.price)
                lines.append((text, returned[line.lineID] ?? 0 >= line.quantity ? .dim : .normal))
            }
            lines.append(("", .normal))
            lines.append(("Paid \(money(state, sale.captured)) · can still be refunded \(money(state, session.refundable))", .normal))
            if case .confirming(let amount, let chosen) = session.phase {
                lines.append(("", .normal))
                let what = chosen.map { "\($0.lineID) (\($0.weighed ? Quantity.grams($0.quantity).display : String($0.quantity)))" }
                lines.append(("Back: " + what.joined(separator: ", ") + " = \(money(state, amount))", .warning))
            }
            if case .refunding(let amount) = session.phase {
                lines.append(("", .normal))
                lines.append(("Refunding \(money(state, amount))…", .warning))
            }
        }
        for (index, (text, style)) in lines.enumerated() where top + 1 + index <= bottom {
            canvas.put(text, row: top + 1 + index, column: 2, style: style, width: width - 4)
        }
    }

    static func recoveredPanel(_ state: TillState, _ sale: JournalSale, _ canvas: inout Canvas, top: Int, bottom: Int) {
        let width = canvas.size.columns
        var lines: [(String, CellStyle)] = [
            ("PAID  \(money(state, sale.captured))  (completed after a restart)", .good), ("", .normal),
            ("Receipt \(sale.receiptNumber) · \(sale.customer) · \(sale.reference)", .normal), ("", .normal),
        ]
        for line in sale.lines.prefix(max(0, bottom - top - 8)) {
            let quantity = line.weighed ? Quantity.grams(line.quantity).display : "\(line.quantity) ×"
            lines.append(("  \(quantity) \(line.name)".fitted(width - 20) + amount(state, line.total).right(14), .normal))
        }
        lines.append(("", .normal))
        lines.append(("Enter: next customer", .bold))
        for (index, (text, style)) in lines.enumerated() where top + 1 + index <= bottom {
            canvas.put(text, row: top + 1 + index, column: 2, style: style, width: width - 4)
        }
    }
}
