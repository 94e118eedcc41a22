import Foundation
import KasseCore
import KasseJournal
import KasseJournalSQLite
import KasseLanguage
import KasseNorway
import KassePrinting
import KasseScanning
import KasseStore
import KasseTerminal
import KasseTill
import KasseUSB
import Logging
import VippsClient
import VippsModels

/// Runs the till: one actor owns the state; keys, scans, ticks and effect results come in as
/// actions; each action goes through the pure reducer; the screen is redrawn; effects are
/// carried out as tasks whose results come back as actions. Network work never blocks input.
public actor TillRuntime {
    /// The till's rules and catalog; the catalog is replaced when the store server sends a new one.
    private var till: Till
    private var state: TillState
    private let client: VippsClient
    /// Training mode's payments go here (the embedded simulator), never to `client`; nil: a
    /// training sale is refused rather than sent anywhere else.
    private let trainingClient: VippsClient?
    private let terminal: any TillTerminal
    private let scanners: USBScannerService?
    private let roles: [(ScannerMatch, ScannerRole)]
    private let logger: Logger
    private let actions: AsyncStream<TillAction>
    private let send: AsyncStream<TillAction>.Continuation
    /// The sale's and recovery's payments (create, poll, capture, cancel, recovery's reads and writes).
    private let payments: PaymentEffects
    /// Events the store server pushes (nil: no server configured).
    private let storeEvents: AsyncStream<StoreEvent>?
    /// Where the customer's view goes (the customer displays), on every change.
    private let customerView: (@Sendable (CustomerView) -> Void)?
    /// The store server's event socket is open: polling backs off.
    private let storeConnected: @Sendable () -> Bool
    private var size: TerminalSize
    private let journal: any TillJournal
    /// Norway: the register's signer (nil elsewhere); each signature goes on from the journal's newest.
    private let chain: TransactionChain?
    /// The till's time: the state's now, the tick, delayed captures, cancels and reads, and the
    /// pauses between looks at a payment (`PaymentPoller`); a manual clock in tests.
    private let clock: TillClock
    /// The wall clock, for the time a transaction is signed at (injected for tests).
    private let secondsSince1970: @Sendable () -> Int64
    /// The shop's local date (the wall clock; injected for tests).
    private let today: @Sendable () -> CivilDate
    /// Returns: the day's sales, finding a sale, refunds.
    private let returns: ReturnEffects
    /// Paper and reports: copies, prints, X and Z reports (with the printer, if any).
    private let documents: DocumentEffects
    /// `terminal` and `journal`: the real ones (ncurses, SQLite), or, to test the runtime
    /// in-process, any others.
    public init(till: Till, state: TillState, client: VippsClient, terminal: any TillTerminal, scanners: USBScannerService?,
                roles: [(ScannerMatch, ScannerRole)], logger: Logger, journal: any TillJournal,
                today: (@Sendable () -> CivilDate)? = nil, chain: TransactionChain? = nil, trainingClient: VippsClient? = nil,
                secondsSince1970: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) },
                printer: PrinterSettings? = nil, logo: Bitmap? = nil, printRetryInterval: Duration = .seconds(3),
                storeEvents: AsyncStream<StoreEvent>? = nil, storeConnected: @escaping @Sendable () -> Bool = { false },
                pollTiming: PollTiming = PollTiming(), customerView: (@Sendable (CustomerView) -> Void)? = nil,
                clock: TillClock = .continuous) {
        self.clock = clock
        self.customerView = customerView
        self.storeEvents = storeEvents
        self.storeConnected = storeConnected
        self.chain = chain
        self.trainingClient = trainingClient
        self.secondsSince1970 = secondsSince1970
        self.journal = journal
        let zone = state.settings.timeZone
        self.today = today ?? { TillLauncher.today(in: zone) }
        self.till = till
        var state = state
        // What the core decides about receipts follows the printer the till has.
        if printer == nil { state.settings.receipts = .noPrinter }
        state.settings.receiptColumns = printer?.columns ?? 48
        self.state = state
        self.client = client
        self.terminal = terminal
        self.scanners = scanners
        self.roles = roles
        self.logger = logger
        self.size = terminal.size
        let (actions, send) = AsyncStream.makeStream(of: TillAction.self, bufferingPolicy: .unbounded)
        (self.actions, self.send) = (actions, send)
        let settings = state.settings
        self.payments = PaymentEffects(send: send, logger: logger, clock: clock, secondsSince1970: secondsSince1970, timing: pollTiming,
                                       storeConnected: storeConnected)
        self.returns = ReturnEffects(journal: journal, client: client, logger: logger, send: send)
        self.documents = DocumentEffects(
            journal: journal,
            printer: printer.map { ReceiptPrinter(settings: $0, logo: logo, till: settings, retryInterval: printRetryInterval, logger: logger, send: send) },
            settings: settings, logger: logger, send: send, today: self.today, secondsSince1970: secondsSince1970)
    }

    /// Runs until the cashier quits; first settles, in the background, the payments the
    /// journal left open (a crash or power cut in the middle of a payment).
    public func run(recovering unsettled: [UnsettledPayment] = []) async {
        let send = self.send
        let terminal = self.terminal
        let clock = self.clock
        let inputTask = Task {
            var wedge = KeyboardWedgeDetector()
            for await event in terminal.events {
                switch event {
                case .key(let key):
                    let now = clock.now()
                    switch key {
                    case .character(let character): _ = wedge.key(character, at: now)
                    case .enter:
                        if case .scan(let text) = wedge.key("\n", at: now), self.acceptsWedgeScans() {
                            send.yield(.wedgeScanned(text: text))
                            continue
                        }
                    default: break
                    }
                    send.yield(.keyPressed(key))
                case .resized(let size): self.resized(size)
                }
            }
        }
        let scannerTask = Task { [scanners, roles] in
            guard let scanners else { return }
            for await event in scanners.events {
                switch event {
                case .scan(let device, let text):
                    let role = roles.first { $0.0.matches(vendorID: device.vendorID, productID: device.productID, portPath: device.portPath) }?.1 ?? .cashier
                    send.yield(.scanned(text: text, device: device.description, role: role))
                case .connected(let device, _): send.yield(.scannerChanged(device: device.description, connected: true, detail: ""))
                case .disconnected(let device, let reason):
                    send.yield(.scannerChanged(device: device.description, connected: false, detail: reason))
                case .unavailable(let device, let reason):
                    send.yield(.scannerChanged(device: device.description, connected: false, detail: reason))
                }
            }
        }
        // Once a second while a payment is on screen, for the waiting screen's clock; an idle
        // till is not redrawn at all. Sleeping, not spinning.
        // The same loop notices midnight: the business day (payment references, VAT rates)
        // follows the shop's local date without a restart.
        let today = self.today
        let tickTask = Task { [day = state.today] in
            var day = day
            while !Task.isCancelled {
                do { try await clock.sleep(.seconds(1)) } catch { return }
                if self.showsAClock() { send.yield(.ticked(clock.now())) }
                let now = today()
                if now != day {
                    day = now
                    send.yield(.dayChanged(now))
                }
            }
        }
        // The store server's events: one for the payment on screen ends the poll's wait, so an
        // approval shows at once; the payment is still read back from Vipps MobilePay before
        // anything is captured (an event is a hint, the API is the truth).
        // (The link has logged each event as it came: not again here.)
        let storeTask = Task { [storeEvents] in
            guard let storeEvents else { return }
            for await event in storeEvents {
                if event.settlesWaiting { self.payments.nudge(event.reference) }
            }
        }
        // Recovery is decided by the reducer like everything else: the payments come in as an action.
        await documents.resumePrinting()
        if !unsettled.isEmpty {
            send.yield(.recoveryStarted(unsettled.map { payment in
                // Approved and being captured (the customer may have left with the goods): always wanted.
                var recovering = RecoveringPayment(
                    start: payment.start,
                    unwanted: !payment.captureStarted && (payment.saleAbandoned || payment.supersededByLaterAttempt || payment.cancelStarted))
                recovering.captureTries = payment.captureTries
                // A payment settled by recovery belongs to whoever started it, logged in or not now.
                recovering.startedBy = payment.startedBy
                return recovering
            }))
        }
        present()
        for await action in actions {
            // The reducer reads the time from the state: keep it current even when no tick came.
            state.now = clock.now()
            state.secondsSince1970 = secondsSince1970()
            // The core decides the step whole: its journal write (events, signature request,
            // receipts, prints), stored first, from this one place, so what is about to be sent
            // is stored (with its idempotency key) before it is; then its effects.
            let step = till.step(&state, action)
            var effects = step.effects
            if let write = step.write {
                do {
                    try await journal.commit(write, chain: chain, logger: logger)
                    documents.stored(write.issue)
                } catch {
                    logger.error("journal: \(error)")
                    effects = refuseVippsWrites(effects, because: error.description)
                }
            }
            present()
            for effect in effects { perform(effect) }
            if state.isQuitting { break }
        }
        documents.stop()
        inputTask.cancel()
        scannerTask.cancel()
        tickTask.cancel()
        storeTask.cancel()
        payments.stop()
    }

    private func acceptsWedgeScans() -> Bool { Till.acceptsWedgeScans(state) }

    private func showsAClock() -> Bool { state.payment != nil }

    private func resized(_ newSize: TerminalSize) {
        size = newSize
        present()
    }

    private func present() {
        terminal.present(TillScreen.render(state, size: size))
        customerView?(CustomerView(state))
    }

    /// The client for the sale on screen: training mode's simulator, or Vipps MobilePay.
    private var saleClient: VippsClient? { state.training ? trainingClient : client }

    /// Each effect to the runner of its concern; what is left is the terminal's.
    private func perform(_ effect: TillEffect) {
        switch effect {
        case .createPayment, .capture, .cancel, .pollPayment:
            // The sale's payment goes to training mode's simulator in training: never to the
            // configured API. Without that simulator nothing is sent.
            guard let saleClient else {
                payments.refuse(effect, because: "training mode has no simulator to pay with; nothing was sent")
                return
            }
            payments.perform(effect, client: saleClient)
        case .readRecovering, .captureRecovered, .cancelRecovered:
            payments.perform(effect, client: client)
        case .listSalesForReturn, .findSaleForReturn, .refundReturn:
            returns.perform(effect)
        case .copyReceipt, .printReceipt, .printReport, .makeReport:
            documents.perform(effect, employee: state.employee?.id)
        case .checkPIN(let employeeID, let pin, let hash):
            PINCheckThread.check(employeeID: employeeID, pin: pin, against: hash, send: send)
        case .record:
            break  // folded into the step's write by the core
        case .bell:
            terminal.bell()
        case .quit:
            send.finish()
        }
    }

    /// Effects that write to Vipps MobilePay are not carried out when their journal entry could
    /// not be stored; each is answered as a failure, so the screen says so and nothing is lost.
    private func refuseVippsWrites(_ effects: [TillEffect], because reason: String) -> [TillEffect] {
        var kept: [TillEffect] = []
        for effect in effects {
            switch effect {
            case .createPayment(let request, _):
                send.yield(.paymentCreateFailed(reference: request.reference, failure: .notSent(reason)))
            case .capture(let reference, _, _, _):
                send.yield(.captureFailed(reference: reference, failure: .notSent(reason)))
            case .cancel(let reference, _, _):
                send.yield(.cancelFailed(reference: reference, failure: .notSent(reason)))
            case .captureRecovered(let reference, _, _), .cancelRecovered(let reference, _):
                send.yield(.recoveryWriteFailed(reference: reference, failure: .notSent(reason)))
            case .refundReturn(let refund):
                send.yield(.returnRefundFailed(refund, .notSent(reason)))
            default:
                kept.append(effect)
            }
        }
        send.yield(.journalFailed(reason))
        return kept
    }

    public typealias PollTiming = PaymentEffects.PollTiming

    /// The till is told to end (SIGTERM, SIGHUP): it closes as on F10 and yes.
    public nonisolated func terminate() {
        send.yield(.terminated)
    }

    /// A new catalog from the store server: sold from the next line on (lines already in the
    /// basket keep their price); the reducer journals its changes and tells the cashier.
    public func replaceCatalog(_ catalog: Catalog, version: Int64) async {
        let changes = CatalogChanges(from: till.catalog, to: catalog)
        var next = Till(catalog: catalog)
        next.paymentLifetime = till.paymentLifetime
        next.staff = till.staff
        till = next
        logger.info("catalog \(version) from the store server: \(catalog.count) products; \(changes.summary)")
        send.yield(.catalogReplaced(version: Int(version), products: catalog.count, priceChanges: changes.prices.count,
                                    summary: changes.summary))
    }
}
