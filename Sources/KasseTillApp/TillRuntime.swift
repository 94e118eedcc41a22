import Foundation
import KasseCore
import KasseScanning
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
    private let till: Till
    private var state: TillState
    private let client: VippsClient
    private let terminal: CursesTerminal
    private let scanners: USBScannerService?
    private let roles: [(ScannerMatch, ScannerRole)]
    private let logger: Logger
    private let actions: AsyncStream<TillAction>
    private let send: AsyncStream<TillAction>.Continuation
    private var pollTask: Task<Void, Never>?
    private var pollReference: String?
    private var size: TerminalSize
    private let saleCounter: SaleCounter?

    public init(till: Till, state: TillState, client: VippsClient, terminal: CursesTerminal, scanners: USBScannerService?,
                roles: [(ScannerMatch, ScannerRole)], logger: Logger, saleCounter: SaleCounter? = nil) {
        self.saleCounter = saleCounter
        self.till = till
        self.state = state
        self.client = client
        self.terminal = terminal
        self.scanners = scanners
        self.roles = roles
        self.logger = logger
        self.size = terminal.size
        (actions, send) = AsyncStream.makeStream(of: TillAction.self, bufferingPolicy: .unbounded)
    }

    public func run() async {
        let send = self.send
        let terminal = self.terminal
        let inputTask = Task {
            var wedge = KeyboardWedgeDetector()
            for await event in terminal.events {
                switch event {
                case .key(let key):
                    let now = ContinuousClock.now
                    switch key {
                    case .character(let character): _ = wedge.key(character, at: now)
                    case .enter:
                        if case .scan(let text) = wedge.key("\n", at: now), await self.acceptsWedgeScans() {
                            send.yield(.wedgeScanned(text: text))
                            continue
                        }
                    default: break
                    }
                    send.yield(.keyPressed(key))
                case .resized(let size): await self.resized(size)
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
        // Once a second, for the waiting screen's clock. Sleeping, not spinning.
        let tickTask = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                send.yield(.ticked(ContinuousClock.now))
            }
        }
        present()
        for await action in actions {
            let effects = till.reduce(&state, action)
            present()
            for effect in effects { perform(effect) }
            if state.isQuitting { break }
        }
        inputTask.cancel()
        scannerTask.cancel()
        tickTask.cancel()
        pollTask?.cancel()
    }

    private func acceptsWedgeScans() -> Bool { Till.acceptsWedgeScans(state) }

    private func resized(_ newSize: TerminalSize) {
        size = newSize
        present()
    }

    private func present() {
        terminal.present(TillScreen.render(state, size: size))
    }

    private func perform(_ effect: TillEffect) {
        let send = self.send
        let client = self.client
        let logger = self.logger
        switch effect {
        case .bell:
            terminal.bell()
        case .quit:
            send.finish()
        case .createPayment(let request, let key):
            if let saleCounter, !saleCounter.markUsed(state.saleNumber) {
                logger.error("cannot store the sale number \(state.saleNumber) in \(saleCounter.path)")
            }
            logger.info("create \(request.reference) \(request.amount.value) \(request.amount.currency.rawValue) key \(key)")
            Task {
                do {
                    _ = try await client.createPayment(request, idempotencyKey: key)
                    send.yield(.paymentCreated(reference: request.reference))
                } catch let error as VippsError {
                    logger.warning("create \(request.reference): \(error)")
                    // After retries, a timeout, a lost connection or a 5xx/429 leaves the outcome
                    // open: the poller finds out whether the payment exists.
                    let unknown = error.isRetryable
                    send.yield(.paymentCreateFailed(reference: request.reference, message: error.cashierMessage, outcomeUnknown: unknown))
                } catch {
                    send.yield(.paymentCreateFailed(reference: request.reference, message: "\(error)", outcomeUnknown: true))
                }
            }
        case .pollPayment(let reference):
            startPolling(reference)
        case .capture(let reference, let amount, let key):
            logger.info("capture \(reference) \(amount.value) key \(key)")
            Task {
                do {
                    let result = try await client.capture(reference, amount: amount, idempotencyKey: key)
                    send.yield(.captured(reference: reference, aggregate: result.aggregate))
                } catch let error as VippsError {
                    logger.warning("capture \(reference): \(error)")
                    send.yield(.captureFailed(reference: reference, message: error.cashierMessage))
                } catch {
                    send.yield(.captureFailed(reference: reference, message: "\(error)"))
                }
            }
        case .cancel(let reference, let key, let delay):
            logger.info("cancel \(reference) key \(key)")
            Task {
                if delay > .zero { try? await Task.sleep(for: delay) }
                do {
                    let result = try await client.cancel(reference, idempotencyKey: key)
                    send.yield(.cancelled(reference: reference, state: result.state, aggregate: result.aggregate))
                } catch let error as VippsError {
                    logger.warning("cancel \(reference): \(error)")
                    if error.errorCode == 6050 {
                        // Already ended (aborted, expired): what the poller reports is the truth.
                        send.yield(.cancelFailed(reference: reference, message: error.cashierMessage, tryAgain: false))
                    } else {
                        send.yield(.cancelFailed(reference: reference, message: error.cashierMessage, tryAgain: error.isRetryable))
                    }
                } catch {
                    send.yield(.cancelFailed(reference: reference, message: "\(error)", tryAgain: true))
                }
            }
        }
    }

    private func startPolling(_ reference: String) {
        if pollReference == reference, let pollTask, !pollTask.isCancelled { return }
        pollTask?.cancel()
        pollReference = reference
        let poller = PaymentPoller(client: client)
        let send = self.send
        pollTask = Task { [weak self] in
            do {
                for try await update in poller.updates(for: reference) {
                    send.yield(.paymentUpdated(reference: reference, state: update.state, aggregate: update.aggregate))
                }
            } catch let error as VippsError {
                send.yield(.paymentPollFailed(reference: reference, message: error.description))
            } catch is CancellationError {
            } catch {
                send.yield(.paymentPollFailed(reference: reference, message: "\(error)"))
            }
            await self?.pollEnded(reference)
        }
    }

    private func pollEnded(_ reference: String) {
        if pollReference == reference { pollReference = nil }
    }
}
