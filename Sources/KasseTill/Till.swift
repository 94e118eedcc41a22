import KasseCore
import KasseLanguage
import VippsModels
import KasseJournal

/// The till's behaviour: state + action → new state + effects. Pure: no terminal, no
/// network, no clock of its own.
public struct Till: Sendable {
    public let catalog: Catalog
    /// Whether keys are going to the code line, where a keyboard-wedge burst is a scan (not in
    /// the phone, weight, quantity or discount lines, where fast typing is just typing).
    public static func acceptsWedgeScans(_ state: TillState) -> Bool {
        state.mode == .selling(.code) || state.mode == .selling(.search)
    }

    /// The default lifetime of a payment request.
    public var paymentLifetime: Duration = .seconds(600)
    /// Who may log in (nil or empty: no log-in; the till starts selling, and the journal names
    /// the configured cashier).
    public var staff: StaffList?

    public init(catalog: Catalog) {
        self.catalog = catalog
    }

    public func reduce(_ state: inout TillState, _ action: TillAction) -> [TillEffect] {
        switch action {
        case .keyPressed(let key): return keyPressed(&state, key)
        case .scanned(let text, let device, let role): return scanned(&state, text: text, device: device, role: role)
        case .wedgeScanned(let text):
            // Only a personal QR code needs the scan path; anything else is what Enter on the
            // entry line does anyway (quantity prefixes included).
            guard case .personalQR = ScanClassification.classify(text) else { return keyPressed(&state, .enter) }
            if state.entry.hasSuffix(text) { state.entry.removeLast(text.count) }
            if state.mode == .selling(.search) { state.mode = .selling(.code); state.searchResults = [] }
            return scanned(&state, text: text, device: "keyboard", role: .cashier)
        case .scannerChanged(let device, let connected, let detail):
            state.scanners[device] = connected
            state.banner = connected ? Banner(.info, .scannerConnected, ["device": .text(device)])
                : Banner(.warning, .scannerDisconnected, ["device": .text(device), "detail": .text(detail)])
            return []
        case .ticked(let now):
            state.now = now
            return []
        case .dayChanged(let day):
            guard day != state.today else { return [] }
            state.today = day
            // A sale still open sells at the new day's rates; one being paid keeps the amount
            // the customer was asked for.
            let changes = state.settings.market.vatSchedule.changes(on: day)
            if state.payment == nil, !state.basket.lines.isEmpty {
                state.basket.setVATRates { product in VATSchedule.rate(product, on: day, in: state.settings.market) }
            }
            if !changes.isEmpty {
                state.banner = Banner(.info, .newVATRates, ["changes": .list(changes.map { .vatChange(from: $0.from, to: $0.to) })])
            }
            return []
        case .paymentCreated(let reference, let redirectUrl):
            guard var payment = state.payment, payment.reference == reference else { return [] }
            state.apiReachable = true
            payment.phase = .waiting
            if payment.customer == .shopQR { payment.qrURL = redirectUrl }
            state.update(payment)
            state.banner = nil
            return [.pollPayment(reference: reference)]
        case .paymentCreateFailed(let reference, let failure):
            guard var payment = state.payment, payment.reference == reference else { return [] }
            if failure.isTransient {
                // Never guess: keep reading the payment until Vipps MobilePay says what happened.
                state.apiReachable = false
                payment.phase = .checking(failure)
                state.update(payment)
                return [.pollPayment(reference: reference)]
            }
            state.apiReachable = true
            payment.phase = .failed(failure == .notFound ? .notCreated : .refused(failure))
            state.update(payment)
            return [.bell]
        case .paymentUpdated(let reference, let paymentState, let aggregate, let guaranteedFor):
            return paymentUpdated(&state, reference: reference, paymentState: paymentState, aggregate: aggregate,
                                  guaranteedFor: guaranteedFor)
        case .paymentPollFailed(let reference, let failure):
            guard var payment = state.payment, payment.reference == reference else { return [] }
            // Only Vipps MobilePay's own "no such payment", for an attempt whose create got no
            // answer, ends it; anything else is checked again.
            if failure == .notFound, case .checking = payment.phase {
                payment.phase = .failed(.notCreated)
                state.update(payment)
                return [.bell]
            }
            state.apiReachable = failure == .notFound
            payment.phase = .checking(failure)
            state.update(payment)
            return [.pollPayment(reference: reference)]
        case .captured(let reference, let aggregate):
            // A capture sent before the customer left with it: recovery follows it now.
            if state.recovering[reference] != nil {
                return recovery(&state, .recoveryCaptured(reference: reference, captured: aggregate.capturedAmount.value))
            }
            guard var payment = state.payment, payment.reference == reference else { return [] }
            state.apiReachable = true
            payment.phase = .paid(captured: aggregate.capturedAmount.value)
            switch state.settings.receipts {
            case .noPrinter: payment.receiptPrint = nil
            case .ask: payment.receiptPrint = .asking
            case .always: payment.receiptPrint = .printing  // printed as it is stored (ReceiptIssue)
            case .never: payment.receiptPrint = .notPrinted(Message(.printerSetNotToPrint))
            }
            state.update(payment)
            state.banner = Banner(.success, .paidBanner, ["amount": money(state, aggregate.capturedAmount.value)])
            return [.bell]
        case .captureFailed(let reference, let failure):
            if state.recovering[reference] != nil {
                return recovery(&state, .recoveryWriteFailed(reference: reference, failure: failure))
            }
            guard var payment = state.payment, payment.reference == reference else { return [] }
            var tries = 0
            if case .captureDelayed(let before) = payment.phase { tries = before }
            switch CaptureRetry.decide(failure, tries: tries, guaranteeEnds: payment.captureGuaranteedUntil, now: state.now) {
            case .again(let tries, let pause):
                payment.phase = .captureDelayed(tries: tries)
                state.update(payment)
                state.banner = Banner(.warning, .captureDelayedBanner, ["count": .number(tries)])
                return [.capture(reference: reference, amount: Amount(currency: state.basket.currency, value: payment.amount),
                                 idempotencyKey: payment.captureKey, after: pause)]
            case .giveUp:
                // While the customer is here: tell the cashier, and release the reservation.
                payment.phase = .failed(.notCaptured)
                state.update(payment)
                state.banner = Banner(.error, .endNotCaptured)
                let key = IdempotencyKey(.releaseUncaptured, reference: reference)
                return [.record([.cancelStarted(sale: state.saleNumber, reference: reference, key: key)]),
                        .cancel(reference: reference, idempotencyKey: key, after: .zero), .bell]
            case .check:
                // An authorization must never be left uncaptured: check the payment and capture again.
                payment.phase = .checking(failure)
                state.update(payment)
                return [.pollPayment(reference: reference)]
            }
        case .cancelled(let reference, let paymentState, let aggregate):
            guard var payment = state.payment, payment.reference == reference else { return [] }
            // Already ended (a reservation released after the capture failed): that stays the reason.
            if case .failed = payment.phase { return [] }
            if paymentState == .AUTHORIZED && aggregate.capturedAmount.value == 0 && aggregate.cancelledAmount.value == 0 {
                return []
            }
            payment.phase = .failed(.cancelled)
            state.update(payment)
            return []
        case .recovered(let notice):
            return recovered(&state, notice)
        case .returnSaleFound, .returnLookupFailed, .returnRefunded, .returnRefundFailed, .returnSalesListed, .returnPendingSettled:
            return returnAction(&state, action)
        case .recoveryStarted, .recoveryRead, .recoveryReadFailed, .recoveryCaptured, .recoveryCancelled, .recoveryWriteFailed:
            return recovery(&state, action)
        case .reportReady(let report):
            let stored = Banner(.success, .zReportStored, ["number": .number(report.number)])
            switch state.mode {
            case .selling, .report:
                state.mode = .report(report, confirmingZ: false)
                state.banner = report.kind == .z ? stored : nil
            default:
                // The cashier went on to something else meanwhile (F11, then F3): the report
                // does not take the screen from it.
                state.banner = report.kind == .z
                    ? stored
                    : Banner(.info, .xReportReadyLater, ["key": .text(KeyMap.label(for: .report))])
            }
            return []
        case .terminated:
            guard !state.isQuitting else { return [] }
            return quitNow(&state)
        case .catalogReplaced(let version, let products, let priceChanges, let summary):
            state.banner = Banner(.info, .catalogFromServer, [
                "version": .number(version), "count": .number(products), "changes": .number(priceChanges),
            ])
            return [.record([.operatorAction("catalog \(version) from the store server: \(products) products; \(summary)")])]
        case .journalFailed(let message):
            state.banner = Banner(.error, .journalProblem, ["detail": .text(message)])
            return [.bell]
        case .pinChecked(let employeeID, let matches):
            return pinChecked(&state, employeeID: employeeID, matches: matches)
        case .printerChanged(let indicator):
            state.printer = indicator
            return []
        case .printJobDone(let outcome):
            return printJobDone(&state, outcome)
        case .receiptCopyDone(let sale, let refusal):
            if var payment = state.payment, case .paid = payment.phase, sale == state.saleNumber, payment.receiptPrint == .printing,
               let refusal {
                payment.receiptPrint = .notPrinted(refusal)
                state.update(payment)
            }
            if let refusal {
                state.banner = Banner(.warning, refusal)
                return [.bell]
            }
            state.banner = Banner(.success, .copyStored, ["number": .text(TillState.receiptNumber(forSale: sale))])
            return []
        case .cancelFailed(let reference, let failure):
            guard var payment = state.payment, payment.reference == reference, case .cancelling(let retries) = payment.phase else {
                return []
            }
            // Already ended (aborted, expired): what the poller reports is the truth.
            var ended = false
            if case .refused(.cannotCancelNonReserved?, _, _) = failure { ended = true }
            if !ended, failure.isTransient, retries < 20 {
                payment.phase = .cancelling(retries: retries + 1)
                state.update(payment)
                state.banner = Banner(.warning, .cancelTryAgain, ["reason": .message(failure.message)])
                return [.cancel(reference: reference, idempotencyKey: payment.cancelKey(retries + 1), after: .seconds(2))]
            }
            state.banner = Banner(.error, .cancelFailed, ["reason": .message(failure.message)])
            payment.phase = .waiting
            state.update(payment)
            return [.pollPayment(reference: reference)]
        }
    }

    /// The till closes: a basket nobody is paying for is voided with it (F10 and yes, SIGTERM).
    func quitNow(_ state: inout TillState) -> [TillEffect] {
        let voided: [TillEffect] = !state.basket.isEmpty && state.payment == nil ? [.record([.saleVoided(state.voidedSale())])] : []
        state.isQuitting = true
        return voided + [.quit]
    }

    // MARK: Keys

    /// The mode on screen has the keys; nothing else does.
    func keyPressed(_ state: inout TillState, _ key: Key) -> [TillEffect] {
        switch state.mode {
        case .confirmingQuit(let underneath):
            if KeyMap.action(for: key, in: state.mode) == .yes { return quitNow(&state) }
            state.mode = underneath
            state.banner = nil
            return []
        case .paying(let payment):
            return paymentKey(&state, payment, key)
        case .recoveredSale:
            if KeyMap.action(for: key, in: state.mode) == .done {
                state.mode = .selling(.code)
                state.banner = Banner(.info, .readyNextCustomer)
            }
            return []
        case .report(let report, let confirmingZ):
            return reportKey(&state, report, confirmingZ: confirmingZ, key)
        case .returning(let session):
            return returnKey(&state, session, key)
        case .selling(let entry):
            return sellingKey(&state, entry, key)
        case .confirmingVoid:
            guard KeyMap.action(for: key, in: state.mode) == .yes else {
                state.mode = .selling(.code)
                state.banner = nil
                return []
            }
            let voided = state.voidedSale()
            startNewSale(&state, advance: true)
            state.banner = Banner(.info, .saleVoided, ["number": .text(voided.receiptNumber)])
            return [.record([.saleVoided(voided)])]
        case .loggingIn(let form):
            return logInKey(&state, form, key)
        case .authorizing(let approval):
            return approvalKey(&state, approval, key)
        }
    }

    func sellingKey(_ state: inout TillState, _ entry: EntryMode, _ key: Key) -> [TillEffect] {
        if let command = KeyMap.command(for: key) { return run(command, &state) }
        switch key {
        case .character(let character):
            state.entry.append(character)
            if entry == .code, state.entry.first?.isLetter == true, !looksLikeCode(state.entry) {
                state.mode = .selling(.search)
            }
            if state.mode == .selling(.search) { updateSearch(&state) }
            return []
        case .backspace:
            if !state.entry.isEmpty { state.entry.removeLast() }
            if entry == .search {
                if state.entry.isEmpty { state.mode = .selling(.code); state.searchResults = [] } else { updateSearch(&state) }
            }
            return []
        case .escape:
            // Leaving a search without adding: the price shown was looked up (13022 in Norway).
            var effects: [TillEffect] = []
            if entry == .search, state.searchResults.indices.contains(state.searchSelection) {
                let product = state.searchResults[state.searchSelection]
                effects = [.record([.priceLookUp(sku: product.sku, name: product.name, price: product.unitPrice,
                                                 articleGroup: product.articleGroup)])]
            }
            state.entry = ""
            state.mode = .selling(.code)
            state.searchResults = []
            state.banner = nil
            return effects
        case .up:
            if entry == .search {
                state.searchSelection = max(0, state.searchSelection - 1)
            } else if !state.basket.lines.isEmpty {
                state.selectedLine = max(0, (state.selectedLine ?? state.basket.lines.count) - 1)
            }
            return []
        case .down:
            if entry == .search {
                state.searchSelection = min(max(0, state.searchResults.count - 1), state.searchSelection + 1)
            } else if let selected = state.selectedLine {
                state.selectedLine = selected + 1 >= state.basket.lines.count ? nil : selected + 1
            }
            return []
        case .enter:
            return submit(&state, entry)
        default:
            return []
        }
    }

    func looksLikeCode(_ text: String) -> Bool {
        catalog.product(sku: text) != nil || text.allSatisfy { $0.isNumber || $0 == "*" }
    }

    func updateSearch(_ state: inout TillState) {
        state.searchResults = catalog.search(name: state.entry, limit: 8)
        state.searchSelection = 0
    }

    func run(_ command: TillCommand, _ state: inout TillState) -> [TillEffect] {
        switch command {
        case .customer:
            // Asked again while asking: the customer scans the shop's QR code instead.
            if state.mode == .selling(.phone), state.entry.isEmpty {
                state.customer = .shopQR
                state.mode = .selling(.code)
                state.banner = Banner(.info, .customerScansShopQR, ["key": .text(KeyMap.label(for: .pay))])
                return []
            }
            state.mode = .selling(.phone)
            state.entry = ""
            state.banner = Banner(.info, .typeMobileOrScan, ["key": .text(KeyMap.label(for: .customer))])
            return []
        case .pay:
            return pay(&state)
        case .search:
            state.mode = .selling(.search)
            updateSearch(&state)
            return []
        case .quantity, .discount, .void:
            guard let index = state.selectedLine ?? (state.basket.lines.isEmpty ? nil : state.basket.lines.count - 1),
                index < state.basket.lines.count
            else {
                state.banner = Banner(.warning, .basketEmpty)
                return []
            }
            let line = state.basket.lines[index]
            state.selectedLine = index
            if command == .void {
                try? state.basket.void(lineID: line.id)
                state.selectedLine = nil
                state.banner = Banner(.info, .lineVoided, ["name": .text(line.product.name)])
                return []
            }
            state.entry = ""
            state.mode = .selling(command == .quantity ? .quantity(lineID: line.id) : .discount(lineID: line.id))
            state.banner = Banner(.info, command == .quantity ? (line.product.unit == .kilogram ? .newWeightFor : .newQuantityFor) : .discountFor,
                                  ["name": .text(line.product.name)])
            return []
        case .newSale:
            if !state.basket.isEmpty {
                // The whole sale cancelled: asked first, then recorded (and in Norway signed) as voided.
                state.mode = .confirmingVoid
                state.banner = Banner(.warning, .confirmVoidSale, ["number": .text(state.receiptNumber), "amount": money(state, state.basket.total), "yes": yes(state)])
                return []
            }
            // After an unpaid attempt the sale keeps its number in the journal; the next sale gets a new one,
            // so no payment reference is ever used twice.
            startNewSale(&state, advance: state.lastFailedAttempt > 0)
            return []
        case .quit:
            if state.hasOpenSale {
                state.mode = .confirmingQuit(state.mode)
                state.banner = Banner(.warning, .confirmQuitOpenSale, ["yes": yes(state)])
                return []
            }
            state.isQuitting = true
            return [.quit]
        case .help:
            return []
        case .report:
            return [.makeReport(.x)]
        case .returnSale:
            if state.training {
                state.banner = Banner(.warning, .noReturnsInTraining)
                return [.bell]
            }
            return startReturn(&state)
        case .logOut:
            return logOut(&state)
        case .training:
            return askForTraining(&state)
        }
    }

    /// Keys while a report is on screen: F12 closes the day (after a yes), anything else closes the report.
    func reportKey(_ state: inout TillState, _ report: JournalReport, confirmingZ: Bool, _ key: Key) -> [TillEffect] {
        let action = KeyMap.action(for: key, in: state.mode)
        if confirmingZ {
            state.mode = .report(report, confirmingZ: false)
            if action == .yes {
                if requiresLogIn {
                    let approval = ManagerApproval(purpose: .zReport(report), form: approvalForm(state), returnTo: state.mode)
                    state.mode = .authorizing(approval)
                    state.banner = Banner(.info, .approvalAsk, ["purpose": .message(approval.purpose.message)])
                    return []
                }
                state.banner = Banner(.info, .makingZReport, ["number": .number(report.number)])
                return [.makeReport(.z)]
            }
            state.banner = nil
            return []
        }
        if action == .closeDay {
            guard state.basket.isEmpty else {
                state.banner = Banner(.warning, .finishBeforeZ)
                return [.bell]
            }
            state.mode = .report(report, confirmingZ: true)
            state.banner = Banner(.warning, .confirmZReport, ["number": .number(report.number), "yes": yes(state)])
            return []
        }
        if action == .print {
            guard state.settings.receipts.hasPrinter else {
                state.banner = Banner(.warning, .noPrinterSetUp)
                return [.bell]
            }
            state.banner = report.kind == .z ? Banner(.info, .printingZReport, ["number": .number(report.number)]) : Banner(.info, .printingXReport)
            return [.record([.printQueued(sale: nil, document: report.kind.documentName, number: String(report.number))]),
                    .printReport(report)]
        }
        state.mode = .selling(.code)
        state.banner = nil
        return []
    }

    func submit(_ state: inout TillState, _ entry: EntryMode) -> [TillEffect] {
        let text = state.entry.trimmingCharacters()
        switch entry {
        case .code:
            guard !text.isEmpty else { return [] }
            var quantity = 1
            var code = text
            if let star = text.firstIndex(of: "*") {
                guard let count = Int(text[..<star]), count > 0, count <= Quantity.maximumPieces else {
                    state.banner = Banner(.error, .quantityBeforeStar)
                    return [.bell]
                }
                quantity = count
                code = String(text[text.index(after: star)...])
            }
            state.entry = ""
            return addProduct(&state, code: code, quantity: quantity)
        case .search:
            guard state.searchResults.indices.contains(state.searchSelection) else {
                state.banner = Banner(.warning, .noProductMatches, ["text": .text(text)])
                return [.bell]
            }
            let product = state.searchResults[state.searchSelection]
            state.entry = ""
            state.mode = .selling(.code)
            state.searchResults = []
            return add(&state, product: product, quantity: 1)
        case .phone:
            do {
                let number = try MSISDN(typed: text, market: state.settings.market)
                state.customer = .phoneNumber(number)
                state.entry = ""
                state.mode = .selling(.code)
                state.banner = Banner(.success, .customerIs, ["customer": .text(number.masked)])
            } catch {
                state.banner = Banner(.error, error.message)
                return [.bell]
            }
            return []
        case .weight(let sku):
            guard let product = catalog.product(sku: sku) else { state.mode = .selling(.code); return [] }
            do {
                let quantity = try Quantity.parseKilograms(text)
                state.entry = ""
                state.mode = .selling(.code)
                try state.basket.add(VATSchedule.priced(product, on: state.today, in: state.settings.market), quantity: quantity)
                state.banner = Banner(.info, .addedWeighed, ["name": .text(product.name), "quantity": .quantity(quantity)])
            } catch {
                // Every error here has its message for the cashier.
                state.banner = Banner(.error, Self.message(error))
                return [.bell]
            }
            return []
        case .quantity(let lineID):
            guard let line = state.basket.line(id: lineID) else { state.mode = .selling(.code); return [] }
            return applyEntry(&state) { state in
                let quantity = line.product.unit == .kilogram ? try Quantity.parseKilograms(text) : try Quantity.parsePieces(text)
                try state.basket.setQuantity(lineID: lineID, to: quantity)
            }
        case .discount(let lineID):
            return applyEntry(&state) { state in
                if text.hasSuffix("%") {
                    let basisPoints = try DecimalInput.parse(String(text.dropLast()), fractionDigits: 2, maximum: 100)
                    try state.basket.setDiscount(lineID: lineID, percentBasisPoints: basisPoints)
                } else {
                    let amount = try Money.parse(text, currency: state.basket.currency)
                    try state.basket.setDiscount(lineID: lineID, minorUnits: amount.minorUnits)
                }
            }
        }
    }

    /// Applies what was typed on a line-editing entry; on success back to the code line, on
    /// failure the error (each describes itself for the cashier) and a bell.
    func applyEntry(_ state: inout TillState, _ change: (inout TillState) throws -> Void) -> [TillEffect] {
        do {
            try change(&state)
            state.entry = ""
            state.mode = .selling(.code)
            state.banner = nil
            return []
        } catch {
            state.banner = Banner(.error, Self.message(error))
            return [.bell]
        }
    }

    func addProduct(_ state: inout TillState, code: String, quantity: Int) -> [TillEffect] {
        switch catalog.lookup(code: code) {
        case .success(let product): return add(&state, product: product, quantity: quantity)
        case .failure(let error):
            state.banner = Banner(.error, error.message)
            return [.bell]
        }
    }

    func add(_ state: inout TillState, product: Product, quantity: Int) -> [TillEffect] {
        if product.unit == .kilogram {
            state.mode = .selling(.weight(sku: product.sku))
            state.entry = ""
            state.banner = Banner(.info, .typeWeightFor, ["name": .text(product.name)])
            return []
        }
        do {
            try state.basket.add(VATSchedule.priced(product, on: state.today, in: state.settings.market), quantity: .pieces(quantity))
            state.selectedLine = nil
            state.banner = quantity > 1 ? Banner(.info, .addedPieces, ["count": .number(quantity), "name": .text(product.name)])
                : Banner(.info, .added, ["name": .text(product.name)])
        } catch {
            state.banner = Banner(.error, Self.message(error))
            return [.bell]
        }
        return []
    }

    // MARK: Scans

    func scanned(_ state: inout TillState, text: String, device: String, role: ScannerRole) -> [TillEffect] {
        // The customer display answers the customer's own scan (and a code the cashier scanned for them).
        let answer = CustomerView.ScanAnswer.of(text)
        if role == .kiosk || answer == .recognised { state.customerScan = answer }
        switch ScanClassification.classify(text) {
        case .personalQR(let code):
            if let payment = state.payment, payment.isOpen {
                state.customerScan = .paymentInProgress
                state.banner = Banner(.warning, .paymentInProgressQR)
                return [.bell]
            }
            state.customer = .personalQR(code)
            if state.mode == .selling(.phone) { state.mode = .selling(.code); state.entry = "" }
            state.banner = Banner(.success, .customerIs, ["customer": .text(code.masked)])
            return []
        case .gtin, .text:
            if role == .kiosk {
                state.banner = Banner(.warning, .kioskOnlyQR)
                return [.bell]
            }
            var cleaned = text
            while let last = cleaned.last, last.isNewline || last == "\t" { cleaned.removeLast() }
            switch state.mode {
            case .selling:
                break
            case .returning(let session) where session.phase == .askingSale:
                // A receipt's barcode: the sale to return from.
                state.entry = cleaned
                return returnKey(&state, session, .enter)
            case .paying, .confirmingQuit(.paying):
                state.banner = Banner(.warning, .finishPaymentFirst)
                return [.bell]
            case .loggingIn, .authorizing:
                state.banner = Banner(.warning, .logInFirst)
                return [.bell]
            default:
                state.banner = Banner(.warning, .closeScreenFirst)
                return [.bell]
            }
            if cleaned.hasPrefix("http") {
                state.banner = Banner(.error, CustomerInputError.notAPersonalQR.message)
                return [.bell]
            }
            return addProduct(&state, code: cleaned, quantity: 1)
        }
    }

    // MARK: Payment

    func pay(_ state: inout TillState) -> [TillEffect] {
        guard !state.basket.isEmpty else {
            state.banner = Banner(.warning, .basketEmpty)
            return [.bell]
        }
        guard state.basket.total > 0 else {
            state.banner = Banner(.warning, .nothingToPay, ["amount": money(state, state.basket.total)])
            return [.bell]
        }
        guard let customer = state.customer else {
            state.mode = .selling(.phone)
            state.entry = ""
            state.banner = Banner(.warning, .whoPays, ["key": .text(KeyMap.label(for: .pay))])
            return [.bell]
        }
        let attempt = max(state.payment?.attempt ?? 0, state.lastFailedAttempt) + 1
        let reference = PaymentReference(
            store: state.settings.storeID, till: state.settings.tillID, date: state.today, sequence: state.saleNumber, attempt: attempt)
        let receipt = SaleReceipt.make(for: state.basket, posId: "\(state.settings.storeID)-\(state.settings.tillID)",
                                       receiptNumber: state.receiptNumber)
        let amount = state.basket.totalMoney.amount
        var apiCustomer: Customer? = Customer()
        switch customer {
        case .phoneNumber(let number): apiCustomer?.phoneNumber = number.digits
        case .personalQR(let code): apiCustomer?.personalQr = code.content
        case .shopQR: apiCustomer = nil
        }
        // The shop's QR code: the payment's address, which the customer display draws itself.
        let shopQR = customer == .shopQR
        let request = CreatePaymentRequest(
            amount: amount, customer: apiCustomer, customerInteraction: .CUSTOMER_PRESENT, reference: reference.value,
            userFlow: shopQR ? .QR : .PUSH_MESSAGE, qrFormat: shopQR ? QRFormat(format: "TEXT/TARGETURL") : nil,
            paymentDescription: PaymentDescription.make(shopName: state.settings.shopName, receiptNumber: state.receiptNumber),
            receipt: receipt,
            // Where the sale was made, passed back by GET payment: for the shop's own records (no personal data).
            metadata: ["store": state.settings.storeID, "till": state.settings.tillID, "receipt": state.receiptNumber,
                       "sale": String(state.saleNumber)])
        let payment = PaymentAttempt(
            reference: reference.value, attempt: attempt, amount: amount.value, phase: .creating, startedAt: state.now,
            expiresAt: state.now + paymentLifetime, customer: customer, receipt: receipt)
        state.mode = .paying(payment)
        state.entry = ""
        state.banner = nil
        return [.createPayment(request, idempotencyKey: payment.createKey)]
    }

    func paymentKey(_ state: inout TillState, _ payment: PaymentAttempt, _ key: Key) -> [TillEffect] {
        let action = KeyMap.action(for: key, in: state.mode)
        if action == .quit { return run(.quit, &state) }
        switch payment.phase {
        case .paid(let captured):
            if payment.receiptPrint == .asking, action == .yes || action == .no || action == .nextCustomer {
                // The customer's answer (going on without one is a no): printed, or journaled as not.
                var answered = payment
                var effects: [TillEffect] = []
                if action == .yes {
                    answered.receiptPrint = .printing
                    if state.training {
                        // Paper is a training receipt's only form.
                        effects = [.record([.printQueued(sale: state.saleNumber, document: "training", number: state.receiptNumber)]),
                                   .printReceipt(sale: state.saleNumber, receiptNumber: state.receiptNumber)]
                    } else {
                        // The original is in the customer's app: paper is the sale's one copy («KOPI»).
                        effects = [.copyReceipt(state.paidSale(payment, captured: captured))]
                    }
                } else {
                    let reason = Message(action == .no ? .customerWantedNoPaper : .noPaperAsked)
                    answered.receiptPrint = .notPrinted(reason)
                    if !state.training {
                        effects = [.record([.receiptNotPrinted(sale: state.saleNumber, receiptNumber: state.receiptNumber, reason: reason.description)])]
                    }
                }
                state.update(answered)
                if action == .nextCustomer { startNewSale(&state, advance: true) }
                return effects
            }
            if action == .nextCustomer { startNewSale(&state, advance: true) }
            if action == .copyReceipt {
                if state.training {
                    state.banner = Banner(.warning, .trainingNoCopy)
                    return [.bell]
                }
                state.banner = Banner(.info, .makingCopy)
                return [.copyReceipt(state.paidSale(payment, captured: captured))]
            }
            return []
        case .failed:
            switch action {
            case .backToBasket:
                // Back to the basket, which is kept; the next Pay is a new attempt.
                state.mode = .selling(.code)
                state.lastFailedAttempt = payment.attempt
                state.banner = Banner(.info, .backToBasket)
                return []
            case .tryAgain:
                return pay(&state)
            case .changeCustomer:
                state.mode = .selling(.code)
                state.lastFailedAttempt = payment.attempt
                state.customer = nil
                return run(.customer, &state)
            default:
                return []
            }
        case .waiting, .creating, .checking:
            if action == .cancelPayment {
                var cancelling = payment
                cancelling.phase = .cancelling(retries: 0)
                state.update(cancelling)
                return [.cancel(reference: payment.reference, idempotencyKey: payment.cancelKey(0), after: .zero)]
            }
            return []
        case .captureDelayed(let tries):
            guard action == .letCustomerGo else { return [] }
            return handOver(&state, payment, tries: tries)
        case .capturing, .cancelling:
            return []
        }
    }

    /// The customer may go while Vipps MobilePay has still not taken the money: the approved
    /// payment is followed like one from before a restart (captured again after its pause,
    /// with the same key, until the guarantee runs out), and the till goes on to the next sale.
    func handOver(_ state: inout TillState, _ payment: PaymentAttempt, tries: Int) -> [TillEffect] {
        var following = RecoveringPayment(start: state.paymentStart(payment), unwanted: false)
        following.captureTries = tries
        following.guaranteeEnds = payment.captureGuaranteedUntil
        following.announcedWaiting = true
        following.handedOver = true
        state.recovering[payment.reference] = following
        let sale = state.saleNumber
        let number = state.receiptNumber
        startNewSale(&state, advance: true)
        state.banner = Banner(.warning, .captureHandedOver, ["number": .text(number)])
        return [.record([.captureDeferred(sale: sale, reference: payment.reference, tries: tries,
                                          reason: "the customer left; Kasse keeps trying to capture")])]
    }

    func paymentUpdated(_ state: inout TillState, reference: String, paymentState: PaymentState, aggregate: Aggregate,
                        guaranteedFor: Duration? = nil) -> [TillEffect] {
        guard var payment = state.payment, payment.reference == reference else { return [] }
        state.apiReachable = true
        if let guaranteedFor { payment.captureGuaranteedUntil = state.now + guaranteedFor }
        switch paymentState {
        case .CREATED:
            if case .checking = payment.phase { payment.phase = .waiting }
            state.update(payment)
            return []
        case .AUTHORIZED:
            if case .paid = payment.phase { return [] }
            // The cashier is cancelling: the cancel releases the reservation; never capture it.
            if case .cancelling = payment.phase { return [] }
            // Captured again after its pause; given up: released.
            if case .captureDelayed = payment.phase { state.update(payment); return [] }
            if case .failed = payment.phase { return [] }
            if aggregate.capturedAmount.value >= payment.amount {
                return reduce(&state, .captured(reference: reference, aggregate: aggregate))
            }
            if aggregate.cancelledAmount.value > 0 {
                payment.phase = .failed(.cancelled)
                state.update(payment)
                return []
            }
            payment.phase = .capturing
            state.update(payment)
            return [.capture(reference: reference, amount: Amount(currency: state.basket.currency, value: payment.amount),
                             idempotencyKey: payment.captureKey)]
        case .ABORTED:
            payment.phase = .failed(.declined)
        case .EXPIRED:
            payment.phase = .failed(.expired)
        case .TERMINATED:
            payment.phase = .failed(.cancelled)
        }
        state.update(payment)
        return [.bell]
    }

    func recovered(_ state: inout TillState, _ notice: RecoveryNotice) -> [TillEffect] {
        // At the log-in screen: held for whoever logs in (a paid sale to show, a basket to put back).
        if case .loggingIn = state.mode {
            state.heldNotices.append(notice)
            state.banner = Banner(notice.paid ? .success : .warning, .logInToContinue, ["notice": .message(notice.message)])
            return [.bell]
        }
        var idle = false
        if case .selling = state.mode, state.basket.isEmpty { idle = true }
        if let sale = notice.paidSale, idle {
            state.mode = .recoveredSale(sale)
            state.banner = Banner(.success, notice.message)
            return [.bell]
        }
        if let lines = notice.restoreLines, idle {
            for line in lines {
                guard let id = try? state.basket.add(line.product, quantity: line.quantityValue, isReturn: line.isReturn) else {
                    continue
                }
                if line.discount > 0 { try? state.basket.setDiscount(lineID: id, minorUnits: line.discount) }
            }
            state.banner = Banner(.warning, .basketBackAsSale, ["notice": .message(notice.message), "number": .text(state.receiptNumber)])
        } else {
            state.banner = Banner(notice.paid ? .success : .warning, notice.message)
        }
        return [.bell]
    }

    func startNewSale(_ state: inout TillState, advance: Bool) {
        state.basket = Basket(currency: state.settings.market.currency)
        state.customer = nil
        state.customerScan = nil
        state.mode = .selling(.code)
        state.lastFailedAttempt = 0
        state.entry = ""
        state.selectedLine = nil
        state.searchResults = []
        if advance { state.saleNumber += 1 }
        state.banner = advance ? Banner(.info, .readyNextCustomer) : nil
    }

    func money(_ state: TillState, _ minor: Int) -> MessageArgument {
        .money(minor, state.basket.currency)
    }

    /// The yes key of the language on screen, for questions.
    func yes(_ state: TillState) -> MessageArgument { .text(String(state.language.yesKey)) }

    /// What an error says to the cashier.
    static func message(_ error: any Error) -> Message {
        switch error {
        case let error as BasketError: error.message
        case let error as QuantityError: error.message
        case let error as DecimalInputError: error.message
        case let error as CustomerInputError: error.message
        case let error as LookupError: error.message
        case let error as GTINError: error.message
        default: Message(.journalProblem, ["detail": .text("\(error)")])
        }
    }
}

extension String {
    func trimmingCharacters() -> String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}
